//! The fixing command line end to end: `--diff` output applies with `git apply` and
//! `patch -p1` and gives what `--fix` writes; summaries, markers and exit codes of
//! `--fix`, `--unsafe-fixes`, `--fix-only` and `--exit-non-zero-on-fix`; a file that
//! cannot be written is reported and left alone while the others are fixed; fixed code
//! that ruff finds tidy (imports sorted, none left unused).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const FIXTURE_DIRS: &[&str] =
    &["blocking_sleep", "blocking_http", "blocking_open", "dangling_task", "nested_event_loop"];

fn aioguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .current_dir(dir)
        .arg("check")
        .arg("--no-config")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Copies the `.py` fixtures of a few rules (CRLF, BOM and tabs among them) into `dir`.
fn copy_fixtures(dir: &Path) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for rule in FIXTURE_DIRS {
        std::fs::create_dir_all(dir.join(rule)).unwrap();
        for entry in std::fs::read_dir(fixtures.join(rule)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "py") {
                std::fs::copy(&path, dir.join(rule).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for rule in FIXTURE_DIRS {
        for entry in std::fs::read_dir(dir.join(rule)).unwrap() {
            let path = entry.unwrap().path();
            files.push((path.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

fn run_in(dir: &Path, program: &str, args: &[&str], stdin_file: Option<&Path>) {
    let mut command = Command::new(program);
    command.current_dir(dir).args(args);
    if let Some(file) = stdin_file {
        command.stdin(std::fs::File::open(file).unwrap());
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{program} {args:?} failed:\n{}{}", text(&output.stdout), text(&output.stderr));
}

#[test]
fn diff_applies_with_git_and_patch_and_matches_fix() {
    let fixed = tempfile::tempdir().unwrap();
    copy_fixtures(fixed.path());
    let output = aioguard(fixed.path(), &["--fix", "--unsafe-fixes", "--quiet", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));

    let original = tempfile::tempdir().unwrap();
    copy_fixtures(original.path());
    let before = snapshot(original.path());
    let output = aioguard(original.path(), &["--diff", "--unsafe-fixes", "."]);
    assert_eq!(output.status.code(), Some(1), "a diff exits with 1: {}", text(&output.stderr));
    assert!(text(&output.stderr).contains("Would fix"), "{}", text(&output.stderr));
    assert_eq!(snapshot(original.path()), before, "--diff must not write");
    let patch = original.path().join("fixes.patch");
    std::fs::write(&patch, &output.stdout).unwrap();
    assert!(text(&output.stdout).contains("--- a/blocking_sleep/crlf.py\n+++ b/blocking_sleep/crlf.py\n"));

    for (tool, args) in [("git", vec!["apply", "fixes.patch"]), ("patch", vec!["-p1", "--quiet"])] {
        let copy = tempfile::tempdir().unwrap();
        copy_fixtures(copy.path());
        if tool == "git" {
            run_in(copy.path(), "git", &["init", "--quiet"], None);
            std::fs::copy(&patch, copy.path().join("fixes.patch")).unwrap();
            run_in(copy.path(), tool, &args, None);
            std::fs::remove_file(copy.path().join("fixes.patch")).unwrap();
        } else {
            run_in(copy.path(), tool, &args, Some(&patch));
        }
        assert!(snapshot(copy.path()) == snapshot(fixed.path()), "`{tool}` applying the diff differs from --fix");
    }

    // Nothing is left to fix: no diff, exit 0.
    let output = aioguard(fixed.path(), &["--diff", "--unsafe-fixes", "."]);
    assert_eq!((output.status.code(), output.stdout.is_empty()), (Some(0), true), "{}", text(&output.stdout));
}

const MIXED: &str = "import asyncio\nimport time\n\n\nasync def main():\n    time.sleep(1)\n    asyncio.create_task(main())\n    helper()\n\n\nasync def helper():\n    pass\n";

#[test]
fn summaries_markers_and_exit_codes_follow_the_applicability() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.py");
    std::fs::write(&path, MIXED).unwrap();

    let report = aioguard(dir.path(), &["--output-format", "concise", "mixed.py"]);
    let stdout = text(&report.stdout);
    assert_eq!(report.status.code(), Some(1));
    assert!(stdout.contains("mixed.py:6:5: AG101 [*]"), "{stdout}");
    assert!(stdout.contains("mixed.py:7:5: AG201 the task"), "unsafe fixes are not marked: {stdout}");
    assert!(stdout.contains("[*] 1 fixable with the `--fix` option (2 more with `--unsafe-fixes`)."), "{stdout}");
    let unsafe_report =
        text(&aioguard(dir.path(), &["--output-format", "concise", "--unsafe-fixes", "mixed.py"]).stdout);
    assert!(unsafe_report.contains("mixed.py:7:5: AG201 [*]"), "{unsafe_report}");
    assert!(unsafe_report.contains("[*] 3 fixable with the `--fix` option."), "{unsafe_report}");

    let json = text(&aioguard(dir.path(), &["--output-format", "json", "mixed.py"]).stdout);
    let findings: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fix = &findings[1]["fix"];
    assert_eq!(fix["applicability"], "unsafe", "{json}");
    assert!(fix["edits"][0]["location"]["row"].is_number(), "{json}");

    let fixed = aioguard(dir.path(), &["--output-format", "concise", "--fix", "mixed.py"]);
    let stdout = text(&fixed.stdout);
    assert_eq!(fixed.status.code(), Some(1));
    assert!(
        stdout.contains("Found 3 problems (1 fixed, 2 remaining).\n2 more fixable with `--fix --unsafe-fixes`."),
        "{stdout}"
    );
    assert!(!stdout.contains("AG101"), "only what is left is reported: {stdout}");
    assert!(std::fs::read_to_string(&path).unwrap().contains("    await asyncio.sleep(1)\n"));

    let only = aioguard(dir.path(), &["--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix", "mixed.py"]);
    assert_eq!(only.status.code(), Some(1), "a fix was applied");
    assert!(only.stdout.is_empty(), "--fix-only reports no findings: {}", text(&only.stdout));
    assert!(text(&only.stderr).contains("Fixed 2 problems."), "{}", text(&only.stderr));
    let again = aioguard(dir.path(), &["--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix", "mixed.py"]);
    assert_eq!(again.status.code(), Some(0), "nothing left to fix: {}", text(&again.stderr));
    let clean = aioguard(dir.path(), &["--fix", "--unsafe-fixes", "mixed.py"]);
    assert_eq!((clean.status.code(), text(&clean.stdout)), (Some(0), "All checks passed!\n".to_owned()));
}

#[test]
fn a_file_that_cannot_be_written_is_reported_and_the_others_are_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked.py");
    let open = dir.path().join("open.py");
    std::fs::write(&locked, MIXED).unwrap();
    std::fs::write(&open, MIXED).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();

    let output = aioguard(dir.path(), &["--fix", "."]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("locked.py: cannot write the fixes: the file is read-only"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&locked).unwrap(), MIXED);
    assert!(std::fs::read_to_string(&open).unwrap().contains("await asyncio.sleep(1)"));
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, [".aioguard_cache", "locked.py", "open.py"], "no temporary file is left behind");
}

/// A small service that ruff finds clean, with something for most fixes to do: offloaded
/// calls, a sleep, a `with` block, a dropped task, a nested loop, a trio module whose
/// fix needs `functools`, imports that the fixes leave unused and one they do not.
const DEMO_PROJECT: &[(&str, &str)] = &[
    ("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"0.1.0\"\n"),
    ("app/__init__.py", ""),
    ("app/config.py", "TIMEOUT = 5\n"),
    (
        "app/storage.py",
        r#""""Storage of the demo service."""

import json
import os
import time
from pathlib import Path

import requests

from app import config


def backoff(attempt):
    time.sleep(attempt)


async def load(path: Path):
    with open(path) as handle:
        return json.load(handle)


async def exists(path):
    return os.path.exists(path)


async def fetch(url):
    response = requests.get(url, timeout=config.TIMEOUT)
    return response.json()


async def poll():
    time.sleep(1)
"#,
    ),
    (
        "app/worker.py",
        r#""""Background work, under trio."""

import subprocess
import time

import trio


async def run(cmd):
    subprocess.run(cmd, check=True)


async def pause():
    time.sleep(0.5)
    await trio.lowlevel.checkpoint()
"#,
    ),
    (
        "app/handlers.py",
        r#""""Request handlers."""

import asyncio
from time import sleep

from app.storage import poll


async def notify(user):
    await asyncio.sleep(0)
    return user


async def signup(user):
    asyncio.create_task(notify(user))
    asyncio.run(poll())
    sleep(1)


async def save(path, data):
    with open(path, "w") as handle:
        handle.write(data)
"#,
    ),
];

/// `ruff check --select F401,F811,F841,I001` (unused and redefined imports, unused
/// variables, import order) in `dir`: its output, and whether it found nothing.
fn ruff_tidiness(dir: &Path) -> (bool, String) {
    let ruff = common::tools_python().with_file_name("ruff");
    let output = Command::new(ruff)
        .current_dir(dir)
        .args(["check", "--isolated", "--no-cache", "--select", "F401,F811,F841,I001", "--output-format", "concise"])
        .arg(".")
        .output()
        .unwrap();
    (output.status.success(), format!("{}{}", text(&output.stdout), text(&output.stderr)))
}

#[test]
fn fixes_on_a_ruff_clean_project_leave_it_clean() {
    let dir = tempfile::tempdir().unwrap();
    for (relative, content) in DEMO_PROJECT {
        let path = dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let (clean, report) = ruff_tidiness(dir.path());
    assert!(clean, "the demo project must start ruff-clean:\n{report}");

    let output = aioguard(dir.path(), &["--fix", "--unsafe-fixes", "."]);
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    let read = |relative: &str| std::fs::read_to_string(dir.path().join(relative)).unwrap();
    let (clean, report) = ruff_tidiness(dir.path());
    let files: String =
        DEMO_PROJECT.iter().map(|(relative, _)| format!("--- {relative}\n{}", read(relative))).collect();
    assert!(clean, "aioguard's fixes left what ruff reports:\n{report}\n{files}");

    // What was fixed: the import added in order, the one left unused gone, the one
    // still used kept.
    let storage = read("app/storage.py");
    assert!(storage.contains("import asyncio\nimport json\nimport os\nimport time\n"), "{storage}");
    let worker = read("app/worker.py");
    assert!(
        worker.starts_with(
            "\"\"\"Background work, under trio.\"\"\"\n\nimport functools\nimport subprocess\n\nimport trio\n"
        ),
        "{worker}"
    );
    let handlers = read("app/handlers.py");
    assert!(!handlers.contains("from time import sleep"), "{handlers}");
}

/// The `.py` files under `dir` with their content, by path.
fn python_sources(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(python_sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "py") {
            files.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    files.sort();
    files
}

/// A line without the `# noqa: AGxxx` comments and `, AGxxx` codes `--add-noqa` adds.
fn without_added_codes(line: &str) -> String {
    let mut line = line.to_owned();
    for added in ["  # noqa: AG", ", AG"] {
        while let Some(at) = line.find(added) {
            line.replace_range(at..at + added.len() + 3, "");
        }
    }
    line
}

/// `--add-noqa` on a project with findings across modules (AG110, AG202) and on rule
/// fixtures: afterwards the check reports nothing, no added code is unused (AG002), a
/// second run adds nothing, and only the lines with findings changed.
#[test]
fn add_noqa_accepts_every_finding_once() {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    common::copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects/shop"), &shop);
    copy_fixtures(&shop.join("fixtures"));
    let before = python_sources(&shop);
    let check = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_aioguard")).current_dir(&shop).arg("check").args(args).output().unwrap()
    };
    let found = check(&["--output-format", "json", "--no-cache", "."]);
    let found: Vec<serde_json::Value> = serde_json::from_slice(&found.stdout).unwrap();
    let codes = |code: &str| found.iter().filter(|finding| finding["code"] == code).count();
    assert!(codes("AG110") > 0 && codes("AG202") > 0 && codes("AG101") > 0, "{found:?}");

    let added = check(&["--add-noqa", "."]);
    assert_eq!(added.status.code(), Some(0), "{}", text(&added.stderr));
    let rows: std::collections::BTreeSet<(String, u64)> = found
        .iter()
        .map(|finding| (finding["filename"].as_str().unwrap().to_owned(), finding["location"]["row"].as_u64().unwrap()))
        .collect();
    assert!(text(&added.stderr).contains(&format!("Added {} noqa directives.", rows.len())), "{}", text(&added.stderr));

    let after = check(&["--select", "AG0,AG1,AG201,AG202,AG203", "--no-cache", "."]);
    assert_eq!(after.status.code(), Some(0), "{}{}", text(&after.stdout), text(&after.stderr));
    let again = check(&["--add-noqa", "."]);
    assert!(text(&again.stderr).contains("Added 0 noqa directives."), "{}", text(&again.stderr));
    let now = python_sources(&shop);
    for ((path, old), (_, new)) in before.iter().zip(&now) {
        for (old_line, new_line) in old.lines().zip(new.lines()) {
            assert_eq!(without_added_codes(new_line), without_added_codes(old_line), "{path:?}");
        }
        assert_eq!(old.lines().count(), new.lines().count(), "{path:?}");
    }
}
