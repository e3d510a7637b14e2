//! Checking one file: read, parse, run the rules, apply suppressions, and turn the
//! diagnostics into located findings that the output formats print. Files are checked
//! in parallel; each file's AST is dropped as soon as its findings are located.

use std::path::{Path, PathBuf};

use ruff_python_parser::parse_module;
use ruff_text_size::TextRange;

use crate::checker::check_module;
use crate::config::{RuleSet, Settings};
use crate::diagnostic::{Applicability, Diagnostic, Hop};
use crate::noqa::Suppressions;
use crate::rules::{self, RuleInfo};
use crate::source::{LineIndex, Position};

/// The UTF-8 byte order mark, kept aside while the text is checked.
pub const BOM: &str = "\u{feff}";

/// Bytes inspected for NUL to tell a binary file.
const BINARY_SNIFF_BYTES: usize = 8192;

/// A finding with its place in the file resolved to rows and columns.
#[derive(Clone, Debug)]
pub struct Finding {
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
    pub chain: Vec<Hop>,
}

#[derive(Clone, Debug)]
pub struct LocatedFix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<LocatedEdit>,
}

#[derive(Clone, Debug)]
pub struct LocatedEdit {
    pub content: String,
    pub start: Position,
    pub end: Position,
}

/// What checking one file produced.
#[derive(Debug, Default)]
pub struct FileReport {
    pub findings: Vec<Finding>,
    /// An error about the file itself (unreadable, not UTF-8, binary); the run goes on.
    pub error: Option<String>,
}

/// A file's text, with a byte order mark, if any, set aside.
pub struct SourceText {
    pub text: String,
    pub has_bom: bool,
}

/// Reads a Python file, refusing binary and non-UTF-8 content with a clear reason.
pub fn read_source(path: &Path) -> Result<SourceText, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read: {error}"))?;
    if bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return Err("binary file (contains NUL bytes), not Python source".to_owned());
    }
    let mut text = String::from_utf8(bytes)
        .map_err(|error| format!("not valid UTF-8 (invalid byte at offset {})", error.utf8_error().valid_up_to()))?;
    let has_bom = text.starts_with(BOM);
    if has_bom {
        text.drain(..BOM.len());
    }
    Ok(SourceText { text, has_bom })
}

/// How a path is shown: relative to the current directory when it is below it.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let shown: PathBuf = relative.unwrap_or_else(|| path.strip_prefix("./").unwrap_or(path).to_path_buf());
    shown.display().to_string()
}

/// Parses and checks a text, returning the diagnostics that survive suppression.
/// A text that does not parse yields one AG001 diagnostic.
pub fn check_text(text: &str, settings: &Settings, enabled: RuleSet) -> (Vec<Diagnostic>, Option<Suppressions>) {
    match parse_module(text) {
        Err(error) => {
            let diagnostic = Diagnostic {
                rule: &rules::syntax_error::RULE,
                range: TextRange::empty(error.location.start()),
                message: format!("SyntaxError: {}", error.error),
                fix: None,
                chain: Vec::new(),
            };
            (vec![diagnostic], None)
        }
        Ok(parsed) => {
            let lines = LineIndex::new(text);
            let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
            if suppressions.skip_file {
                return (Vec::new(), Some(suppressions));
            }
            let mut diagnostics = check_module(text, parsed.syntax(), settings, enabled);
            diagnostics.retain(|diagnostic| {
                !suppressions.suppresses(diagnostic.rule, lines.line_of(diagnostic.range.start()))
            });
            // The only syntax error the checker reports is nesting past its depth limit;
            // dropping such a tree recurses as deeply, so it is left to the process exit.
            if diagnostics.iter().any(|diagnostic| std::ptr::eq(diagnostic.rule, &rules::syntax_error::RULE)) {
                std::mem::forget(parsed);
            }
            (diagnostics, Some(suppressions))
        }
    }
}

/// Checks one file end to end.
pub fn check_file(path: &Path, settings: &Settings) -> FileReport {
    let source = match read_source(path) {
        Ok(source) => source,
        Err(error) => {
            return FileReport { findings: Vec::new(), error: Some(format!("{}: {error}", display_path(path))) };
        }
    };
    let (mut diagnostics, _) = check_text(&source.text, settings, settings.rules_for(path));
    diagnostics.sort_by_key(|diagnostic| (diagnostic.range.start(), diagnostic.rule.code));
    let filename = display_path(path);
    let lines = LineIndex::new(&source.text);
    let findings =
        diagnostics.into_iter().map(|diagnostic| locate(diagnostic, &filename, &source.text, &lines)).collect();
    FileReport { findings, error: None }
}

/// Resolves a diagnostic's byte offsets to rows and columns.
pub fn locate(diagnostic: Diagnostic, filename: &str, text: &str, lines: &LineIndex) -> Finding {
    let start = lines.position(diagnostic.range.start(), text);
    let end = lines.position(diagnostic.range.end(), text);
    let source_lines = (start.row - 1..end.row.min(lines.line_count()))
        .map(|line| text[lines.line_range(line, text)].to_owned())
        .collect();
    let fix = diagnostic.fix.map(|fix| LocatedFix {
        applicability: fix.applicability,
        message: fix.message,
        edits: fix
            .edits
            .into_iter()
            .map(|edit| LocatedEdit {
                start: lines.position(edit.range.start(), text),
                end: lines.position(edit.range.end(), text),
                content: edit.content,
            })
            .collect(),
    });
    Finding {
        rule: diagnostic.rule,
        message: diagnostic.message,
        filename: filename.to_owned(),
        start,
        end,
        noqa_row: start.row,
        source_lines,
        fix,
        chain: diagnostic.chain,
    }
}
