//! The GitHub Action: `action.yml` against the Actions schema and free of expressions in
//! scripts, and its steps run end to end as the runner would run them (the step's `env:`
//! filled from the inputs, its `run:` under bash) in a repository with a pull request.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use serde_yaml::Value as Yaml;

use crate::common::{Repo, aioguard_binary, blocking_module, docs_snippet, manifest_dir, run_ok, tool};
use crate::review::{Api, pull_request_event};

fn action() -> Yaml {
    serde_yaml::from_str(&std::fs::read_to_string(manifest_dir().join("action.yml")).unwrap()).unwrap()
}

fn steps(action: &Yaml) -> &[Yaml] {
    action["runs"]["steps"].as_sequence().expect("runs.steps")
}

/// Evaluates the `${{ name }}` expressions of a step's `env:` from `context`
/// (`inputs.paths`, `steps.prepare.outputs.root`); any other expression fails the test.
fn step_env(step: &Yaml, context: &HashMap<String, String>) -> Vec<(String, String)> {
    let Some(env) = step["env"].as_mapping() else { return Vec::new() };
    env.iter()
        .map(|(name, value)| {
            let value = value.as_str().unwrap();
            let expression = value.trim().strip_prefix("${{").and_then(|rest| rest.strip_suffix("}}"));
            let expression = expression.unwrap_or_else(|| panic!("env value `{value}` is not one expression")).trim();
            let evaluated = context.get(expression).unwrap_or_else(|| panic!("`{expression}` is not known here"));
            (name.as_str().unwrap().to_owned(), evaluated.clone())
        })
        .collect()
}

/// The simulated runner: a `GITHUB_*` environment around one repository.
pub struct Runner {
    pub repo: Repo,
    files: tempfile::TempDir,
    event_name: String,
    pub payload: Value,
    /// `GITHUB_API_URL`, where the API is played.
    pub api_url: String,
    /// `github.action_ref`: the ref the workflow's `uses:` names.
    pub action_ref: String,
    /// Directories put on the PATH before the system's.
    pub path_first: Vec<PathBuf>,
    /// More environment, as a workflow's `env:` would set it.
    pub env: Vec<(String, String)>,
}

