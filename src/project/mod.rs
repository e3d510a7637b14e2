//! Project-wide analysis: the blocking calls a coroutine makes through the project's own
//! functions, in any module (AG110), and the project's coroutine functions called
//! without `await` (AG202).
//!
//! Before the checks, a parallel pass reads and parses the checked files and, wave after
//! wave, the modules of their project ([`modules`]) that their results depend on, and
//! keeps only a small [`summary`] of each; the [`index`] resolves the summaries' references across modules and [`graph`]
//! finds which functions block. The check pass then parses the reported files again and
//! looks their calls up in the index ([`ProjectView`]): no AST outlives its file's pass.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ruff_python_parser::parse_module;

use crate::checker;
use crate::config::{RuleSet, Settings};
use crate::diagnostic::Diagnostic;
use crate::discovery;
use crate::linter::{self, FileReport, read_source};
use crate::noqa::Suppressions;
use crate::rules;
use crate::source::LineIndex;

pub mod graph;
pub mod index;
pub mod modules;
pub mod summary;

pub use index::ProjectIndex;
use modules::{ModuleNamer, ModuleNames, ProjectRoots};
use summary::{FileSummary, ModuleContext, SummaryBuilder};

/// The project as the check of one of its modules sees it.
#[derive(Clone, Copy)]
pub struct ProjectView<'p> {
    pub index: &'p ProjectIndex,
    pub file: u32,
}

impl<'p> ProjectView<'p> {
    pub fn context(&self) -> ModuleContext<'p> {
        self.index.context(self.file)
    }
}

/// Set (to anything), the project pass summarizes every module of the project at once
/// instead of only those the checked modules' results depend on; the results are the
/// same (the tests compare them), only the work differs.
pub const WHOLE_PROJECT_VARIABLE: &str = "AIOGUARD_WHOLE_PROJECT";

/// The rules that need the project-wide analysis.
const PROJECT_RULES: [&rules::RuleInfo; 2] = [&rules::blocking_via_helper::RULE, &rules::unawaited_coroutine::RULE];

/// Whether any of these enabled rules needs the project-wide analysis.
pub fn is_needed(enabled: RuleSet) -> bool {
    PROJECT_RULES.iter().any(|rule| enabled.contains(rule))
}

/// The project index, and the reports of the checked files that the summary pass made
/// with the other rules, in the order of the checked files (when asked for).
pub struct ProjectPass {
    pub index: ProjectIndex,
    pub early_reports: Vec<Option<FileReport>>,
}

