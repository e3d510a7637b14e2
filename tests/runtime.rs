//! Runtime check of the fixes: the programs in `tests/runtime/` block the event loop
//! (their first line says how: `# before: BlockingError` or `# before: RuntimeError`;
//! a program without it must run under blockbuster as it is; a `# stdin: text` line
//! gives their standard input). Each is run with blockbuster active
//! (`tests/runtime/blockbuster_runner.py`, blockbuster from
//! `tests/tools/requirements.txt`) before and after `aioguard check --fix
//! --unsafe-fixes`: before, it fails that way; after, it succeeds and prints exactly
//! what the original prints when run without blockbuster. A program that starts an
//! event loop inside the running one fails without blockbuster too: its `# prints:`
//! lines say what the fixed program must print.
//!
//! The programs in `tests/runtime/django/` are async views over Django's ORM on a
//! temporary SQLite database: run as they are, Django raises `SynchronousOnlyOperation`;
//! after a plain `aioguard check --fix` (safe fixes only, the environment's Django 5.2
//! deciding which async twins exist), they print what their `# prints:` lines say.
//!
//! A call that must get no fix (moved to a thread, it would break the program) ends its
//! line with `# no-fix: AG110`: aioguard reports it with no fix, even with
//! `--unsafe-fixes`, the line is unchanged after fixing, and the fixed program, which
//! still blocks there, is run without blockbuster and must print the same.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Program {
    path: PathBuf,
    /// Empty: the program does not block the loop.
    before: String,
    /// `(row, line, code)` of each call marked `# no-fix: CODE`.
    no_fix: Vec<(usize, String, String)>,
    stdin: String,
    /// For a program that cannot run unfixed, what it prints once fixed.
    prints: Option<String>,
}

fn programs(dir: &Path) -> Vec<Program> {
    let mut programs: Vec<Program> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "py") && !path.ends_with("blockbuster_runner.py"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let header = |key: &str| -> Vec<String> {
                let prefix = format!("# {key}: ");
                text.lines().filter_map(|line| line.strip_prefix(&prefix).map(|value| format!("{value}\n"))).collect()
            };
            let before = header("before").concat().trim_end().to_owned();
            let stdin = header("stdin").concat();
            let prints = Some(header("prints").concat()).filter(|prints| !prints.is_empty());
            let no_fix = text
                .lines()
                .enumerate()
                .filter_map(|(index, line)| {
                    let (_, code) = line.split_once("# no-fix: ")?;
                    Some((index + 1, line.to_owned(), code.trim().to_owned()))
                })
                .collect();
            Program { path, before, no_fix, stdin, prints }
        })
        .collect();
    programs.sort_by(|a, b| a.path.cmp(&b.path));
    programs
}

fn run(python: &Path, args: &[&Path], stdin: &str) -> Output {
    let mut child = Command::new(python)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A temporary copy of the files (not the subdirectories) of `dir`, relative to the crate.
fn copy_of(dir: &str) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, work.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    work
}

