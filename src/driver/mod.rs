//! Layer 6, the driver: the run of `aioguard check`, which files to read, parse,
//! summarize and check, and in what order. [`cli`](crate::cli) hands it the settings
//! and the paths and prints what it returns. [`linter`] checks (and fixes) one file,
//! [`write`] writes a fixed file, [`changes`] narrows a run to what changed since a git
//! base, [`cache`] keeps each file's results between runs, [`learn`] learns the sync
//! clients with an async twin from the packages of the project's environment, and
//! [`inert_entries`] finds the configured blocking calls that can never match.
//!
//! The stages:
//! 1. **Discovery**: the files to check, walked from the paths given, or with
//!    `--diff-base`, the changed files git names, kept if a walk would have found them.
//! 2. **Project pass**, when a project-wide rule is on: the checked files, then wave
//!    after wave the modules their results depend on, are read, parsed and summarized in
//!    parallel and indexed ([`ProjectIndex`]); the modules are found by name without
//!    walking the whole project where that can be avoided ([`ProjectFiles`]).
//! 3. **Check**: each checked file is checked (and fixed) in parallel against the index.
//!    A file's report from the project pass stands where the index says the project-wide
//!    rules cannot report in it and it has nothing to fix: the file is then parsed once.
//!
//! With a [`Cache`], a file that did not change is not read: its summary, and its
//! findings by the rules that need no project, are the cache's; the results of the files
//! read are kept in it, and those of a file the fixes rewrote are made again for it.

pub mod add_noqa;
pub mod cache;
pub mod changes;
pub mod inert_entries;
pub mod learn;
pub mod linter;
pub mod server;
pub mod write;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use ruff_python_parser::parse_module;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::analysis::project::modules::{ModuleNames, ProjectFiles, ProjectRoots};
use crate::analysis::project::summary::FileSummary;
use crate::analysis::project::{self, ProjectIndex};
use crate::data::config::{self, Overrides, RuleSet, Settings};
use crate::data::diagnostic::Finding;
use crate::data::discovery::{self, Discovered, DiscoveryError, Visibility};
use crate::data::encoding::SourceText;
use crate::data::registry::PROJECT_RULES;
use crate::driver::cache::{Cache, Stamp};
use crate::driver::changes::Changes;
use crate::driver::linter::{FileReport, FixMode, FixOptions, read_source};

/// Stack size of the checking threads: deeply nested expressions recurse deeply.
pub(crate) const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Set (to anything), the project pass summarizes every module of the project at once
/// instead of only those the checked modules' results depend on; the results are the
/// same (the tests compare them), only the work differs.
pub const WHOLE_PROJECT_VARIABLE: &str = "AIOGUARD_WHOLE_PROJECT";

/// Set, `aioguard check` prints the wall time of each phase of the run ([`Phases`], and
/// the output's) on stderr: what `bench/run` reports.
pub const TIMINGS_VARIABLE: &str = "AIOGUARD_TIMINGS";

/// What a run is asked to do besides checking.
#[derive(Clone, Copy)]
pub struct RunOptions<'r> {
    pub fix: FixOptions,
    /// Apply `exclude` even to files named on the command line.
    pub force_exclude: bool,
    /// Check only what changed since a git base.
    pub changes: Option<&'r Changes>,
    /// Read and parse only (the benchmark's floor).
    pub parse_only: bool,
    /// Where the results of unchanged files are kept between runs.
    pub cache: Option<&'r Cache>,
}

/// What a run found: the files it checked, the paths it could not walk, and a report
/// for each checked file, in the same order.
pub struct RunOutcome {
    pub files: Vec<PathBuf>,
    pub discovery_errors: Vec<DiscoveryError>,
    pub reports: Vec<FileReport>,
    pub phases: Phases,
}

/// How long the phases of a run took (wall time), which `AIOGUARD_TIMINGS` prints.
#[derive(Clone, Copy, Debug, Default)]
pub struct Phases {
    /// Finding the files to check.
    pub walk: Duration,
    /// Reading, parsing and summarizing the project's modules, the checked ones checked
    /// by the same walk, in every wave of modules read.
    pub summaries: Duration,
    /// Building the project's index and finding what blocks, in every wave.
    pub index: Duration,
    /// How many waves of modules the project pass read.
    pub waves: u32,
    /// Checking the files: again, with the index, where the project-wide rules may
    /// report; from the cache or the first pass otherwise.
    pub check: Duration,
}