impl Runner {
    pub fn new(repo: Repo, event_name: &str, payload: Value) -> Self {
        Runner {
            repo,
            files: tempfile::tempdir().unwrap(),
            event_name: event_name.to_owned(),
            payload,
            api_url: "http://127.0.0.1:9/api/v3".to_owned(),
            action_ref: String::new(),
            path_first: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.files.path().join(name)
    }

    /// Runs the step with this `id` as the runner would; `with` holds the workflow's inputs.
    pub fn run_step(&self, id: &str, with: &[(&str, &str)], step_outputs: &[(&str, &str)]) -> Output {
        let action = action();
        let mut context: HashMap<String, String> = HashMap::new();
        context.insert("github.action_ref".to_owned(), self.action_ref.clone());
        for (name, input) in action["inputs"].as_mapping().unwrap() {
            let default = input["default"].as_str().unwrap_or_default();
            context.insert(format!("inputs.{}", name.as_str().unwrap()), default.to_owned());
        }
        for (name, value) in with {
            assert!(context.contains_key(&format!("inputs.{name}")), "action.yml has no input `{name}`");
            context.insert(format!("inputs.{name}"), (*value).to_owned());
        }
        for (name, value) in step_outputs {
            context.insert(format!("steps.{name}"), (*value).to_owned());
        }
        let step = steps(&action).iter().find(|step| step["id"].as_str() == Some(id)).expect("step exists");
        let script = step["run"].as_str().expect("a run step");
        std::fs::write(self.file("event.json"), self.payload.to_string()).unwrap();
        let system_path = std::env::var_os("PATH").unwrap_or_default();
        let first = self.path_first.iter().cloned().chain([aioguard_binary().parent().unwrap().to_path_buf()]);
        let path = std::env::join_paths(first.chain(std::env::split_paths(&system_path))).unwrap();
        Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.repo.path())
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.files.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", manifest_dir())
            .env("GITHUB_WORKSPACE", self.repo.path())
            .env("GITHUB_EVENT_NAME", &self.event_name)
            .env("GITHUB_API_URL", &self.api_url)
            .env("GITHUB_SERVER_URL", "https://github.test")
            .env("GITHUB_REPOSITORY", self.payload["repository"]["full_name"].as_str().unwrap_or("owner/repo"))
            .env("GITHUB_SHA", self.repo.git(&["rev-parse", "HEAD"]))
            .env("GITHUB_EVENT_PATH", self.file("event.json"))
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_PATH", self.file("path"))
            .env("GITHUB_HEAD_REF", self.payload["pull_request"]["head"]["ref"].as_str().unwrap_or_default())
            .env("GITHUB_BASE_REF", self.payload["pull_request"]["base"]["ref"].as_str().unwrap_or_default())
            .env("RUNNER_TOOL_CACHE", self.file("tool-cache"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .envs(self.env.iter().cloned())
            .envs(step_env(step, &context))
            .output()
            .unwrap()
    }

    /// The step outputs written to `$GITHUB_OUTPUT` (`name<<DELIMITER` blocks), last value wins.
    pub fn outputs(&self) -> HashMap<String, String> {
        let text = std::fs::read_to_string(self.file("output")).unwrap_or_default();
        let mut outputs = HashMap::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let (name, delimiter) = line.split_once("<<").expect("delimited outputs");
            let value: Vec<&str> = lines.by_ref().take_while(|line| *line != delimiter).collect();
            outputs.insert(name.to_owned(), value.join("\n"));
        }
        outputs
    }

    pub fn summary(&self) -> String {
        std::fs::read_to_string(self.file("summary.md")).unwrap_or_default()
    }
}

pub const HEAD_BRANCH: &str = "feature/$(touch${IFS}pwned)";
const NEW_FILE: &str = "lib/$(touch pwned).py";

/// `main` with a finding in app.py, and a pull request branch (whose name is a shell
/// command substitution) that adds one finding, in a file whose name is one too.
pub fn pull_request() -> Runner {
    let repo = Repo::new();
    repo.write("app.py", &blocking_module("old"));
    let base = repo.commit_all("base");
    repo.git(&["checkout", "--quiet", "-b", HEAD_BRANCH]);
    repo.write(NEW_FILE, &blocking_module("new"));
    repo.write("app.py", &format!("{}\n\nasync def fine():\n    pass\n", blocking_module("old")));
    let head = repo.commit_all("add a blocking call");
    let payload = pull_request_event(&base, &head, "main $(touch pwned)", HEAD_BRANCH);
    Runner::new(repo, "pull_request", payload)
}

pub fn assert_nothing_ran(runner: &Runner) {
    for dir in [runner.repo.path(), runner.files.path(), manifest_dir()] {
        assert!(!dir.join("pwned").exists(), "a name was run as a command in {}", dir.display());
    }
}

#[test]
fn action_yml_follows_the_actions_schema() {
    let checker = tool("venv/bin/check-jsonschema");
    run_ok(
        Command::new(checker)
            .args(["--builtin-schema", "vendor.github-actions"])
            .arg(manifest_dir().join("action.yml")),
    );
}

#[test]
fn no_expression_is_interpolated_into_a_script() {
    let action = action();
    let scripts: Vec<&str> = steps(&action).iter().filter_map(|step| step["run"].as_str()).collect();
    assert!(scripts.len() >= 3, "prepare, install and check run scripts");
    for script in scripts {
        assert!(!script.contains("${{"), "an expression in a script: {script}");
    }
}

#[test]
fn a_pull_request_gets_its_new_finding_annotated_summarised_and_failed() {
    let runner = pull_request();
    let sarif = runner.file("results/aioguard.sarif");
    let output = runner.run_step("check", &[("sarif-file", sarif.to_str().unwrap())], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "fails on findings\n{stdout}\n{stderr}");

    let annotations: Vec<&str> = stdout.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(annotations.len(), 1, "only the pull request's finding:\n{stdout}");
    assert!(annotations[0].starts_with(&format!("::error title=AG101 blocking-sleep,file={NEW_FILE},line=5,")));

    let outputs = runner.outputs();
    let json_findings = aioguard_json(runner.repo.path(), &[NEW_FILE]);
    let fixable = json_findings.iter().filter(|finding| !finding["fix"].is_null()).count();
    assert_eq!(outputs["findings"], "1");
    assert_eq!(outputs["fixable"], fixable.to_string());
    assert_eq!(outputs["sarif-file"], sarif.to_str().unwrap());
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 1);

    let summary = runner.summary();
    for expected in [
        "| File | Line | Rule | Message | Fixable |",
        &format!(
            "| <code>{NEW_FILE}</code> | [5]({}#L5) | [AG101 <code>blocking-sleep</code>]({}) |",
            head_link(&runner),
            rule_url("blocking_sleep")
        ),
        "**1 finding**",
        &format!("the changes of <code>{HEAD_BRANCH}</code> since <code>main $(touch pwned)</code>"),
    ] {
        assert!(summary.contains(expected), "no `{expected}` in the summary:\n{summary}");
    }
    // The diff of the fixes shows when this aioguard has `--diff` and there is something to fix.
    let help = Command::new(aioguard_binary()).args(["check", "--help"]).output().unwrap().stdout;
    let has_diff = String::from_utf8_lossy(&help).lines().any(|line| {
        let option = line.trim_start();
        option.starts_with("--diff") && !option.starts_with("--diff-")
    });
    assert_eq!(summary.contains("<details>"), has_diff && fixable > 0, "{summary}");
    assert_nothing_ran(&runner);
}

