//! Runs the `aioguard` binary over the multi-module projects under `tests/projects/<name>/`,
//! whose `*.py` (and `*.pyi`) files carry their expected findings inline (`# expect: AG110`). Each
//! project is checked as a whole, and then file by file, naming one file only: the
//! project-wide findings must be the same both ways, since resolution always uses the
//! whole project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

#[path = "ci/common.rs"]
#[allow(dead_code)]
mod common;

const EXPECT_MARKER: &str = "# expect:";

/// `(file, row, code)` → how many findings.
type Findings = BTreeMap<(String, u64, String), usize>;

fn projects_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects")
}

fn python_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            python_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "py" || extension == "pyi") {
            files.push(path);
        }
    }
}

/// The findings a file announces, keyed by its path relative to the project.
fn announced(project: &Path, file: &Path) -> Findings {
    let relative = file.strip_prefix(project).unwrap().display().to_string();
    let mut findings = Findings::new();
    for (row, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
        let Some((_, codes)) = line.split_once(EXPECT_MARKER) else { continue };
        for code in codes.split(',').map(str::trim) {
            *findings.entry((relative.clone(), row as u64 + 1, code.to_owned())).or_default() += 1;
        }
    }
    findings
}

/// Runs `aioguard check --output-format json` in the project's directory, with the
/// (absolute) file names of findings and their chains made relative to it.
fn check(project: &Path, paths: &[&str]) -> Vec<Value> {
    check_with(project, paths, &[], false)
}

/// Runs `aioguard check --output-format json ARGS PATHS` in the project's directory; with
/// `whole`, the project pass summarizes every module of the project. Without the cache:
/// each run reads the project (`tests/cache.rs` compares runs with it).
fn check_with(project: &Path, paths: &[&str], args: &[&str], whole: bool) -> Vec<Value> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aioguard"));
    command.args(["check", "--output-format", "json", "--exit-zero", "--no-cache"]);
    command.args(args).args(paths).current_dir(project);
    if whole {
        command.env(aioguard::driver::WHOLE_PROJECT_VARIABLE, "1");
    } else {
        command.env_remove(aioguard::driver::WHOLE_PROJECT_VARIABLE);
    }
    let output = command.output().expect("the aioguard binary runs");
    assert!(output.status.success(), "aioguard failed: {}", String::from_utf8_lossy(&output.stderr));
    let mut findings = serde_json::from_slice::<Value>(&output.stdout).unwrap().as_array().unwrap().clone();
    let relative = |filename: &mut Value| {
        let path = PathBuf::from(filename.as_str().unwrap());
        *filename = path.strip_prefix(project).unwrap_or(&path).display().to_string().into();
    };
    for finding in &mut findings {
        relative(&mut finding["filename"]);
        for hop in finding.get_mut("chain").and_then(Value::as_array_mut).into_iter().flatten() {
            relative(&mut hop["filename"]);
        }
    }
    findings
}

fn reported(findings: &[Value]) -> Findings {
    let mut reported = Findings::new();
    for finding in findings {
        let key = (
            finding["filename"].as_str().unwrap().to_owned(),
            finding["location"]["row"].as_u64().unwrap(),
            finding["code"].as_str().unwrap().to_owned(),
        );
        *reported.entry(key).or_default() += 1;
    }
    reported
}