impl Phases {
    /// `walk 0.081 s, summaries 1.204 s (3 waves), index 0.153 s, check 0.402 s`.
    pub fn describe(&self) -> String {
        format!(
            "walk {:.3} s, summaries {:.3} s ({} {}), index {:.3} s, check {:.3} s",
            self.walk.as_secs_f64(),
            self.summaries.as_secs_f64(),
            self.waves,
            if self.waves == 1 { "wave" } else { "waves" },
            self.index.as_secs_f64(),
            self.check.as_secs_f64()
        )
    }
}

/// The settings of a run from `start` (the first path checked, or a workspace): from the
/// configuration file `config` when given, else the nearest one at or above `start`
/// (none with `no_config`), with the command line's `overrides`.
pub fn load_settings(
    start: &Path,
    config: Option<&Path>,
    no_config: bool,
    overrides: &Overrides,
) -> Result<Settings, String> {
    let config_file = match (no_config, config) {
        (true, _) => None,
        (false, Some(path)) => Some(path.to_path_buf()),
        (false, None) => config::find_config_file(start)?,
    };
    let mut options = match &config_file {
        Some(path) => config::load_options(path)?,
        None => config::Options::default(),
    };
    // Without a `target-version`, fixes are written for the oldest Python the project supports.
    if options.target_version.is_none() && !no_config {
        options.target_version = config::requires_python_target(start);
    }
    let root = match config_file.as_deref().and_then(Path::parent) {
        Some(dir) => std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()),
        None => std::env::current_dir().unwrap_or_default(),
    };
    Settings::new(options, root, config_file, overrides)
}

/// Checks (and fixes) the Python files under `paths`.
pub fn run(paths: &[PathBuf], settings: &Settings, options: RunOptions) -> RunOutcome {
    let mut phases = Phases::default();
    let started = Instant::now();
    let discovered = match options.changes {
        Some(changes) => discover_changed(paths, settings, options.force_exclude, changes),
        None => discovery::discover(paths, settings, options.force_exclude),
    };
    phases.walk = started.elapsed();
    let roots = ProjectRoots::of(paths, settings);
    // Checked again with nothing changed, a whole project gives the last run's findings.
    let recorded =
        options.cache.filter(|_| is_recordable(options, &discovered)).map(|cache| (cache, run_key(paths, &roots)));
    if let Some((cache, key)) = recorded
        && let Some(findings) = cache.run_findings(key, &discovered.files)
    {
        let reports = findings.into_iter().map(|findings| FileReport { findings, ..FileReport::default() }).collect();
        return RunOutcome { files: discovered.files, discovery_errors: discovered.errors, reports, phases };
    }
    let pool = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES).build().expect("thread pool");
    let mut project = (!options.parse_only && project::is_needed(settings.rules)).then(|| {
        // Without --diff-base, the walk of the paths found every file under them.
        let walked = options.changes.is_none().then_some(discovered.files.as_slice());
        let whole_project = std::env::var_os(WHOLE_PROJECT_VARIABLE).is_some();
        pool.install(|| project_pass(paths, &roots, walked, &discovered.files, settings, options.cache, whole_project))
    });
    if let Some(pass) = &project {
        (phases.summaries, phases.index, phases.waves) = (pass.summarizing, pass.indexing, pass.waves);
    }
    let mut early_reports = project.as_mut().map(|pass| std::mem::take(&mut pass.early_reports)).unwrap_or_default();
    early_reports.resize_with(discovered.files.len(), || None);
    let checking = Instant::now();
    let reports = pool.install(|| {
        discovered
            .files
            .par_iter()
            .zip(early_reports)
            .map(|(path, early_report)| check_one(path, settings, options, project.as_ref(), early_report))
            .collect::<Vec<FileReport>>()
    });
    phases.check = checking.elapsed();
    // The findings depend on the checked files alone when they are the whole project.
    if let Some((cache, key)) = recorded
        && project.as_ref().is_none_or(|pass| pass.covers_project)
        && reports.iter().all(|report| report.error.is_none())
    {
        let findings: Vec<&[Finding]> = reports.iter().map(|report| report.findings.as_slice()).collect();
        // Not kept, it is only computed again next time; the shards' writing warns.
        let _ = cache.store_run(key, &discovered.files, &findings);
    }
    RunOutcome { files: discovered.files, discovery_errors: discovered.errors, reports, phases }
}

