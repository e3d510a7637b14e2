//! `full`: each finding's header line (with the blocking call's cost class as a tag:
//! `[metadata]`), then the source lines it spans with a caret
//! line under the reported range, and the fix's title; or, for a finding this run does
//! not fix, why.

use std::io::{self, Write};

use super::{EmitContext, Emitter, Style, header};
use crate::data::diagnostic::Finding;
use crate::data::registry;

pub struct Full;

impl Emitter for Full {
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()> {
        let style = Style { color: context.color };
        for finding in findings {
            // What the blocking call costs, as a short tag.
            let tags = match finding.cost {
                Some(cost) => format!(" {}", style.dim(&format!("[{}]", cost.as_str()))),
                None => String::new(),
            };
            writeln!(out, "{}{tags}", header(finding, &style, context.applicability))?;
            let gutter_width = (finding.start.row + finding.source_lines.len()).to_string().len();
            for (offset, line) in finding.source_lines.iter().enumerate() {
                let row = finding.start.row + offset;
                writeln!(out, "{} {} {line}", style.cyan(&format!("{row:>gutter_width$}")), style.cyan("|"))?;
                let first = offset == 0;
                let last = offset + 1 == finding.source_lines.len();
                let from = if first { finding.start.column - 1 } else { leading_spaces(line) };
                let to = if last { finding.end.column - 1 } else { line.chars().count() };
                let width = to.saturating_sub(from).max(1);
                let pad: String = line.chars().take(from).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
                writeln!(
                    out,
                    "{} {} {pad}{}",
                    " ".repeat(gutter_width),
                    style.cyan("|"),
                    style.red(&"^".repeat(width))
                )?;
            }
            if let Some(note) = fix_note(finding, context) {
                writeln!(out, "{} {} {}", " ".repeat(gutter_width), style.cyan("="), style.cyan(&note))?;
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

/// What the run does about a finding: `help:` with the fix it applies, or `note:` with
/// why it does not fix it (the fix needs `--unsafe-fixes`, or the rule said why none is
/// offered). A syntax error needs no such note.
fn fix_note(finding: &Finding, context: &EmitContext) -> Option<String> {
    match (&finding.fix, &finding.no_fix_reason) {
        (Some(fix), _) if finding.is_fixable(context.applicability) => Some(format!("help: {}", fix.message)),
        (Some(fix), _) => Some(format!("note: not fixed: unsafe fix available (`--unsafe-fixes`): {}", fix.message)),
        (None, Some(reason)) => Some(format!("note: no fix: {reason}")),
        (None, None) if std::ptr::eq(finding.rule, &registry::SYNTAX_ERROR) => None,
        (None, None) => Some("note: no fix: no rewrite of this code is known to keep its behaviour".to_owned()),
    }
}

fn leading_spaces(line: &str) -> usize {
    line.chars().take_while(|c| c.is_whitespace()).count()
}
