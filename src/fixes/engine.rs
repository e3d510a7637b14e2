//! The fix engine. Each pass applies the fixes of the text's diagnostics that do not
//! overlap one another (in order of position; an edit several fixes share, such as an
//! added import, counts once), then parses and checks the result again, until no fix is
//! left or [`MAX_PASSES`] is reached. A pass whose result does not parse is refused:
//! the caller keeps the original text. Last, the imports the fixes left unused are
//! removed (unless that result would not check).

use std::cmp::Reverse;

use ruff_text_size::TextRange;

use crate::data::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::fixes::imports;

/// Fixing stops after this many passes, even if fixes remain (a fix that keeps
/// reproducing itself cannot loop forever).
pub const MAX_PASSES: usize = 10;

/// The text after fixing, how many fixes were applied, and what is still reported.
#[derive(Debug)]
pub struct FixedText {
    pub text: String,
    pub fixed: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// Applies the fixes of `diagnostics` (found in `text`) whose applicability is at least
/// `required`, re-checking with `check` after each pass. `check` returns the
/// diagnostics of a text, or why it does not parse; the error names the pass result
/// that did not parse.
///
/// With `within`, only the diagnostics that touch one of these ranges are fixed (the
/// lines a change touched, for `--diff-base`); the ranges follow the text through every
/// pass's edits.
pub fn fix_text(
    text: &str,
    diagnostics: Vec<Diagnostic>,
    required: Applicability,
    mut within: Option<Vec<TextRange>>,
    check: impl Fn(&str) -> Result<Vec<Diagnostic>, String>,
) -> Result<FixedText, String> {
    let mut fixed = FixedText { text: text.to_owned(), fixed: 0, diagnostics };
    for _ in 0..MAX_PASSES {
        let Some((next, applied, edits)) = apply_pass(&fixed.text, &fixed.diagnostics, required, within.as_deref())
        else {
            break;
        };
        if let Some(ranges) = &mut within {
            for range in ranges.iter_mut() {
                *range = moved_by(*range, &edits);
            }
        }
        fixed.diagnostics = check(&next)?;
        fixed.text = next;
        fixed.fixed += applied;
    }
    if fixed.fixed > 0
        && let Some(tidied) = imports::remove_unused_after_fix(text, &fixed.text)
        && let Ok(diagnostics) = check(&tidied)
    {
        fixed.text = tidied;
        fixed.diagnostics = diagnostics;
    }
    Ok(fixed)
}

/// Where `range` is after `edits`: shifted by the edits before it, stretched by those
/// inside or across its end.
fn moved_by(range: TextRange, edits: &[Edit]) -> TextRange {
    let (mut start, mut end) = (i64::from(u32::from(range.start())), i64::from(u32::from(range.end())));
    for edit in edits {
        let delta = edit.content.len() as i64 - i64::from(u32::from(edit.range.len()));
        let at_start = edit.range.is_empty() && edit.range.start() == range.start();
        if edit.range.end() <= range.start() && !at_start {
            start += delta;
            end += delta;
        } else if edit.range.start() < range.end() {
            end += delta;
        }
    }
    let start = u32::try_from(start.max(0)).unwrap_or(0);
    let end = u32::try_from(end.max(i64::from(start))).unwrap_or(start);
    TextRange::new(start.into(), end.into())
}

/// One pass: the text with every fix applied that does not overlap a fix applied
/// before it, and how many fixes that was; `None` when no fix applies.
fn apply_pass(
    text: &str,
    diagnostics: &[Diagnostic],
    required: Applicability,
    within: Option<&[TextRange]>,
) -> Option<(String, usize, Vec<Edit>)> {
    let touches = |diagnostic: &Diagnostic| {
        within.is_none_or(|ranges| {
            ranges.iter().any(|range| {
                range.intersect(diagnostic.range).is_some() || range.contains_inclusive(diagnostic.range.start())
            })
        })
    };
    let mut candidates: Vec<(&Diagnostic, &Fix)> = diagnostics
        .iter()
        .filter(|diagnostic| touches(diagnostic))
        .filter_map(|diagnostic| Some((diagnostic, diagnostic.fix.as_ref()?)))
        .filter(|(_, fix)| fix.applicability >= required)
        .collect();
    // Outer expressions before the ones inside them: a call is offloaded whole first.
    candidates.sort_by_key(|(diagnostic, _)| {
        (diagnostic.range.start(), Reverse(diagnostic.range.end()), diagnostic.rule.code)
    });
    let mut accepted: Vec<&Edit> = Vec::new();
    // The edits of the fixes that wait for a later pass: a fix inside what one of them
    // rewrites waits too, or it would change the text that fix is about to move (an
    // inner call offloaded first leaves an `await` in the `with` block that was to run
    // in a thread).
    let mut waiting: Vec<&Edit> = Vec::new();
    let mut isolated: Vec<TextRange> = Vec::new();
    let mut applied = 0;
    for (_, fix) in candidates {
        let fits = fix
            .edits
            .iter()
            .all(|edit| accepted.iter().chain(&waiting).all(|other| edit == *other || !overlaps(edit, other)));
        let isolation_respected = match fix.isolation {
            Some(range) => {
                !isolated.iter().any(|other| other.intersect(range).is_some())
                    && !accepted.iter().any(|edit| range.contains_range(edit.range))
            }
            None => !fix.edits.iter().any(|edit| isolated.iter().any(|range| range.contains_range(edit.range))),
        };
        if fits && isolation_respected {
            isolated.extend(fix.isolation);
            for edit in &fix.edits {
                if !accepted.contains(&edit) {
                    accepted.push(edit);
                }
            }
            applied += 1;
        } else {
            waiting.extend(&fix.edits);
        }
    }
    if applied == 0 {
        return None;
    }
    let mut edits: Vec<Edit> = accepted.iter().map(|edit| (*edit).clone()).collect();
    edits.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
    Some((apply_edits(text, accepted), applied, edits))
}

/// `text` with non-overlapping `edits` applied.
pub fn apply_edits(text: &str, mut edits: Vec<&Edit>) -> String {
    edits.sort_by_key(|edit| (edit.range.start(), edit.range.end()));
    let mut output = String::with_capacity(text.len() + edits.iter().map(|edit| edit.content.len()).sum::<usize>());
    let mut cursor = 0;
    for edit in edits {
        output.push_str(&text[cursor..edit.range.start().to_usize()]);
        output.push_str(&edit.content);
        cursor = edit.range.end().to_usize();
    }
    output.push_str(&text[cursor..]);
    output
}

/// Two different edits overlap when their ranges intersect, or when both insert at the
/// same point (the order of the insertions would be arbitrary).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    let intersect = a.range.start() < b.range.end() && b.range.start() < a.range.end();
    let same_insertion_point = a.range.is_empty() && b.range.is_empty() && a.range.start() == b.range.start();
    intersect || same_insertion_point
}

