//! Suppression comments: `# noqa`, `# noqa: AG101, ASYNC251`, and
//! `# aioguard: skip-file` in the first lines of a file.
//!
//! A finding is suppressed by the `# noqa` of the line it starts on, or, when that line
//! cannot hold a comment (it ends inside a multi-line string, or with a `\` line
//! continuation), by the `# noqa` of the line where the string or the continuation ends.

use ruff_python_ast::token::{Token, TokenKind, Tokens};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashMap as HashMap;

use crate::data::diagnostic::Edit;
use crate::data::registry::RuleInfo;
use crate::data::source::LineIndex;

/// `# aioguard: skip-file` counts only within this many first lines.
const SKIP_FILE_LINES: usize = 10;

/// A `# noqa` directive in a comment.
#[derive(Debug, PartialEq, Eq)]
pub struct Directive {
    /// From its `#` to the end of its last code (or of `noqa` when it has none).
    pub range: TextRange,
    /// The whole comment the directive is part of.
    pub comment: TextRange,
    /// The codes it names, each with its range; none for a blanket `# noqa`.
    pub codes: Vec<(String, TextRange)>,
}

impl Directive {
    /// Whether the directive suppresses every rule.
    pub fn is_blanket(&self) -> bool {
        self.codes.is_empty()
    }

    /// Whether the directive names `code` (in any case).
    pub fn names(&self, code: &str) -> bool {
        self.codes.iter().any(|(named, _)| named.eq_ignore_ascii_case(code))
    }

    /// The edit that removes the codes at `unused` (indexes into `codes`), or the whole
    /// directive when none would be left, keeping the rest of its comment.
    pub fn removing(&self, unused: &[usize], text: &str) -> Edit {
        let kept: Vec<&str> = (self.codes.iter().enumerate())
            .filter(|(index, _)| !unused.contains(index))
            .map(|(_, (code, _))| code.as_str())
            .collect();
        if let (false, Some((_, first)), Some((_, last))) = (kept.is_empty(), self.codes.first(), self.codes.last()) {
            return Edit::replace(first.cover(*last), kept.join(", "));
        }
        let blanks_before = |offset: TextSize| {
            let before = &text[..offset.to_usize()];
            offset - TextSize::of(&before[before.trim_end_matches([' ', '\t']).len()..])
        };
        let rest = &text[TextRange::new(self.range.end(), self.comment.end())];
        if self.range.start() > self.comment.start() {
            // `# type: ignore  # noqa: AG101`: the directive goes with the blanks before it.
            return Edit::replace(TextRange::new(blanks_before(self.range.start()), self.range.end()), "");
        }
        if rest.trim_start().starts_with('#') {
            // `# noqa: AG101  # other`: the comment that follows stays.
            let blanks = TextSize::of(&rest[..rest.len() - rest.trim_start().len()]);
            return Edit::replace(TextRange::at(self.range.start(), self.range.len() + blanks), "");
        }
        if !rest.trim().is_empty() {
            // `# noqa: AG101 because …` keeps its prose as a comment.
            return Edit::replace(self.range, "#");
        }
        let start = blanks_before(self.comment.start());
        let line_start = text[..start.to_usize()].rfind(['\n', '\r']).map_or(0, |at| at + 1);
        if start.to_usize() == line_start {
            // A comment alone on its line: the line goes.
            let following = &text[self.comment.end().to_usize()..];
            let line_break = ["\r\n", "\n", "\r"].into_iter().find(|end| following.starts_with(end)).unwrap_or("");
            return Edit::replace(TextRange::new(start, self.comment.end() + TextSize::of(line_break)), "");
        }
        Edit::replace(TextRange::new(start, self.comment.end()), "")
    }
}

/// The suppressions of one file, by 0-based line.
#[derive(Debug, Default)]
pub struct Suppressions {
    by_line: HashMap<usize, Directive>,
    /// The lines that cannot hold a comment, each with the line whose comment stands for it.
    continued: HashMap<usize, usize>,
    pub skip_file: bool,
}

impl Suppressions {
    pub fn from_tokens(tokens: &Tokens, text: &str, lines: &LineIndex) -> Self {
        let mut suppressions = Suppressions { continued: continued_lines(tokens, text, lines), ..Self::default() };
        for token in tokens.iter().filter(|token| token.kind() == TokenKind::Comment) {
            let comment = &text[token.range()];
            let line = lines.line_of(token.start());
            if line < SKIP_FILE_LINES && is_skip_file(comment) {
                suppressions.skip_file = true;
            }
            if let Some(directive) = parse_noqa(comment, token.start()) {
                suppressions.by_line.insert(line, directive);
            }
        }
        suppressions
    }

