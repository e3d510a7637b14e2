//! The cache of results between runs (`.aioguard_cache/`), run for real on copies of the
//! projects under `tests/projects/`: a run with it reports exactly what a run without it
//! does, whatever changed since the cache was written (a module, the configuration, the
//! cache itself), and whatever state the cache is in.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use tempfile::TempDir;

const CACHE_DIR: &str = ".aioguard_cache";

/// How long the cache waits before it trusts a file's stat, and a little more.
const SETTLE: Duration = Duration::from_millis(2500);

/// A copy of `tests/projects/<name>`, readable by every user.
fn copy_project(name: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects").join(name);
    let status = Command::new("cp").arg("-R").arg(format!("{}/.", from.display())).arg(dir.path()).status().unwrap();
    assert!(status.success());
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn aioguard(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aioguard"));
    command.current_dir(dir).env_remove(aioguard::driver::cache::DIR_VARIABLE).env_remove("AIOGUARD_WHOLE_PROJECT");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The JSON findings of `aioguard check ARGS`; the run must succeed and say nothing on stderr.
fn findings(dir: &Path, args: &[&str]) -> String {
    findings_of(aioguard(dir).args(["check", "--output-format", "json", "--exit-zero"]).args(args).output().unwrap())
}

fn findings_of(output: Output) -> String {
    assert!(output.status.success(), "aioguard failed: {}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "", "the run says nothing on stderr");
    text(&output.stdout)
}

/// Runs with the cache (as it is, then as the run leaves it) and without, which must agree.
fn assert_same_with_and_without_cache(dir: &Path, args: &[&str]) -> String {
    let uncached = findings(dir, &[&["--no-cache"], args].concat());
    assert_eq!(findings(dir, args), uncached, "with the cache as it was: {args:?}");
    assert_eq!(findings(dir, args), uncached, "with the cache the run left: {args:?}");
    uncached
}

/// The shards of the cache, with their content.
fn shards(cache: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut shards = Vec::new();
    let mut pending = vec![cache.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let is_tag = path.parent() == Some(cache);
            if path.is_dir() {
                pending.push(path);
            } else if !is_tag {
                let content = std::fs::read(&path).unwrap();
                shards.push((path, content));
            }
        }
    }
    shards.sort();
    shards
}

fn count_of(findings: &str, code: &str) -> usize {
    findings.matches(&format!("\"code\": \"{code}\"")).count()
}

#[test]
fn every_project_reports_the_same_with_and_without_the_cache() {
    let projects = ["shop", "plain", "loose", "layered"].map(|name| (name, copy_project(name)));
    // The cache trusts the stats of files that have settled: a warm run then reads none.
    std::thread::sleep(SETTLE);
    for (name, project) in &projects {
        let dir = project.path();
        let uncached = findings(dir, &["--no-cache", "."]);
        assert!(!dir.join(CACHE_DIR).exists(), "--no-cache writes no cache");
        assert!(count_of(&uncached, "AG110") > 0, "{name} reports AG110");
        assert_eq!(findings(dir, &["."]), uncached, "{name}: the cold run");
        let cache = dir.join(CACHE_DIR);
        assert_eq!(std::fs::read_to_string(cache.join(".gitignore")).unwrap().lines().last(), Some("*"));
        assert!(
            std::fs::read_to_string(cache.join("CACHEDIR.TAG")).unwrap().starts_with("Signature: 8a477f597d28d172")
        );
        let written = shards(&cache);
        assert!(!written.is_empty());
        assert_eq!(findings(dir, &["."]), uncached, "{name}: the warm run");
        assert_eq!(shards(&cache), written, "{name}: a warm run with nothing changed writes nothing");

        let full = |args: &[&str]| {
            let output = aioguard(dir).args(["check", "--exit-zero"]).args(args).arg(".").output().unwrap();
            text(&output.stdout)
        };
        assert_eq!(full(&[]), full(&["--no-cache"]), "{name}: the full output");
        // One file at a time, demand-driven and with the whole project summarized.
        let mut files = Vec::new();
        python_files(dir, &mut files);
        for file in &files {
            let file = file.to_str().unwrap();
            assert_same_with_and_without_cache(dir, &[file]);
            let whole = |args: &[&str]| {
                let mut command = aioguard(dir);
                command.env("AIOGUARD_WHOLE_PROJECT", "1");
                findings_of(
                    command.args(["check", "--output-format", "json", "--exit-zero"]).args(args).output().unwrap(),
                )
            };
            assert_eq!(whole(&[file]), whole(&["--no-cache", file]), "{file} with the whole project summarized");
        }
    }
}

fn python_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with(CACHE_DIR) {
            python_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "py") {
            files.push(path);
        }
    }
}

