//! `--output-format sarif` passes Microsoft's SARIF validator with no error and no
//! warning, GitHub's own rules included: for the fixtures' findings with a fix and a
//! chain of calls attached, and for the CLI's output on awkward file names.

use std::path::{Path, PathBuf};
use std::process::Command;

use aioguard::data::config::{self, Overrides, Settings};
use aioguard::data::diagnostic::{Applicability, Hop};
use aioguard::data::diagnostic::{Finding, LocatedEdit, LocatedFix};
use aioguard::driver::linter;
use aioguard::outputs::{EmitContext, OutputFormat};
use serde_json::Value;

use crate::common::{aioguard, awkward_project, manifest_dir, run_ok, tool};

/// The problems the validator reports at level error or warning (notes are advice).
fn validation_problems(sarif: &Path) -> Vec<String> {
    let multitool = tool("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    let report = sarif.with_extension("validation.sarif");
    run_ok(
        Command::new(multitool)
            .arg("validate")
            .arg(sarif)
            .args(["--output".as_ref(), report.as_os_str()])
            .args(["--log", "ForceOverwrite"])
            .args(["--level", "Error;Warning;Note"])
            // GitHub's rules (GHnnnn) run only when asked for.
            .args(["--rule-kind", "Gh;Sarif"])
            .arg("--config")
            .arg(manifest_dir().join("tests/tools/sarif-validate.xml")),
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let run = &report["runs"][0];
    let results = run["results"].as_array().cloned().unwrap_or_default();
    let notifications = run["invocations"][0]["toolExecutionNotifications"].as_array().cloned().unwrap_or_default();
    let mut problems: Vec<String> = results
        .iter()
        // A result's level is `warning` when it does not say.
        .filter(|result| matches!(result["level"].as_str().unwrap_or("warning"), "error" | "warning"))
        .map(|result| format!("{}: {}", result["ruleId"], result["message"]))
        .collect();
    problems.extend(
        notifications
            .iter()
            .filter(|notification| notification["level"] == "error")
            .map(|notification| format!("tool error: {}", notification["message"]["text"])),
    );
    assert!(run["invocations"][0]["executionSuccessful"] == true, "the validator did not run to the end: {report:#}");
    problems
}

fn fixture_findings() -> Vec<Finding> {
    let root = manifest_dir().join("tests/fixtures");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|extension| extension == "py") {
                files.push(file);
            }
        }
    }
    files.sort();
    let settings = Settings::new(config::Options::default(), root, None, &Overrides::default()).unwrap();
    files
        .iter()
        .flat_map(|file| linter::check_file(file, &settings, linter::FixOptions::REPORT, None).findings)
        .collect()
}

#[test]
fn fixture_findings_with_fixes_and_a_chain_are_valid_sarif() {
    let mut findings = fixture_findings();
    assert!(findings.len() >= 3, "the fixtures have findings");
    let first = &mut findings[0];
    let (start, end) = (first.start, first.end);
    let at = |row, column| aioguard::data::source::Position { row, column };
    first.fix = Some(LocatedFix {
        applicability: Applicability::Safe,
        message: "Replace with `await asyncio.sleep()`".to_owned(),
        edits: vec![
            LocatedEdit { content: "import asyncio\n".to_owned(), start: at(1, 1), end: at(1, 1) },
            LocatedEdit { content: "await asyncio.sleep(0.5)".to_owned(), start, end },
        ],
    });
    let second = &mut findings[1];
    second.chain = vec![
        Hop { name: "poll".to_owned(), filename: second.filename.clone(), row: 8, column: 11 },
        Hop { name: "time.sleep".to_owned(), filename: second.filename.clone(), row: 11, column: 5 },
    ];

    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("fixtures.sarif");
    let severities = config::Severities::default();
    let context = EmitContext::new(false, &severities, manifest_dir().to_path_buf())
        .with_repository_root(std::fs::canonicalize(manifest_dir()).unwrap());
    let mut out = Vec::new();
    OutputFormat::Sarif.emitter().emit(&mut out, &findings, &context).unwrap();
    std::fs::write(&sarif, &out).unwrap();

    let log: Value = serde_json::from_slice(&out).unwrap();
    let results = &log["runs"][0]["results"];
    assert_eq!(results[0]["fixes"][0]["artifactChanges"][0]["replacements"].as_array().unwrap().len(), 2);
    assert_eq!(results[1]["relatedLocations"].as_array().unwrap().len(), 2);
    // Fixture paths, shown relative to the tests' directory (the repository root), need no escaping.
    let uri = &results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri.as_str(), Some(findings[0].filename.as_str()));
    assert!(uri.as_str().unwrap().starts_with("tests/fixtures/"));
    let problems = validation_problems(&sarif);
    assert!(problems.is_empty(), "the SARIF validator reports:\n{}", problems.join("\n"));
}

#[test]
fn cli_sarif_for_awkward_file_names_is_valid() {
    let repo = awkward_project();
    let output = aioguard(&repo.path().join("pkg"), &["check", "--output-format", "sarif"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let sarif = repo.path().join("awkward.sarif");
    std::fs::write(&sarif, &output.stdout).unwrap();
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let levels: Vec<&str> =
        log["runs"][0]["results"].as_array().unwrap().iter().map(|result| result["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["warning", "note", "error"], "levels follow `severity`");
    let problems = validation_problems(&sarif);
    assert!(problems.is_empty(), "the SARIF validator reports:\n{}", problems.join("\n"));
}
