//! The command line as a user runs it: the built binary on temporary projects.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aioguard::outputs::OutputFormat;
use clap::ValueEnum;
use serde_json::Value;

const BLOCKING: &str = "import time\n\n\nasync def poll():\n    time.sleep(1)\n";
const CLEAN: &str = "import asyncio\n\n\nasync def poll():\n    await asyncio.sleep(1)\n";

/// A temporary project directory.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Self {
        Project { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> &Self {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        self
    }

    /// Runs `aioguard ARGS` in the project directory, with colour and config from the
    /// environment kept out of the way.
    fn run(&self, args: &[&str]) -> Run {
        self.run_in(self.dir.path(), args)
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
            .args(args)
            .current_dir(cwd)
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        Run::from(output)
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().expect("exited, not killed by a signal"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl Run {
    fn json(&self) -> Vec<Value> {
        match serde_json::from_str(&self.stdout) {
            Ok(Value::Array(findings)) => findings,
            other => panic!("not a JSON array ({other:?}):\n{}", self.stdout),
        }
    }

    /// `(file name, row, code)` of each finding of a JSON run.
    fn findings(&self) -> Vec<(String, u64, String)> {
        self.json()
            .iter()
            .map(|finding| {
                let filename = finding["filename"].as_str().unwrap();
                let name = Path::new(filename).file_name().unwrap().to_string_lossy().into_owned();
                (name, finding["location"]["row"].as_u64().unwrap(), finding["code"].as_str().unwrap().to_owned())
            })
            .collect()
    }

    /// The file names with findings in a JSON run, sorted and deduplicated.
    fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = self.findings().into_iter().map(|(file, _, _)| file).collect();
        files.dedup();
        files
    }
}

fn json_check(project: &Project, extra: &[&str]) -> Run {
    let mut args = vec!["check", "--output-format", "json"];
    args.extend_from_slice(extra);
    project.run(&args)
}

#[test]
fn exit_codes_say_clean_findings_or_error() {
    let project = Project::new();
    project.write("app/clean.py", CLEAN);
    let clean = project.run(&["check"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert!(clean.stdout.contains("All checks passed!"), "{}", clean.stdout);

    project.write("app/poll.py", BLOCKING);
    let found = project.run(&["check"]);
    assert_eq!(found.code, 1);
    assert!(found.stdout.contains("app/poll.py:5:5: AG101"), "{}", found.stdout);
    assert!(found.stdout.contains("Found 1 problem."), "{}", found.stdout);

    let zero = project.run(&["check", "--exit-zero"]);
    assert_eq!(zero.code, 0);
    assert!(zero.stdout.contains("AG101"));
}

#[test]
fn configuration_errors_name_the_file_line_and_key() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("aioguard.yaml", "select: [AG1]\nselct: [AG2]\n", &["aioguard.yaml:2", "selct"]),
        ("aioguard.yaml", "# project settings\ntarget-version: py27\n", &["aioguard.yaml:2", "target-version", "py27"]),
        ("aioguard.yaml", "async-library: curio\n", &["aioguard.yaml:1", "async-library", "curio"]),
        ("aioguard.yaml", "select: [AG1]\nignore: [AG999]\n", &["aioguard.yaml:2", "ignore", "AG999"]),
        ("aioguard.yaml", "select: [AG1\nignore: []\n", &["aioguard.yaml:2"]),
        ("aioguard.yaml", "exclude: ['[bad']\n", &["aioguard.yaml:1", "exclude", "[bad"]),
        (
            "aioguard.yaml",
            "extend-blocking-calls:\n  legacy.query: {rule: AG201}\n",
            &["aioguard.yaml:1", "extend-blocking-calls", "legacy.query", "AG201"],
        ),
        (
            "aioguard.yaml",
            "per-file-ignores:\n  'tests/*': [AG777]\n",
            &["aioguard.yaml:1", "per-file-ignores", "AG777"],
        ),
        (
            "pyproject.toml",
            "[tool.ruff]\nselect = [\"E\"]\n\n[tool.aioguard]\nselct = [\"AG1\"]\n",
            &["pyproject.toml:5", "selct"],
        ),
        (
            "pyproject.toml",
            "[tool.ruff]\nselect = [\"E\"]\n\n[tool.aioguard]\nselect = [\"AG1\", \"nope\"]\n",
            &["pyproject.toml:5", "select", "nope"],
        ),
    ];
    for (name, content, expected) in cases {
        let project = Project::new();
        project.write(name, content).write("poll.py", BLOCKING);
        let run = project.run(&["check"]);
        assert_eq!(run.code, 2, "{content}");
        for part in *expected {
            assert!(run.stderr.contains(part), "`{part}` missing for {content:?}:\n{}", run.stderr);
        }
        assert!(run.stdout.is_empty(), "nothing is checked with a broken configuration:\n{}", run.stdout);
    }
}

#[test]
fn a_bad_command_line_selector_is_named_as_such() {
    let project = Project::new();
    project.write("aioguard.yaml", "select: [AG1]\n").write("poll.py", BLOCKING);
    let run = project.run(&["check", "--select", "AG999"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--select") && run.stderr.contains("AG999"), "{}", run.stderr);
    assert!(!run.stderr.contains("aioguard.yaml"), "{}", run.stderr);
}

#[test]
fn pyproject_tool_table_configures() {
    let project = Project::new();
    project
        .write("pyproject.toml", "[project]\nname = \"svc\"\n\n[tool.aioguard]\nignore = [\"blocking-sleep\"]\n")
        .write("poll.py", BLOCKING);
    assert_eq!(project.run(&["check"]).code, 0);

    // A pyproject.toml without the table is not a configuration: the search goes on.
    let plain = Project::new();
    plain
        .write("aioguard.yaml", "ignore: [AG101]\n")
        .write("svc/pyproject.toml", "[project]\nname = \"svc\"\n")
        .write("svc/poll.py", BLOCKING);
    assert_eq!(plain.run(&["check", "svc"]).code, 0);
}

#[test]
fn requires_python_sets_the_target_version_unless_the_configuration_does() {
    const DOWNLOAD: &str = "import subprocess\n\n\nasync def build():\n    return subprocess.getoutput(\"date\")\n";
    let fixed = |pyproject: &str, args: &[&str]| {
        let project = Project::new();
        project.write("pyproject.toml", pyproject).write("app/build.py", DOWNLOAD);
        let mut check = vec!["check", "--fix", "--unsafe-fixes"];
        check.extend_from_slice(args);
        assert_eq!(project.run(&check).code, 0);
        std::fs::read_to_string(project.path("app/build.py")).unwrap()
    };
    let py38 = "[project]\nname = \"svc\"\nrequires-python = \">=3.8\"\n";
    let code = fixed(py38, &[]);
    assert!(code.contains("await asyncio.get_running_loop().run_in_executor(None, subprocess.getoutput"), "{code}");
    assert!(!code.contains("to_thread"), "{code}");
    // The file's directory is where the search for pyproject.toml starts.
    assert!(fixed(py38, &["app"]).contains("run_in_executor"));
    assert!(fixed(py38, &["app/build.py"]).contains("run_in_executor"));
    let code = fixed(&format!("{py38}\n[tool.aioguard]\ntarget-version = \"py312\"\n"), &[]);
    assert!(code.contains("await asyncio.to_thread(subprocess.getoutput"), "explicit target-version wins: {code}");
    let code = fixed("[project]\nrequires-python = \">=3.9,<4\"\n", &[]);
    assert!(code.contains("asyncio.to_thread"), "{code}");
    let code = fixed("[project]\nrequires-python = \"not a specifier\"\n", &[]);
    assert!(code.contains("asyncio.to_thread"), "an unreadable specifier keeps the default (py39): {code}");
}

/// An `extend-blocking-calls` entry that nothing can ever resolve to gets one warning
/// naming it and the configuration file: a path through a tracked client's attributes
/// always; a module that is nowhere (not standard, installed, the project's or imported)
/// only when the environment is known, since a third-party module is otherwise as likely.
#[test]
fn a_configured_call_that_can_never_match_is_warned_about_once() {
    let project = Project::new();
    project
        .write(
            "aioguard.yaml",
            "extend-blocking-calls:\n  openai.OpenAI.chat.completions.create: \"x\"\n  reqeusts.get: \"x\"\n  vendor_sdk.Client.fetch: \"x\"\n  legacy_db.query: \"x\"\n  app.storage.load: \"x\"\n  json.loads: \"x\"\n",
        )
        .write("app/__init__.py", "")
        .write("app/storage.py", "def load():\n    pass\n")
        .write("app/handlers.py", "import legacy_db\n\n\nasync def handle():\n    legacy_db.query()\n");
    let run = |project: &Project| {
        let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
            .args(["check", "--no-cache", "--output-format", "concise", "."])
            .current_dir(project.dir.path())
            .env_remove("VIRTUAL_ENV")
            .output()
            .unwrap();
        Run::from(output)
    };
    let without_environment = run(&project);
    assert_eq!(without_environment.code, 1, "{}", without_environment.stderr);
    assert!(without_environment.stdout.contains("AG109"), "the entries still apply: {}", without_environment.stdout);
    let warnings: Vec<&str> = without_environment.stderr.lines().filter(|line| line.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [
            "warning: aioguard.yaml: the `extend-blocking-calls` entry `openai.OpenAI.chat.completions.create` can never match: `openai.OpenAI` is a type aioguard tracks, and an entry names one of its methods (`openai.OpenAI.create`), not a call through its attributes (`chat.completions.create`)"
        ],
        "{}",
        without_environment.stderr
    );

    project.write(".venv/lib/python3.12/site-packages/vendor_sdk/__init__.py", "class Client: ...\n");
    let with_environment = run(&project);
    let warned: Vec<&str> = with_environment
        .stderr
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .map(|line| line.split('`').nth(3).unwrap())
        .collect();
    assert_eq!(warned, ["openai.OpenAI.chat.completions.create", "reqeusts.get"], "{}", with_environment.stderr);
    assert!(
        with_environment.stderr.contains("entry `reqeusts.get` can never match: no module `reqeusts` is in"),
        "{}",
        with_environment.stderr
    );
}

#[test]
fn the_nearest_configuration_wins() {
    let project = Project::new();
    project
        .write("aioguard.yaml", "ignore: [AG101]\n")
        .write("top.py", BLOCKING)
        .write("service/.aioguard.yaml", "select: [AG1]\n")
        .write("service/poll.py", BLOCKING);
    assert_eq!(project.run(&["check", "top.py"]).code, 0);
    assert_eq!(json_check(&project, &["service"]).files(), ["poll.py"]);
    let from_inside = project.run_in(&project.path("service"), &["check", "--output-format", "json"]);
    assert_eq!(from_inside.files(), ["poll.py"]);
}

#[test]
fn config_flag_and_no_config() {
    let project = Project::new();
    project
        .write("aioguard.yaml", "ignore: [AG101]\n")
        .write("ci/strict.yaml", "select: [AG101]\n")
        .write("poll.py", BLOCKING);
    assert_eq!(project.run(&["check"]).code, 0);
    assert_eq!(project.run(&["check", "--no-config"]).code, 1);
    assert_eq!(project.run(&["check", "--config", "ci/strict.yaml"]).code, 1);
    let missing = project.run(&["check", "--config", "ci/absent.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("absent.yaml"), "{}", missing.stderr);
}

#[test]
fn select_and_ignore_take_codes_prefixes_and_names() {
    let project = Project::new();
    project.write(
        "mixed.py",
        "import asyncio, subprocess, time\n\nasync def go():\n    time.sleep(1)\n    subprocess.run(['ls'])\n    asyncio.create_task(go())\n",
    );
    let codes = |extra: &[&str]| -> Vec<String> {
        json_check(&project, extra).findings().into_iter().map(|(_, _, code)| code).collect()
    };
    assert_eq!(codes(&[]), ["AG101", "AG103", "AG201"]);
    assert_eq!(codes(&["--select", "AG101"]), ["AG101"]);
    assert_eq!(codes(&["--select", "AG1"]), ["AG101", "AG103"]);
    assert_eq!(codes(&["--select", "dangling-task,blocking-sleep"]), ["AG101", "AG201"]);
    assert_eq!(codes(&["--ignore", "AG1"]), ["AG201"]);
    assert_eq!(codes(&["--ignore", "blocking-subprocess"]), ["AG101", "AG201"]);
    assert_eq!(codes(&["--select", "AG1", "--ignore", "AG103"]), ["AG101"]);
}

#[test]
fn exclude_and_per_file_ignores() {
    let project = Project::new();
    project
        .write("aioguard.yaml", "exclude: ['generated/', 'legacy_*.py']\nper-file-ignores:\n  'tests/**': [AG101]\n")
        .write("generated/poll.py", BLOCKING)
        .write("src/legacy_poll.py", BLOCKING)
        .write("tests/test_poll.py", BLOCKING)
        .write("src/poll.py", BLOCKING);
    assert_eq!(json_check(&project, &[]).files(), ["poll.py"]);
}

#[test]
fn ignore_files_and_default_excluded_directories_are_not_walked() {
    let project = Project::new();
    project
        .write(".gitignore", "scratch/\n")
        .write(".ignore", "vendored.py\n")
        .write("scratch/poll.py", BLOCKING)
        .write("vendored.py", BLOCKING)
        .write("app.py", BLOCKING);
    for dir in [".venv", "venv", "node_modules", "build", "dist", "site-packages", "__pycache__", ".hidden"] {
        project.write(&format!("{dir}/lib/{}.py", dir.trim_start_matches('.')), BLOCKING);
    }
    assert_eq!(json_check(&project, &[]).files(), ["app.py"]);
}

#[test]
fn gitignore_is_honoured_in_a_git_repository() {
    let project = Project::new();
    let init = Command::new("git").args(["init", "--quiet"]).current_dir(project.path("")).status();
    assert!(init.is_ok_and(|status| status.success()), "`git init` must work for this test");
    project
        .write(".gitignore", "*_generated.py\n")
        .write("pkg/api_generated.py", BLOCKING)
        .write("pkg/api.py", BLOCKING);
    std::fs::write(project.path(".git/info/exclude"), "pkg/local_*.py\n").unwrap();
    project.write("pkg/local_poll.py", BLOCKING);
    assert_eq!(json_check(&project, &[]).files(), ["api.py"]);
}

#[test]
fn files_named_explicitly_are_checked_unless_force_exclude() {
    let project = Project::new();
    project
        .write("aioguard.yaml", "exclude: ['migrations/']\n")
        .write(".gitignore", "ignored.py\n")
        .write("migrations/0001.py", BLOCKING)
        .write("ignored.py", BLOCKING)
        .write(".venv/lib/site.py", BLOCKING)
        .write("script", BLOCKING);
    let named = ["migrations/0001.py", "ignored.py", ".venv/lib/site.py", "script"];
    let mut args = vec!["check", "--output-format", "json"];
    args.extend(named);
    assert_eq!(project.run(&args).findings().len(), 4);
    args.push("--force-exclude");
    assert_eq!(project.run(&args).files(), ["ignored.py", "script"]);
}

/// A stub is read, but never executed: only a syntax error is reported in one.
#[test]
fn stub_files_report_syntax_errors_only() {
    let project = Project::new();
    project
        .write("pkg/api.pyi", BLOCKING)
        .write("pkg/broken.pyi", "async def f(:\n    pass\n")
        .write("pkg/notes.txt", BLOCKING);
    assert_eq!(json_check(&project, &[]).findings(), [("broken.pyi".to_owned(), 1, "AG001".to_owned())]);
}

#[test]
fn json_output_has_ruffs_shape() {
    let project = Project::new();
    project.write("clean.py", CLEAN);
    let empty = json_check(&project, &[]);
    assert_eq!(empty.code, 0);
    assert_eq!(empty.stdout.trim(), "[]");

    project.write("poll.py", BLOCKING);
    let run = json_check(&project, &[]);
    assert_eq!(run.code, 1);
    let findings = run.json();
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(finding["code"], "AG101");
    let absolute = std::fs::canonicalize(project.path("poll.py")).unwrap();
    assert_eq!(std::fs::canonicalize(finding["filename"].as_str().unwrap()).unwrap(), absolute);
    assert!(Path::new(finding["filename"].as_str().unwrap()).is_absolute(), "absolute, as ruff's");
    assert_eq!(finding["url"], "https://github.com/aioguard/aioguard/blob/main/src/rules/blocking_sleep.rs");
    assert_eq!(finding["location"], serde_json::json!({"row": 5, "column": 5}));
    assert_eq!(finding["end_location"], serde_json::json!({"row": 5, "column": 18}));
    assert_eq!(finding["noqa_row"], 5);
    assert!(finding["message"].as_str().unwrap().contains("async def poll"));
    assert!(finding.get("fix").is_some());
}

#[test]
fn json_stays_valid_with_broken_files() {
    let project = Project::new();
    project
        .write("poll.py", BLOCKING)
        .write("broken.py", "async def f(:\n    pass\n")
        .write("latin1.py", b"# caf\xe9\nx = 1\n")
        .write("binary.py", b"\x00\x01\x02PK\x03\x04")
        .write("bom.py", format!("\u{feff}{BLOCKING}"));
    let run = json_check(&project, &[]);
    assert_eq!(run.code, 2, "unreadable files are errors");
    let mut findings = run.findings();
    findings.sort();
    assert_eq!(
        findings,
        [
            ("bom.py".to_owned(), 5, "AG101".to_owned()),
            ("broken.py".to_owned(), 1, "AG001".to_owned()),
            ("poll.py".to_owned(), 5, "AG101".to_owned()),
        ]
    );
    assert!(run.stderr.contains("latin1.py") && run.stderr.contains("UTF-8"), "{}", run.stderr);
    assert!(run.stderr.contains("binary.py"), "{}", run.stderr);
}

#[test]
fn concise_output_is_one_line_per_finding() {
    let project = Project::new();
    project.write("a.py", BLOCKING).write("b.py", BLOCKING);
    let run = project.run(&["check", "--output-format", "concise", "--quiet"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].starts_with("a.py:5:5: AG101 [*]") || lines[0].starts_with("a.py:5:5: AG101 "), "{}", lines[0]);
    assert!(lines[1].starts_with("b.py:5:5: AG101"), "{}", lines[1]);
}

#[test]
fn full_output_shows_the_source_with_a_caret() {
    let project = Project::new();
    project.write("poll.py", BLOCKING);
    let run = project.run(&["check"]);
    let expected_source = "5 |     time.sleep(1)\n  |     ^^^^^^^^^^^^^\n";
    assert!(run.stdout.contains(expected_source), "{}", run.stdout);
    let quiet = project.run(&["check", "--quiet"]);
    assert!(quiet.stdout.contains("AG101") && !quiet.stdout.contains("Found 1 problem"), "{}", quiet.stdout);
}

/// A blocking call's cost class: a tag in `full`, a property in JSON and SARIF; none for
/// a finding that is not a blocking call.
#[test]
fn the_cost_class_is_in_the_human_and_machine_formats() {
    let project = Project::new();
    project.write(
        "poll.py",
        "import asyncio, os\n\n\nasync def poll(path):\n    os.path.exists(path)\n    asyncio.create_task(poll(path))\n",
    );
    let full = project.run(&["check", "--no-cache"]);
    assert!(full.stdout.contains("poll.py:5:5: AG105 [*] `os.path.exists()` blocks"), "{}", full.stdout);
    let header = full.stdout.lines().find(|line| line.starts_with("poll.py:5:5")).unwrap();
    assert!(header.ends_with(" [metadata]"), "{header}");
    let dangling = full.stdout.lines().find(|line| line.starts_with("poll.py:6:5")).unwrap();
    assert!(!dangling.contains("[metadata]") && !dangling.ends_with(']'), "{dangling}");
    let json = project.run(&["check", "--no-cache", "--output-format", "json"]);
    let costs: Vec<Value> = json.json().iter().map(|finding| finding["cost"].clone()).collect();
    assert_eq!(costs, [Value::from("metadata"), Value::Null]);
    let sarif = project.run(&["check", "--no-cache", "--output-format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = &sarif["runs"][0]["results"];
    assert_eq!(results[0]["properties"]["cost"], "metadata");
    assert_eq!(results[1]["properties"], Value::Null);
}

const STARTUP_APP: &str = "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.on_event(\"startup\")\nasync def warm_up():\n    time.sleep(1)\n";

/// A finding in start-up code is tagged in every format, and reported as a warning
/// unless `startup-findings` says `error`.
#[test]
fn start_up_findings_are_tagged_warnings_in_every_format() {
    let project = Project::new();
    project.write("app.py", STARTUP_APP);
    let run = |format: &str| project.run(&["check", "--no-cache", "--output-format", format]).stdout;
    for format in ["full", "concise"] {
        let output = run(format);
        let header = output.lines().find(|line| line.starts_with("app.py:9:5: AG101")).unwrap();
        assert!(header.contains("`async def warm_up`") && header.contains(" [start-up]"), "{format}: {header}");
    }
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!((&json[0]["context"], &json[0]["severity"]), (&"start-up".into(), &"warning".into()));
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!((&result["properties"]["context"], &result["level"]), (&"start-up".into(), &"warning".into()));
    let github = run("github");
    assert!(github.starts_with("::warning title=AG101 blocking-sleep (start-up),"), "{github}");
    let gitlab: Value = serde_json::from_str(&run("gitlab")).unwrap();
    assert_eq!(gitlab[0]["severity"], "minor");
    assert!(gitlab[0]["description"].as_str().unwrap().starts_with("AG101 blocking-sleep (start-up): "), "{gitlab}");
    // As errors, still tagged.
    project.write("aioguard.yaml", "startup-findings: error\n");
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!((&json[0]["context"], &json[0]["severity"]), (&"start-up".into(), &"error".into()));
    project.write("aioguard.yaml", "startup-findings: hide\n");
    assert_eq!(serde_json::from_str::<Value>(&run("json")).unwrap(), serde_json::json!([]));
}

/// `(rule, line, column)` of each finding a run in `format` prints; GitLab's Code
/// Quality has no column, so its findings are told apart by their fingerprint.
fn findings_in_format(format: &str, run: &Run) -> Vec<(String, u64, String)> {
    match format {
        // `chains.py:18:15: AG111 …`
        "full" | "concise" => run
            .stdout
            .lines()
            .filter_map(|line| {
                let mut parts = line.strip_prefix("chains.py:")?.splitn(3, ':');
                let (row, column) = (parts.next()?.parse().ok()?, parts.next()?);
                let code = parts.next()?.split_whitespace().next()?;
                Some((code.to_owned(), row, column.to_owned()))
            })
            .collect(),
        "json" => run
            .json()
            .iter()
            .map(|finding| {
                let (row, column) = (&finding["location"]["row"], &finding["location"]["column"]);
                (finding["code"].as_str().unwrap().to_owned(), row.as_u64().unwrap(), column.to_string())
            })
            .collect(),
        "github" => run
            .stdout
            .lines()
            .map(|line| {
                let field = |name: &str| {
                    let start = line.find(&format!("{name}=")).unwrap_or_else(|| panic!("no {name} in {line}"));
                    let value = &line[start + name.len() + 1..];
                    value[..value.find([',', ':']).unwrap()].to_owned()
                };
                let code = field("title").split(' ').next().unwrap().to_owned();
                (code, field("line").parse().unwrap(), field("col"))
            })
            .collect(),
        "sarif" => {
            let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
            let results = sarif["runs"][0]["results"].as_array().unwrap();
            results
                .iter()
                .map(|result| {
                    let region = &result["locations"][0]["physicalLocation"]["region"];
                    let code = result["ruleId"].as_str().unwrap().to_owned();
                    (code, region["startLine"].as_u64().unwrap(), region["startColumn"].to_string())
                })
                .collect()
        }
        "gitlab" => run
            .json()
            .iter()
            .map(|issue| {
                let code = issue["check_name"].as_str().unwrap().to_owned();
                (code, issue["location"]["lines"]["begin"].as_u64().unwrap(), issue["fingerprint"].to_string())
            })
            .collect(),
        other => panic!("no parser for the output format `{other}`"),
    }
}

/// A chain of calls that block (`conn.execute(…).fetchone()`, `Session().get().json()`,
/// `subprocess.run(…).stdout.decode()`, …) is one finding in every output format: no
/// two findings share a rule, a line and a column, and each chain the fixture expects
/// is there once.
#[test]
fn a_chain_of_blocking_calls_is_one_finding_in_every_format() {
    let fixture = include_str!("fixtures/call_chains/chains.py");
    let expected = fixture.lines().filter(|line| line.contains("# expect:")).count();
    let project = Project::new();
    project.write("chains.py", fixture);
    for format in OutputFormat::value_variants() {
        let name = format.to_possible_value().unwrap().get_name().to_owned();
        let run = project.run(&["check", "--no-cache", "--output-format", &name, "chains.py"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let mut findings = findings_in_format(&name, &run);
        assert_eq!(findings.len(), expected, "{name}: {findings:?}\n{}", run.stdout);
        findings.sort();
        let before = findings.len();
        findings.dedup();
        assert_eq!(findings.len(), before, "{name}: two findings share a rule, line and column:\n{}", run.stdout);
    }
}

#[test]
fn statistics_count_findings_per_rule() {
    let project = Project::new();
    project
        .write("a.py", BLOCKING)
        .write("b.py", "import time, os\n\nasync def f():\n    time.sleep(1)\n    os.system('ls')\n");
    let run = project.run(&["check", "--statistics"]);
    assert_eq!(run.code, 1);
    let rows: Vec<Vec<&str>> = run.stdout.lines().map(|line| line.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert_eq!((rows[0][0], rows[0][1]), ("2", "AG101"));
    assert_eq!((rows[1][0], rows[1][1]), ("1", "AG103"));
    assert!(rows[0].contains(&"blocking-sleep"), "{}", run.stdout);
    // Each rule's findings by cost class.
    assert!(run.stdout.lines().next().unwrap().ends_with("\t(2 sleep)"), "{}", run.stdout);
    assert!(run.stdout.lines().nth(1).unwrap().ends_with("\t(1 process)"), "{}", run.stdout);
}

#[test]
fn color_follows_the_flag() {
    let project = Project::new();
    project.write("poll.py", BLOCKING);
    assert!(project.run(&["check", "--color", "always"]).stdout.contains("\x1b["));
    assert!(!project.run(&["check", "--color", "never"]).stdout.contains("\x1b["));
    assert!(!project.run(&["check"]).stdout.contains("\x1b["), "not a terminal: no colour");
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), where `auto` colours.
fn run_on_terminal(project: &Project, no_color: Option<&str>) -> String {
    let command = format!("{} check --output-format concise", env!("CARGO_BIN_EXE_aioguard"));
    let mut script = Command::new("script");
    script.args(["--quiet", "--return", "--command", &command, "/dev/null"]).current_dir(project.path(""));
    match no_color {
        Some(value) => script.env("NO_COLOR", value),
        None => script.env_remove("NO_COLOR"),
    };
    let output = script.output().expect("util-linux `script` runs the binary on a terminal for this test");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let project = Project::new();
    project.write("poll.py", BLOCKING);
    let coloured = run_on_terminal(&project, None);
    assert!(coloured.contains("AG101") && coloured.contains("\x1b["), "{coloured:?}");
    let plain = run_on_terminal(&project, Some("1"));
    assert!(plain.contains("AG101") && !plain.contains("\x1b["), "{plain:?}");
}

#[test]
fn rule_and_rules_print_the_documentation() {
    let project = Project::new();
    let rule = project.run(&["rule", "AG101"]);
    assert_eq!(rule.code, 0);
    for part in ["blocking-sleep", "## What it does", "## Why is this bad?", "## Example", "asyncio.sleep"] {
        assert!(rule.stdout.contains(part), "`{part}` missing:\n{}", rule.stdout);
    }
    assert_eq!(project.run(&["rule", "blocking-sleep"]).stdout, rule.stdout);
    assert_eq!(project.run(&["rule", "ag101"]).stdout, rule.stdout, "codes are case-insensitive");
    assert_eq!(project.run(&["rule", "Blocking-Sleep"]).stdout, rule.stdout, "names too");
    let unknown = project.run(&["rule", "AG999"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("AG999"));

    let rules = project.run(&["rules"]);
    assert_eq!(rules.code, 0);
    let listed: Vec<&str> = rules.stdout.lines().filter_map(|line| line.split_whitespace().next()).collect();
    assert_eq!(
        listed,
        [
            "AG001", "AG002", "AG101", "AG102", "AG103", "AG104", "AG105", "AG106", "AG107", "AG108", "AG109", "AG110",
            "AG111", "AG112", "AG113", "AG114", "AG115", "AG116", "AG201", "AG202", "AG203", "AG204"
        ]
    );
    assert!(rules.stdout.lines().any(|line| line.starts_with("AG201") && line.contains("dangling-task")));
}

#[test]
fn version_is_the_crates() {
    for args in [&["--version"][..], &["check", "--version"], &["rule", "--version"], &["rules", "--version"]] {
        let run = Project::new().run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout.trim(), format!("aioguard {}", env!("CARGO_PKG_VERSION")), "{args:?}");
    }
}

#[test]
fn a_misspelt_selector_or_key_gets_a_suggestion() {
    let project = Project::new();
    project.write("poll.py", BLOCKING);
    let run = project.run(&["check", "--select", "AG1O1"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim(), "error: --select: no rule matches `AG1O1`; did you mean `AG101`?");
    let lower = project.run(&["check", "--select", "ag101", "--output-format", "concise"]);
    assert!(lower.stdout.contains("AG101"), "selectors are case-insensitive: {}", lower.stdout);
    project.write("aioguard.yaml", "ignor: [AG1]\n");
    let run = project.run(&["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("aioguard.yaml:1:") && run.stderr.contains("did you mean `ignore`?"), "{}", run.stderr);
}

#[test]
fn a_pyproject_table_in_any_toml_form_is_read_and_a_broken_one_is_an_error() {
    let project = Project::new();
    project.write("poll.py", BLOCKING);
    // Each form selects only AG2 rules, which the blocking sleep is not.
    for table in ["[tool.aioguard ]\nselect = [\"AG2\"]\n", "[tool]\naioguard = {select = [\"AG2\"]}\n"] {
        project.write("pyproject.toml", format!("[project]\nname = \"demo\"\n\n{table}"));
        let run = project.run(&["check"]);
        assert_eq!((run.code, run.stdout.trim()), (0, "All checks passed!"), "{table}");
    }
    project.write("pyproject.toml", "[project]\nname = \"demo\"\n\n[tool.aioguard\nselect = [\"AG2\"]\n");
    let run = project.run(&["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pyproject.toml:4:"), "{}", run.stderr);
}

#[test]
fn statistics_in_json_have_ruffs_shape() {
    let project = Project::new();
    project.write("a.py", BLOCKING).write("b.py", "import os\n\nasync def f():\n    os.system('ls')\n");
    let run = project.run(&["check", "--statistics", "--output-format", "json"]);
    assert_eq!(run.code, 1);
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([
            {"code": "AG101", "name": "blocking-sleep", "count": 1, "fixable": true, "costs": {"sleep": 1}},
            {"code": "AG103", "name": "blocking-subprocess", "count": 1, "fixable": true, "costs": {"process": 1}},
        ])
    );
    let refused = project.run(&["check", "--statistics", "--output-format", "sarif"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--statistics") && refused.stderr.contains("sarif"), "{}", refused.stderr);
}

#[test]
fn the_summary_says_what_could_not_be_checked() {
    let project = Project::new();
    project.write("clean.py", CLEAN).write("latin1.py", b"x = '\xe9'\n");
    let run = project.run(&["check", "clean.py", "missing.py", "latin1.py"]);
    assert_eq!(run.code, 2);
    assert!(!run.stdout.contains("All checks passed!"), "{}", run.stdout);
    assert!(
        run.stdout.contains("No problems found in 1 file.\n2 files could not be checked (see the errors above)."),
        "{}",
        run.stdout
    );
    project.write("poll.py", BLOCKING);
    let run = project.run(&["check", "poll.py", "missing.py"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("Found 1 problem.\n1 file could not be checked"), "{}", run.stdout);
}

#[test]
fn full_output_says_why_a_finding_is_not_fixed() {
    let project = Project::new();
    project.write(
        "app.py",
        "import time\n\n\nasync def f(path, queue):\n    with open(path) as handle:\n        await queue.put(handle.read())\n\n\nasync def g(path):\n    with open(path) as handle:\n        return handle.read()\n\n\nasync def h():\n    time.sleep(1)\n",
    );
    let run = project.run(&["check"]);
    let notes: Vec<&str> = run.stdout.lines().filter_map(|line| line.split_once("= ").map(|(_, note)| note)).collect();
    assert_eq!(
        notes,
        [
            "note: no fix: the `with` body contains `await`",
            "note: not fixed: unsafe fix available (`--unsafe-fixes`): Run the `with` block in a worker thread with `await asyncio.to_thread()`",
            "help: Replace with `await asyncio.sleep()`",
        ],
        "{}",
        run.stdout
    );
    let json = json_check(&project, &[]).json();
    assert_eq!(json[0]["no_fix_reason"], "the `with` body contains `await`");
    assert!(json[1].get("no_fix_reason").is_none() && json[1]["fix"]["applicability"] == "unsafe");
}

#[test]
fn the_example_service_shows_its_mistakes() {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .args(["check", "--no-config", "--no-cache", "--output-format", "json", "examples"])
        .current_dir(manifest_dir)
        .output()
        .unwrap();
    let run = Run::from(output);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut found: Vec<(String, u64, String)> = run.findings();
    found.sort();
    let expected = [
        ("app.py", 16, "AG110"),
        ("client.py", 22, "AG102"),
        ("client.py", 38, "AG101"),
        ("handlers.py", 27, "AG201"),
        ("handlers.py", 35, "AG202"),
        ("handlers.py", 42, "AG103"),
        ("storage.py", 20, "AG105"),
        ("storage.py", 22, "AG104"),
        ("storage.py", 36, "AG105"),
        ("storage.py", 37, "AG105"),
        ("storage.py", 40, "AG105"),
        ("storage.py", 44, "AG110"),
        ("worker.py", 36, "AG108"),
        ("worker.py", 44, "AG108"),
        ("worker.py", 46, "AG108"),
    ]
    .map(|(file, row, code)| (file.to_owned(), row, code.to_owned()));
    assert_eq!(found, expected);
}

/// The README's text from `marker` on.
fn readme_after(marker: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    readme.split(marker).skip(1).map(str::to_owned).collect()
}

/// Each sample output of the README (a `console` block after `<!-- sample-output -->`) is
/// exactly what its command prints, run at the root of the repository.
#[test]
fn the_readmes_sample_outputs_are_real_runs() {
    let samples = readme_after("<!-- sample-output -->\n```console\n");
    assert!(samples.len() >= 2, "the README shows sample outputs");
    let cache = tempfile::tempdir().unwrap();
    for sample in samples {
        let block = &sample[..sample.find("```\n").expect("a closed block")];
        let (command, expected) = block.split_once('\n').unwrap();
        let args = command.strip_prefix("$ aioguard ").expect("the block starts with the command").split_whitespace();
        let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env(aioguard::driver::cache::DIR_VARIABLE, cache.path())
            .env_remove("NO_COLOR")
            .env_remove("VIRTUAL_ENV")
            .output()
            .unwrap();
        let run = Run::from(output);
        assert_eq!(run.code, 1, "{command}: {}", run.stderr);
        assert_eq!(run.stdout, expected, "{command}");
    }
}

/// The README's list of the JSON output's fields is what a run prints: every field of a
/// finding is named, and every name is a field (at any depth) or `null`.
#[test]
fn the_readmes_json_fields_are_the_outputs() {
    let bullet = &readme_after("- `--output-format json`:")[0];
    let bullet = &bullet[..bullet.find("\n- ").unwrap()];
    let named: std::collections::BTreeSet<&str> =
        bullet.split('`').skip(1).step_by(2).filter(|name| !name.contains(' ')).collect();
    let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .args(["check", "--no-cache", "--output-format", "json", "examples"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let findings = Run::from(output).json();
    fn keys(value: &Value, into: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(key, value)| {
                into.insert(key.clone());
                keys(value, into);
            }),
            Value::Array(items) => items.iter().for_each(|item| keys(item, into)),
            _ => {}
        }
    }
    let mut all = std::collections::BTreeSet::new();
    findings.iter().for_each(|finding| keys(finding, &mut all));
    for finding in &findings {
        for field in finding.as_object().unwrap().keys() {
            assert!(named.contains(field.as_str()), "the README does not name `{field}`: {bullet}");
        }
    }
    for name in named {
        assert!(name == "null" || all.contains(name), "`{name}` is not a field of the JSON output");
    }
}

#[test]
fn noqa_codes_are_case_insensitive() {
    let project = Project::new();
    project.write(
        "poll.py",
        "import time\n\n\nasync def poll():\n    time.sleep(1)  # noqa: ag101\n    time.sleep(2)  # noqa: ag102\n",
    );
    let run = json_check(&project, &[]);
    assert_eq!(run.findings(), [("poll.py".to_owned(), 6, "AG101".to_owned())], "{}", run.stdout);
}

/// Where the fake environments of the tests keep their packages, under the environment.
const SITE_PACKAGES: &str = "lib/python3.12/site-packages";

/// Installs, in the environment at `venv` (relative to the project), two SDKs with an
/// async twin: `fakesdk` exports `Client` and `AsyncClient`, `fakesdk2` has `Client` and
/// `aio.Client`; and `plainsdk`, which has none.
fn install_sdks(project: &Project, venv: &str) {
    let site_packages = format!("{venv}/{SITE_PACKAGES}");
    project
        .write(
            &format!("{site_packages}/fakesdk/__init__.py"),
            "from ._client import Client, AsyncClient\nfrom ._errors import APIError\n\n__all__ = ['Client', 'AsyncClient', 'APIError']\n",
        )
        .write(&format!("{site_packages}/fakesdk2/__init__.py"), "class Client:\n    def send(self): ...\n")
        .write(&format!("{site_packages}/fakesdk2/aio/__init__.py"), "class Client:\n    async def send(self): ...\n")
        .write(&format!("{site_packages}/plainsdk/__init__.py"), "class Client:\n    def send(self): ...\n");
}

/// A module that uses the SDKs' sync clients (lines 9, 10 and 16), their async twins and
/// a client without a twin in a coroutine.
const USES_SDKS: &str = r#"import fakesdk
import fakesdk2
import plainsdk
from fakesdk2 import aio


async def handler():
    client = fakesdk.Client(token="t")
    client.fetch("x")
    client.items.list(limit=10)
    client._refresh()
    await client.fetch("awaited")
    aclient = fakesdk.AsyncClient()
    await aclient.fetch("x")
    legacy = fakesdk2.Client()
    legacy.send()
    await aio.Client().send()
    plainsdk.Client().send()


def sync_code():
    fakesdk.Client().fetch("x")
"#;

impl Project {
    /// Runs `aioguard ARGS` with `VIRTUAL_ENV` set to `virtual_env` (relative to the
    /// project), or unset.
    fn run_in_environment(&self, virtual_env: Option<&str>, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aioguard"));
        command.args(args).current_dir(self.dir.path()).env_remove("NO_COLOR").env_remove("VIRTUAL_ENV");
        command.env_remove("AIOGUARD_CACHE_DIR");
        if let Some(venv) = virtual_env {
            command.env("VIRTUAL_ENV", self.path(venv));
        }
        Run::from(command.output().unwrap())
    }
}

/// `(row, message)` of each AG114 finding of a JSON run.
fn sdk_findings(run: &Run) -> Vec<(u64, String)> {
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run.json()
        .iter()
        .filter(|finding| finding["code"] == "AG114")
        .map(|finding| (finding["location"]["row"].as_u64().unwrap(), finding["message"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn sync_clients_with_an_async_twin_are_learnt_from_the_projects_environment() {
    let project = Project::new();
    install_sdks(&project, ".venv");
    project.write("app.py", USES_SDKS);
    let json = ["check", "--output-format", "json", "--no-cache", "app.py"];
    let run = project.run_in_environment(None, &json);
    let advice = "or run it in a thread with `await asyncio.to_thread()`";
    assert_eq!(
        sdk_findings(&run),
        [
            (
                9,
                format!(
                    "`client.fetch()` blocks the event loop in `async def handler`; use `fakesdk.AsyncClient`, {advice}"
                )
            ),
            (
                10,
                format!(
                    "`client.items.list()` blocks the event loop in `async def handler`; use `fakesdk.AsyncClient`, {advice}"
                )
            ),
            (
                16,
                format!(
                    "`legacy.send()` blocks the event loop in `async def handler`; use `fakesdk2.aio.Client`, {advice}"
                )
            ),
        ]
    );
    let fix = &run.json()[0]["fix"];
    assert_eq!(fix["applicability"], "unsafe", "{fix}");
    let edits = fix["edits"].as_array().unwrap();
    assert!(edits.iter().any(|edit| edit["content"] == "await asyncio.to_thread(client.fetch, "), "{fix}");

    // Turned off, nothing is learnt.
    project.write("aioguard.yaml", "learn-from-environment: false\n");
    assert_eq!(sdk_findings(&project.run_in_environment(None, &json)), []);
    // `[tool.aioguard]` says the same.
    std::fs::remove_file(project.path("aioguard.yaml")).unwrap();
    project.write("pyproject.toml", "[tool.aioguard]\nlearn-from-environment = false\n");
    assert_eq!(sdk_findings(&project.run_in_environment(None, &json)), []);
}

#[test]
fn the_environment_is_the_configured_one_the_activated_one_or_the_projects() {
    let project = Project::new();
    install_sdks(&project, "envs/sdk");
    project.write("envs/sdk/bin/python", "").write("envs/empty/lib/python3.12/site-packages/.keep", "");
    project.write("app.py", USES_SDKS);
    let json = ["check", "--output-format", "json", "--no-cache", "app.py"];
    let rows = |run: &Run| sdk_findings(run).into_iter().map(|(row, _)| row).collect::<Vec<u64>>();
    assert_eq!(rows(&project.run_in_environment(None, &json)), [] as [u64; 0], "no environment found");
    assert_eq!(rows(&project.run_in_environment(Some("envs/sdk"), &json)), [9, 10, 16], "VIRTUAL_ENV");
    for python in ["envs/sdk/bin/python", "envs/sdk"] {
        project.write("aioguard.yaml", format!("python: {python}\n"));
        assert_eq!(rows(&project.run_in_environment(None, &json)), [9, 10, 16], "python: {python}");
        // The configured environment wins over the activated one.
        assert_eq!(rows(&project.run_in_environment(Some("envs/empty"), &json)), [9, 10, 16], "python: {python}");
    }

    project.write("aioguard.yaml", "select: [AG1]\npython: envs/missing/bin/python\n");
    let run = project.run_in_environment(None, &json);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("aioguard.yaml:2: key `python`") && run.stderr.contains("envs/missing"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_second_run_takes_the_environments_exports_from_the_cache() {
    let project = Project::new();
    install_sdks(&project, ".venv");
    project.write("app.py", USES_SDKS);
    // The cache trusts the stats of files that have settled.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let json = ["check", "--output-format", "json", "app.py"];
    let first = project.run_in_environment(None, &json);
    assert_eq!(sdk_findings(&first).len(), 3);
    let shards = || {
        let mut shards = Vec::new();
        let mut pending = vec![project.path(".aioguard_cache")];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                match path.is_dir() {
                    true => pending.push(path),
                    false => shards.push((path.clone(), std::fs::read(&path).unwrap())),
                }
            }
        }
        shards.sort();
        shards
    };
    let written = shards();
    let package_dir = project.path(&format!(".venv/{SITE_PACKAGES}/fakesdk"));
    let package_dir = package_dir.as_os_str().as_encoded_bytes();
    assert!(
        written.iter().any(|(_, content)| content.windows(package_dir.len()).any(|window| window == package_dir)),
        "the exports of `fakesdk/__init__.py` are kept"
    );
    // Nothing read is restamped or stored again: the package files' stats were the ones kept.
    assert_eq!(project.run_in_environment(None, &json).stdout, first.stdout);
    assert_eq!(shards(), written, "the second run wrote nothing");

    // Installing another version (the package's directory replaced) is seen.
    std::fs::remove_dir_all(project.path(&format!(".venv/{SITE_PACKAGES}/fakesdk"))).unwrap();
    project.write(&format!(".venv/{SITE_PACKAGES}/fakesdk/__init__.py"), "from ._client import Client\n");
    let upgraded = project.run_in_environment(None, &json);
    assert_eq!(sdk_findings(&upgraded).iter().map(|(row, _)| *row).collect::<Vec<_>>(), [16]);
    let uncached = project.run_in_environment(None, &["check", "--output-format", "json", "--no-cache", "app.py"]);
    assert_eq!(upgraded.stdout, uncached.stdout);
}

#[test]
fn timings_name_each_phase_only_when_asked() {
    let project = Project::new();
    project
        .write("app/main.py", "import time\n\n\ndef wait():\n    time.sleep(1)\n\n\nasync def main():\n    wait()\n");
    let args = ["check", "--no-cache", "--exit-zero", "app"];
    let plain = project.run(&args);
    assert!(!plain.stderr.contains("timings:"), "{}", plain.stderr);
    let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .args(args)
        .current_dir(project.dir.path())
        .env(aioguard::driver::TIMINGS_VARIABLE, "1")
        .output()
        .unwrap();
    let timed = Run::from(output);
    assert!(timed.stdout.contains("AG110"), "the run is the same: {}", timed.stdout);
    let line = timed.stderr.lines().find_map(|line| line.strip_prefix("timings: ")).expect("a timings line");
    let phases: Vec<(&str, f64)> = line
        .split(", ")
        .map(|phase| {
            let mut words = phase.split_whitespace();
            let name = words.next().unwrap();
            let seconds = words.next().unwrap().parse().unwrap_or_else(|_| panic!("seconds in {phase:?}"));
            (name, seconds)
        })
        .collect();
    let names: Vec<&str> = phases.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["walk", "summaries", "index", "check", "output"], "{line}");
    assert!(phases.iter().all(|(_, seconds)| *seconds >= 0.0 && *seconds < 60.0), "{line}");
    assert!(line.contains("(1 wave)"), "the checked files are the whole project: {line}");
}