/// Summarizes the project of the checked paths and indexes it: `paths` as given, `found`
/// every file found under them, `checked` the files to report.
///
/// Only the modules the checked files' results depend on are read: the checked files
/// first, then, wave after wave, the modules that resolving their project-wide calls
/// (and the calls of the functions those reach, and the classes' bases) looked for and
/// the index lacked ([`ProjectIndex::demanded_modules`]), until none is missing. A file
/// with no such call loads nothing else. Files that cannot be read or parsed are left
/// out: the check reports them when they are checked.
///
/// With `early_reports`, the checked files are also checked with the other rules in the
/// same parse (for a run that reports without fixing).
pub fn build(
    paths: &[PathBuf],
    found: &[PathBuf],
    checked: &[PathBuf],
    settings: &Settings,
    early_reports: bool,
) -> ProjectPass {
    let roots = ProjectRoots::of(paths, settings);
    let mut files = found.to_vec();
    let walked_already = roots.walk.iter().all(|root| paths.iter().any(|path| same_path(path, root)));
    if !walked_already {
        files.extend(discovery::discover(&roots.walk, settings, false).files);
    }
    files.sort();
    files.dedup();
    let namer = ModuleNamer::new(&roots.names_from, &files, &settings.known_first_party);
    let names: Vec<ModuleNames> = files.iter().map(|file| namer.names(file)).collect();
    let mut files_named: HashMap<&str, Vec<usize>> = HashMap::new();
    for (file, module) in names.iter().enumerate() {
        for name in &module.names {
            files_named.entry(name).or_default().push(file);
        }
    }
    let top_levels: HashSet<Box<str>> =
        files_named.keys().map(|name| Box::from(name.split('.').next().unwrap_or(name))).collect();

    let is_checked: HashSet<usize> = checked.iter().filter_map(|path| files.binary_search(path).ok()).collect();
    let mut wave: Vec<usize> = if std::env::var_os(WHOLE_PROJECT_VARIABLE).is_some() {
        (0..files.len()).collect()
    } else {
        let mut wave: Vec<usize> = is_checked.iter().copied().collect();
        wave.sort_unstable();
        wave
    };
    let mut read = vec![false; files.len()];
    let mut summaries: Vec<FileSummary> = Vec::new();
    let mut early: Vec<Option<FileReport>> = Vec::new();
    let mut first_wave = true;
    loop {
        for &file in &wave {
            read[file] = true;
        }
        let work: Vec<(usize, PathBuf, ModuleNames)> =
            wave.iter().map(|&file| (file, files[file].clone(), names[file].clone())).collect();
        let (summarized, reports): (Vec<Option<FileSummary>>, Vec<Option<FileReport>>) = work
            .into_par_iter()
            .map(|(file, path, module)| {
                let check_too = first_wave && early_reports && is_checked.contains(&file);
                // A panic is a bug: the file is left out here, and its check reports it.
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    summarize_file(path, module, settings, &top_levels, check_too)
                }))
                .unwrap_or((None, None))
            })
            .unzip();
        if first_wave && early_reports {
            let mut by_path: HashMap<&Path, FileReport> =
                wave.iter().zip(reports).filter_map(|(&file, report)| Some((files[file].as_path(), report?))).collect();
            early = checked.iter().map(|path| by_path.remove(path.as_path())).collect();
        }
        first_wave = false;
        summaries.extend(summarized.into_iter().flatten());
        let unread_modules = files_named
            .iter()
            .filter(|(_, files)| files.iter().any(|&file| !read[file]))
            .map(|(name, _)| Box::from(*name))
            .collect();
        let index = ProjectIndex::build(summaries, top_levels.clone(), unread_modules, settings);
        let roots: Vec<u32> = checked.iter().filter_map(|path| index.file_of(path)).collect();
        wave = index
            .demanded_modules(&roots)
            .iter()
            .flat_map(|module| files_named.get(&**module).into_iter().flatten().copied())
            .filter(|&file| !read[file])
            .collect();
        wave.sort_unstable();
        wave.dedup();
        if wave.is_empty() {
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
    let (summary, diagnostics) = summarize_parsed(path, module, &source.text, &parsed, settings, top_levels, enabled);
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

/// The summary of a parsed module (`None` when it is nested too deeply to walk), and the
/// diagnostics of the `enabled` rules, checked in the same walk, that survive suppression.
pub fn summarize_parsed(
    path: PathBuf,
    module: ModuleNames,
    text: &str,
    parsed: &ruff_python_parser::Parsed<ruff_python_ast::ModModule>,
    settings: &Settings,
    top_levels: &HashSet<Box<str>>,
    enabled: RuleSet,
) -> (Option<FileSummary>, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
    let package: Option<Box<str>> = module.package().map(Box::from);
    let context = ModuleContext { package: package.as_deref(), top_levels };
    let builder = SummaryBuilder::new(path, module, context, &lines, &suppressions);
    let (summary, mut diagnostics) = checker::summarize_module(text, parsed, settings, enabled, builder);
    if suppressions.skip_file {
        diagnostics.clear();
    }
    diagnostics.retain(|diagnostic| !suppressions.suppresses(diagnostic.rule, lines.line_of(diagnostic.range.start())));
    (summary, diagnostics)
}

/// The index of a module checked on its own (a text with no file, a file outside any
/// project pass): its own functions and classes, nothing imported.
pub fn single_module(
    text: &str,
    parsed: &ruff_python_parser::Parsed<ruff_python_ast::ModModule>,
    settings: &Settings,
) -> Option<ProjectIndex> {
    let top_levels = HashSet::new();
    let (summary, _) =
        summarize_parsed(PathBuf::new(), ModuleNames::default(), text, parsed, settings, &top_levels, RuleSet::EMPTY);
    let summary = summary?;
    Some(ProjectIndex::build(vec![summary], top_levels, HashSet::new(), settings))
}
