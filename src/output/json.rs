//! `json`: an array of objects in the shape of `ruff check --output-format json`
//! (`code`, `message`, `filename`, `location`, `end_location`, `fix`, `noqa_row`,
//! `url`), plus `name` and, for project-wide findings, `chain`.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{EmitContext, Emitter};
use crate::linter::Finding;
use crate::source::Position;

pub struct Json;

fn position(position: Position) -> Value {
    json!({"row": position.row, "column": position.column})
}

pub fn finding_to_json(finding: &Finding) -> Value {
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
        "filename": finding.filename,
        "location": position(finding.start),
        "end_location": position(finding.end),
        "fix": fix,
        "noqa_row": finding.noqa_row,
        "url": Value::Null,
    });
    if !finding.chain.is_empty() {
        object["chain"] = finding
            .chain
            .iter()
            .map(|hop| json!({"name": hop.name, "filename": hop.filename, "location": {"row": hop.row, "column": hop.column}}))
            .collect();
    }
    object
}

impl Emitter for Json {
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], _context: &EmitContext) -> io::Result<()> {
        let array: Vec<Value> = findings.iter().map(finding_to_json).collect();
        serde_json::to_writer_pretty(&mut *out, &array)?;
        writeln!(out)
    }

    fn is_human(&self) -> bool {
        false
    }
}