/// The index of every module of the project under `root` (a workspace an editor keeps
/// open), and the project's top-level module names its summaries are made with; the
/// summaries of unchanged files come from the `cache`.
pub fn index_project(root: &Path, settings: &Settings, cache: Option<&Cache>) -> (ProjectIndex, HashSet<Box<str>>) {
    let paths = [root.to_path_buf()];
    let discovered = discovery::discover(&paths, settings, false);
    let roots = ProjectRoots::of(&paths, settings);
    let pool = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES).build().expect("thread pool");
    let pass = pool.install(|| project_pass(&paths, &roots, Some(&discovered.files), &[], settings, cache, true));
    (pass.index, pass.top_levels.names)
}

/// Whether the findings of this run may be kept whole: a plain report of the paths'
/// files, every one of them found.
fn is_recordable(options: RunOptions, discovered: &Discovered) -> bool {
    options.fix.mode == FixMode::Report
        && options.changes.is_none()
        && !options.parse_only
        && discovered.errors.is_empty()
}

/// What a run's findings depend on besides the settings and its files' content: the
/// paths checked, the directory paths are shown from, and where the project is.
fn run_key(paths: &[PathBuf], roots: &ProjectRoots) -> u64 {
    let sources: Vec<bool> = roots.names_from.iter().map(|root| root.join("src").is_dir()).collect();
    cache::fingerprint(&(paths, std::env::current_dir().ok(), roots, sources))
}

fn check_one(
    path: &Path,
    settings: &Settings,
    options: RunOptions,
    project: Option<&ProjectPass>,
    early_report: Option<FileReport>,
) -> FileReport {
    // A panic is a bug; it is reported against its file and the run goes on.
    let mut report = std::panic::catch_unwind(AssertUnwindSafe(|| {
        if options.parse_only {
            return parse_only(path);
        }
        let index = project.map(|pass| &pass.index);
        match early_report {
            // The summary pass's report stands where the project-wide rules cannot
            // report anything and there is nothing to fix.
            Some(report) if !index.is_some_and(|index| index.may_report(path)) && !has_fixes(&report, options.fix) => {
                report
            }
            // With --diff-base, only the findings it reports are fixed.
            _ => {
                let rows = options.changes.and_then(|changes| changes.rows_to_fix(path));
                check_file(path, settings, options.fix, project, options.cache, rows)
            }
        }
    }))
    .unwrap_or_else(|_| {
        FileReport::failed(format!(
            "{}: internal error while checking this file (a bug in aioguard)",
            discovery::display_path(path)
        ))
    });
    if let Some(changes) = options.changes {
        changes.retain_changed_after_fix(path, report.rows_after_fix.as_deref(), &mut report.findings);
    }
    report
}

/// Whether a run applying `fix` would change anything in the file reported.
fn has_fixes(report: &FileReport, fix: FixOptions) -> bool {
    fix.mode != FixMode::Report && report.findings.iter().any(|finding| finding.is_fixable(fix.applicability))
}

/// Checks one file (fixing it as `fix` says). Without a project index, the findings of
/// an unchanged file are the cache's, when there is nothing to fix.
fn check_file(
    path: &Path,
    settings: &Settings,
    fix: FixOptions,
    project: Option<&ProjectPass>,
    cache: Option<&Cache>,
    rows: Option<&[(usize, usize)]>,
) -> FileReport {
    if project.is_none()
        && let Some(cache) = cache
        && let Some(findings) = cache.findings(path, &discovery::display_path(path))
    {
        let report = FileReport { findings, ..FileReport::default() };
        if !has_fixes(&report, fix) {
            return report;
        }
    }
    check_file_anew(path, settings, fix, project, cache, rows)
}

