//! The rule registry: every rule's code, name, summary, whether it runs by default and
//! has a fix, and its documentation; what selection, suppression, the cache and the
//! outputs know of rules.
//!
//! A rule's documentation is the doc comment that opens its file under `src/rules/` (from
//! its `## What it does` on): the build script copies it out, so that the text
//! `aioguard rule CODE` prints is the text beside the rule's code.

use crate::data::catalogue::Cost;

/// The documentation of the rule in `src/rules/<file>.rs`, as the build script extracts it.
macro_rules! rule_doc {
    ($file:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/rule_docs/", $file, ".md"))
    };
}

/// [`rule_doc!`] of a rule reporting blocking calls, with what the family's findings
/// share (cost classes, start-up code) from `src/rules/blocking_call.rs`.
macro_rules! blocking_rule_doc {
    ($file:literal) => {
        concat!(rule_doc!($file), "\n", rule_doc!("blocking_call"))
    };
}

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

    /// Whether the rule reports calls that block the loop (the AG1 rules): a chain of
    /// calls is reported once, at the first that blocks.
    pub fn reports_blocking(&self) -> bool {
        self.code.starts_with("AG1")
    }

    /// Whether a selector names exactly this rule, by code or name.
    pub fn is_named_by(&self, selector: &str) -> bool {
        self.code.eq_ignore_ascii_case(selector) || self.name.eq_ignore_ascii_case(selector)
    }
}

pub static SYNTAX_ERROR: RuleInfo = RuleInfo {
    code: "AG001",
    name: "syntax-error",
    summary: "the file is not valid Python",
    fix: FixAvailability::Never,
    default_enabled: true,
    aliases: &[],
    doc: rule_doc!("syntax_error"),
};

pub static UNUSED_NOQA: RuleInfo = RuleInfo {
    code: "AG002",
    name: "unused-noqa",
    summary: "a `# noqa: AGxxx` suppresses no finding (off unless selected)",
    fix: FixAvailability::Always,
    default_enabled: false,
    aliases: &[],
    doc: rule_doc!("unused_noqa"),
};

pub static BLOCKING_SLEEP: RuleInfo = RuleInfo {
    code: "AG101",
    name: "blocking-sleep",
    summary: "`time.sleep()` in an `async def` stops the whole event loop",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["ASYNC251"],
    doc: blocking_rule_doc!("blocking_sleep"),
};

pub static BLOCKING_HTTP: RuleInfo = RuleInfo {
    code: "AG102",
    name: "blocking-http",
    summary: "a synchronous HTTP request in an `async def` blocks the event loop for the whole round trip",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["ASYNC210", "ASYNC211", "ASYNC212"],
    doc: blocking_rule_doc!("blocking_http"),
};

pub static BLOCKING_SUBPROCESS: RuleInfo = RuleInfo {
    code: "AG103",
    name: "blocking-subprocess",
    summary: "starting and waiting for a process in an `async def` blocks the event loop",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["ASYNC220", "ASYNC221", "ASYNC222"],
    doc: blocking_rule_doc!("blocking_subprocess"),
};

pub static BLOCKING_OPEN: RuleInfo = RuleInfo {
    code: "AG104",
    name: "blocking-open",
    summary: "file I/O in an `async def` blocks the event loop",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["ASYNC230", "ASYNC231", "ASYNC232"],
    doc: blocking_rule_doc!("blocking_open"),
};

pub static BLOCKING_FILESYSTEM: RuleInfo = RuleInfo {
    code: "AG105",
    name: "blocking-filesystem",
    summary: "file-system calls in an `async def` block the event loop",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["ASYNC240"],
    doc: blocking_rule_doc!("blocking_filesystem"),
};

pub static BLOCKING_SOCKET: RuleInfo = RuleInfo {
    code: "AG106",
    name: "blocking-socket",
    summary: "blocking socket operations and DNS look-ups in an `async def` stall the event loop",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_socket"),
};