#[test]
fn inputs_widen_the_check_and_keep_the_step_green() {
    let runner = pull_request();
    let output = runner.run_step("check", &[("changed-only", "false"), ("fail-on-findings", "false")], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(runner.outputs()["findings"], "2", "the base's finding too");
    assert_eq!(runner.outputs()["sarif-file"], "");

    let push = Runner::new(pull_request().repo, "workflow_dispatch", json!({}));
    let output = push.run_step("check", &[("args", "--select AG2")], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(push.outputs()["findings"], "0");
    assert!(push.summary().contains("No findings."));

    let output = runner.run_step("check", &[("fail-on-findings", "maybe")], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("::error title=aioguard::AIOGUARD_FAIL_ON_FINDINGS"));
    assert_nothing_ran(&runner);
}

/// With `cache: true`, aioguard keeps its cache in the workspace's `.aioguard_cache`,
/// which the steps around restore and save, even where the paths checked have a project
/// root of their own; without it, where aioguard puts it.
#[test]
fn the_cache_input_keeps_the_cache_where_the_action_saves_it() {
    let runner = pull_request();
    runner.repo.write("service/pyproject.toml", "[project]\nname = \"service\"\n");
    runner.repo.write("service/worker.py", &blocking_module("worker"));
    let output = runner.run_step("check", &[("paths", "service"), ("changed-only", "false"), ("cache", "true")], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(runner.repo.path().join(".aioguard_cache/CACHEDIR.TAG").is_file(), "in the workspace");
    assert!(!runner.repo.path().join("service/.aioguard_cache").exists());

    runner.run_step("check", &[("paths", "service"), ("changed-only", "false")], &[]);
    assert!(runner.repo.path().join("service/.aioguard_cache/CACHEDIR.TAG").is_file(), "at the project's root");
}

#[test]
fn fix_applies_the_fixes_and_reports_what_is_left() {
    let runner = pull_request();
    let output = runner.run_step("check", &[("fix", "true")], &[]);
    let log = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let fixed = std::fs::read_to_string(runner.repo.path().join(NEW_FILE)).unwrap();
    assert!(fixed.contains("await asyncio.sleep(1)"), "not fixed:\n{fixed}\n{log}");
    assert_eq!(output.status.code(), Some(0), "nothing is left to report:\n{log}");
    assert_eq!(runner.outputs()["findings"], "0");
    assert!(runner.summary().contains("Fixes were applied"));
}

#[test]
fn the_documented_workflow_is_valid_and_its_steps_fit_the_action() {
    let snippet = docs_snippet("workflow");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aioguard.yml");
    std::fs::write(&file, &snippet).unwrap();
    run_ok(
        Command::new(tool("venv/bin/check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(&file),
    );

    let workflow: Yaml = serde_yaml::from_str(&snippet).unwrap();
    assert_eq!(workflow["permissions"]["security-events"].as_str(), Some("write"), "upload-sarif needs it");
    assert_eq!(workflow["permissions"]["pull-requests"].as_str(), Some("write"), "the review needs it");
    let (_, job) = workflow["jobs"].as_mapping().unwrap().iter().next().unwrap();
    let steps = job["steps"].as_sequence().unwrap();
    let uses = |prefix: &str| {
        steps.iter().find(|step| step["uses"].as_str().is_some_and(|uses| uses.starts_with(prefix))).unwrap()
    };
    assert_eq!(uses("actions/checkout@")["with"]["fetch-depth"].as_u64(), Some(0), "the base commit is needed");
    // The runner passes inputs as strings: `true` becomes "true".
    let with: Vec<(String, String)> = uses("aioguard/aioguard@")["with"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(name, value)| {
            let value = value.as_bool().map_or_else(|| value.as_str().unwrap().to_owned(), |flag| flag.to_string());
            (name.as_str().unwrap().to_owned(), value)
        })
        .collect();
    let with: Vec<(&str, &str)> = with.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    let sarif_file = uses("github/codeql-action/upload-sarif@")["with"]["sarif_file"].as_str().unwrap();

    // The action's step, with the workflow's inputs, reviews the pull request and leaves
    // the file the upload step reads.
    let api = Api::start(json!({}));
    let mut runner = pull_request();
    runner.api_url = api.url.clone();
    let with = [with, vec![("github-token", "t0ken")]].concat();
    let output = runner.run_step("check", &with, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(api.comments().len(), 2, "the finding and the import its fix adds");
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(runner.repo.path().join(sarif_file)).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 1);
}

/// The link of the pull request's new file at its head commit, in the step summary.
fn head_link(runner: &Runner) -> String {
    let head = runner.payload["pull_request"]["head"]["sha"].as_str().unwrap();
    let repository = runner.payload["repository"]["full_name"].as_str().unwrap();
    format!("https://github.test/{repository}/blob/{head}/lib/%24%28touch%20pwned%29.py")
}

fn rule_url(file: &str) -> String {
    format!("https://github.com/aioguard/aioguard/blob/main/src/rules/{file}.rs")
}

fn aioguard_json(dir: &Path, paths: &[&str]) -> Vec<Value> {
    let output = crate::common::aioguard(dir, &[&["check", "--output-format", "json"], paths].concat());
    serde_json::from_slice(&output.stdout).unwrap()
}
