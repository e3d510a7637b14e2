//! Project-wide analysis: the blocking calls a coroutine makes through the project's own
//! functions, in any module (AG110), and the project's coroutine functions called
//! without `await` (AG202).
//!
//! Before the checks, a parallel pass reads and parses the checked files and every module
//! of their project ([`modules`]) that they can reach, and keeps only a small [`summary`]
//! of each; the [`index`] resolves the summaries' references across modules and [`graph`]
//! finds which functions block. The check pass then parses the reported files again and
//! looks their calls up in the index ([`ProjectView`]): no AST outlives its file's pass.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use ruff_python_parser::parse_module;

use crate::checker;
use crate::config::Settings;
use crate::discovery;
use crate::linter::read_source;
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

/// Whether any enabled rule needs the project-wide analysis.
pub fn is_needed(settings: &Settings) -> bool {
    settings.rules.contains(&rules::blocking_via_helper::RULE)
        || settings.rules.contains(&rules::unawaited_coroutine::RULE)
}

/// Summarizes the project of the checked paths and indexes it: `paths` as given, `found`
/// every file found under them, `checked` the files to report.
///
/// Only the modules the checked files can reach are read: the checked files first, then,
/// wave after wave, every module a summary names (a callee, a base, an export, an import
/// through `*`), since resolution never goes anywhere else. Files that cannot be read or
/// parsed are left out: the check reports them when they are checked.
pub fn build(paths: &[PathBuf], found: &[PathBuf], checked: &[PathBuf], settings: &Settings) -> ProjectIndex {
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

    let mut wave: Vec<usize> = checked.iter().filter_map(|path| files.binary_search(path).ok()).collect();
    let mut read = vec![false; files.len()];
    let mut summaries: Vec<FileSummary> = Vec::new();
    while !wave.is_empty() {
        for &file in &wave {
            read[file] = true;
        }
        let work: Vec<(PathBuf, ModuleNames)> =
            wave.iter().map(|&file| (files[file].clone(), names[file].clone())).collect();
        let summarized: Vec<FileSummary> = work
            .into_par_iter()
            .filter_map(|(path, module)| {
                // A panic is a bug: the file is left out here, and its check reports it.
                std::panic::catch_unwind(AssertUnwindSafe(|| summarize_file(path, module, settings, &top_levels)))
                    .ok()
                    .flatten()
            })
            .collect();
        wave = summarized
            .iter()
            .flat_map(FileSummary::global_names)
            .flat_map(|name| name.match_indices('.').map(|(dot, _)| &name[..dot]).chain([name]))
            .flat_map(|module| files_named.get(module).into_iter().flatten().copied())
            .filter(|&file| !read[file])
            .collect();
        wave.sort_unstable();
        wave.dedup();
        summaries.extend(summarized);
    }
    ProjectIndex::build(summaries, top_levels, settings)
}

fn same_path(a: &Path, b: &Path) -> bool {
    a.components().eq(b.components())
}

fn summarize_file(
    path: PathBuf,
    module: ModuleNames,
    settings: &Settings,
    top_levels: &HashSet<Box<str>>,
) -> Option<FileSummary> {
    let source = read_source(&path).ok()?;
    let parsed = parse_module(&source.text).ok()?;
    let summary = summarize_parsed(path, module, &source.text, &parsed, settings, top_levels);
    if summary.is_none() {
        // Nested too deeply to walk, and so to drop without overflowing the stack.
        std::mem::forget(parsed);
    }
    summary
}

/// The summary of a parsed module; `None` when it is nested too deeply to walk.
pub fn summarize_parsed(
    path: PathBuf,
    module: ModuleNames,
    text: &str,
    parsed: &ruff_python_parser::Parsed<ruff_python_ast::ModModule>,
    settings: &Settings,
    top_levels: &HashSet<Box<str>>,
) -> Option<FileSummary> {
    let lines = LineIndex::new(text);
    let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
    let package: Option<Box<str>> = module.package().map(Box::from);
    let context = ModuleContext { package: package.as_deref(), top_levels };
    let builder = SummaryBuilder::new(path, module, context, &lines, &suppressions);
    checker::summarize_module(text, parsed, settings, builder)
}

/// The index of a module checked on its own (a text with no file, a file outside any
/// project pass): its own functions and classes, nothing imported.
pub fn single_module(
    text: &str,
    parsed: &ruff_python_parser::Parsed<ruff_python_ast::ModModule>,
    settings: &Settings,
) -> Option<ProjectIndex> {
    let top_levels = HashSet::new();
    let summary = summarize_parsed(PathBuf::new(), ModuleNames::default(), text, parsed, settings, &top_levels)?;
    Some(ProjectIndex::build(vec![summary], top_levels, settings))
}
