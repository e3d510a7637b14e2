//! What the CI tests share: the tools, the aioguard binary, and throwaway git repositories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file installed by `tests/tools/install.sh` under `target/tools/`.
pub fn tool(relative: &str) -> PathBuf {
    let path = manifest_dir().join("target/tools").join(relative);
    assert!(path.exists(), "{} is missing: run tests/tools/install.sh", path.display());
    path
}

pub fn aioguard_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_aioguard"))
}

/// `aioguard` run in `dir`, away from any `GITHUB_WORKSPACE` of the machine running the tests.
pub fn aioguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(aioguard_binary()).args(args).current_dir(dir).env_remove("GITHUB_WORKSPACE").output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Runs a command to completion, failing the test with its output when it fails.
pub fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `git` in `dir`, with [`isolated_git`]'s environment.
pub fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    isolated_git(command.current_dir(dir));
    command
}

/// Sets the environment for a command that runs git: a fixed identity and dates, and no
/// user or system configuration.
pub fn isolated_git(command: &mut Command) -> &mut Command {
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
}

/// A temporary git repository.
pub struct Repo {
    dir: TempDir,
}

impl Repo {
    pub fn new() -> Self {
        let repo = Repo { dir: tempfile::tempdir().unwrap() };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn git(&self, args: &[&str]) -> String {
        run_ok(git_command(self.path()).args(args)).trim_end().to_owned()
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Commits everything; the new commit's id.
    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--message", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// A module whose `async def {name}` calls `time.sleep`: one AG101 finding, on line 5.
pub fn blocking_module(name: &str) -> String {
    format!("import time\n\n\nasync def {name}():\n    time.sleep(1)\n")
}

/// `(file, row)` of each finding in `concise` output.
pub fn concise_findings(output: &str) -> std::collections::BTreeSet<(String, usize)> {
    output
        .lines()
        .filter_map(|line| {
            let (location, _) = line.split_once(": AG")?;
            let mut parts = location.rsplitn(3, ':');
            let _column = parts.next()?;
            let row = parts.next()?.parse().ok()?;
            Some((parts.next()?.to_owned(), row))
        })
        .collect()
}

/// A project whose findings carry every character the escaping treats specially, in
/// file names and (through a configured message) in messages, with one finding that
/// spans two lines and rules at each severity.
pub fn awkward_project() -> Repo {
    let repo = Repo::new();
    repo.write(
        "pkg/aioguard.yaml",
        "extend-blocking-calls:\n  \
           legacy.query: {message: \"100% of `q`, then: a,b\\r\\nnext — ünïcode ✓\", fix: none}\n\
         severity: {AG109: warning, AG101: note}\n",
    );
    repo.write(
        "pkg/50% a,b:c.py",
        "import legacy\nimport time\n\n\nasync def café():\n    legacy.query()\n    time.sleep(\n        1)\n",
    );
    repo.write("pkg/ünï cödé.py", "import requests\n\n\nasync def fetch():\n    requests.get('https://example.com')\n");
    repo
}

/// The fenced block that follows `<!-- snippet: NAME -->` in README.md.
pub fn docs_snippet(name: &str) -> String {
    let docs = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let marker = format!("<!-- snippet: {name} -->\n");
    let after =
        &docs[docs.find(&marker).unwrap_or_else(|| panic!("README.md has no snippet `{name}`")) + marker.len()..];
    let body = after.strip_prefix("```yaml\n").expect("a yaml block follows the marker");
    body[..body.find("```\n").expect("the block ends")].to_owned()
}

/// Packs `binary` as the release archive of `target` into `out`, with the script the release
/// workflow runs; the archive's path (its `.sha256` is beside it).
pub fn pack_release(target: &str, binary: &Path, out: &Path) -> PathBuf {
    let script = manifest_dir().join("scripts/release_archive.py");
    run_ok(Command::new("python3").arg(script).arg(target).arg(binary).arg(out));
    let suffix = if target.contains("windows") { "zip" } else { "tar.gz" };
    let archive = out.join(format!("aioguard-{target}.{suffix}"));
    assert!(archive.is_file() && out.join(format!("aioguard-{target}.{suffix}.sha256")).is_file());
    archive
}
