//! Suppression comments: `# noqa`, `# noqa: AG101, ASYNC251`, and
//! `# aioguard: skip-file` in the first lines of a file.

use std::collections::HashMap;

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::Ranged;

use crate::data::registry::RuleInfo;
use crate::data::source::LineIndex;

/// `# aioguard: skip-file` counts only within this many first lines.
const SKIP_FILE_LINES: usize = 10;

#[derive(Debug, PartialEq, Eq)]
enum Directive {
    All,
    Codes(Vec<String>),
}

/// The suppressions of one file, by 0-based line.
#[derive(Debug, Default)]
pub struct Suppressions {
    by_line: HashMap<usize, Directive>,
    pub skip_file: bool,
}

impl Suppressions {
    pub fn from_tokens(tokens: &Tokens, text: &str, lines: &LineIndex) -> Self {
        let mut suppressions = Suppressions::default();
        for token in tokens.iter().filter(|token| token.kind() == TokenKind::Comment) {
            let comment = &text[token.range()];
            let line = lines.line_of(token.start());
            if line < SKIP_FILE_LINES && is_skip_file(comment) {
                suppressions.skip_file = true;
            }
            if let Some(directive) = parse_noqa(comment) {
                suppressions.by_line.insert(line, directive);
            }
        }
        suppressions
    }

    /// Whether a finding of `rule` that starts on 0-based `line` is suppressed.
    pub fn suppresses(&self, rule: &RuleInfo, line: usize) -> bool {
        match self.by_line.get(&line) {
            None => false,
            Some(Directive::All) => true,
            Some(Directive::Codes(codes)) => codes.iter().any(|code| rule.answers_to_code(code)),
        }
    }
}

fn is_skip_file(comment: &str) -> bool {
    let body = comment.trim_start_matches('#').trim();
    body.strip_prefix("aioguard:").is_some_and(|rest| rest.trim() == "skip-file")
}

/// Parses the first `# noqa` directive in a comment, wherever it stands in it.
fn parse_noqa(comment: &str) -> Option<Directive> {
    let mut rest = comment;
    while let Some(hash) = rest.find('#') {
        let after = rest[hash + 1..].trim_start();
        if after.get(..4).is_some_and(|word| word.eq_ignore_ascii_case("noqa")) {
            let after = &after[4..];
            let Some(codes) = after.trim_start().strip_prefix(':') else {
                // `# noqa` alone, or followed by prose (not `# noqautomatic`).
                return after.chars().next().is_none_or(|c| !c.is_alphanumeric()).then_some(Directive::All);
            };
            let codes: Vec<String> = codes
                .split(|c: char| c == ',' || c.is_whitespace())
                .map(str::trim)
                .take_while(|code| code.is_empty() || is_code(code))
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect();
            return Some(if codes.is_empty() { Directive::All } else { Directive::Codes(codes) });
        }
        rest = &rest[hash + 1..];
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
    use super::*;

    #[test]
    fn parses_noqa_forms() {
        assert_eq!(parse_noqa("# noqa"), Some(Directive::All));
        assert_eq!(parse_noqa("# NOQA  because"), Some(Directive::All));
        assert_eq!(
            parse_noqa("# type: ignore  # noqa: AG101, ASYNC251 why"),
            Some(Directive::Codes(vec!["AG101".into(), "ASYNC251".into()]))
        );
        assert_eq!(parse_noqa("# noqa:AG103"), Some(Directive::Codes(vec!["AG103".into()])));
        assert_eq!(parse_noqa("# noqa: ag101"), Some(Directive::Codes(vec!["ag101".into()])));
        assert_eq!(parse_noqa("# noqaa"), None);
        assert_eq!(parse_noqa("# nothing here"), None);
        assert_eq!(parse_noqa("# 14시 30분"), None);
        assert_eq!(parse_noqa("# é # noqa"), Some(Directive::All));
        assert!(is_skip_file("# aioguard: skip-file"));
        assert!(!is_skip_file("# aioguard: skip-file please"));
    }
}
