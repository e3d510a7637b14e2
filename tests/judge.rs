//! A real project's own test suite judges the fixes: Django's session, ASGI and async
//! tests (the async ones query the ORM from coroutines, and test that Django refuses a
//! sync query on the loop, which AG116 must leave alone), from its source distribution
//! (installed by `tests/tools/install.sh`, run offline on SQLite), pass on a copy of
//! Django before fixing, after `aioguard check --fix`, and after `--fix
//! --unsafe-fixes`, both applied to the `django` package and to those tests' own
//! coroutines. The copy is what the tests import (`PYTHONPATH`).

mod common;

use std::path::Path;
use std::process::Command;

const DJANGO: &str = "target/tools/django/django-5.2.19";
const SUITES: [&str; 3] = ["sessions_tests", "asgi", "async"];
/// What is fixed, relative to the copy: the package and the suites that run.
const FIXED: [&str; 4] = ["django", "tests/sessions_tests", "tests/asgi", "tests/async"];

fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp").arg("-R").arg(from).arg(to).status().unwrap();
    assert!(status.success(), "copying {} failed", from.display());
}

fn run_django_tests(python: &Path, root: &Path, stage: &str) {
    let output = Command::new(python)
        .arg("runtests.py")
        .args(SUITES)
        .args(["--parallel", "1", "--noinput"])
        .current_dir(root.join("tests"))
        .env("PYTHONPATH", root)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "Django's {SUITES:?} fail {stage}:\n{stderr}");
    assert!(stderr.contains("\nOK"), "Django's test runner did not report OK {stage}:\n{stderr}");
}

/// Runs `aioguard check` with `args` on the copy's [`FIXED`] directories; returns how
/// many files it changed.
fn fix(root: &Path, args: &[&str]) -> usize {
    let snapshot_all = || FIXED.iter().flat_map(|dir| snapshot(&root.join(dir))).collect::<Vec<_>>();
    let before = snapshot_all();
    let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .args(["check", "--no-config", "--exit-zero", "--quiet"])
        .args(args)
        .args(FIXED)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(output.status.success(), "aioguard failed: {}", String::from_utf8_lossy(&output.stderr));
    let after = snapshot_all();
    before.iter().zip(&after).filter(|(a, b)| a != b).count()
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "py") {
                files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn djangos_own_tests_pass_after_fixing_django() {
    let python = common::tools_python();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(DJANGO);
    assert!(source.join("tests/runtests.py").is_file(), "{} is missing: run tests/tools/install.sh", source.display());
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("django-copy");
    std::fs::create_dir(&root).unwrap();
    copy_tree(&source.join("django"), &root);
    copy_tree(&source.join("tests"), &root);

    run_django_tests(&python, &root, "before fixing");
    let safe = fix(&root, &["--fix"]);
    run_django_tests(&python, &root, "after `--fix`");
    let unsafe_too = fix(&root, &["--fix", "--unsafe-fixes"]);
    run_django_tests(&python, &root, "after `--fix --unsafe-fixes`");
    // Without a fix applied, the suite would judge nothing.
    assert!(safe + unsafe_too > 0, "no fix was applied to Django");
}