#[test]
fn a_warm_run_from_another_directory_shows_the_paths_from_there() {
    let project = copy_project("shop");
    let dir = project.path();
    findings(dir, &["."]);
    let from_src = findings(&dir.join("src"), &["shop"]);
    assert_eq!(from_src, findings(&dir.join("src"), &["--no-cache", "shop"]));
    let concise = |args: &[&str]| {
        let output = aioguard(&dir.join("src"))
            .args(["check", "--exit-zero", "--output-format", "concise"])
            .args(args)
            .arg("shop")
            .output()
            .unwrap();
        text(&output.stdout)
    };
    assert!(concise(&[]).starts_with("shop/"), "{}", concise(&[]));
    assert_eq!(concise(&[]), concise(&["--no-cache"]));
}

/// A module that `tick` calls and that does not block, until an edit of the same size
/// makes it: `time.ctime(n)` becomes `time.sleep(n)`.
const CLOCK: &str = "import time\n\n\ndef wait(n):\n    time.ctime(n)\n";
const TICKER: &str = "from shop.clock import wait\n\n\nasync def tick():\n    wait(1)\n";

#[test]
fn a_helper_that_starts_blocking_in_an_unchanged_module_is_found() {
    let edits: [(&str, &str, bool); 3] = [
        ("same size, another modification time", "time.sleep(n)", false),
        ("another size, the same modification time", "time.sleep(n + 1)", true),
        ("same size, the modification time set back", "time.sleep(n)", true),
    ];
    let projects: Vec<TempDir> = edits
        .iter()
        .map(|_| {
            let project = copy_project("shop");
            std::fs::write(project.path().join("src/shop/clock.py"), CLOCK).unwrap();
            std::fs::write(project.path().join("src/shop/ticker.py"), TICKER).unwrap();
            project
        })
        .collect();
    // The cache trusts the stats of files that have settled.
    std::thread::sleep(SETTLE);
    for ((what, replacement, set_back), project) in edits.into_iter().zip(&projects) {
        let dir = project.path();
        let ticker = "src/shop/ticker.py";
        let before = assert_same_with_and_without_cache(dir, &[ticker]);
        assert_eq!(count_of(&before, "AG110"), 0, "{what}: nothing blocks yet");
        assert_same_with_and_without_cache(dir, &["."]);

        let clock = dir.join("src/shop/clock.py");
        let modified = std::fs::metadata(&clock).unwrap().modified().unwrap();
        std::fs::write(&clock, CLOCK.replace("time.ctime(n)", replacement)).unwrap();
        if set_back {
            std::fs::File::options().write(true).open(&clock).unwrap().set_modified(modified).unwrap();
        }
        assert_eq!(std::fs::metadata(&clock).unwrap().modified().unwrap() == modified, set_back);
        let after = findings(dir, &[ticker]);
        assert_eq!(count_of(&after, "AG110"), 1, "{what}: the helper blocks now:\n{after}");
        assert_eq!(after, findings(dir, &["--no-cache", ticker]), "{what}");
        assert_same_with_and_without_cache(dir, &["."]);
    }
}

#[test]
fn a_renamed_or_deleted_module_is_seen() {
    let project = copy_project("shop");
    let dir = project.path();
    let handlers = "src/shop/handlers.py";
    let original = assert_same_with_and_without_cache(dir, &[handlers]);
    assert_same_with_and_without_cache(dir, &["."]);

    let services = dir.join("src/shop/services");
    std::fs::rename(services.join("http.py"), services.join("web.py")).unwrap();
    let renamed = assert_same_with_and_without_cache(dir, &[handlers]);
    assert!(count_of(&renamed, "AG110") < count_of(&original, "AG110"), "`http.fetch_json` resolves to nothing now");
    assert_same_with_and_without_cache(dir, &["."]);

    std::fs::rename(services.join("web.py"), services.join("http.py")).unwrap();
    assert_eq!(assert_same_with_and_without_cache(dir, &[handlers]), original, "renamed back");

    std::fs::remove_file(dir.join("src/shop/storage.py")).unwrap();
    let deleted = assert_same_with_and_without_cache(dir, &[handlers]);
    assert!(count_of(&deleted, "AG110") < count_of(&renamed, "AG110"), "the storage helpers are gone");
    assert_same_with_and_without_cache(dir, &["."]);
}

