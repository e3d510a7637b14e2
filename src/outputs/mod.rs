//! Layer 5, outputs: the formats findings are printed in. Each lives in its own file
//! behind [`Emitter`]; adding a format means one file and one variant of
//! [`OutputFormat`].

use std::cell::OnceCell;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use rustc_hash::FxHashMap as HashMap;

use crate::data::config::{Severities, Severity, StartupFindings};
use crate::data::diagnostic::Applicability;
use crate::data::diagnostic::Finding;
use crate::data::discovery;
use crate::data::registry::RuleInfo;

mod concise;
mod full;
mod github;
mod gitlab;
mod json;
mod sarif;

/// What an emitter may need beyond the findings.
pub struct EmitContext<'a> {
    pub color: bool,
    pub severities: &'a Severities,
    /// The fixes the run applies: findings with such a fix are marked fixable.
    pub applicability: Applicability,
    /// How start-up findings are reported (`startup-findings`).
    pub startup_findings: StartupFindings,
    /// A directory inside the repository that CI formats make paths relative to.
    anchor: PathBuf,
    repository_root: OnceCell<PathBuf>,
}

impl<'a> EmitContext<'a> {
    pub fn new(color: bool, severities: &'a Severities, anchor: PathBuf) -> Self {
        EmitContext {
            color,
            severities,
            applicability: Applicability::Safe,
            startup_findings: StartupFindings::default(),
            anchor,
            repository_root: OnceCell::new(),
        }
    }

    /// Reports start-up findings as `startup-findings` says.
    pub fn with_startup_findings(mut self, startup_findings: StartupFindings) -> Self {
        self.startup_findings = startup_findings;
        self
    }

    /// The level a finding is reported at: its rule's, at most `warning` for start-up
    /// code unless `startup-findings` says `error`.
    pub fn severity(&self, finding: &Finding) -> Severity {
        match self.severities.of(finding.rule) {
            Severity::Error if finding.startup && self.startup_findings == StartupFindings::Warning => {
                Severity::Warning
            }
            severity => severity,
        }
    }

    /// Marks the findings fixed by fixes of `applicability` or better as fixable.
    pub fn with_applicability(mut self, applicability: Applicability) -> Self {
        self.applicability = applicability;
        self
    }

    /// Sets the repository root instead of asking git for it on first use.
    pub fn with_repository_root(self, root: PathBuf) -> Self {
        let _ = self.repository_root.set(root);
        self
    }

    /// The root of the git checkout around the anchor; else `$GITHUB_WORKSPACE` (a
    /// checkout git refuses to read, in a container); else the anchor itself.
    pub fn repository_root(&self) -> &Path {
        self.repository_root.get_or_init(|| {
            discovery::repository_root(&self.anchor)
                .ok()
                .or_else(|| std::env::var_os("GITHUB_WORKSPACE").and_then(|dir| std::fs::canonicalize(dir).ok()))
                .unwrap_or_else(|| std::fs::canonicalize(&self.anchor).unwrap_or_else(|_| self.anchor.clone()))
        })
    }

    /// A finding's file (as shown, relative to the current directory) relative to the
    /// repository root; absolute when it lies outside the repository.
    pub fn repository_path(&self, filename: &str) -> PathBuf {
        let absolute = std::path::absolute(filename).unwrap_or_else(|_| PathBuf::from(filename));
        let resolved = std::fs::canonicalize(&absolute).unwrap_or(absolute);
        match resolved.strip_prefix(self.repository_root()) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => resolved,
        }
    }
}

pub trait Emitter {
    /// Writes the findings (already sorted by file and position).
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()>;

