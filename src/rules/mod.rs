//! The rules: one file per rule, each with the documentation that `aioguard rule CODE`
//! prints, and the registry that selection, suppression and the outputs read.
//!
//! Rules do not walk the tree: the checker walks each module once and calls the
//! `on_*` hooks below with the node at hand; a rule reads the semantic model and
//! reports through the checker.

use ruff_python_ast as ast;

use crate::checker::Checker;

pub mod blocking_call;
pub mod blocking_configured;
pub mod blocking_database;
pub mod blocking_filesystem;
pub mod blocking_http;
pub mod blocking_input;
pub mod blocking_lock;
pub mod blocking_network_client;
pub mod blocking_open;
pub mod blocking_sleep;
pub mod blocking_socket;
pub mod blocking_subprocess;
pub mod blocking_via_helper;
pub mod blocking_wait;
pub mod dangling_task;
pub mod get_event_loop_in_coroutine;
pub mod nested_event_loop;
pub mod syntax_error;
pub mod unawaited_coroutine;

/// Whether a rule's findings come with an automatic fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    Never,
    Sometimes,
    Always,
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct RuleInfo {
    pub code: &'static str,
    /// The kebab-case name, usable wherever a code is.
    pub name: &'static str,
    pub summary: &'static str,
    pub fix: FixAvailability,
    /// Whether the rule runs without being selected: style rules run only when a
    /// selection names them (`--select AG204`, a prefix, or `ALL`).
    pub default_enabled: bool,
    /// Codes of ruff and flake8-async whose `# noqa` also suppresses this rule.
    pub aliases: &'static [&'static str],
    /// Markdown: what it does, why it is bad, an example, what to use instead, the fix.
    pub doc: &'static str,
}

impl RuleInfo {
    /// Whether a `# noqa: CODE` names this rule (in any case).
    pub fn answers_to_code(&self, code: &str) -> bool {
        self.code.eq_ignore_ascii_case(code) || self.aliases.iter().any(|alias| alias.eq_ignore_ascii_case(code))
    }

    /// Whether a `--select`/`--ignore` selector (code, code prefix, name or `ALL`, in any
    /// case) takes this rule.
    pub fn is_selected_by(&self, selector: &str) -> bool {
        selector.eq_ignore_ascii_case("ALL")
            || self.code.get(..selector.len()).is_some_and(|prefix| prefix.eq_ignore_ascii_case(selector))
            || self.name.eq_ignore_ascii_case(selector)
    }

    /// Whether a selector names exactly this rule, by code or name.
    pub fn is_named_by(&self, selector: &str) -> bool {
        self.code.eq_ignore_ascii_case(selector) || self.name.eq_ignore_ascii_case(selector)
    }
}

/// Every rule, in code order.
pub static ALL: &[&RuleInfo] = &[
    &syntax_error::RULE,
    &blocking_sleep::RULE,
    &blocking_http::RULE,
    &blocking_subprocess::RULE,
    &blocking_open::RULE,
    &blocking_filesystem::RULE,
    &blocking_socket::RULE,
    &blocking_input::RULE,
    &blocking_lock::RULE,
    &blocking_configured::RULE,
    &blocking_via_helper::RULE,
    &blocking_database::RULE,
    &blocking_network_client::RULE,
    &blocking_wait::RULE,
    &dangling_task::RULE,
    &unawaited_coroutine::RULE,
    &nested_event_loop::RULE,
    &get_event_loop_in_coroutine::RULE,
];

/// The rule with this code or name (in any case).
pub fn find(code_or_name: &str) -> Option<&'static RuleInfo> {
    ALL.iter().copied().find(|rule| rule.is_named_by(code_or_name))
}

/// A rule stored by its code (in the cache): a code no rule has any more fails to load.
pub mod by_code {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::RuleInfo;