#[test]
fn a_changed_configuration_is_seen() {
    let project = copy_project("shop");
    let dir = project.path();
    let handlers = "src/shop/handlers.py";
    let original = assert_same_with_and_without_cache(dir, &[handlers]);

    // `measured_read` is no longer allowed: calling it from a coroutine blocks.
    let config = dir.join("aioguard.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("allowed-calls: [shop.storage.measured_read]", "allowed-calls: []")).unwrap();
    let disallowed = assert_same_with_and_without_cache(dir, &[handlers]);
    assert_eq!(count_of(&disallowed, "AG110"), count_of(&original, "AG110") + 1);
    assert_same_with_and_without_cache(dir, &["."]);

    // Rules chosen on the command line.
    let ignored = assert_same_with_and_without_cache(dir, &["--ignore", "AG110", handlers]);
    assert_eq!(count_of(&ignored, "AG110"), 0);
    let selected = assert_same_with_and_without_cache(dir, &["--select", "AG202", "."]);
    assert!(count_of(&selected, "AG202") > 0 && count_of(&selected, "AG110") == 0, "{selected}");
    assert_eq!(findings(dir, &[handlers]), disallowed);
}

#[test]
fn a_damaged_or_foreign_cache_is_ignored_and_rewritten() {
    let version = env!("CARGO_PKG_VERSION");
    type Damage = fn(&Path, Vec<u8>) -> Vec<u8>;
    let damages: [(&str, Damage); 4] = [
        ("truncated", |_, bytes| bytes[..bytes.len() / 2].to_vec()),
        ("random bytes", |_, bytes| (0..bytes.len()).map(|i| (i * 7919 % 251) as u8).collect()),
        ("a payload byte changed", |_, mut bytes| {
            let last = bytes.len() - 2;
            bytes[last] = bytes[last].wrapping_add(1);
            bytes
        }),
        ("another version in the header", |_, mut bytes| {
            let version = env!("CARGO_PKG_VERSION").as_bytes();
            let at = bytes.windows(version.len()).position(|window| window == version).expect("the version");
            bytes[at..at + version.len()].fill(b'9');
            bytes
        }),
    ];
    let project = copy_project("shop");
    let dir = project.path();
    let cache = dir.join(CACHE_DIR);
    let expected = findings(dir, &["--no-cache", "."]);
    for (damage, apply) in damages {
        findings(dir, &["."]);
        for (shard, content) in shards(&cache) {
            std::fs::write(&shard, apply(&shard, content)).unwrap();
        }
        let damaged = shards(&cache);
        assert_eq!(findings(dir, &["."]), expected, "a cache {damage}");
        assert_eq!(findings(dir, &["src/shop/handlers.py"]), findings(dir, &["--no-cache", "src/shop/handlers.py"]));
        let rewritten = shards(&cache);
        assert!(damaged.iter().zip(&rewritten).all(|(damaged, rewritten)| damaged != rewritten), "{damage}");
        assert_eq!(findings(dir, &["."]), expected, "a cache {damage}, rewritten");
    }

    // The cache of another version stays beside this version's, unread.
    std::fs::rename(cache.join(version), cache.join("0.0.1")).unwrap();
    assert_eq!(findings(dir, &["."]), expected);
    assert!(cache.join(version).is_dir() && cache.join("0.0.1").is_dir());
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|metadata| std::os::unix::fs::MetadataExt::uid(&metadata) == 0).unwrap_or(false)
}