    /// The 0-based line whose comment suppresses the findings that start on `line`.
    pub fn noqa_line(&self, line: usize) -> usize {
        self.continued.get(&line).copied().unwrap_or(line)
    }

    /// Whether a finding of `rule` that starts on 0-based `line` is suppressed.
    pub fn suppresses(&self, rule: &RuleInfo, line: usize) -> bool {
        self.suppressing(rule, line).is_some()
    }

    /// The directive that suppresses a finding of `rule` starting on 0-based `line`,
    /// with the line it is on.
    pub fn suppressing(&self, rule: &RuleInfo, line: usize) -> Option<(usize, &Directive)> {
        let line = self.noqa_line(line);
        let directive = self.by_line.get(&line)?;
        let suppresses = directive.is_blanket() || directive.codes.iter().any(|(code, _)| rule.answers_to_code(code));
        suppresses.then_some((line, directive))
    }

    /// The directive on a 0-based line.
    pub fn directive_on(&self, line: usize) -> Option<&Directive> {
        self.by_line.get(&line)
    }

    /// The edit that makes the comment of 0-based `line` (where the findings of the
    /// lines that map to it are suppressed) name `codes` too: codes added to its
    /// `# noqa: …`, or a `# noqa: …` appended to the line. `None` when it suppresses them
    /// all already, or the line has no code to put a comment after.
    pub fn adding(&self, line: usize, codes: &[&str], text: &str, lines: &LineIndex) -> Option<Edit> {
        match self.by_line.get(&line) {
            Some(directive) if directive.is_blanket() => None,
            Some(directive) => {
                let missing: Vec<&str> = codes.iter().copied().filter(|code| !directive.names(code)).collect();
                (!missing.is_empty()).then(|| Edit::insert(directive.range.end(), format!(", {}", missing.join(", "))))
            }
            None => {
                let range = lines.line_range(line, text);
                let content = text[range].trim_end();
                (!content.trim_start().is_empty()).then(|| {
                    let end = range.start() + TextSize::of(content);
                    Edit::replace(TextRange::new(end, range.end()), format!("  # noqa: {}", codes.join(", ")))
                })
            }
        }
    }

    /// Every directive with its 0-based line, in no particular order.
    pub fn directives(&self) -> impl Iterator<Item = (usize, &Directive)> {
        self.by_line.iter().map(|(line, directive)| (*line, directive))
    }
}

/// The lines that end inside a multi-line string or with a `\` continuation, each with
/// the line where that string or continued line ends.
fn continued_lines(tokens: &Tokens, text: &str, lines: &LineIndex) -> HashMap<usize, usize> {
    // Spans of lines [first, last] that are one line for a comment's purpose.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut open_interpolated: Vec<TextSize> = Vec::new();
    for token in tokens.iter() {
        match token.kind() {
            TokenKind::FStringStart | TokenKind::TStringStart => open_interpolated.push(token.start()),
            kind if kind.is_interpolated_string_end() => {
                if let Some(start) = open_interpolated.pop()
                    && open_interpolated.is_empty()
                {
                    spans.push((lines.line_of(start), lines.line_of(token.end())));
                }
            }
            TokenKind::String if open_interpolated.is_empty() => {
                spans.push((lines.line_of(token.start()), lines.line_of(token.end())));
            }
            _ => {}
        }
    }
    for line in 0..lines.line_count() {
        let range = lines.line_range(line, text);
        if text[range].ends_with('\\') && !in_token(tokens, range.end() - TextSize::from(1)) {
            spans.push((line, line + 1));
        }
    }
    spans.retain(|(first, last)| first < last);
    spans.sort_unstable();
    // Chained spans (a continuation ending on a line that opens a string) end together.
    let mut continued = HashMap::default();
    for &(first, last) in spans.iter().rev() {
        let end = continued.get(&last).copied().unwrap_or(last);
        for line in first..last {
            let known = continued.get(&line).copied().unwrap_or(line);
            continued.insert(line, known.max(end));
        }
    }
    continued
}

/// Whether `offset` lies inside a token (a `\` in a string or a comment, not a continuation).
fn in_token(tokens: &[Token], offset: TextSize) -> bool {
    let after = tokens.partition_point(|token| token.start() <= offset);
    after > 0 && tokens[after - 1].range().contains(offset)
}

fn is_skip_file(comment: &str) -> bool {
    let body = comment.trim_start_matches('#').trim();
    body.strip_prefix("aioguard:").is_some_and(|rest| rest.trim() == "skip-file")
}

