//! The run of `aioguard check`: which files to read, parse, summarize and check, and in
//! what order. [`cli`](crate::cli) hands it the settings and the paths and prints what
//! it returns.
//!
//! The stages:
//! 1. **Discovery**: the files to check, walked from the paths given, or with
//!    `--diff-base`, the changed files git names, kept if a walk would have found them.
//! 2. **Project pass**, when a project-wide rule is on: the checked files, then wave
//!    after wave the modules their results depend on, are read, parsed and summarized in
//!    parallel and indexed ([`ProjectIndex`]); the modules are found by name without
//!    walking the whole project where that can be avoided ([`ProjectFiles`]).
//! 3. **Check**: each checked file is checked (and fixed) in parallel against the index.
//!    Without fixes, a file's report from the project pass stands where the index says the
//!    project-wide rules cannot report in it: the file is then parsed once.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ruff_python_parser::parse_module;

use crate::changes::Changes;
use crate::config::{RuleSet, Settings};
use crate::discovery::{self, Discovered, DiscoveryError, Visibility};
use crate::linter::{self, FileReport, FixMode, FixOptions, read_source};
use crate::project::modules::{ModuleNames, ProjectFiles, ProjectRoots};
use crate::project::summary::FileSummary;
use crate::project::{self, PROJECT_RULES, ProjectIndex};

/// Stack size of the checking threads: deeply nested expressions recurse deeply.
const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Set (to anything), the project pass summarizes every module of the project at once
/// instead of only those the checked modules' results depend on; the results are the
/// same (the tests compare them), only the work differs.
pub const WHOLE_PROJECT_VARIABLE: &str = "AIOGUARD_WHOLE_PROJECT";

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
}

/// What a run found: the files it checked, the paths it could not walk, and a report
/// for each checked file, in the same order.
pub struct RunOutcome {
    pub files: Vec<PathBuf>,
    pub discovery_errors: Vec<DiscoveryError>,
    pub reports: Vec<FileReport>,
}

/// Checks (and fixes) the Python files under `paths`.
pub fn run(paths: &[PathBuf], settings: &Settings, options: RunOptions) -> RunOutcome {
    let discovered = match options.changes {
        Some(changes) => discover_changed(paths, settings, options.force_exclude, changes),
        None => discovery::discover(paths, settings, options.force_exclude),
    };
    let pool = rayon::ThreadPoolBuilder::new().stack_size(WORKER_STACK_BYTES).build().expect("thread pool");
    let project = (!options.parse_only && project::is_needed(settings.rules)).then(|| {
        // Without fixes, the summary pass also checks the files with the other rules,
        // so that most files are parsed once.
        let early_reports = options.fix.mode == FixMode::Report;
        // Without --diff-base, the walk of the paths found every file under them.
        let walked = options.changes.is_none().then_some(discovered.files.as_slice());
        pool.install(|| project_pass(paths, walked, &discovered.files, settings, early_reports))
    });
    let (index, mut early_reports) = match project {
        Some(pass) => (Some(pass.index), pass.early_reports),
        None => (None, Vec::new()),
    };
    early_reports.resize_with(discovered.files.len(), || None);
    let reports = pool.install(|| {
        discovered
            .files
            .par_iter()
            .zip(early_reports)
            .map(|(path, early_report)| check_one(path, settings, options, index.as_ref(), early_report))
            .collect()
    });
    RunOutcome { files: discovered.files, discovery_errors: discovered.errors, reports }
}

fn check_one(
    path: &Path,
    settings: &Settings,
    options: RunOptions,
    index: Option<&ProjectIndex>,
    early_report: Option<FileReport>,
) -> FileReport {
    // A panic is a bug; it is reported against its file and the run goes on.
    let mut report = std::panic::catch_unwind(AssertUnwindSafe(|| {
        if options.parse_only {
            return parse_only(path);
        }
        match early_report {
            // The summary pass's report stands where the project-wide rules cannot
            // report anything.
            Some(report) if !index.is_some_and(|index| index.may_report(path)) => report,
            // With --diff-base, only the findings it reports are fixed.
            _ => {
                let rows = options.changes.and_then(|changes| changes.rows_to_fix(path));
                linter::check_file_fixing_rows(path, settings, options.fix, index, rows)
            }
        }
    }))
    .unwrap_or_else(|_| {
        FileReport::failed(format!(
            "{}: internal error while checking this file (a bug in aioguard)",
            linter::display_path(path)
        ))
    });
    if let Some(changes) = options.changes {
        changes.retain_changed_after_fix(path, report.rows_after_fix.as_deref(), &mut report.findings);
    }
    report
}

