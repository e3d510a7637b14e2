//! Checking one file: read, parse, run the rules, apply suppressions, fix what the run
//! asks to fix, and turn the diagnostics into located findings that the output formats
//! print. Files are checked (and fixed) in parallel; each file's AST is dropped as soon
//! as its findings are located.

use std::path::{Path, PathBuf};

use ruff_python_ast::ModModule;
use ruff_python_parser::{ParseError, Parsed, parse_module};
use ruff_text_size::TextRange;
use rustc_hash::FxHashSet as HashSet;

use crate::analysis::project::modules::ModuleNames;
use crate::analysis::project::summary::FileSummary;
use crate::analysis::project::{self, ProjectIndex, ProjectView, SummaryInputs};
use crate::data::config::{RuleSet, Settings};
use crate::data::diagnostic::{Applicability, Diagnostic, Finding, Hop, LocatedEdit, LocatedFix};
use crate::data::discovery::display_path;
use crate::data::encoding::{self, SourceText};
use crate::data::noqa::Suppressions;
use crate::data::registry;
use crate::data::source::LineIndex;
use crate::driver::write;
use crate::fixes::engine::{self, FixedText};
use crate::fixes::{ModuleFixes, diff};
use crate::rules::checker::{check_and_summarize, check_module};
use crate::rules::unused_noqa;

/// The UTF-8 byte order mark, kept aside while the text is checked.
pub const BOM: &str = "\u{feff}";

/// Bytes inspected for NUL to tell a binary file.
const BINARY_SNIFF_BYTES: usize = 8192;

/// What a run does with the fixes it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixMode {
    /// Only report them.
    Report,
    /// Rewrite the files.
    Write,
    /// Show the rewrite as a diff.
    Diff,
}

/// Which fixes a run applies (or marks as fixable), and what it does with them.
#[derive(Clone, Copy, Debug)]
pub struct FixOptions {
    pub mode: FixMode,
    /// The least applicability applied: `Safe`, or `Unsafe` with `--unsafe-fixes`.
    pub applicability: Applicability,
}

impl FixOptions {
    /// Report only, marking the safe fixes as fixable: a run without fix options.
    pub const REPORT: FixOptions = FixOptions { mode: FixMode::Report, applicability: Applicability::Safe };
}

/// What checking one file produced.
#[derive(Debug, Default)]
pub struct FileReport {
    /// After fixing, what is left.
    pub findings: Vec<Finding>,
    /// An error about the file itself (unreadable, invalid in its encoding, binary, not
    /// writable); the run goes on.
    pub error: Option<String>,
    /// How many fixes were applied (or, for a diff, would be).
    pub fixed: usize,
    /// The unified diff of the fixes, in diff mode.
    pub diff: Option<String>,
    /// The file could not be checked at all (the error says why).
    pub unchecked: bool,
    /// When only some rows were to be fixed: those rows as the fixes left the file.
    pub rows_after_fix: Option<Vec<(usize, usize)>>,
}

impl FileReport {
    /// The report of a file that could not be checked.
    pub fn failed(error: String) -> Self {
        FileReport { error: Some(error), unchecked: true, ..FileReport::default() }
    }
}

/// Reads a Python file, decoding it as Python does (UTF-8, or the encoding it declares),
/// refusing binary content and bytes invalid in the encoding with a clear reason.
pub fn read_source(path: &Path) -> Result<SourceText, String> {
    decode_source(std::fs::read(path))
}

/// [`read_source`] of bytes read already (or of the error reading them).
pub fn decode_source(read: std::io::Result<Vec<u8>>) -> Result<SourceText, String> {
    let bytes = read.map_err(|error| format!("cannot read: {error}"))?;
    if bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return Err("binary file (contains NUL bytes), not Python source".to_owned());
    }
    encoding::decode(bytes)
}

/// Parses and checks a text, returning the diagnostics that survive suppression, or
/// the first syntax error. Without a `project`, the project-wide rules see the module
/// alone.
pub fn check_source(
    text: &str,
    settings: &Settings,
    enabled: RuleSet,
    project: Option<ProjectView<'_>>,
) -> Result<Vec<Diagnostic>, ParseError> {
    let parsed = parse_module(text)?;
    let diagnostics = check_parsed(text, &parsed, settings, enabled, project);
    release_parsed(parsed, &diagnostics);
    Ok(diagnostics)
}

/// Checks a parsed module: the diagnostics that survive suppression.
pub fn check_parsed(
    text: &str,
    parsed: &Parsed<ModModule>,
    settings: &Settings,
    enabled: RuleSet,
    project: Option<ProjectView<'_>>,
) -> Vec<Diagnostic> {
    let lines = LineIndex::new(text);
    let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
    if suppressions.skip_file {
        return Vec::new();
    }
    let single_module = match project {
        None if project::is_needed(enabled) => project::single_module(text, parsed, settings),
        _ => None,
    };
    let project = project.or(single_module.as_ref().map(|index| ProjectView { index, file: 0 }));
    let fixes = ModuleFixes::new(parsed.syntax(), text);
    let diagnostics = check_module(text, parsed, settings, enabled, project, &fixes);
    apply_suppressions(diagnostics, text, parsed, &lines, &suppressions, enabled)
}