    /// Whether the format is for people: then a summary line follows the findings.
    fn is_human(&self) -> bool {
        true
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Each finding with the source line and a caret under the call.
    #[default]
    Full,
    /// One line per finding.
    Concise,
    /// A JSON array in the shape of `ruff check --output-format json`.
    Json,
    /// GitHub Actions workflow commands: annotations on the pull request's diff.
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitLab Code Quality JSON.
    Gitlab,
}

impl OutputFormat {
    pub fn emitter(self) -> Box<dyn Emitter> {
        match self {
            OutputFormat::Full => Box::new(full::Full),
            OutputFormat::Concise => Box::new(concise::Concise),
            OutputFormat::Json => Box::new(json::Json),
            OutputFormat::Github => Box::new(github::Github),
            OutputFormat::Sarif => Box::new(sarif::Sarif),
            OutputFormat::Gitlab => Box::new(gitlab::Gitlab),
        }
    }
}

/// ANSI styling, applied only when colour is on.
pub(crate) struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// The tag of a finding in start-up or shutdown code, in every format.
pub(crate) const STARTUP_TAG: &str = "start-up";

/// `path:row:col: CODE` with the fixable marker and the message, tagged `[start-up]` for
/// start-up code, shared by the human formats.
pub(crate) fn header(finding: &Finding, style: &Style, applicability: Applicability) -> String {
    let fixable = if finding.is_fixable(applicability) { format!(" {}", style.cyan("[*]")) } else { String::new() };
    let startup = if finding.startup { format!(" {}", style.dim(&format!("[{STARTUP_TAG}]"))) } else { String::new() };
    format!(
        "{}{}{}{}{}{} {}{fixable} {}{startup}",
        style.bold(&finding.filename),
        style.dim(":"),
        finding.start.row,
        style.dim(":"),
        finding.start.column,
        style.dim(":"),
        style.red(finding.rule.code),
        finding.message
    )
}

/// Where a rule's documentation is read online: its source file, which holds it.
pub(crate) fn documentation_url(rule: &RuleInfo) -> String {
    format!("{}/blob/main/src/rules/{}.rs", env!("CARGO_PKG_REPOSITORY"), rule.name.replace('-', "_"))
}

/// A fingerprint per finding that survives edits elsewhere in the file: a hash of the
/// rule, the repository path and the reported source text (whitespace-insensitive),
/// with the occurrence number among findings that hash alike.
pub(crate) fn fingerprints(findings: &[Finding], context: &EmitContext) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::default();
    findings
        .iter()
        .map(|finding| {
            let path = context.repository_path(&finding.filename);
            let mut hash = Fnv1a::default();
            hash.write(finding.rule.code.as_bytes());
            hash.write(path.as_os_str().as_encoded_bytes());
            for word in finding.source_lines.iter().flat_map(|line| line.split_whitespace()) {
                hash.write(word.as_bytes());
            }
            let occurrence = seen.entry(hash.0).or_default();
            *occurrence += 1;
            format!("{:016x}:{occurrence}", hash.0)
        })
        .collect()
}

/// 64-bit FNV-1a: small, and stable across releases and platforms, unlike std's hasher.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    /// Hashes `bytes` and a separator, so that ("ab", "c") and ("a", "bc") differ.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes.iter().chain([0xff].iter()) {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::registry;
    use crate::data::source::Position;

    #[test]
    fn fingerprints_follow_the_code_not_its_row() {
        let severities = Severities::default();
        let root = PathBuf::from("/nonexistent/repo");
        let context = EmitContext::new(false, &severities, root.clone()).with_repository_root(root);
        let at_row = |row, line: &str| Finding {
            rule: &registry::BLOCKING_SLEEP,
            message: "m".to_owned(),
            filename: "/nonexistent/repo/app.py".to_owned(),
            start: Position { row, column: 5 },
            end: Position { row, column: 18 },
            noqa_row: row,
            source_lines: vec![line.to_owned()],
            fix: None,
            no_fix_reason: None,
            chain: Vec::new(),
            cost: None,
            startup: false,
        };
        let before = fingerprints(&[at_row(3, "    time.sleep(1)")], &context);
        let moved = fingerprints(&[at_row(9, "  time.sleep(1)  ")], &context);
        assert_eq!(before, moved, "moved and re-indented: the same fingerprint");
        let twice = fingerprints(&[at_row(3, "    time.sleep(1)"), at_row(9, "    time.sleep(1)")], &context);
        assert_eq!(twice, [before[0].clone(), before[0].replace(":1", ":2")]);
        let changed = fingerprints(&[at_row(3, "    time.sleep(2)")], &context);
        assert_ne!(changed, before);
    }
}
