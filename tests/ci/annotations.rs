//! `--output-format github` is byte-for-byte what GitHub's toolkit (`@actions/core`)
//! writes for the same annotations: escaping of `%`, line breaks, `:` and `,`,
//! non-ASCII text, property order, levels from `severity`, repository-relative paths.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::{Repo, aioguard, awkward_project, docs_snippet, stdout, tool};

/// What `@actions/core` is asked to print for each finding of aioguard's JSON output:
/// the level the configuration gives, the title, and the position (columns only when
/// the finding is on one line, as GitHub requires), with the JSON's absolute file
/// names made relative to the repository `root`.
fn toolkit_annotations(findings: &[Value], root: &Path) -> Value {
    let annotations: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let level = match finding["code"].as_str().unwrap() {
                "AG109" => "warning",
                "AG101" => "notice",
                _ => "error",
            };
            let (start, end) = (&finding["location"], &finding["end_location"]);
            let mut properties = json!({
                "title": format!("{} {}", finding["code"].as_str().unwrap(), finding["name"].as_str().unwrap()),
                "file": Path::new(finding["filename"].as_str().unwrap()).strip_prefix(root).unwrap(),
                "startLine": start["row"],
                "endLine": end["row"],
            });
            if start["row"] == end["row"] {
                properties["startColumn"] = start["column"].clone();
                properties["endColumn"] = end["column"].clone();
            }
            json!({"level": level, "message": finding["message"], "properties": properties})
        })
        .collect();
    Value::Array(annotations)
}

#[test]
fn workflow_commands_match_the_toolkit_byte_for_byte() {
    let core = tool("node_modules/@actions/core/lib/core.js");
    let repo = awkward_project();
    // Run from a subdirectory: annotation paths are relative to the repository root.
    let dir = repo.path().join("pkg");
    let ours = aioguard(&dir, &["check", "--output-format", "github"]);
    assert_eq!(ours.status.code(), Some(1), "{}", String::from_utf8_lossy(&ours.stderr));
    let json_output = aioguard(&dir, &["check", "--output-format", "json"]);
    let findings: Vec<Value> = serde_json::from_slice(&json_output.stdout).unwrap();
    assert_eq!(findings.len(), 3, "{findings:#?}");

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ci/annotate.mjs");
    let mut node = Command::new("node")
        .arg(script)
        .arg(&core)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    node.stdin.take().unwrap().write_all(toolkit_annotations(&findings, repo.path()).to_string().as_bytes()).unwrap();
    let theirs = node.wait_with_output().unwrap();
    assert!(theirs.status.success(), "{}", String::from_utf8_lossy(&theirs.stderr));

    let (ours, theirs) = (stdout(&ours), String::from_utf8(theirs.stdout).unwrap());
    assert_eq!(ours, theirs);
    // The comparison covers what it should: each special character was escaped somewhere.
    for escaped in ["%25", "%0D%0A", "%3A", "%2C", "ünï cödé", "::warning ", "::notice ", "::error "] {
        assert!(ours.contains(escaped), "no `{escaped}` in:\n{ours}");
    }
}

#[test]
fn the_documented_severity_table_sets_the_levels() {
    let repo = Repo::new();
    repo.write("aioguard.yaml", &docs_snippet("severity"));
    repo.write(
        "app.py",
        "import asyncio\nimport requests\nimport time\n\n\nasync def main():\n    \
         time.sleep(1)\n    requests.get('https://example.com')\n    asyncio.create_task(main())\n",
    );
    let output = stdout(&aioguard(repo.path(), &["check", "--output-format", "github"]));
    let levels: Vec<(&str, &str)> = output
        .lines()
        .map(|line| {
            let (level, rest) = line.trim_start_matches("::").split_once(' ').unwrap();
            (level, &rest["title=".len()..rest.find(' ').unwrap()])
        })
        .collect();
    assert_eq!(levels, [("error", "AG101"), ("warning", "AG102"), ("notice", "AG201")], "{output}");
}