    pub fn serialize<S: Serializer>(rule: &&'static RuleInfo, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(rule.code)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<&'static RuleInfo, D::Error> {
        let code = <&str>::deserialize(deserializer)?;
        super::ALL.iter().copied().find(|rule| rule.code == code).ok_or_else(|| D::Error::custom("no such rule"))
    }
}

/// Whether any rule answers to a selector (for validating configuration).
pub fn is_valid_selector(selector: &str) -> bool {
    ALL.iter().any(|rule| rule.is_selected_by(selector))
}

/// Why no rule answers to `selector`, with the closest code or name as a suggestion:
/// "no rule matches `AG1O1`; did you mean `AG101`?".
pub fn unknown_selector_error(selector: &str) -> String {
    let candidates = ALL.iter().flat_map(|rule| [rule.code, rule.name]);
    let suggestion = crate::suggest::did_you_mean(selector, candidates);
    format!("no rule matches `{selector}`{suggestion}")
}

/// The code of a blocking-call rule (AG101..AG109, AG111..AG113: the AG1 rules whose
/// findings are catalogue entries), as catalogue entries name them.
pub fn blocking_rule_code(code: &str) -> Option<&'static str> {
    find(code)
        .filter(|rule| rule.code.starts_with("AG1") && rule.code != blocking_via_helper::RULE.code)
        .map(|rule| rule.code)
}

pub(crate) fn on_call<'a>(checker: &mut Checker<'a>, call: &'a ast::ExprCall) {
    blocking_call::check(checker, call);
    blocking_via_helper::check(checker, call);
    nested_event_loop::check(checker, call);
    get_event_loop_in_coroutine::check(checker, call);
    dangling_task::check_call(checker, call);
}

pub(crate) fn on_expr_stmt<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtExpr) {
    dangling_task::check(checker, stmt);
    unawaited_coroutine::check(checker, stmt);
}

pub(crate) fn on_with<'a>(checker: &mut Checker<'a>, with: &'a ast::StmtWith) {
    blocking_lock::check_with(checker, with);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Options, Overrides, Settings};
    use crate::diagnostic::Applicability;
    use crate::linter;

    /// The fenced code blocks of `language` in the section of `doc` titled `title`.
    fn code_blocks<'d>(doc: &'d str, title: &str, language: &str) -> Vec<&'d str> {
        let Some(start) = doc.find(&format!("## {title}\n")) else { return Vec::new() };
        let section = &doc[start + 3..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        section
            .split(&format!("```{language}\n"))
            .skip(1)
            .map(|block| &block[..block.find("```").expect("closed code block")])
            .collect()
    }

    /// Each fixable rule's documentation shows, under *Fix*, exactly what fixing its
    /// *Example* (with `--unsafe-fixes`) produces.
    #[test]
    fn documented_fixes_are_what_the_fixes_produce() {
        for rule in ALL.iter().filter(|rule| rule.fix != FixAvailability::Never) {
            let [example] = code_blocks(rule.doc, "Example", "python")[..] else {
                panic!("{}: one python block under Example", rule.code)
            };
            let [expected] = code_blocks(rule.doc, "Fix", "python")[..] else {
                panic!("{}: one python block under Fix", rule.code)
            };
            let options: Options = code_blocks(rule.doc, "What it does", "yaml")
                .first()
                .map(|yaml| serde_yaml::from_str(yaml).unwrap())
                .unwrap_or_default();
            let settings = Settings::new(options, ".".into(), None, &Overrides::default()).unwrap();
            let enabled = settings.rules;
            let diagnostics = linter::check_text(example, &settings, enabled, None);
            assert!(
                diagnostics.iter().any(|diagnostic| diagnostic.rule.code == rule.code && diagnostic.fix.is_some()),
                "{}: the example has no fixable finding of the rule",
                rule.code
            );
            let fixed =
                linter::fix_text(example, diagnostics, &settings, enabled, Applicability::Unsafe, None, None).unwrap();
            assert_eq!(fixed.text, expected, "{}: the documented fix differs", rule.code);
        }
    }

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        for (index, rule) in ALL.iter().enumerate() {
            for other in &ALL[index + 1..] {
                assert_ne!(rule.code, other.code);
                assert_ne!(rule.name, other.name);
            }
            for section in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(rule.doc.contains(section), "{} lacks {section}", rule.code);
            }
        }
        assert!(find("blocking-sleep").is_some_and(|rule| rule.code == "AG101"));
        assert!(is_valid_selector("AG1") && !is_valid_selector("AG9"));
        assert_eq!(blocking_rule_code("blocking-database"), Some("AG111"));
        assert_eq!(blocking_rule_code("AG113"), Some("AG113"));
        assert_eq!(blocking_rule_code("AG110"), None);
        assert_eq!(blocking_rule_code("AG201"), None);
    }
}