#[cfg(test)]
mod tests {
    use ruff_text_size::{TextRange, TextSize};

    use super::*;
    use crate::data::registry;

    fn diagnostic(range: (u32, u32), fix: Fix) -> Diagnostic {
        Diagnostic {
            rule: &registry::BLOCKING_SLEEP,
            range: TextRange::new(TextSize::new(range.0), TextSize::new(range.1)),
            message: String::new(),
            fix: Some(fix),
            no_fix_reason: None,
            chain: Vec::new(),
            cost: None,
            startup: false,
        }
    }

    fn replace(start: u32, end: u32, content: &str) -> Edit {
        Edit::replace(TextRange::new(TextSize::new(start), TextSize::new(end)), content)
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_pass_and_shared_edits_count_once() {
        let text = "abcdef";
        let import = replace(0, 0, "I");
        let diagnostics = vec![
            diagnostic((1, 3), Fix::safe("x", vec![import.clone(), replace(1, 3, "X")])),
            diagnostic((2, 4), Fix::safe("y", vec![replace(2, 4, "Y")])),
            diagnostic((4, 5), Fix::safe("z", vec![import, replace(4, 5, "Z")])),
            diagnostic((5, 6), Fix::unsafe_edits("u", vec![replace(5, 6, "U")])),
        ];
        let (output, applied, _) = apply_pass(text, &diagnostics, Applicability::Safe, None).unwrap();
        assert_eq!((output.as_str(), applied), ("IaXdZf", 2));
        let (output, applied, _) = apply_pass(text, &diagnostics, Applicability::Unsafe, None).unwrap();
        assert_eq!((output.as_str(), applied), ("IaXdZU", 3));
    }

    #[test]
    fn a_fix_isolated_in_a_range_shares_its_pass_with_no_other_fix_there() {
        let function = TextRange::new(TextSize::new(0), TextSize::new(4));
        let diagnostics = vec![
            diagnostic((1, 2), Fix::safe("x", vec![replace(1, 2, "X")]).isolated_in(function)),
            diagnostic((2, 3), Fix::safe("y", vec![replace(2, 3, "Y")]).isolated_in(function)),
            diagnostic((3, 4), Fix::safe("z", vec![replace(3, 4, "Z")])),
            diagnostic((4, 5), Fix::safe("w", vec![replace(4, 5, "W")])),
        ];
        let (output, applied, _) = apply_pass("abcdef", &diagnostics, Applicability::Safe, None).unwrap();
        assert_eq!((output.as_str(), applied), ("aXcdWf", 2));
    }

    #[test]
    fn a_fix_inside_what_a_waiting_fix_rewrites_waits_with_it() {
        let function = TextRange::new(TextSize::new(0), TextSize::new(6));
        let diagnostics = vec![
            diagnostic((0, 1), Fix::safe("x", vec![replace(0, 1, "X")])),
            // Waits for the next pass (`x` is in its function), and so does `y` inside it.
            diagnostic((2, 5), Fix::safe("block", vec![replace(2, 5, "B")]).isolated_in(function)),
            diagnostic((3, 4), Fix::safe("y", vec![replace(3, 4, "Y")])),
            diagnostic((6, 7), Fix::safe("z", vec![replace(6, 7, "Z")])),
        ];
        let (output, applied, _) = apply_pass("abcdefg", &diagnostics, Applicability::Safe, None).unwrap();
        assert_eq!((output.as_str(), applied), ("XbcdefZ", 2));
    }

    #[test]
    fn fixes_stay_within_the_ranges_given_as_the_text_moves() {
        // Each check proposes replacing every `a` with `bb`; only the second line is open.
        let check = |text: &str| -> Result<Vec<Diagnostic>, String> {
            Ok(text
                .match_indices('a')
                .map(|(at, _)| {
                    let at = at as u32;
                    diagnostic((at, at + 1), Fix::safe("a", vec![replace(at, at + 1, "bb")]))
                })
                .collect())
        };
        let text = "aa\naaa\naa\n";
        let second_line = TextRange::new(TextSize::new(3), TextSize::new(6));
        let fixed = fix_text(text, check(text).unwrap(), Applicability::Safe, Some(vec![second_line]), check).unwrap();
        assert_eq!(fixed.text, "aa\nbbbbbb\naa\n");
    }

    #[test]
    fn passes_repeat_until_nothing_is_fixed_and_unparsable_results_are_refused() {
        // Each check proposes replacing the first `a` with `b`: three passes fix all three.
        let check = |text: &str| -> Result<Vec<Diagnostic>, String> {
            Ok(text
                .find('a')
                .map(|at| {
                    let at = at as u32;
                    diagnostic((at, at + 1), Fix::safe("a", vec![replace(at, at + 1, "b")]))
                })
                .into_iter()
                .collect())
        };
        let fixed = fix_text("aaa", check("aaa").unwrap(), Applicability::Safe, None, check).unwrap();
        assert_eq!((fixed.text.as_str(), fixed.fixed, fixed.diagnostics.len()), ("bbb", 3, 0));

        let refuse = |_: &str| -> Result<Vec<Diagnostic>, String> { Err("unexpected token".to_owned()) };
        let error = fix_text("aaa", check("aaa").unwrap(), Applicability::Safe, None, refuse).unwrap_err();
        assert_eq!(error, "unexpected token");
    }

    #[test]
    fn a_fix_that_reproduces_itself_stops_at_the_pass_limit() {
        let check = |_: &str| -> Result<Vec<Diagnostic>, String> {
            Ok(vec![diagnostic((0, 0), Fix::safe("grow", vec![replace(0, 0, "x")]))])
        };
        let fixed = fix_text("", check("").unwrap(), Applicability::Safe, None, check).unwrap();
        assert_eq!(fixed.fixed, MAX_PASSES);
    }
}