/// [`check_file`] without looking in the cache. Without a project index (with one, the
/// project pass keeps what the cache holds), the findings are kept in it; a file the
/// fixes rewrote is read and checked again for the cache.
fn check_file_anew(
    path: &Path,
    settings: &Settings,
    fix: FixOptions,
    project: Option<&ProjectPass>,
    cache: Option<&Cache>,
    rows: Option<&[(usize, usize)]>,
) -> FileReport {
    let index = project.map(|pass| &pass.index);
    let findings_cache = cache.filter(|_| index.is_none());
    let (source, stamp) = read_file(path, findings_cache);
    let report = linter::check_read_file(path, source, settings, fix, index, rows);
    if let (Some(cache), Some(stamp)) = (findings_cache, stamp)
        && report.fixed == 0
        && report.error.is_none()
    {
        cache.store(path, stamp, cache::Results { findings: Some(&report.findings), ..cache::Results::default() });
    }
    if let Some(cache) = cache
        && fix.mode == FixMode::Write
        && report.fixed > 0
        && report.error.is_none()
    {
        match project {
            Some(pass) => pass.recache(path, settings, cache),
            None => {
                check_file_anew(path, settings, FixOptions::REPORT, None, Some(cache), None);
            }
        }
    }
    report
}

/// Reads a file, with the stamp to keep its results under when there is a cache.
fn read_file(path: &Path, cache: Option<&Cache>) -> (Result<SourceText, String>, Option<Stamp>) {
    if cache.is_none() {
        return (read_source(path), None);
    }
    match cache::read_stamped(path) {
        Ok((bytes, stamp)) => (linter::decode_source(Ok(bytes)), Some(stamp)),
        Err(error) => (linter::decode_source(Err(error)), None),
    }
}

fn parse_only(path: &Path) -> FileReport {
    match read_source(path) {
        Ok(source) => {
            let _ = parse_module(&source.text);
            FileReport::default()
        }
        Err(error) => {
            FileReport { error: Some(format!("{}: {error}", discovery::display_path(path))), ..FileReport::default() }
        }
    }
}

/// The changed files under `paths` that a walk of them would find (as
/// [`discovery::discover`] finds files), without walking: git names the changed files,
/// and only the directories on their way are listed.
fn discover_changed(paths: &[PathBuf], settings: &Settings, force_exclude: bool, changes: &Changes) -> Discovered {
    let mut visibility = Visibility::new(settings);
    let mut named = Vec::new();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => errors.push(DiscoveryError { path: path.clone(), message: error.to_string() }),
            Ok(metadata) if !metadata.is_dir() => named.push(path.clone()),
            Ok(_) => {
                let Ok(canonical) = std::fs::canonicalize(path) else { continue };
                let changed = changes.paths().filter_map(|changed| changed.strip_prefix(&canonical).ok());
                files.extend(changed.map(|relative| path.join(relative)).filter(|file| visibility.finds(path, file)));
            }
        }
    }
    // Files named explicitly go through discovery's own rules for them.
    let mut discovered = discovery::discover(&named, settings, force_exclude);
    discovered.files.retain(|file| changes.contains(file));
    discovered.files.extend(files);
    discovered.files.sort();
    discovered.files.dedup();
    discovered.errors.extend(errors);
    discovered
}

/// The project index, and the reports of the checked files that the summary pass made
/// with the other rules, in the order of the checked files.
struct ProjectPass {
    index: ProjectIndex,
    early_reports: Vec<Option<FileReport>>,
    /// What the last wave's summaries were made with.
    top_levels: TopLevels,
    /// The checked files are the whole project: nothing else was read.
    covers_project: bool,
    /// Time spent summarizing and indexing, and how many waves of modules were read.
    summarizing: Duration,
    indexing: Duration,
    waves: u32,
}

impl ProjectPass {
    /// Summarizes and checks again a file this run rewrote, to keep its new results in
    /// the cache.
    fn recache(&self, path: &Path, settings: &Settings, cache: &Cache) {
        let Some(file) = self.index.file_of(path) else { return };
        let module = self.index.files()[file as usize].module.clone();
        summarize_anew(path.to_path_buf(), module, settings, &self.top_levels, true, Some(cache));
    }
}

/// The project's top-level module names, which a summary is made with, and their key.
struct TopLevels {
    names: HashSet<Box<str>>,
    key: u64,
}

