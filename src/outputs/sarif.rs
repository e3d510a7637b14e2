//! `sarif`: a SARIF 2.1.0 log, for GitHub code scanning and other SARIF readers.
//!
//! One run: the tool with a rule descriptor per rule that has findings (its docs as
//! description and help), and a result per finding with its location relative to
//! `%SRCROOT%` (the repository root), the fix as artifact changes, the chain of calls of
//! a project-wide finding as related locations, and a fingerprint that code scanning
//! follows from commit to commit; a blocking call's cost class is the result's `cost`
//! property, and `context: "start-up"` marks one in start-up or shutdown code. Columns count Unicode code points, as aioguard's do.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::{EmitContext, Emitter, STARTUP_TAG, documentation_url, fingerprints};
use crate::data::config::Severity;
use crate::data::diagnostic::{Finding, LocatedFix};
use crate::data::registry::RuleInfo;
use crate::data::source::Position;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";
const FINGERPRINT_KEY: &str = "aioguard/v1";

pub struct Sarif;

impl Emitter for Sarif {
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &log(findings, context))?;
        writeln!(out)
    }

    fn is_human(&self) -> bool {
        false
    }
}

fn log(findings: &[Finding], context: &EmitContext) -> Value {
    let mut rules: Vec<&'static RuleInfo> = Vec::new();
    for finding in findings {
        if !rules.iter().any(|rule| std::ptr::eq(*rule, finding.rule)) {
            rules.push(finding.rule);
        }
    }
    let results: Vec<Value> = findings
        .iter()
        .zip(fingerprints(findings, context))
        .map(|(finding, fingerprint)| {
            let rule_index = rules.iter().position(|rule| std::ptr::eq(*rule, finding.rule)).expect("rule listed");
            result(finding, rule_index, fingerprint, context)
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules.iter().map(|rule| descriptor(rule, context)).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {SOURCE_ROOT: {"uri": directory_uri(context.repository_root())}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn descriptor(rule: &RuleInfo, context: &EmitContext) -> Value {
    json!({
        "id": rule.code,
        "name": pascal_case(rule.name),
        "shortDescription": {"text": sentence(&markdown_to_text(rule.summary))},
        "fullDescription": {"text": sentence(&markdown_to_text(&section(rule.doc, "What it does")))},
        "help": {"text": markdown_to_text(rule.doc), "markdown": rule.doc},
        "helpUri": documentation_url(rule),
        "defaultConfiguration": {"level": level(context.severities.of(rule))},
        "properties": {"tags": ["asyncio", "performance"], "precision": "high"},
    })
}

fn result(finding: &Finding, rule_index: usize, fingerprint: String, context: &EmitContext) -> Value {
    let artifact = artifact_location(&finding.filename, context);
    let mut result = json!({
        "ruleId": finding.rule.code,
        "ruleIndex": rule_index,
        "level": level(context.severity(finding)),
        "message": {"text": sentence(&finding.message)},
        "locations": [{"physicalLocation": physical_location(finding, &artifact)}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    });
    if let Some(fix) = &finding.fix {
        result["fixes"] = json!([sarif_fix(fix, &artifact)]);
    }
    if let Some(cost) = finding.cost {
        result["properties"]["cost"] = cost.as_str().into();
    }
    if finding.startup {
        result["properties"]["context"] = STARTUP_TAG.into();
    }
    if !finding.chain.is_empty() {
        result["relatedLocations"] = finding
            .chain
            .iter()
            .enumerate()
            .map(|(index, hop)| {
                let at = Position { row: hop.row, column: hop.column };
                json!({
                    "id": index + 1,
                    "message": {"text": format!("Step {} of the chain: `{}`.", index + 1, hop.name)},
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&hop.filename, context),
                        "region": region(at, at),
                    },
                })
            })
            .collect();
    }
    result
}

/// The finding's region with the code it covers, and the whole lines around it as context.
fn physical_location(finding: &Finding, artifact: &Value) -> Value {
    let mut location = json!({"artifactLocation": artifact, "region": region(finding.start, finding.end)});
    if finding.source_lines.is_empty() {
        return location;
    }
    let last = finding.source_lines.len() - 1;
    let covered: Vec<String> = finding
        .source_lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let from = if index == 0 { finding.start.column - 1 } else { 0 };
            let to = if index == last { finding.end.column - 1 } else { usize::MAX };
            line.chars().take(to).skip(from).collect()
        })
        .collect();
    location["region"]["snippet"] = json!({"text": covered.join("\n")});
    location["contextRegion"] = json!({
        "startLine": finding.start.row,
        "endLine": finding.start.row + last,
        "snippet": {"text": finding.source_lines.join("\n")},
    });
    location
}

fn sarif_fix(fix: &LocatedFix, artifact: &Value) -> Value {
    json!({
        "description": {"text": sentence(&fix.message)},
        "artifactChanges": [{
            "artifactLocation": artifact,
            "replacements": fix.edits.iter().map(|edit| json!({
                "deletedRegion": region(edit.start, edit.end),
                "insertedContent": {"text": edit.content},
            })).collect::<Vec<_>>(),
        }],
    })
}

fn region(start: Position, end: Position) -> Value {
    json!({"startLine": start.row, "startColumn": start.column, "endLine": end.row, "endColumn": end.column})
}

/// SARIF's levels are named as aioguard's severities are.
fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

/// A path relative to `%SRCROOT%`, or an absolute `file:` URI outside the repository.
fn artifact_location(filename: &str, context: &EmitContext) -> Value {
    let path = context.repository_path(filename);
    if path.is_absolute() {
        json!({"uri": format!("file://{}", percent_encode(&path))})
    } else {
        json!({"uri": percent_encode(&path), "uriBaseId": SOURCE_ROOT})
    }
}

fn directory_uri(directory: &Path) -> String {
    let encoded = percent_encode(directory);
    let slash = if encoded.ends_with('/') { "" } else { "/" };
    format!("file://{encoded}{slash}")
}

/// Percent-encodes a path for a URI, keeping `/` and the characters URIs leave unreserved.
fn percent_encode(path: &Path) -> String {
    let mut encoded = String::new();
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `blocking-sleep` → `BlockingSleep`: SARIF's convention for rule names.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// SARIF messages are sentences: they end with a period.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) { text.to_owned() } else { format!("{text}.") }
}

/// The body of a `## title` section of a rule's doc.
fn section(doc: &str, title: &str) -> String {
    let heading = format!("## {title}\n");
    let Some(start) = doc.find(&heading).map(|at| at + heading.len()) else { return String::new() };
    let body = &doc[start..];
    body[..body.find("\n## ").unwrap_or(body.len())].trim().to_owned()
}

/// Markdown read as plain text: code spans lose their backticks, fences their markers.
fn markdown_to_text(markdown: &str) -> String {
    markdown.lines().filter(|line| !line.starts_with("```")).collect::<Vec<_>>().join("\n").replace('`', "")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::data::config::Severities;
    use crate::data::diagnostic::LocatedEdit;
    use crate::data::diagnostic::{Applicability, Hop};
    use crate::data::registry;

    #[test]
    fn fixes_chains_and_rules_map_to_sarif() {
        // A root that does not exist: paths under it are taken as they are written.
        let root = PathBuf::from("/nonexistent/repo");
        let severities = Severities::default();
        let context = EmitContext::new(false, &severities, root.clone()).with_repository_root(root.clone());
        let at = |row, column| Position { row, column };
        let finding = Finding {
            rule: &registry::BLOCKING_SLEEP,
            message: "`time.sleep()` blocks".to_owned(),
            filename: root.join("pkg/my app.py").display().to_string(),
            start: at(3, 5),
            end: at(3, 18),
            noqa_row: 3,
            source_lines: vec!["    time.sleep(1)".to_owned()],
            fix: Some(LocatedFix {
                applicability: Applicability::Safe,
                message: "Replace with `await asyncio.sleep()`".to_owned(),
                edits: vec![
                    LocatedEdit { content: "import asyncio\n".to_owned(), start: at(1, 1), end: at(1, 1) },
                    LocatedEdit { content: "await asyncio.sleep".to_owned(), start: at(3, 5), end: at(3, 15) },
                ],
            }),
            no_fix_reason: None,
            chain: vec![Hop { name: "helper".to_owned(), filename: "/elsewhere/lib.py".to_owned(), row: 7, column: 9 }],
            cost: None,
            startup: false,
        };
        let log = log(&[finding.clone(), finding], &context);
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 1);
        assert_eq!(run["tool"]["driver"]["rules"][0]["name"], "BlockingSleep");
        assert_eq!(run["originalUriBaseIds"][SOURCE_ROOT]["uri"], format!("file://{}/", root.display()));
        let result = &run["results"][0];
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(result["message"]["text"], "`time.sleep()` blocks.");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"], json!({"uri": "pkg/my%20app.py", "uriBaseId": SOURCE_ROOT}));
        assert_eq!(
            location["region"],
            json!({"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 18, "snippet": {"text": "time.sleep(1)"}})
        );
        assert_eq!(location["contextRegion"]["snippet"]["text"], "    time.sleep(1)");
        let replacements = &result["fixes"][0]["artifactChanges"][0]["replacements"];
        assert_eq!(replacements[0]["deletedRegion"]["endColumn"], 1);
        assert_eq!(replacements[1]["insertedContent"]["text"], "await asyncio.sleep");
        let related = &result["relatedLocations"][0];
        assert_eq!(related["physicalLocation"]["artifactLocation"], json!({"uri": "file:///elsewhere/lib.py"}));
        assert_eq!(related["physicalLocation"]["region"]["startLine"], 7);
        let fingerprint = |index: usize| run["results"][index]["partialFingerprints"][FINGERPRINT_KEY].clone();
        assert_ne!(fingerprint(0), fingerprint(1), "identical findings still get distinct fingerprints");
    }

    #[test]
    fn sections_and_sentences() {
        let doc = "## What it does\nReports `x`.\n\n## Why is this bad?\nBecause";
        assert_eq!(section(doc, "What it does"), "Reports `x`.");
        assert_eq!(section(doc, "Why is this bad?"), "Because");
        assert_eq!(sentence("done"), "done.");
        assert_eq!(sentence("done?"), "done?");
        assert_eq!(pascal_case("get-event-loop-in-coroutine"), "GetEventLoopInCoroutine");
    }
}
