//! `--diff-base` on a real repository: the branch's new findings are reported, the
//! base's are not, and the working tree (staged, unstaged, untracked) counts.

use std::collections::BTreeSet;

use crate::common::{Repo, aioguard, blocking_module, concise_findings, stdout};

/// A `main` with findings, a branch off it with changes of every kind (some in files a
/// walk leaves out), and a later commit on `main` that touches a line the branch did not.
fn branch_with_changes() -> Repo {
    let repo = Repo::new();
    repo.write(".gitignore", "ignored.py\n");
    repo.write("old.py", &blocking_module("old"));
    repo.write("keep.py", "import time\n\n\nasync def keep():\n    pass\n");
    // Unlike the files the branch adds, or git would take one of them for gone.py renamed.
    repo.write("gone.py", "import subprocess\n\nasync def gone(command):\n    return subprocess.run(command)\n");
    repo.write("moved.py", &blocking_module("moved"));
    repo.commit_all("base");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.write("old.py", &format!("{}\n\nasync def new():\n    time.sleep(2)\n", blocking_module("old")));
    repo.git(&["mv", "moved.py", "renamed.py"]);
    repo.git(&["rm", "--quiet", "gone.py"]);
    repo.write("new file é.py", &blocking_module("committed"));
    repo.write("q\"uote.py", &blocking_module("quoted"));
    repo.write("sub/inner.py", &blocking_module("inner"));
    // Changed, but left out by the walk: an `.ignore` file, a hidden directory, a
    // directory excluded by default.
    repo.write(".ignore", "vendor/\n");
    repo.write("vendor/lib.py", &blocking_module("vendored"));
    repo.write(".tools/run.py", &blocking_module("hidden"));
    repo.write("sub/build/generated.py", &blocking_module("built"));
    repo.commit_all("feature");
    // `main` moves on: its change to old.py's blocking line is not the branch's.
    repo.git(&["checkout", "--quiet", "main"]);
    repo.write("old.py", &blocking_module("old").replace("sleep(1)", "sleep(3)"));
    repo.commit_all("main moves on");
    repo.git(&["checkout", "--quiet", "feature"]);
    repo.write("staged.py", &blocking_module("staged"));
    repo.git(&["add", "staged.py"]);
    repo.write("keep.py", "import time\n\n\nasync def keep():\n    time.sleep(1)\n");
    repo.write("untracked.py", &blocking_module("untracked"));
    repo.write("ignored.py", &blocking_module("ignored"));
    repo
}

fn findings(repo: &Repo, args: &[&str]) -> BTreeSet<(String, usize)> {
    let output = aioguard(repo.path(), &[&["check", "--output-format", "concise"], args].concat());
    assert_ne!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    concise_findings(&stdout(&output))
}

fn set(items: &[(&str, usize)]) -> BTreeSet<(String, usize)> {
    items.iter().map(|(file, row)| (file.to_string(), *row)).collect()
}

#[test]
fn only_the_branch_and_working_tree_findings_on_changed_lines_are_reported() {
    let repo = branch_with_changes();
    let new_findings = [
        ("keep.py", 5),
        ("new file é.py", 5),
        ("old.py", 9),
        ("q\"uote.py", 5),
        ("staged.py", 5),
        ("sub/inner.py", 5),
        ("untracked.py", 5),
    ];
    assert_eq!(findings(&repo, &["--diff-base", "main"]), set(&new_findings));

    // Every finding of a changed file, renamed ones too; unchanged and deleted files stay out.
    let mut whole_files = set(&new_findings);
    whole_files.extend(set(&[("old.py", 5), ("renamed.py", 5)]));
    assert_eq!(findings(&repo, &["--diff-base", "main", "--diff-filter", "file"]), whole_files);

    // Paths still narrow the run.
    assert_eq!(findings(&repo, &["--diff-base", "main", "sub"]), set(&[("sub/inner.py", 5)]));
    // Without --diff-base, the base's findings are all there.
    assert!(findings(&repo, &[]).contains(&("old.py".to_owned(), 5)));
}

#[test]
fn a_missing_ref_or_checkout_is_a_clear_error() {
    let repo = Repo::new();
    repo.write("app.py", &blocking_module("app"));
    repo.commit_all("base");
    let output = aioguard(repo.path(), &["check", "--diff-base", "no-such-branch"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("--diff-base: `no-such-branch` is not a commit"), "{stderr}");

    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("app.py"), blocking_module("app")).unwrap();
    let output = aioguard(plain.path(), &["check", "--diff-base", "main"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("is not in a git checkout"), "{stderr}");
}

/// With `--fix`, only the findings `--diff-base` reports are fixed: the base's blocking
/// call above the changed lines stays as it was, even after a fix moved the text.
#[test]
fn fixing_with_a_diff_base_touches_only_the_changed_lines() {
    let repo = Repo::new();
    let base = "import time\n\n\nasync def old():\n    time.sleep(1)\n";
    repo.write("app.py", base);
    repo.commit_all("base");
    let changed = format!(
        "{base}\n\nasync def new(path):\n    with open(path) as f:\n        data = f.read()\n    time.sleep(2)\n    return data\n"
    );
    repo.write("app.py", &changed);
    let output = aioguard(repo.path(), &["check", "--diff-base", "HEAD", "--fix", "--unsafe-fixes", "--exit-zero"]);
    assert!(output.status.success(), "{}", stdout(&output));
    let fixed = std::fs::read_to_string(repo.path().join("app.py")).unwrap();
    assert!(fixed.contains("async def old():\n    time.sleep(1)\n"), "the base's line was fixed:\n{fixed}");
    assert!(fixed.contains("    await asyncio.sleep(2)\n"), "the changed line was not fixed:\n{fixed}");
    assert!(fixed.contains("def _blocking_io():"), "the changed block was not fixed:\n{fixed}");
    // What is left is reported only where it is on the changed lines of the fixed file.
    assert!(!stdout(&output).contains("async def old"), "{}", stdout(&output));
}