pub static BLOCKING_INPUT: RuleInfo = RuleInfo {
    code: "AG107",
    name: "blocking-input",
    summary: "`input()` in an `async def` stops the event loop until the user answers",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["ASYNC250"],
    doc: blocking_rule_doc!("blocking_input"),
};

pub static BLOCKING_LOCK: RuleInfo = RuleInfo {
    code: "AG108",
    name: "blocking-lock",
    summary: "waiting on a `threading` lock or a `queue.Queue` in an `async def` blocks the event loop",
    fix: FixAvailability::Never,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_lock"),
};

pub static BLOCKING_CONFIGURED: RuleInfo = RuleInfo {
    code: "AG109",
    name: "blocking-configured",
    summary: "a call configured in `extend-blocking-calls` is made in an `async def`",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["ASYNC200"],
    doc: blocking_rule_doc!("blocking_configured"),
};

pub static BLOCKING_VIA_HELPER: RuleInfo = RuleInfo {
    code: "AG110",
    name: "blocking-via-helper",
    summary: "a sync function of the project called in an `async def` blocks the event loop further down",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_via_helper"),
};

pub static BLOCKING_DATABASE: RuleInfo = RuleInfo {
    code: "AG111",
    name: "blocking-database",
    summary: "a synchronous database or cache client called in an `async def` blocks the event loop for each query",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_database"),
};

pub static BLOCKING_NETWORK_CLIENT: RuleInfo = RuleInfo {
    code: "AG112",
    name: "blocking-network-client",
    summary: "a synchronous network client called in an `async def` blocks the event loop for the whole exchange",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_network_client"),
};

pub static BLOCKING_WAIT: RuleInfo = RuleInfo {
    code: "AG113",
    name: "blocking-wait",
    summary: "waiting for a thread, process or future in an `async def` blocks the event loop until it finishes",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_wait"),
};

pub static BLOCKING_SDK_CLIENT: RuleInfo = RuleInfo {
    code: "AG114",
    name: "blocking-sdk-client",
    summary: "a vendor SDK's sync client called in an `async def` blocks the event loop for the whole request",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_sdk_client"),
};

pub static BLOCKING_CPU: RuleInfo = RuleInfo {
    code: "AG115",
    name: "blocking-cpu",
    summary: "password hashing or key derivation in an `async def` holds the event loop for 100–300 ms of CPU",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_cpu"),
};

pub static BLOCKING_ORM: RuleInfo = RuleInfo {
    code: "AG116",
    name: "blocking-orm",
    summary: "a Django ORM query in an `async def` blocks the event loop (and Django refuses it at run time)",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: blocking_rule_doc!("blocking_orm"),
};

pub static DANGLING_TASK: RuleInfo = RuleInfo {
    code: "AG201",
    name: "dangling-task",
    summary: "the task from `asyncio.create_task()` is dropped and can vanish mid-flight",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &["RUF006", "ASYNC300"],
    doc: rule_doc!("dangling_task"),
};

pub static UNAWAITED_COROUTINE: RuleInfo = RuleInfo {
    code: "AG202",
    name: "unawaited-coroutine",
    summary: "an `async def` called without `await` never runs",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: rule_doc!("unawaited_coroutine"),
};

pub static NESTED_EVENT_LOOP: RuleInfo = RuleInfo {
    code: "AG203",
    name: "nested-event-loop",
    summary: "`asyncio.run()` or `run_until_complete()` inside a running event loop",
    fix: FixAvailability::Sometimes,
    default_enabled: true,
    aliases: &[],
    doc: rule_doc!("nested_event_loop"),
};

pub static GET_EVENT_LOOP_IN_COROUTINE: RuleInfo = RuleInfo {
    code: "AG204",
    name: "get-event-loop-in-coroutine",
    summary: "`asyncio.get_event_loop()` in an `async def`: use `get_running_loop()` (style; off unless selected)",
    fix: FixAvailability::Always,
    default_enabled: false,
    aliases: &[],
    doc: rule_doc!("get_event_loop_in_coroutine"),
};