#[test]
fn fixed_programs_stop_blocking_the_loop_and_print_the_same() {
    let python = common::tools_python();
    let work = copy_of("tests/runtime");
    let runner = work.path().join("blockbuster_runner.py");
    let programs = programs(work.path());
    assert!(programs.len() >= 7, "only {} runtime programs", programs.len());

    let mut expected_stdout = Vec::new();
    for program in &programs {
        let plain = run(&python, &[&program.path], &program.stdin);
        match &program.prints {
            Some(prints) => {
                assert!(!plain.status.success(), "{} runs unfixed", program.path.display());
                expected_stdout.push(prints.as_bytes().to_vec());
            }
            None => {
                assert!(plain.status.success(), "{} fails even without blockbuster", program.path.display());
                expected_stdout.push(plain.stdout);
            }
        }
        let guarded = run(&python, &[&runner, &program.path], &program.stdin);
        let stderr = String::from_utf8_lossy(&guarded.stderr);
        if program.before.is_empty() {
            assert!(guarded.status.success(), "{} blocks under blockbuster:\n{stderr}", program.path.display());
        } else {
            assert!(
                !guarded.status.success() && stderr.contains(&program.before),
                "{} should fail with {} under blockbuster before fixing:\n{stderr}",
                program.path.display(),
                program.before
            );
        }
        assert_reported_without_fix(program);
    }

    let fix = Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .args(["check", "--no-config", "--no-cache", "--fix", "--unsafe-fixes", "--quiet"])
        .arg(work.path())
        .output()
        .unwrap();
    assert!(fix.status.code() != Some(2), "aioguard failed: {}", String::from_utf8_lossy(&fix.stderr));

    for (program, expected) in programs.iter().zip(expected_stdout) {
        let fixed = std::fs::read_to_string(&program.path).unwrap();
        for (row, line, _) in &program.no_fix {
            assert!(fixed.lines().any(|fixed_line| fixed_line == line), "line {row} changed:\n{fixed}");
        }
        // A program that keeps a blocking call runs without blockbuster once fixed.
        let after = if program.no_fix.is_empty() {
            run(&python, &[&runner, &program.path], &program.stdin)
        } else {
            run(&python, &[&program.path], &program.stdin)
        };
        assert!(
            after.status.success(),
            "{} fails after fixing:\n{}\n--- fixed program:\n{fixed}",
            program.path.display(),
            String::from_utf8_lossy(&after.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&after.stdout),
            String::from_utf8_lossy(&expected),
            "{} prints something else after fixing:\n{fixed}",
            program.path.display()
        );
    }
}

#[test]
fn django_views_run_after_a_plain_fix() {
    let python = common::tools_python();
    let work = copy_of("tests/runtime/django");
    let programs = programs(work.path());
    assert!(programs.len() >= 2, "only {} Django programs", programs.len());
    for program in &programs {
        let plain = run(&python, &[&program.path], "");
        let stderr = String::from_utf8_lossy(&plain.stderr);
        assert!(
            !plain.status.success() && stderr.contains(&program.before),
            "{} should fail with {} before fixing:\n{stderr}",
            program.path.display(),
            program.before
        );
    }

    // The environment the programs run in tells aioguard which Django they use.
    let venv = python.parent().unwrap().parent().unwrap();
    let fix = Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .args(["check", "--no-config", "--no-cache", "--fix", "--quiet"])
        .arg(work.path())
        .env("VIRTUAL_ENV", venv)
        .output()
        .unwrap();
    assert_eq!(
        fix.status.code(),
        Some(0),
        "findings left after a plain --fix: {}",
        String::from_utf8_lossy(&fix.stdout)
    );

    for program in &programs {
        let fixed = std::fs::read_to_string(&program.path).unwrap();
        let after = run(&python, &[&program.path], "");
        assert!(
            after.status.success(),
            "{} fails after fixing:\n{}\n--- fixed program:\n{fixed}",
            program.path.display(),
            String::from_utf8_lossy(&after.stderr)
        );
        let expected = program.prints.as_deref().expect("each Django program says what it prints");
        assert_eq!(String::from_utf8_lossy(&after.stdout), expected, "{}:\n{fixed}", program.path.display());
    }
}

/// Each call marked `# no-fix: CODE` is reported under CODE with no fix, unsafe ones included.
fn assert_reported_without_fix(program: &Program) {
    if program.no_fix.is_empty() {
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .args(["check", "--no-config", "--no-cache", "--unsafe-fixes", "--exit-zero", "--output-format", "json"])
        .arg(&program.path)
        .output()
        .unwrap();
    assert!(output.status.success(), "aioguard failed: {}", String::from_utf8_lossy(&output.stderr));
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    for (row, line, code) in &program.no_fix {
        let finding = findings
            .iter()
            .find(|finding| finding["code"] == code.as_str() && finding["location"]["row"] == *row as u64)
            .unwrap_or_else(|| panic!("{}:{row}: no {code} finding for `{}`", program.path.display(), line.trim()));
        assert!(finding["fix"].is_null(), "{}:{row}: a fix is offered: {}", program.path.display(), finding["fix"]);
    }
}
