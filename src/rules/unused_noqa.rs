//! AG002 `unused-noqa`: a `# noqa: AGxxx` that suppresses nothing. Off unless selected.
//!
//! ## What it does
//! Reports the codes of aioguard's rules in a `# noqa: …` comment that suppress no
//! finding on their line: the blocking call was fixed or moved, and the comment stayed.
//!
//! It judges only what it is sure of: codes of aioguard (`AG…`) of rules that ran on the
//! file, never another tool's codes (`E501`, `ASYNC251`) nor a blanket `# noqa`. A code
//! of a blocking-call rule or of AG110 inside a sync function, or AG110 on a `def` line,
//! is not judged: there it tells the project-wide analysis that the function does not
//! block. It is not enabled by default; select it by code, name, a prefix or `ALL`:
//! ```yaml
//! select: [AG002, AG101]
//! ```
//!
//! ## Why is this bad?
//! A stale `# noqa` hides the next blocking call written on that line. After adopting
//! aioguard with `aioguard check --add-noqa`, removing the comments that are no longer
//! needed keeps the accepted state from hiding new problems.
//!
//! ## Example
//! ```python
//! import asyncio
//!
//! async def main():
//!     await asyncio.sleep(1)  # noqa: AG101
//! ```
//!
//! ## Use instead
//! ```python
//! import asyncio
//!
//! async def main():
//!     await asyncio.sleep(1)
//! ```
//!
//! ## Fix
//! Removes the unused codes from the comment, or the whole `# noqa` when no code is
//! left (what else the comment says stays). Safe: the comment suppressed nothing.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//!
//! async def main():
//!     await asyncio.sleep(1)
//! ```

use ruff_python_ast::statement_visitor::{StatementVisitor, walk_stmt};
use ruff_python_ast::{self as ast, Stmt};
use ruff_text_size::Ranged;
use rustc_hash::FxHashSet as HashSet;

use crate::data::config::RuleSet;
use crate::data::diagnostic::{Diagnostic, Fix};
use crate::data::noqa::Suppressions;
use crate::data::registry::{self, BLOCKING_VIA_HELPER, UNUSED_NOQA as RULE};
use crate::data::source::LineIndex;

/// The diagnostics of the directives of `suppressions` with codes that suppressed
/// nothing: `used` holds the (0-based line, code index) of each code that suppressed a
/// diagnostic of the `enabled` rules.
pub fn check(
    module: &ast::ModModule,
    text: &str,
    lines: &LineIndex,
    suppressions: &Suppressions,
    used: &HashSet<(usize, usize)>,
    enabled: RuleSet,
) -> Vec<Diagnostic> {
    let mut summarized = SummarizedLines { lines, ranges: Vec::new() };
    summarized.visit_body(&module.body);
    let mut diagnostics = Vec::new();
    for (line, directive) in suppressions.directives() {
        if directive.names(RULE.code) {
            continue;
        }
        let unused: Vec<usize> = (directive.codes.iter().enumerate())
            .filter(|(index, (code, _))| {
                !used.contains(&(line, *index)) && is_judged(code, enabled) && !summarized.needs(code, line)
            })
            .map(|(index, _)| index)
            .collect();
        if unused.is_empty() {
            continue;
        }
        let names: Vec<String> = unused.iter().map(|&index| format!("`{}`", directive.codes[index].0)).collect();
        let (noun, verb) = if names.len() == 1 { ("code", "it suppresses") } else { ("codes", "they suppress") };
        let edit = directive.removing(&unused, text);
        let fix_message = if unused.len() == directive.codes.len() {
            "Remove the `noqa` directive".to_owned()
        } else {
            format!("Remove the unused {noun}")
        };
        diagnostics.push(Diagnostic {
            rule: &RULE,
            range: directive.range,
            message: format!("unused `noqa` {noun} {}: {verb} no finding on this line", names.join(", ")),
            fix: Some(Fix::safe(fix_message, vec![edit])),
            no_fix_reason: None,
            chain: Vec::new(),
            cost: None,
            startup: false,
        });
    }
    diagnostics.sort_by_key(|diagnostic| diagnostic.range.start());
    diagnostics
}

/// Whether a code is aioguard's, of a rule that ran (or of no rule at all).
fn is_judged(code: &str, enabled: RuleSet) -> bool {
    if !code.get(..2).is_some_and(|prefix| prefix.eq_ignore_ascii_case("AG")) {
        return false;
    }
    registry::find(code).is_none_or(|rule| enabled.contains(rule))
}

/// The lines where a `# noqa` of a blocking-call rule or AG110 feeds the project-wide
/// analysis: the bodies of sync functions, and every `def` line.
struct SummarizedLines<'l> {
    lines: &'l LineIndex,
    /// 0-based inclusive line ranges.
    ranges: Vec<(usize, usize)>,
}

impl SummarizedLines<'_> {
    fn needs(&self, code: &str, line: usize) -> bool {
        let summarized = registry::blocking_rule_code(code).is_some() || BLOCKING_VIA_HELPER.answers_to_code(code);
        summarized && self.ranges.iter().any(|&(first, last)| first <= line && line <= last)
    }
}

impl<'a> StatementVisitor<'a> for SummarizedLines<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if let Stmt::FunctionDef(function) = stmt {
            let def_line = self.lines.line_of(function.name.start());
            let last = if function.is_async { def_line } else { self.lines.line_of(function.end()) };
            self.ranges.push((def_line, last));
        }
        walk_stmt(self, stmt);
    }
}