fn projects() -> Vec<PathBuf> {
    let mut projects: Vec<PathBuf> = std::fs::read_dir(projects_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    projects.sort();
    assert!(!projects.is_empty(), "no projects under tests/projects");
    projects
}

#[test]
fn every_project_reports_what_it_expects_checked_whole() {
    for project in projects() {
        let mut files = Vec::new();
        python_files(&project, &mut files);
        let expected: Findings = files.iter().flat_map(|file| announced(&project, file)).collect();
        assert_eq!(reported(&check(&project, &["."])), expected, "{}", project.display());
    }
}

#[test]
fn every_project_reports_what_it_expects_naming_one_file() {
    for project in projects() {
        let mut files = Vec::new();
        python_files(&project, &mut files);
        for file in files {
            let relative = file.strip_prefix(&project).unwrap().display().to_string();
            assert_eq!(reported(&check(&project, &[&relative])), announced(&project, &file), "{relative}");
        }
    }
}

/// Checking one file (or one directory) reads only the modules its results depend on,
/// found by probing for their names rather than walking the project; the findings, their
/// messages, chains and fixes must be exactly those of a pass over the whole project.
#[test]
fn reading_only_what_a_file_depends_on_gives_the_whole_projects_results() {
    let compare = |project: &Path, file: &str, args: &[&str]| {
        let demanded = check_with(project, &[file], args, false);
        let whole = check_with(project, &[file], args, true);
        assert_eq!(demanded, whole, "{file} in {}", project.display());
        demanded.len()
    };
    for project in projects() {
        let mut files = Vec::new();
        python_files(&project, &mut files);
        // Each file, and each directory of files, checked on its own.
        let mut dirs: Vec<&Path> =
            files.iter().filter_map(|file| file.parent()).filter(|dir| *dir != project).collect();
        dirs.sort();
        dirs.dedup();
        for path in files.iter().map(PathBuf::as_path).chain(dirs) {
            compare(&project, &path.strip_prefix(&project).unwrap().display().to_string(), &[]);
        }
    }
    // A file named on the command line is the project's even where a walk would not go
    // (a hidden directory): `app/main.py` sees its helper either way.
    let layered = projects_dir().join("layered");
    let named = ["app/main.py", ".hidden/hidden_helpers/__init__.py"];
    let demanded = check_with(&layered, &named, &[], false);
    assert_eq!(demanded, check_with(&layered, &named, &[], true));
    assert!(
        demanded.iter().any(|finding| finding["message"].as_str().unwrap().starts_with("`hidden_helpers.pause()`"))
    );
    // A real package: Django, from tests/tools/install.sh.
    let django = common::tool("django/django-5.2.19");
    let files = [
        "django/contrib/sessions/backends/file.py",
        "django/contrib/sessions/backends/db.py",
        "django/core/handlers/asgi.py",
        "django/core/handlers/base.py",
        "django/test/client.py",
        "django/db/models/query.py",
        "django/utils/autoreload.py",
    ];
    let findings: usize = files.iter().map(|file| compare(&django, file, &["--no-config", "--unsafe-fixes"])).sum();
    assert!(findings > 0, "no findings in Django's files: the comparison shows nothing");
}

#[test]
fn a_three_hop_chain_is_named_in_the_message_and_the_json() {
    let project = projects_dir().join("shop");
    let findings = check(&project, &["src/shop/handlers.py"]);
    let finding = findings.iter().find(|finding| finding["location"]["row"] == 31).expect("the retrying_save finding");
    assert_eq!(
        finding["message"],
        "`retrying_save()` blocks the event loop in `async def handle`: \
         `retrying_save()` → `_backoff()` → `time.sleep()` (src/shop/storage.py:13)"
    );
    let hop = |name: &str, filename: &str, row: u64, column: u64| json!({"name": name, "filename": filename, "location": {"row": row, "column": column}});
    assert_eq!(
        finding["chain"],
        json!([
            hop("retrying_save", "src/shop/handlers.py", 31, 5),
            hop("_backoff", "src/shop/storage.py", 18, 9),
            hop("time.sleep", "src/shop/storage.py", 13, 5),
        ])
    );
    assert_eq!(finding["code"], "AG110");
    assert_eq!(finding["name"], "blocking-via-helper");
}

/// A git repository holding a copy of the shop project, committed.
fn shop_repository() -> common::Repo {
    let project = projects_dir().join("shop");
    let repo = common::Repo::new();
    let mut files = vec![project.join("aioguard.yaml")];
    python_files(&project, &mut files);
    for file in &files {
        let relative = file.strip_prefix(&project).unwrap().to_str().unwrap();
        repo.write(relative, &std::fs::read_to_string(file).unwrap());
    }
    repo.commit_all("the shop");
    repo
}

#[test]
fn fixing_one_file_offloads_the_helpers_of_other_modules() {
    let repo = shop_repository();
    let handlers = "src/shop/handlers.py";
    let safe_only = common::aioguard(repo.path(), &["check", "--fix", "--exit-zero", handlers]);
    assert!(safe_only.status.success(), "{}", String::from_utf8_lossy(&safe_only.stderr));
    assert_eq!(repo.git(&["status", "--porcelain"]), "", "moving a helper to a thread is never a safe fix");

    let args = ["check", "--fix", "--unsafe-fixes", "--output-format", "json", "--exit-zero", handlers];
    let output = common::aioguard(repo.path(), &args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let left: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let fixed = std::fs::read_to_string(repo.path().join(handlers)).unwrap();
    let line_of = |finding: &Value| fixed.lines().nth(finding["location"]["row"].as_u64().unwrap() as usize - 1);
    // `Cache` and `Handler` have coroutines: their methods stay on the loop, unfixed.
    let left_ag110: Vec<&str> =
        left.iter().filter(|finding| finding["code"] == "AG110").filter_map(line_of).map(str::trim).collect();
    assert_eq!(
        left_ag110,
        [
            "cache.get(\"k\")  # expect: AG110",
            "self.cache.get(\"k\")  # expect: AG110",
            "self._prepare()  # expect: AG110"
        ]
    );
    assert!(left.iter().all(|finding| finding["code"] == "AG202" || finding["fix"].is_null()), "{left:#?}");
    for line in [
        "    await asyncio.to_thread(retrying_save, data)  # expect: AG110",
        "    settings = await asyncio.to_thread(load_settings, \"settings.json\")  # expect: AG110",
    ] {
        assert!(fixed.lines().any(|fixed_line| fixed_line == line), "`{line}` missing:\n{fixed}");
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), format!(" M {handlers}"), "only the named file changes");
}

#[test]
fn a_diff_base_run_sees_the_helpers_of_unchanged_modules() {
    let repo = shop_repository();
    let handlers = "src/shop/handlers.py";
    let mut text = std::fs::read_to_string(repo.path().join(handlers)).unwrap();
    text.push_str("\n\nasync def changed_today(data):\n    retrying_save(data)\n");
    repo.write(handlers, &text);

    let output =
        common::aioguard(repo.path(), &["check", "--output-format", "json", "--exit-zero", "--diff-base", "HEAD"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let findings: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    let reported: Vec<(PathBuf, u64, &str)> = findings
        .iter()
        .map(|finding| {
            let row = finding["location"]["row"].as_u64().unwrap();
            let filename = Path::new(finding["filename"].as_str().unwrap());
            (filename.strip_prefix(repo.path()).unwrap().to_path_buf(), row, finding["code"].as_str().unwrap())
        })
        .collect();
    assert_eq!(reported, [(PathBuf::from(handlers), text.lines().count() as u64, "AG110")]);
    assert!(
        findings[0]["message"].as_str().unwrap().ends_with("`time.sleep()` (src/shop/storage.py:13)"),
        "{}",
        findings[0]["message"]
    );
}

/// A `with` block whose offload would move a `sqlite3` connection that a class of another
/// module keeps to a worker thread (where `sqlite3` refuses it) gets no fix, checked
/// whole or alone.
#[test]
fn a_block_using_another_modules_thread_bound_object_stays_on_the_loop() {
    let project = projects_dir().join("clients");
    for paths in [&["."][..], &["clients/handlers.py"]] {
        let findings = check_with(&project, paths, &["--unsafe-fixes"], false);
        let opened = findings
            .iter()
            .find(|finding| finding["code"] == "AG104" && finding["filename"] == "clients/handlers.py")
            .expect("the `open()` of Importer.load");
        assert!(opened["fix"].is_null(), "{opened:#}");
        assert_eq!(opened["no_fix_reason"], "the `with` block uses an object that may not be used from another thread");
    }
}