/// Parses the first `# noqa` directive in a comment (which starts at `offset`), wherever
/// it stands in it.
pub fn parse_noqa(comment: &str, offset: TextSize) -> Option<Directive> {
    let at = |index: usize| offset + TextSize::try_from(index).expect("comments are short");
    let comment_range = TextRange::at(offset, TextSize::of(comment));
    let mut searched = 0;
    while let Some(found) = comment[searched..].find('#') {
        let hash = searched + found;
        let word_start = hash + 1 + (comment[hash + 1..].len() - comment[hash + 1..].trim_start().len());
        let after = &comment[word_start..];
        if after.get(..4).is_some_and(|word| word.eq_ignore_ascii_case("noqa")) {
            let word_end = word_start + 4;
            let rest = &comment[word_end..];
            let Some(colon) = rest.trim_start().strip_prefix(':').map(|codes| comment.len() - codes.len()) else {
                // `# noqa` alone, or followed by prose (not `# noqautomatic`, which is no directive).
                if rest.chars().next().is_none_or(|c| !c.is_alphanumeric()) {
                    let range = TextRange::new(at(hash), at(word_end));
                    return Some(Directive { range, comment: comment_range, codes: Vec::new() });
                }
                searched = hash + 1;
                continue;
            };
            let mut codes = Vec::new();
            let mut position = colon;
            for word in comment[colon..].split_inclusive(|c: char| c == ',' || c.is_whitespace()) {
                let code = word.trim_end_matches(|c: char| c == ',' || c.is_whitespace());
                if !code.is_empty() {
                    if !is_code(code) {
                        break;
                    }
                    codes.push((code.to_owned(), TextRange::at(at(position), TextSize::of(code))));
                }
                position += word.len();
            }
            let end = codes.last().map_or(at(colon), |(_, range)| range.end());
            return Some(Directive { range: TextRange::new(at(hash), end), comment: comment_range, codes });
        }
        searched = hash + 1;
    }
    None
}

/// Letters then digits (`AG101`, `ASYNC251`), in either case: codes are case-insensitive.
fn is_code(word: &str) -> bool {
    let letters = word.chars().take_while(char::is_ascii_alphabetic).count();
    letters > 0 && letters < word.len() && word[letters..].chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use ruff_python_parser::parse_module;

    use super::*;

    fn codes(comment: &str) -> Option<Vec<String>> {
        parse_noqa(comment, TextSize::from(0)).map(|directive| {
            directive
                .codes
                .iter()
                .map(|(code, range)| {
                    assert_eq!(&comment[*range], code);
                    code.clone()
                })
                .collect()
        })
    }

    #[test]
    fn parses_noqa_forms() {
        assert_eq!(codes("# noqa"), Some(vec![]));
        assert_eq!(codes("# NOQA  because"), Some(vec![]));
        assert_eq!(codes("# type: ignore  # noqa: AG101, ASYNC251 why"), Some(vec!["AG101".into(), "ASYNC251".into()]));
        assert_eq!(codes("# noqa:AG103"), Some(vec!["AG103".into()]));
        assert_eq!(codes("# noqa: ag101"), Some(vec!["ag101".into()]));
        assert_eq!(codes("# noqaa"), None);
        assert_eq!(codes("# noqanything  # noqa: AG103"), Some(vec!["AG103".into()]));
        assert_eq!(codes("# nothing here"), None);
        assert_eq!(codes("# 14시 30분"), None);
        assert_eq!(codes("# é # noqa"), Some(vec![]));
        assert!(is_skip_file("# aioguard: skip-file"));
        assert!(!is_skip_file("# aioguard: skip-file please"));
        let comment = "# type: ignore  # noqa: AG101,AG102 why";
        let directive = parse_noqa(comment, TextSize::from(10)).unwrap();
        assert_eq!(directive.range, TextRange::new(26.into(), 45.into()));
        assert_eq!(&comment[16..35], "# noqa: AG101,AG102");
    }

    #[test]
    fn lines_inside_strings_and_continuations_take_the_comment_where_they_end() {
        let text = "x = f('''\na\n''', 1)  # noqa\ny = 1 + \\\n    2 \\\n    + 3\nz = f'{\n1}'\n# a \\\nw = '\\\n'\n";
        let parsed = parse_module(text).unwrap();
        let lines = LineIndex::new(text);
        let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
        let mapped: Vec<usize> = (0..lines.line_count()).map(|line| suppressions.noqa_line(line)).collect();
        assert_eq!(mapped, [2, 2, 2, 5, 5, 5, 7, 7, 8, 10, 10, 11]);
    }
}
