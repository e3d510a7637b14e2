//! `gitlab`: GitLab Code Quality JSON (a subset of Code Climate's issue format), which
//! GitLab shows in merge requests when a job publishes it as a `codequality` report.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{EmitContext, Emitter, STARTUP_TAG, fingerprints};
use crate::data::config::Severity;
use crate::data::diagnostic::Finding;

pub struct Gitlab;

impl Emitter for Gitlab {
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()> {
        let issues: Vec<Value> = findings
            .iter()
            .zip(fingerprints(findings, context))
            .map(|(finding, fingerprint)| issue(finding, fingerprint, context))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &issues)?;
        writeln!(out)
    }

    fn is_human(&self) -> bool {
        false
    }
}

fn issue(finding: &Finding, fingerprint: String, context: &EmitContext) -> Value {
    let severity = match context.severity(finding) {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Note => "info",
    };
    let startup = if finding.startup { format!(" ({STARTUP_TAG})") } else { String::new() };
    json!({
        "type": "issue",
        "check_name": finding.rule.code,
        "description": format!("{} {}{startup}: {}", finding.rule.code, finding.rule.name, finding.message),
        "categories": ["Performance"],
        "severity": severity,
        "fingerprint": fingerprint,
        "location": {
            "path": context.repository_path(&finding.filename),
            "lines": {"begin": finding.start.row, "end": finding.end.row},
        },
    })
}