fn parse_only(path: &Path) -> FileReport {
    match read_source(path) {
        Ok(source) => {
            let _ = parse_module(&source.text);
            FileReport::default()
        }
        Err(error) => {
            FileReport { error: Some(format!("{}: {error}", linter::display_path(path))), ..FileReport::default() }
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
/// with the other rules, in the order of the checked files (when asked for).
struct ProjectPass {
    index: ProjectIndex,
    early_reports: Vec<Option<FileReport>>,
}

/// Summarizes the project of the checked paths and indexes it: `paths` as given,
/// `walked` every file found under them when they were walked, `checked` the files to
/// report.
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
/// With `early_reports`, the checked files are also checked with the other rules in the
/// same parse (for a run that reports without fixing).
fn project_pass(
    paths: &[PathBuf],
    walked: Option<&[PathBuf]>,
    checked: &[PathBuf],
    settings: &Settings,
    early_reports: bool,
) -> ProjectPass {
    let roots = ProjectRoots::of(paths, settings);
    let whole_project = std::env::var_os(WHOLE_PROJECT_VARIABLE).is_some();
    let walked_all = walked.filter(|_| roots.walk.iter().all(|root| paths.iter().any(|path| same_path(path, root))));
    let probed = match walked_all.is_none() && !whole_project {
        true => ProjectFiles::probed(&roots, settings),
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
        ProjectFiles::listed(&roots, files, settings)
    });

    let checked_ids: Vec<usize> = checked.iter().map(|path| project.id(path)).collect();
    let is_checked: HashSet<usize> = checked_ids.iter().copied().collect();
    let mut wave: Vec<usize> = if whole_project { (0..project.count()).collect() } else { checked_ids };
    wave.sort_unstable();
    wave.dedup();
    let mut read: Vec<bool> = Vec::new();
    let mut summaries: Vec<FileSummary> = Vec::new();
    let mut early: Vec<Option<FileReport>> = Vec::new();
    let mut first_wave = true;
    loop {
        read.resize(project.count(), false);
        for &file in &wave {
            read[file] = true;
        }
        let work: Vec<(usize, PathBuf, ModuleNames)> =
            wave.iter().map(|&file| (file, project.path(file).to_path_buf(), project.names(file).clone())).collect();
        let top_levels = project.top_levels();
        let (summarized, reports): (Vec<Option<FileSummary>>, Vec<Option<FileReport>>) = work
            .into_par_iter()
            .map(|(file, path, module)| {
                let check_too = first_wave && early_reports && is_checked.contains(&file);
                // A panic is a bug: the file is left out here, and its check reports it.
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    summarize_file(path, module, settings, top_levels, check_too)
                }))
                .unwrap_or((None, None))
            })
            .unzip();
        if first_wave && early_reports {
            let mut by_path: HashMap<&Path, FileReport> =
                wave.iter().zip(reports).filter_map(|(&file, report)| Some((project.path(file), report?))).collect();
            early = checked.iter().map(|path| by_path.remove(path.as_path())).collect();
        }
        first_wave = false;
        summaries.extend(summarized.into_iter().flatten());
        let index = ProjectIndex::build(summaries, top_levels.clone(), project.unread(&read), settings);
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
            return ProjectPass { index, early_reports: early };
        }
        summaries = index.into_files();
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    a.components().eq(b.components())
}

/// Reads, parses and summarizes one file; with `check_too`, also checks it with the
/// rules that need no project, in the same parse.
fn summarize_file(
    path: PathBuf,
    module: ModuleNames,
    settings: &Settings,
    top_levels: &HashSet<Box<str>>,
    check_too: bool,
) -> (Option<FileSummary>, Option<FileReport>) {
    let filename = || linter::display_path(&path);
    let source = match read_source(&path) {
        Ok(source) => source,
        Err(error) => return (None, check_too.then(|| FileReport::failed(format!("{}: {error}", filename())))),
    };
    let parsed = match parse_module(&source.text) {
        Ok(parsed) => parsed,
        Err(error) => {
            let report = check_too.then(|| FileReport {
                findings: linter::findings_of(&filename(), &source.text, vec![linter::syntax_error(&error)]),
                ..FileReport::default()
            });
            return (None, report);
        }
    };
    let enabled = match check_too {
        true => PROJECT_RULES.iter().fold(settings.rules_for(&path), |rules, rule| rules.without_rule(rule)),
        false => RuleSet::EMPTY,
    };
    let filename = filename();
    let (summary, diagnostics) =
        project::summarize_parsed(path, module, &source.text, &parsed, settings, top_levels, enabled);
    let report = check_too.then(|| FileReport {
        findings: linter::findings_of(&filename, &source.text, diagnostics),
        ..FileReport::default()
    });
    if summary.is_none() {
        // Nested too deeply to walk, and so to drop without overflowing the stack.
        std::mem::forget(parsed);
    }
    (summary, report)
}
