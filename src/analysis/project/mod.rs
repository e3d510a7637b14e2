//! Project-wide analysis: the blocking calls a coroutine makes through the project's own
//! functions, in any module (AG110), and the project's coroutine functions called
//! without `await` (AG202).
//!
//! [`modules`] finds the project's files and names them; a [`summary`] keeps what the
//! analysis needs of each module; the [`index`] resolves the summaries' references across
//! modules and [`graph`] finds which functions block. The run
//! ([`driver`](crate::driver)) decides which modules to summarize; the check of a module
//! then looks its calls up in the index ([`ProjectView`]): no AST outlives its file's pass.

use std::path::PathBuf;

use ruff_python_ast::ModModule;
use ruff_python_parser::Parsed;
use rustc_hash::FxHashSet as HashSet;

use crate::analysis::context::Context;
use crate::analysis::twins::ModuleClients;
use crate::analysis::walk::walk_module;
use crate::data::config::{RuleSet, Settings};
use crate::data::noqa::Suppressions;
use crate::data::registry;
use crate::data::source::LineIndex;

pub mod graph;
pub mod index;
pub mod modules;
pub mod summary;

pub use index::ProjectIndex;
use index::Unread;
use modules::ModuleNames;
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

/// Whether any of these enabled rules needs the project-wide analysis: the project
/// rules, and the blocking-call rules, whose objects other modules may type (a model
/// class imported from `models.py`, a connection a module keeps).
pub fn is_needed(enabled: RuleSet) -> bool {
    registry::ALL.iter().any(|rule| {
        enabled.contains(rule)
            && (registry::PROJECT_RULES.iter().any(|project| project.code == rule.code)
                || registry::blocking_rule_code(rule.code).is_some())
    })
}

/// What a module's summary borrows while it is built: the module's line index, its
/// suppression comments and its package.
pub struct SummaryInputs {
    pub lines: LineIndex,
    pub suppressions: Suppressions,
    package: Option<Box<str>>,
}

impl SummaryInputs {
    pub fn new(text: &str, parsed: &Parsed<ModModule>, module: &ModuleNames) -> Self {
        let lines = LineIndex::new(text);
        let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
        SummaryInputs { lines, suppressions, package: module.package().map(Box::from) }
    }

    /// The builder of the summary of the module at `path`, named `module`.
    pub fn builder<'a>(
        &'a self,
        path: PathBuf,
        module: ModuleNames,
        top_levels: &'a HashSet<Box<str>>,
    ) -> SummaryBuilder<'a> {
        let context = ModuleContext { package: self.package.as_deref(), top_levels };
        SummaryBuilder::new(path, module, context, &self.lines, &self.suppressions)
    }
}

/// The summary of a parsed module (`None` when it is nested too deeply to walk).
pub fn summarize_parsed(
    path: PathBuf,
    module: ModuleNames,
    text: &str,
    parsed: &Parsed<ModModule>,
    settings: &Settings,
    top_levels: &HashSet<Box<str>>,
) -> Option<FileSummary> {
    let inputs = SummaryInputs::new(text, parsed, &module);
    let builder = inputs.builder(path, module, top_levels);
    let clients = ModuleClients::of(settings, &parsed.syntax().body);
    let mut context = Context::new(text, parsed, settings, &clients, None, Some(builder));
    walk_module(&mut context, &parsed.syntax().body);
    context.finish_summary()
}

/// The index of a module checked on its own (a text with no file, a file outside any
/// project pass): its own functions and classes, nothing imported.
pub fn single_module(text: &str, parsed: &Parsed<ModModule>, settings: &Settings) -> Option<ProjectIndex> {
    let top_levels = HashSet::default();
    let summary = summarize_parsed(PathBuf::new(), ModuleNames::default(), text, parsed, settings, &top_levels)?;
    Some(ProjectIndex::build(vec![summary], top_levels, Unread::none(), settings))
}
