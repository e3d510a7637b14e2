//! `json`: an array of objects in the shape of `ruff check --output-format json`
//! (`code`, `message`, `filename` (absolute), `location`, `end_location`, `fix`,
//! `noqa_row`, `url`: the rule's documentation), plus `name`, the `severity` the
//! configuration gives the rule, the `fingerprint` SARIF carries (which follows a
//! finding across commits), for project-wide findings `chain`, for a blocking call its
//! `cost` class, `context: "start-up"` for one in start-up or shutdown code, and for a
//! finding without a fix the reason, `no_fix_reason`, when known.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{EmitContext, Emitter, STARTUP_TAG, documentation_url, fingerprints};
use crate::data::diagnostic::Finding;
use crate::data::source::Position;

pub struct Json;

fn position(position: Position) -> Value {
    json!({"row": position.row, "column": position.column})
}

/// A path as shown (relative to the current directory) made absolute.
fn absolute(filename: &str) -> String {
    std::path::absolute(filename).map_or_else(|_| filename.to_owned(), |path| path.display().to_string())
}

fn finding_to_json(finding: &Finding, fingerprint: String, context: &EmitContext) -> Value {
    let fix = finding.fix.as_ref().map(|fix| {
        json!({
            "applicability": fix.applicability.as_str(),
            "message": fix.message,
            "edits": fix.edits.iter().map(|edit| json!({
                "content": edit.content,
                "location": position(edit.start),
                "end_location": position(edit.end),
            })).collect::<Vec<_>>(),
        })
    });
    let mut object = json!({
        "code": finding.rule.code,
        "name": finding.rule.name,
        "message": finding.message,
        "filename": absolute(&finding.filename),
        "location": position(finding.start),
        "end_location": position(finding.end),
        "fix": fix,
        "noqa_row": finding.noqa_row,
        "url": documentation_url(finding.rule),
        "severity": context.severity(finding).as_str(),
        "fingerprint": fingerprint,
    });
    if let Some(cost) = finding.cost {
        object["cost"] = cost.as_str().into();
    }
    if finding.startup {
        object["context"] = STARTUP_TAG.into();
    }
    if let Some(reason) = &finding.no_fix_reason {
        object["no_fix_reason"] = reason.as_str().into();
    }
    if !finding.chain.is_empty() {
        object["chain"] = finding
            .chain
            .iter()
            .map(|hop| {
                let filename = absolute(&hop.filename);
                json!({"name": hop.name, "filename": filename, "location": {"row": hop.row, "column": hop.column}})
            })
            .collect();
    }
    object
}

impl Emitter for Json {
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()> {
        let array: Vec<Value> = findings
            .iter()
            .zip(fingerprints(findings, context))
            .map(|(finding, fingerprint)| finding_to_json(finding, fingerprint, context))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &array)?;
        writeln!(out)
    }

    fn is_human(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::data::catalogue::Cost;
    use crate::data::config::{Severities, Severity};
    use crate::data::registry;
    use crate::outputs::OutputFormat;

    #[test]
    fn findings_carry_their_documentation_severity_cost_and_the_sarif_fingerprint() {
        // A root that does not exist: paths under it are taken as they are written.
        let root = PathBuf::from("/nonexistent/repo");
        let severities = Severities::from_table([("AG1".to_owned(), Severity::Warning)]);
        let context = EmitContext::new(false, &severities, root.clone()).with_repository_root(root.clone());
        let finding = Finding {
            rule: &registry::BLOCKING_SLEEP,
            message: "m".to_owned(),
            filename: root.join("app.py").display().to_string(),
            start: Position { row: 3, column: 5 },
            end: Position { row: 3, column: 18 },
            noqa_row: 3,
            source_lines: vec!["    time.sleep(1)".to_owned()],
            fix: None,
            no_fix_reason: None,
            chain: Vec::new(),
            cost: Some(Cost::Sleep),
            startup: false,
        };
        let findings = [finding.clone(), finding];
        let emit = |format: OutputFormat| {
            let mut out = Vec::new();
            format.emitter().emit(&mut out, &findings, &context).unwrap();
            serde_json::from_slice::<Value>(&out).unwrap()
        };
        let (json, sarif) = (emit(OutputFormat::Json), emit(OutputFormat::Sarif));
        for index in 0..2 {
            let object = &json[index];
            assert_eq!(object["url"], "https://github.com/aioguard/aioguard/blob/main/src/rules/blocking_sleep.rs");
            assert_eq!(object["severity"], "warning");
            let result = &sarif["runs"][0]["results"][index];
            assert_eq!(object["fingerprint"], result["partialFingerprints"]["aioguard/v1"]);
            assert_eq!((&object["cost"], &result["properties"]["cost"]), (&"sleep".into(), &"sleep".into()));
        }
        assert_ne!(json[0]["fingerprint"], json[1]["fingerprint"]);
    }
}