/// Every rule, in code order.
pub static ALL: &[&RuleInfo] = &[
    &SYNTAX_ERROR,
    &UNUSED_NOQA,
    &BLOCKING_SLEEP,
    &BLOCKING_HTTP,
    &BLOCKING_SUBPROCESS,
    &BLOCKING_OPEN,
    &BLOCKING_FILESYSTEM,
    &BLOCKING_SOCKET,
    &BLOCKING_INPUT,
    &BLOCKING_LOCK,
    &BLOCKING_CONFIGURED,
    &BLOCKING_VIA_HELPER,
    &BLOCKING_DATABASE,
    &BLOCKING_NETWORK_CLIENT,
    &BLOCKING_WAIT,
    &BLOCKING_SDK_CLIENT,
    &BLOCKING_CPU,
    &BLOCKING_ORM,
    &DANGLING_TASK,
    &UNAWAITED_COROUTINE,
    &NESTED_EVENT_LOOP,
    &GET_EVENT_LOOP_IN_COROUTINE,
];

/// The rules that need the project-wide analysis.
pub const PROJECT_RULES: [&RuleInfo; 2] = [&BLOCKING_VIA_HELPER, &UNAWAITED_COROUTINE];

/// The rule with this code or name (in any case).
pub fn find(code_or_name: &str) -> Option<&'static RuleInfo> {
    // A code as the catalogue writes it first: its thousand entries name rules so.
    let exact = ALL.iter().copied().find(|rule| rule.code == code_or_name);
    exact.or_else(|| ALL.iter().copied().find(|rule| rule.is_named_by(code_or_name)))
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
    let suggestion = crate::data::suggest::did_you_mean(selector, candidates);
    format!("no rule matches `{selector}`{suggestion}")
}

/// The code of a blocking-call rule (AG101..AG109, AG111..AG116: the AG1 rules whose
/// findings are catalogue entries), as catalogue entries name them.
pub fn blocking_rule_code(code: &str) -> Option<&'static str> {
    find(code)
        .filter(|rule| rule.code.starts_with("AG1") && rule.code != BLOCKING_VIA_HELPER.code)
        .map(|rule| rule.code)
}

/// The cost class of a blocking-call rule's catalogue entries where an entry names none
/// (see `cost` in `catalogue.yaml`).
pub fn default_cost(code: &str) -> Cost {
    match code {
        "AG101" => Cost::Sleep,
        "AG103" => Cost::Process,
        "AG104" => Cost::Data,
        "AG105" => Cost::Metadata,
        "AG107" | "AG108" | "AG113" => Cost::Wait,
        "AG115" => Cost::Cpu,
        // HTTP, sockets, databases, network protocols, SDKs, the ORM, and configured
        // calls, which are most often remote ones.
        _ => Cost::Network,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::catalogue::{ClientSource, LearnedClients};
    use crate::data::config::{Options, Overrides, Settings};
    use crate::data::diagnostic::Applicability;
    use crate::driver::linter;

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

    /// The environment the examples run in: `qdrant_client` is installed, with its sync
    /// client and the async twin AG114 learns of it.
    struct ExampleEnvironment;

    impl ClientSource for ExampleEnvironment {
        fn clients(&self, name: &str) -> Option<Arc<LearnedClients>> {
            let twins = [("qdrant_client.QdrantClient".to_owned(), "qdrant_client.AsyncQdrantClient".to_owned())];
            (name == "qdrant_client").then(|| Arc::new(LearnedClients::new(twins)))
        }
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
            let mut settings = Settings::new(options, ".".into(), None, &Overrides::default()).unwrap();
            settings.client_source = Some(Arc::new(ExampleEnvironment));
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
        assert_eq!(blocking_rule_code("blocking-sdk-client"), Some("AG114"));
        assert_eq!(blocking_rule_code("blocking-cpu"), Some("AG115"));
        assert_eq!(blocking_rule_code("blocking-orm"), Some("AG116"));
        assert_eq!(blocking_rule_code("AG110"), None);
        assert_eq!(blocking_rule_code("AG201"), None);
    }
}