impl TopLevels {
    fn new(names: &HashSet<Box<str>>) -> Self {
        let mut sorted: Vec<&str> = names.iter().map(|name| &**name).collect();
        sorted.sort_unstable();
        TopLevels { key: cache::fingerprint(&sorted), names: names.clone() }
    }

    /// The key of what a module's summary is made with besides its content.
    fn summary_key(&self, module: &ModuleNames) -> u64 {
        cache::fingerprint(&(self.key, module))
    }
}

/// Summarizes the project of the checked paths and indexes it: `paths` as given,
/// `walked` every file found under them when they were walked, `checked` the files to
/// report; with `whole_project`, every module of the project is summarized at once.
///
/// Only the modules the checked files' results depend on are read: the checked files
/// first, then, wave after wave, the modules that resolving their project-wide calls
/// (and the calls of the functions those reach, and the classes' bases) looked for and
/// the index lacked ([`ProjectIndex::demanded_modules`]), until none is missing. A file
/// with no such call loads nothing else. Files that cannot be read or parsed are left
/// out: the check reports them when they are checked.
///
/// The project's files are listed when the paths walked cover the project (or the whole
/// project is to be summarized); otherwise they are probed for by name.
///
/// The checked files are also checked with the other rules in the same parse. With a
/// `cache`, the summaries and these reports of files that did not change are taken from
/// it, and the others kept in it.
fn project_pass(
    paths: &[PathBuf],
    roots: &ProjectRoots,
    walked: Option<&[PathBuf]>,
    checked: &[PathBuf],
    settings: &Settings,
    cache: Option<&Cache>,
    whole_project: bool,
) -> ProjectPass {
    let walked_all = walked.filter(|_| roots.walk.iter().all(|root| paths.iter().any(|path| same_path(path, root))));
    let covers_project = walked_all.is_some() && !whole_project;
    let probed = match walked_all.is_none() && !whole_project {
        true => ProjectFiles::probed(roots, settings),
        false => None,
    };
    let mut project = probed.unwrap_or_else(|| {
        let mut files = match walked_all {
            Some(walked) => walked.to_vec(),
            None => discovery::discover(&roots.walk, settings, false).files,
        };
        files.extend(walked.unwrap_or(checked).iter().cloned());
        files.extend(checked.iter().cloned());
        files.sort();
        files.dedup();
        ProjectFiles::listed(roots, files, settings)
    });

    let checked_ids: Vec<usize> = checked.iter().map(|path| project.add(path)).collect();
    let is_checked: HashSet<usize> = checked_ids.iter().copied().collect();
    let mut wave: Vec<usize> = if whole_project { (0..project.count()).collect() } else { checked_ids };
    wave.sort_unstable();
    wave.dedup();
    let mut read: Vec<bool> = Vec::new();
    let mut summaries: Vec<FileSummary> = Vec::new();
    let mut early: Vec<Option<FileReport>> = Vec::new();
    let mut first_wave = true;
    let (mut summarizing, mut indexing, mut waves) = (Duration::ZERO, Duration::ZERO, 0);
    let (index, top_levels) = loop {
        waves += 1;
        let wave_started = Instant::now();
        read.resize(project.count(), false);
        for &file in &wave {
            read[file] = true;
        }
        let work: Vec<(usize, PathBuf, ModuleNames)> =
            wave.iter().map(|&file| (file, project.path(file).to_path_buf(), project.names(file).clone())).collect();
        let top_levels = TopLevels::new(project.top_levels());
        let (summarized, reports): (Vec<Option<FileSummary>>, Vec<Option<FileReport>>) = work
            .into_par_iter()
            .map(|(file, path, module)| {
                let check_too = first_wave && is_checked.contains(&file);
                // A panic is a bug: the file is left out here, and its check reports it.
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    summarize_file(path, module, settings, &top_levels, check_too, cache)
                }))
                .unwrap_or((None, None))
            })
            .unzip();
        if first_wave {
            let mut by_path: HashMap<&Path, FileReport> =
                wave.iter().zip(reports).filter_map(|(&file, report)| Some((project.path(file), report?))).collect();
            early = checked.iter().map(|path| by_path.remove(path.as_path())).collect();
        }
        first_wave = false;
        summaries.extend(summarized.into_iter().flatten());
        let indexing_started = Instant::now();
        summarizing += indexing_started - wave_started;
        let index = ProjectIndex::build(summaries, top_levels.names.clone(), project.unread(&read), settings);
        indexing += indexing_started.elapsed();
        // Every file of a listed project read: nothing can be missing.
        if project.is_complete(&read) {
            break (index, top_levels);
        }
        let roots: Vec<u32> = checked.iter().filter_map(|path| index.file_of(path)).collect();
        wave = Vec::new();
        let settled = project.settled();
        for module in index.demanded_modules(&roots) {
            // The longest prefix that names a file is what the lookup will settle on:
            // read it now rather than one wave per dotted part.
            let mut prefix = module.as_ref();
            let claimants = loop {
                let claimants = project.claimants(prefix);
                match prefix.rsplit_once('.') {
                    Some((package, _)) if claimants.is_empty() => prefix = package,
                    _ => break claimants.to_vec(),
                }
            };
            wave.extend(claimants.into_iter().filter(|&file| !read.get(file).copied().unwrap_or(false)));
        }
        wave.sort_unstable();
        wave.dedup();
        // Probing may settle a name on files read already: the index is then built
        // again with the name settled.
        if wave.is_empty() && project.settled() == settled {
            break (index, top_levels);
        }
        summaries = index.into_files();
    };
    ProjectPass { index, early_reports: early, top_levels, covers_project, summarizing, indexing, waves }
}

