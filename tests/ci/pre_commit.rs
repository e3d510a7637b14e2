//! The pre-commit hooks, installed and run by pre-commit itself from a snapshot of this
//! repository: `language: rust` makes pre-commit `cargo install` aioguard.
//!
//! The builds share one target directory under `target/`, and build without
//! optimisation and offline (every crate is in cargo's cache once the tests are built):
//! the hooks' behaviour does not depend on either, and a run takes seconds, not minutes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{Repo, blocking_module, docs_snippet, git_command, isolated_git, manifest_dir, run_ok, tool};

/// This repository's working tree (tracked and untracked files git does not ignore),
/// committed in a temporary repository: pre-commit installs hooks from a commit.
fn snapshot_of_this_repository() -> Repo {
    let listing =
        run_ok(git_command(manifest_dir()).args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]));
    let snapshot = Repo::new();
    for relative in listing.split('\0').filter(|path| !path.is_empty()) {
        let source = manifest_dir().join(relative);
        if source.is_file() {
            let target = snapshot.path().join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&source, &target).unwrap();
        }
    }
    snapshot.commit_all("snapshot");
    snapshot
}

/// Modules beside app.py, each with a blocking call: enough that pre-commit would split
/// the files into several runs of a hook without `require_serial`.
const MORE_MODULES: usize = 10;

/// A project with a blocking call in app.py and in [`MORE_MODULES`] other modules, and
/// another in a file the configuration excludes.
fn project() -> Repo {
    let repo = Repo::new();
    repo.write("aioguard.yaml", "exclude: [\"vendored/*\"]\n");
    repo.write("app.py", &blocking_module("main"));
    for index in 0..MORE_MODULES {
        repo.write(&format!("jobs/job_{index}.py"), &blocking_module(&format!("job_{index}")));
    }
    repo.write("vendored/lib.py", &blocking_module("vendored"));
    repo.git(&["add", "--all"]);
    repo
}

fn pre_commit(dir: &Path, args: &[&str], home: &Path) -> Output {
    // pre-commit runs `cargo`: the one running these tests, first on the PATH.
    let cargo_dir = std::env::var_os("CARGO").and_then(|cargo| Path::new(&cargo).parent().map(Path::to_path_buf));
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(cargo_dir.into_iter().chain(std::env::split_paths(&path))).unwrap();
    isolated_git(Command::new(tool("venv/bin/pre-commit")).args(args).current_dir(dir))
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("CARGO_TARGET_DIR", manifest_dir().join("target/pre-commit"))
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Runs one hook of this repository on [`project`] with `pre-commit try-repo`.
fn try_repo(hook: &str) -> (Repo, Output) {
    let aioguard = snapshot_of_this_repository();
    let project = project();
    let home = tempfile::tempdir().unwrap();
    let args = ["try-repo", aioguard.path().to_str().unwrap(), hook, "--all-files"];
    let output = pre_commit(project.path(), &args, home.path());
    (project, output)
}

#[test]
fn the_check_hook_fails_and_names_the_blocking_call() {
    let (_project, output) = try_repo("aioguard");
    let log = text(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(log.contains("app.py:5:5: AG101 [*] `time.sleep()` blocks the event loop"), "{log}");
    assert!(!log.contains("vendored"), "--force-exclude keeps excluded files out:\n{log}");
    // One run over every file (`require_serial`), so one summary, never a second one
    // from another batch saying "All checks passed!".
    let summaries: Vec<&str> =
        log.lines().filter(|line| line.starts_with("Found ") || line.starts_with("All checks passed")).collect();
    assert_eq!(summaries, [format!("Found {} problems.", MORE_MODULES + 1)], "{log}");
}

#[test]
fn the_fix_hook_rewrites_the_file_and_fails() {
    let (project, output) = try_repo("aioguard-fix");
    let log = text(&output);
    assert_eq!(output.status.code(), Some(1), "a changed file fails the hook:\n{log}");
    let fixed = std::fs::read_to_string(project.path().join("app.py")).unwrap();
    assert!(fixed.contains("await asyncio.sleep(1)"), "app.py was not fixed:\n{fixed}\n{log}");
    assert_eq!(std::fs::read_to_string(project.path().join("vendored/lib.py")).unwrap(), blocking_module("vendored"));
}

#[test]
fn the_documented_pre_commit_config_runs_the_hook() {
    let aioguard = snapshot_of_this_repository();
    let sha = aioguard.git(&["rev-parse", "HEAD"]);
    let snippet = docs_snippet("pre-commit");
    let repo_line = snippet.lines().find(|line| line.trim_start().starts_with("- repo:")).expect("a repo line");
    let rev_line = snippet.lines().find(|line| line.trim_start().starts_with("rev:")).expect("a rev line");
    // The published repository, swapped for the snapshot of this one.
    let config = snippet
        .replace(repo_line, &format!("  - repo: {}", aioguard.path().display()))
        .replace(rev_line, &format!("    rev: {sha}"));
    let (_home, output) = run_with_config(&config);
    let log = text(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(log.contains("app.py:5:5: AG101"), "{log}");
}

/// `pre-commit run --all-files` on [`project`] with this configuration, once pre-commit
/// has validated it; pre-commit's home (where it installs the hooks) and the run's output.
fn run_with_config(config: &str) -> (tempfile::TempDir, Output) {
    let project = project();
    project.write(".pre-commit-config.yaml", config);
    project.git(&["add", "--all"]);
    let home = tempfile::tempdir().unwrap();
    let validated = pre_commit(project.path(), &["validate-config", ".pre-commit-config.yaml"], home.path());
    assert!(validated.status.success(), "{}", text(&validated));
    let output = pre_commit(project.path(), &["run", "--all-files"], home.path());
    (home, output)
}

/// The README's `repo: local` hook, which pre-commit installs with pip from the wheel
/// instead of building: its pinned release swapped for the wheel of this checkout.
#[test]
fn the_documented_python_hook_installs_the_wheel_and_runs_it() {
    let snippet = docs_snippet("pre-commit-wheel");
    let pinned = format!("aioguard=={}", env!("CARGO_PKG_VERSION"));
    assert!(snippet.contains(&format!("additional_dependencies: [{pinned}]")), "pins this version:\n{snippet}");
    let wheel = crate::package::wheel();
    let (home, output) = run_with_config(&snippet.replace(&pinned, wheel.to_str().unwrap()));
    let log = text(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(log.contains("app.py:5:5: AG101 [*] `time.sleep()` blocks the event loop"), "{log}");
    assert!(!log.contains("vendored"), "--force-exclude keeps excluded files out:\n{log}");
    let summaries: Vec<&str> =
        log.lines().filter(|line| line.starts_with("Found ") || line.starts_with("All checks passed")).collect();
    assert_eq!(summaries, [format!("Found {} problems.", MORE_MODULES + 1)], "one run, one summary:\n{log}");

    // What ran is the wheel's binary, in the environment pre-commit made for the hook.
    let installed: Vec<PathBuf> = walk(home.path()).into_iter().filter(|path| path.ends_with("bin/aioguard")).collect();
    assert_eq!(installed.len(), 1, "{installed:?}");
    let unpacked = tempfile::tempdir().unwrap();
    let script = crate::package::unpack(wheel, unpacked.path());
    assert_eq!(std::fs::read(&installed[0]).unwrap(), std::fs::read(script).unwrap());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
