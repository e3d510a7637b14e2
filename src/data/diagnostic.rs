//! What a check produces: a finding with its rule, range, message and proposed fix
//! ([`Diagnostic`]), and the same placed in its file by row and column ([`Finding`]), as
//! the outputs print it and the cache keeps it.

use ruff_text_size::{TextRange, TextSize};
use serde::{Deserialize, Serialize};

use crate::data::catalogue::Cost;
use crate::data::registry::{self, RuleInfo};
use crate::data::source::Position;

/// Whether applying a fix can change what the program does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Applicability {
    /// May change behaviour (a reordering, a new await point): needs `--unsafe-fixes`.
    Unsafe,
    /// Keeps the program's behaviour, only moving blocking work off the loop.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace `range` with `content` (an insertion has an empty range).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    pub fn replace(range: TextRange, content: impl Into<String>) -> Self {
        Edit { range, content: content.into() }
    }

    pub fn insert(at: TextSize, content: impl Into<String>) -> Self {
        Edit { range: TextRange::empty(at), content: content.into() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, e.g. "Replace with `await asyncio.sleep()`".
    pub message: String,
    /// Non-overlapping edits, sorted by position.
    pub edits: Vec<Edit>,
    /// A range no other fix of the same pass may touch or isolate too: a fix that picks
    /// a name unused in a function claims the function, so that two fixes never pick
    /// the same name in one pass.
    pub isolation: Option<TextRange>,
}

impl Fix {
    /// A fix that keeps the program's behaviour; its edits get sorted by position.
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(Applicability::Safe, message.into(), edits)
    }

    /// A fix that may change behaviour; applied only with `--unsafe-fixes`.
    pub fn unsafe_edits(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(Applicability::Unsafe, message.into(), edits)
    }

    /// The same edits, applied only with `--unsafe-fixes`.
    pub fn into_unsafe(self) -> Self {
        Fix { applicability: Applicability::Unsafe, ..self }
    }

    fn new(applicability: Applicability, message: String, mut edits: Vec<Edit>) -> Self {
        edits.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
        edits.dedup();
        Fix { applicability, message, edits, isolation: None }
    }

    /// The same fix, applied in a pass where no other fix touches `range`.
    pub fn isolated_in(self, range: TextRange) -> Self {
        Fix { isolation: Some(range), ..self }
    }
}

/// One step of a chain of calls that ends in a blocking call (project-wide findings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub name: String,
    /// Empty: the file of the finding the chain belongs to.
    pub filename: String,
    pub row: usize,
    pub column: usize,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static RuleInfo,
    pub range: TextRange,
    pub message: String,
    pub fix: Option<Fix>,
    /// Why no fix is offered, when `fix` is `None` (the `full` output prints it).
    pub no_fix_reason: Option<String>,
    pub chain: Vec<Hop>,
    /// What the blocking call reported costs (AG1 rules; for AG110, the costliest call
    /// the helper reaches).
    pub cost: Option<Cost>,
    /// The blocking call runs only at start-up or shutdown (see `analysis::startup`).
    pub startup: bool,
}

/// A finding with its place in the file resolved to rows and columns.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    #[serde(with = "registry::by_code")]
    pub rule: &'static RuleInfo,
    pub message: String,
    pub filename: String,
    pub start: Position,
    pub end: Position,
    /// The row a `# noqa` for this finding goes on.
    pub noqa_row: usize,
    /// The source lines the finding spans, for the `full` format.
    pub source_lines: Vec<String>,
    pub fix: Option<LocatedFix>,
    /// Why no fix is offered, when there is none and the rule knows.
    pub no_fix_reason: Option<String>,
    pub chain: Vec<Hop>,
    pub cost: Option<Cost>,
    /// The blocking call runs only at start-up or shutdown.
    pub startup: bool,
}

impl Finding {
    /// Whether a run applying fixes of `applicability` or better fixes this finding.
    pub fn is_fixable(&self, applicability: Applicability) -> bool {
        self.fix.as_ref().is_some_and(|fix| fix.applicability >= applicability)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LocatedFix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<LocatedEdit>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LocatedEdit {
    pub content: String,
    pub start: Position,
    pub end: Position,
}