/// The summary of a parsed module (`None` when it is nested too deeply to walk), and the
/// diagnostics of the `enabled` rules, checked in the same walk, that survive suppression.
pub fn summarize_and_check(
    path: PathBuf,
    module: ModuleNames,
    text: &str,
    parsed: &Parsed<ModModule>,
    settings: &Settings,
    top_levels: &HashSet<Box<str>>,
    enabled: RuleSet,
) -> (Option<FileSummary>, Vec<Diagnostic>) {
    let inputs = SummaryInputs::new(text, parsed, &module);
    let builder = inputs.builder(path, module, top_levels);
    let (lines, suppressions) = (&inputs.lines, &inputs.suppressions);
    let fixes = ModuleFixes::new(parsed.syntax(), text);
    let (summary, mut diagnostics) = check_and_summarize(text, parsed, settings, enabled, builder, &fixes);
    if suppressions.skip_file {
        diagnostics.clear();
        return (summary, diagnostics);
    }
    (summary, apply_suppressions(diagnostics, text, parsed, lines, suppressions, enabled))
}

/// The diagnostics that no `# noqa` suppresses, with those of the codes of `# noqa`
/// comments that suppressed none (AG002, when enabled).
fn apply_suppressions(
    mut diagnostics: Vec<Diagnostic>,
    text: &str,
    parsed: &Parsed<ModModule>,
    lines: &LineIndex,
    suppressions: &Suppressions,
    enabled: RuleSet,
) -> Vec<Diagnostic> {
    let mut used = HashSet::default();
    diagnostics.retain(|diagnostic| {
        let Some((line, directive)) =
            suppressions.suppressing(diagnostic.rule, lines.line_of(diagnostic.range.start()))
        else {
            return true;
        };
        let answering =
            directive.codes.iter().enumerate().filter(|(_, (code, _))| diagnostic.rule.answers_to_code(code));
        used.extend(answering.map(|(index, _)| (line, index)));
        false
    });
    if enabled.contains(&registry::UNUSED_NOQA) {
        diagnostics.extend(unused_noqa::check(parsed.syntax(), text, lines, suppressions, &used, enabled));
    }
    diagnostics
}

/// Drops a parsed module once checked. The only syntax error the checker reports is
/// nesting past its depth limit; dropping such a tree recurses as deeply, so it is left
/// to the process exit.
pub fn release_parsed(parsed: Parsed<ModModule>, diagnostics: &[Diagnostic]) {
    if diagnostics.iter().any(|diagnostic| std::ptr::eq(diagnostic.rule, &registry::SYNTAX_ERROR)) {
        std::mem::forget(parsed);
    }
}

/// The diagnostic of a text that does not parse.
pub fn syntax_error(error: &ParseError) -> Diagnostic {
    Diagnostic {
        rule: &registry::SYNTAX_ERROR,
        range: TextRange::empty(error.location.start()),
        message: format!("SyntaxError: {}", error.error),
        fix: None,
        no_fix_reason: None,
        chain: Vec::new(),
        cost: None,
        startup: false,
    }
}

/// A file's diagnostics as findings, sorted by position.
pub fn findings_of(filename: &str, text: &str, mut diagnostics: Vec<Diagnostic>) -> Vec<Finding> {
    if diagnostics.is_empty() {
        return Vec::new();
    }
    diagnostics.sort_by_key(|diagnostic| (diagnostic.range.start(), diagnostic.rule.code));
    let lines = LineIndex::new(text);
    let mut findings: Vec<Finding> =
        diagnostics.into_iter().map(|diagnostic| locate(diagnostic, filename, text, &lines)).collect();
    place_noqa_rows(&mut findings, text, &lines);
    findings
}

/// Moves the `noqa_row` of the findings that start on a line that cannot hold a comment
/// (it ends inside a multi-line string or with a `\`) to where suppression reads theirs.
/// Only a text with such a line is tokenized again.
fn place_noqa_rows(findings: &mut [Finding], text: &str, lines: &LineIndex) {
    let may_continue = |row: usize| {
        let line = text[lines.line_range(row - 1, text)].trim_end();
        line.ends_with('\\') || line.contains("\"\"\"") || line.contains("'''")
    };
    if !findings.iter().any(|finding| finding.start.row <= lines.line_count() && may_continue(finding.start.row)) {
        return;
    }
    let Ok(parsed) = parse_module(text) else { return };
    let suppressions = Suppressions::from_tokens(parsed.tokens(), text, lines);
    for finding in findings {
        finding.noqa_row = suppressions.noqa_line(finding.start.row - 1) + 1;
    }
}

/// Parses and checks a text; a text that does not parse yields one AG001 diagnostic.
pub fn check_text(
    text: &str,
    settings: &Settings,
    enabled: RuleSet,
    project: Option<ProjectView<'_>>,
) -> Vec<Diagnostic> {
    check_source(text, settings, enabled, project).unwrap_or_else(|error| vec![syntax_error(&error)])
}

