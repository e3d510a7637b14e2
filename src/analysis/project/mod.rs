//! Project-wide analysis: the blocking calls a coroutine makes through the project's own
//! functions, in any module (AG110), and the project's coroutine functions called
//! without `await` (AG202).
//!
//! [`modules`] finds the project's files and names them; a [`summary`] keeps what the
//! analysis needs of each module; the [`index`] resolves the summaries' references across
//! modules and [`graph`] finds which functions block. The run
//! ([`driver`](crate::driver)) decides which modules to summarize; the check of a module
//! then looks its calls up in the index ([`ProjectView`]): no AST outlives its file's pass.

use std::collections::HashSet;
use std::path::PathBuf;

use ruff_python_ast::ModModule;
use ruff_python_parser::Parsed;

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

/// Whether any of these enabled rules needs the project-wide analysis.
pub fn is_needed(enabled: RuleSet) -> bool {
    registry::PROJECT_RULES.iter().any(|rule| enabled.contains(rule))
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
    let lines = LineIndex::new(text);
    let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
    let package: Option<Box<str>> = module.package().map(Box::from);
    let context = ModuleContext { package: package.as_deref(), top_levels };
    let builder = SummaryBuilder::new(path, module, context, &lines, &suppressions);
    let clients = ModuleClients::of(settings, &parsed.syntax().body);
    let mut context = Context::new(text, parsed, settings, &clients, None, Some(builder));
    walk_module(&mut context, &parsed.syntax().body);
    context.finish_summary()
}

/// The index of a module checked on its own (a text with no file, a file outside any
/// project pass): its own functions and classes, nothing imported.
pub fn single_module(text: &str, parsed: &Parsed<ModModule>, settings: &Settings) -> Option<ProjectIndex> {
    let top_levels = HashSet::new();
    let summary = summarize_parsed(PathBuf::new(), ModuleNames::default(), text, parsed, settings, &top_levels)?;
    Some(ProjectIndex::build(vec![summary], top_levels, Unread::none(), settings))
}