fn same_path(a: &Path, b: &Path) -> bool {
    a.components().eq(b.components())
}

/// Reads, parses and summarizes one file; with `check_too`, also checks it with the
/// rules that need no project, in the same parse. What the cache has for the file, when
/// it did not change, stands for all that.
fn summarize_file(
    path: PathBuf,
    module: ModuleNames,
    settings: &Settings,
    top_levels: &TopLevels,
    check_too: bool,
    cache: Option<&Cache>,
) -> (Option<FileSummary>, Option<FileReport>) {
    if let Some(cache) = cache
        && let Some(summary) = cache.summary(&path, top_levels.summary_key(&module))
    {
        if !check_too {
            return (summary, None);
        }
        if let Some(findings) = cache.findings(&path, &discovery::display_path(&path)) {
            return (summary, Some(FileReport { findings, ..FileReport::default() }));
        }
    }
    summarize_anew(path, module, settings, top_levels, check_too, cache)
}

/// [`summarize_file`] without looking in the cache; the results are kept in it.
fn summarize_anew(
    path: PathBuf,
    module: ModuleNames,
    settings: &Settings,
    top_levels: &TopLevels,
    check_too: bool,
    cache: Option<&Cache>,
) -> (Option<FileSummary>, Option<FileReport>) {
    let filename = || discovery::display_path(&path);
    let (source, stamp) = read_file(&path, cache);
    let source = match source {
        Ok(source) => source,
        Err(error) => return (None, check_too.then(|| FileReport::failed(format!("{}: {error}", filename())))),
    };
    let summary_key = top_levels.summary_key(&module);
    let (summary, findings) = match parse_module(&source.text) {
        Ok(parsed) => {
            let enabled = match check_too {
                true => PROJECT_RULES.iter().fold(settings.rules_for(&path), |rules, rule| rules.without_rule(rule)),
                false => RuleSet::EMPTY,
            };
            let (summary, diagnostics) = linter::summarize_and_check(
                path.clone(),
                module,
                &source.text,
                &parsed,
                settings,
                &top_levels.names,
                enabled,
            );
            if summary.is_none() {
                // Nested too deeply to walk, and so to drop without overflowing the stack.
                std::mem::forget(parsed);
            }
            (summary, check_too.then(|| linter::findings_of(&filename(), &source.text, diagnostics)))
        }
        Err(error) => {
            let findings =
                check_too.then(|| linter::findings_of(&filename(), &source.text, vec![linter::syntax_error(&error)]));
            (None, findings)
        }
    };
    if let (Some(cache), Some(stamp)) = (cache, stamp) {
        let results = cache::Results {
            summary: Some((summary_key, summary.as_ref())),
            findings: findings.as_deref(),
            ..cache::Results::default()
        };
        cache.store(&path, stamp, results);
    }
    (summary, findings.map(|findings| FileReport { findings, ..FileReport::default() }))
}