/// Applies the fixes of `diagnostics` (those of `text`) of `applicability` or better,
/// pass after pass; with `within`, only those of the diagnostics that touch these ranges
/// of `text`. The error says why a pass's result does not parse. The project index
/// stays valid across passes: fixes change only coroutine bodies, and the index knows a
/// module's functions by their qualified names, not their offsets.
pub fn fix_text(
    text: &str,
    diagnostics: Vec<Diagnostic>,
    settings: &Settings,
    enabled: RuleSet,
    applicability: Applicability,
    project: Option<ProjectView<'_>>,
    within: Option<Vec<TextRange>>,
) -> Result<FixedText, String> {
    engine::fix_text(text, diagnostics, applicability, within, |fixed| {
        check_source(fixed, settings, enabled, project).map_err(|error| {
            let position = LineIndex::new(fixed).position(error.location.start(), fixed);
            format!("SyntaxError at {}:{}: {}", position.row, position.column, error.error)
        })
    })
}

/// Checks one file end to end, against the project index when there is one, fixing it
/// as `fix` says.
pub fn check_file(path: &Path, settings: &Settings, fix: FixOptions, project: Option<&ProjectIndex>) -> FileReport {
    check_file_fixing_rows(path, settings, fix, project, None)
}

/// [`check_file`], fixing only what touches the 1-based inclusive `rows` when given
/// (the lines a change touched).
pub fn check_file_fixing_rows(
    path: &Path,
    settings: &Settings,
    fix: FixOptions,
    project: Option<&ProjectIndex>,
    rows: Option<&[(usize, usize)]>,
) -> FileReport {
    check_read_file(path, read_source(path), settings, fix, project, rows)
}

/// [`check_file_fixing_rows`] of a file read already.
pub fn check_read_file(
    path: &Path,
    source: Result<SourceText, String>,
    settings: &Settings,
    fix: FixOptions,
    project: Option<&ProjectIndex>,
    rows: Option<&[(usize, usize)]>,
) -> FileReport {
    let filename = display_path(path);
    let source = match source {
        Ok(source) => source,
        Err(error) => return FileReport::failed(format!("{filename}: {error}")),
    };
    let enabled = settings.rules_for(path);
    let project = project.and_then(|index| Some(ProjectView { index, file: index.file_of(path)? }));
    let diagnostics = check_text(&source.text, settings, enabled, project);
    let has_fixes = diagnostics
        .iter()
        .any(|diagnostic| diagnostic.fix.as_ref().is_some_and(|proposed| proposed.applicability >= fix.applicability));
    let mut report = FileReport::default();
    let (text, diagnostics) = if fix.mode == FixMode::Report || !has_fixes {
        (source.text, diagnostics)
    } else {
        let within = rows.map(|rows| {
            let lines = LineIndex::new(&source.text);
            let last = lines.line_count();
            rows.iter()
                .filter(|&&(first, _)| first >= 1 && first <= last)
                .map(|&(first, end)| {
                    let start = lines.line_range(first - 1, &source.text).start();
                    TextRange::new(start, lines.line_range(end.clamp(first, last) - 1, &source.text).end())
                })
                .collect()
        });
        match fix_text(&source.text, diagnostics.clone(), settings, enabled, fix.applicability, project, within) {
            Err(error) => {
                report.error = Some(format!(
                    "{filename}: fixing it produced invalid code ({error}); the file was left unchanged. This is a bug in aioguard: please report it"
                ));
                (source.text, diagnostics)
            }
            Ok(fixed) => {
                let outcome = match fix.mode {
                    // The diff shows the text; a file in another encoding shows decoded.
                    FixMode::Diff => {
                        let with_bom = |text: &str| format!("{}{text}", if source.has_bom { BOM } else { "" });
                        let (original, rewritten) = (with_bom(&source.text), with_bom(&fixed.text));
                        report.diff = Some(diff::unified_diff(&filename, &original, &rewritten));
                        Ok(())
                    }
                    _ => source
                        .stored_bytes(&fixed.text)
                        .and_then(|rewritten| write::replace_file(path, &source.original_bytes(), &rewritten)),
                };
                match outcome {
                    Ok(()) => {
                        report.fixed = fixed.fixed;
                        report.rows_after_fix =
                            rows.map(|rows| crate::driver::changes::rows_after_fix(&source.text, &fixed.text, rows));
                        (fixed.text, fixed.diagnostics)
                    }
                    Err(error) => {
                        report.error = Some(format!("{filename}: cannot write the fixes: {error}"));
                        (source.text, diagnostics)
                    }
                }
            }
        }
    };
    report.findings = findings_of(&filename, &text, diagnostics);
    report
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
        no_fix_reason: diagnostic.no_fix_reason,
        chain: diagnostic
            .chain
            .into_iter()
            .map(|hop| if hop.filename.is_empty() { Hop { filename: filename.to_owned(), ..hop } } else { hop })
            .collect(),
        cost: diagnostic.cost,
        startup: diagnostic.startup,
    }
}