/// `aioguard` as a user who cannot write the cache: an unprivileged one when the tests
/// run as root (root writes everywhere), with the cache made read-only.
fn aioguard_without_write_access(dir: &Path) -> Command {
    let cache = dir.join(CACHE_DIR);
    for (shard, _) in shards(&cache) {
        std::fs::set_permissions(shard, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    let mut pending = vec![cache];
    while let Some(dir) = pending.pop() {
        pending
            .extend(std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).filter(|path| path.is_dir()));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    if !running_as_root() {
        return aioguard(dir);
    }
    let mut command = Command::new("setpriv");
    command.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_aioguard")]);
    command.current_dir(dir).env_remove(aioguard::driver::cache::DIR_VARIABLE);
    command
}

#[test]
fn a_cache_that_cannot_be_written_warns_once_and_changes_nothing() {
    let project = copy_project("shop");
    let dir = project.path();
    findings(dir, &["."]);
    // Every module changed: each shard would be written.
    let mut files = Vec::new();
    python_files(dir, &mut files);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        std::fs::write(file, format!("{text}\n")).unwrap();
    }
    let expected = findings(dir, &["--no-cache", "."]);
    let output = aioguard_without_write_access(dir)
        .args(["check", "--output-format", "json", "--exit-zero", "."])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("warning: cannot write the cache in "), "{stderr}");
    assert_eq!(text(&output.stdout), expected);
    let quiet = aioguard_without_write_access(dir).args(["check", "--quiet", "--exit-zero", "."]).output().unwrap();
    assert!(quiet.status.success() && quiet.stderr.is_empty(), "{}", text(&quiet.stderr));

    // A cache directory that cannot even be made.
    let not_a_dir = dir.join("not-a-directory");
    std::fs::write(&not_a_dir, "").unwrap();
    let output = aioguard(dir)
        .args(["check", "--output-format", "json", "--exit-zero", "--cache-dir"])
        .arg(&not_a_dir)
        .arg(".")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(text(&output.stderr).lines().count(), 1, "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), expected);
}

#[test]
fn two_runs_at_once_both_succeed_and_leave_a_usable_cache() {
    let project = copy_project("shop");
    let dir = project.path();
    let expected = findings(dir, &["--no-cache", "."]);
    for round in 0..3 {
        let spawn = || {
            aioguard(dir)
                .args(["check", "--output-format", "json", "--exit-zero", "."])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (first, second) = (spawn(), spawn());
        for run in [first, second] {
            assert_eq!(findings_of(run.wait_with_output().unwrap()), expected, "round {round}");
        }
        assert_eq!(findings(dir, &["."]), expected, "round {round}, afterwards");
        // The next round starts from changed modules.
        let storage = dir.join("src/shop/storage.py");
        let text = std::fs::read_to_string(&storage).unwrap();
        std::fs::write(&storage, format!("{text}\n")).unwrap();
    }
}

#[test]
fn the_cache_goes_where_the_flag_or_the_environment_says() {
    let project = copy_project("plain");
    let dir = project.path();
    let expected = findings(dir, &["--no-cache", "."]);
    let elsewhere = tempfile::tempdir().unwrap();
    let from_env = elsewhere.path().join("from-env");
    let from_flag = elsewhere.path().join("from-flag");

    let run = |flag: bool| {
        let mut command = aioguard(dir);
        command.env(aioguard::driver::cache::DIR_VARIABLE, &from_env);
        command.args(["check", "--output-format", "json", "--exit-zero"]);
        if flag {
            command.arg("--cache-dir").arg(&from_flag);
        }
        findings_of(command.arg(".").output().unwrap())
    };
    assert_eq!(run(false), expected);
    assert!(from_env.join("CACHEDIR.TAG").is_file() && !dir.join(CACHE_DIR).exists());
    assert_eq!(run(true), expected);
    assert!(from_flag.join("CACHEDIR.TAG").is_file(), "the flag wins over the environment");
    assert_eq!(run(false), expected);

    // An empty variable is no variable: the cache goes to the project root.
    let mut command = aioguard(dir);
    command.env(aioguard::driver::cache::DIR_VARIABLE, "").args([
        "check",
        "--output-format",
        "json",
        "--exit-zero",
        ".",
    ]);
    assert_eq!(findings_of(command.output().unwrap()), expected);
    assert!(dir.join(CACHE_DIR).join("CACHEDIR.TAG").is_file());
}

/// Without a configuration file, the cache goes to the nearest directory with a
/// `pyproject.toml` at or above the first path checked, or else to the top of its git
/// checkout; only outside both, to the current directory. A run from elsewhere leaves
/// no cache there.
#[test]
fn the_cache_goes_to_the_project_root_whatever_the_current_directory() {
    let elsewhere = tempfile::tempdir().unwrap();
    let run_from = |cwd: &Path, path: &Path| {
        findings_of(aioguard(cwd).args(["check", "--output-format", "json", "--exit-zero"]).arg(path).output().unwrap())
    };

    let plain = copy_project("plain");
    run_from(elsewhere.path(), &plain.path().join("plain"));
    assert!(!elsewhere.path().join(CACHE_DIR).exists(), "no cache where the run started");
    assert!(plain.path().join(CACHE_DIR).join("CACHEDIR.TAG").is_file(), "at the pyproject.toml's directory");
    run_from(&plain.path().join("plain"), Path::new("."));
    assert!(!plain.path().join("plain").join(CACHE_DIR).exists(), "nor in a subdirectory run from");

    let loose = copy_project("loose");
    assert!(!loose.path().join("pyproject.toml").exists());
    let status = Command::new("git").args(["init", "-q"]).current_dir(loose.path()).status().unwrap();
    assert!(status.success());
    run_from(elsewhere.path(), &loose.path().join("pkg"));
    assert!(!elsewhere.path().join(CACHE_DIR).exists() && !loose.path().join("pkg").join(CACHE_DIR).exists());
    assert!(loose.path().join(CACHE_DIR).join("CACHEDIR.TAG").is_file(), "at the repository's root");

    let outside = copy_project("loose");
    run_from(elsewhere.path(), outside.path());
    assert!(
        elsewhere.path().join(CACHE_DIR).join("CACHEDIR.TAG").is_file(),
        "outside any project: the current directory"
    );
    assert!(!outside.path().join(CACHE_DIR).exists());
}

#[test]
fn a_fix_keeps_the_fixed_files_results_in_the_cache() {
    // With the project-wide rules, and without them (the findings alone are kept).
    for rules in [&[][..], &["--ignore", "AG110,AG202"][..]] {
        let project = copy_project("shop");
        let dir = project.path();
        let sleepy = "src/shop/sleepy.py";
        std::fs::write(dir.join(sleepy), "import time\n\n\nasync def nap():\n    time.sleep(1)\n").unwrap();
        // The stats settle: only the fixed file's entry changes from now on.
        std::thread::sleep(SETTLE);
        findings(dir, &[&["."], rules].concat());
        let cache = dir.join(CACHE_DIR);
        let before = shards(&cache);

        let fix = aioguard(dir).args(["check", "--fix", "--exit-zero"]).args(rules).arg(sleepy).output().unwrap();
        assert!(fix.status.success() && fix.stderr.is_empty(), "{}", text(&fix.stderr));
        assert!(std::fs::read_to_string(dir.join(sleepy)).unwrap().contains("await asyncio.sleep(1)"));
        let after = shards(&cache);
        assert_ne!(before, after, "{rules:?}: the fixed file's results were written");

        let args = [rules, &[sleepy]].concat();
        assert_eq!(findings(dir, &args), findings(dir, &[&["--no-cache"], &args[..]].concat()), "{rules:?}");
        assert_eq!(shards(&cache), after, "{rules:?}: the run after the fix found everything in the cache");
    }
}

/// A whole project checked again keeps the last run's findings while no file of it
/// changed, and not a moment longer: a new module, or an ignore file that lets more
/// modules in, is seen.
#[test]
fn a_whole_project_checked_again_unchanged_gives_the_last_findings_until_anything_changes() {
    let project = copy_project("layered");
    let dir = project.path();
    std::thread::sleep(SETTLE);
    let first = assert_same_with_and_without_cache(dir, &["."]);
    let records = |dir: &Path| {
        let cache = dir.join(CACHE_DIR);
        shards(&cache)
            .into_iter()
            .filter(|(path, _)| path.file_name().unwrap().to_str().unwrap().starts_with("run-"))
            .count()
    };
    assert_eq!(records(dir), 1, "the run's findings are kept whole");
    assert_eq!(findings(dir, &["."]), first);

    std::fs::write(dir.join("app/late.py"), "import time\n\n\nasync def late():\n    time.sleep(1)\n").unwrap();
    let with_new_module = assert_same_with_and_without_cache(dir, &["."]);
    assert_eq!(count_of(&with_new_module, "AG101"), count_of(&first, "AG101") + 1, "{with_new_module}");

    // `generated/` is no longer ignored: its helper is the project's, and blocks.
    std::fs::write(dir.join(".ignore"), "").unwrap();
    let unignored = assert_same_with_and_without_cache(dir, &["."]);
    assert_eq!(count_of(&unignored, "AG110"), count_of(&first, "AG110") + 1, "{unignored}");
}
