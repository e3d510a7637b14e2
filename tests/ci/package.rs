//! What aioguard is published as. The Python wheel (maturin, `bindings = "bin"`) is built
//! in release mode, as PyPI gets it, into the `target/` directory cargo uses; it is
//! installed into a fresh virtual environment and run there, and its metadata is read as
//! PyPI reads it. The crate's file list and its `cargo binstall` metadata are checked
//! against the release layout that `scripts/release_archive.py` makes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{aioguard_binary, git_command, manifest_dir, pack_release, run_ok, tool};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The wheel of this checkout, built once per test run.
pub fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wheel");
        let _ = std::fs::remove_dir_all(&out);
        run_ok(
            Command::new(tool("venv/bin/maturin"))
                .args(["build", "--release", "--locked", "--quiet", "--out"])
                .arg(&out)
                .current_dir(manifest_dir())
                .env("CARGO_TARGET_DIR", manifest_dir().join("target")),
        );
        let wheels: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().map(|entry| entry.unwrap().path()).collect();
        assert_eq!(wheels.len(), 1, "one wheel: {wheels:?}");
        wheels.into_iter().next().unwrap()
    })
}

/// Unpacks the wheel into `dir` (a wheel is a zip file); the path of the binary in it.
pub fn unpack(wheel: &Path, dir: &Path) -> PathBuf {
    run_ok(Command::new("python3").args(["-m", "zipfile", "-e"]).arg(wheel).arg(dir));
    dir.join(format!("aioguard-{VERSION}.data/scripts/aioguard"))
}

#[test]
fn the_wheel_installs_aioguard_into_a_fresh_environment() {
    let venv = tempfile::tempdir().unwrap();
    run_ok(Command::new("python3").args(["-m", "venv"]).arg(venv.path()));
    let pip = venv.path().join("bin/pip");
    run_ok(Command::new(pip).args(["install", "--quiet", "--no-index", "--disable-pip-version-check"]).arg(wheel()));
    let installed = venv.path().join("bin/aioguard");

    let version = run_ok(Command::new(&installed).arg("--version"));
    assert_eq!(version, format!("aioguard {VERSION}\n"));
    // The same findings as the binary the tests build, on the README's example, each
    // computing its own (no cache).
    let check = |binary: &Path| {
        Command::new(binary).args(["check", "--no-cache", "examples/"]).current_dir(manifest_dir()).output().unwrap()
    };
    let (from_wheel, from_cargo) = (check(&installed), check(aioguard_binary()));
    assert_eq!(from_wheel.status.code(), Some(1), "{}", String::from_utf8_lossy(&from_wheel.stderr));
    assert!(String::from_utf8_lossy(&from_wheel.stdout).contains("examples/service/client.py:"));
    assert_eq!(from_wheel.stdout, from_cargo.stdout);
}

/// The `Key: value` fields of a METADATA or WHEEL file, and the body after them.
fn fields(text: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let fields = head
        .lines()
        .map(|line| {
            let (key, value) = line.split_once(": ").unwrap_or_else(|| panic!("not a field: {line}"));
            (key.to_owned(), value.to_owned())
        })
        .collect();
    (fields, body.to_owned())
}

fn values<'a>(fields: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    fields.iter().filter(|(name, _)| name == key).map(|(_, value)| value.as_str()).collect()
}

#[test]
fn the_wheel_carries_the_metadata_pypi_shows() {
    let wheel = wheel();
    run_ok(Command::new(tool("venv/bin/twine")).args(["check", "--strict"]).arg(wheel));
    let name = wheel.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with(&format!("aioguard-{VERSION}-py3-none-")), "{name}");

    let unpacked = tempfile::tempdir().unwrap();
    let script = unpack(wheel, unpacked.path());
    assert!(script.is_file(), "the binary is installed as a script");
    let dist_info = unpacked.path().join(format!("aioguard-{VERSION}.dist-info"));

    let (wheel_fields, _) = fields(&std::fs::read_to_string(dist_info.join("WHEEL")).unwrap());
    assert_eq!(values(&wheel_fields, "Root-Is-Purelib"), ["false"]);
    let tags = values(&wheel_fields, "Tag");
    assert_eq!(tags.len(), 1, "{tags:?}");
    let platform = tags[0].strip_prefix("py3-none-").expect("any Python 3, no ABI");
    assert!(platform.starts_with("manylinux_") && platform.ends_with(std::env::consts::ARCH), "{platform}");

    let (metadata, description) = fields(&std::fs::read_to_string(dist_info.join("METADATA")).unwrap());
    assert_eq!(values(&metadata, "Name"), ["aioguard"]);
    assert_eq!(values(&metadata, "Version"), [VERSION]);
    assert_eq!(values(&metadata, "Summary"), [env!("CARGO_PKG_DESCRIPTION")]);
    assert_eq!(values(&metadata, "License-Expression"), [env!("CARGO_PKG_LICENSE")]);
    assert_eq!(values(&metadata, "License-File"), ["LICENSE"]);
    let licence = std::fs::read_to_string(dist_info.join("licenses/LICENSE")).unwrap();
    assert_eq!(licence, std::fs::read_to_string(manifest_dir().join("LICENSE")).unwrap());
    assert!(values(&metadata, "Description-Content-Type")[0].starts_with("text/markdown"));
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    assert!(description.trim_end() == readme.trim_end(), "the description is not the README:\n{description}");
    let classifiers = values(&metadata, "Classifier");
    for expected in ["Programming Language :: Rust", "Framework :: AsyncIO", "Environment :: Console"] {
        assert!(classifiers.contains(&expected), "no classifier `{expected}`: {classifiers:?}");
    }
    let repository = env!("CARGO_PKG_REPOSITORY");
    let urls = values(&metadata, "Project-URL");
    assert!(urls.contains(&format!("Repository, {repository}").as_str()), "{urls:?}");
    assert!(urls.contains(&format!("Issues, {repository}/issues").as_str()), "{urls:?}");
    assert_eq!(values(&metadata, "Requires-Dist"), Vec::<&str>::new(), "the binary needs no Python package");
}

#[test]
fn the_crate_holds_the_sources_and_documents_only() {
    let listing = run_ok(
        Command::new(env!("CARGO"))
            .args(["package", "--list", "--locked", "--allow-dirty"])
            .current_dir(manifest_dir()),
    );
    let packaged: BTreeSet<&str> = listing.lines().collect();
    let sources = run_ok(git_command(manifest_dir()).args(["ls-files", "src"]));
    for file in sources.lines().chain(["build.rs", "Cargo.toml", "Cargo.lock", "README.md", "LICENSE"]) {
        assert!(packaged.contains(file), "{file} is not in the crate:\n{listing}");
    }
    assert!(packaged.contains("src/data/catalogue.yaml"));
    let generated = ["Cargo.toml.orig", ".cargo_vcs_info.json"];
    let others: Vec<&&str> = packaged
        .iter()
        .filter(|file| !file.starts_with("src/") && !generated.contains(file))
        .filter(|file| !["build.rs", "Cargo.toml", "Cargo.lock", "README.md", "LICENSE"].contains(file))
        .collect();
    assert!(others.is_empty(), "more than the program in the crate: {others:?}");
}

/// Packs the crate, builds what was packed, and stops short of uploading it.
#[test]
fn the_crate_is_ready_for_crates_io() {
    let mut command = Command::new(env!("CARGO"));
    command.args(["publish", "--dry-run", "--locked", "--allow-dirty"]).current_dir(manifest_dir());
    let output = command.output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("Verifying aioguard") && log.contains("aborting upload due to dry run"), "{log}");
}

/// The `cargo binstall` templates filled in for one target.
fn binstall_paths(manifest: &toml::Value, target: &str) -> (String, String) {
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let over = binstall.get("overrides").and_then(|overrides| overrides.get(target));
    let setting = |key: &str| over.and_then(|o| o.get(key)).unwrap_or(&binstall[key]).as_str().unwrap().to_owned();
    let exe = if target.contains("windows") { ".exe" } else { "" };
    let fill = |template: String| {
        template
            .replace("{ repo }", env!("CARGO_PKG_REPOSITORY"))
            .replace("{ version }", VERSION)
            .replace("{ target }", target)
            .replace("{ bin }", "aioguard")
            .replace("{ binary-ext }", exe)
    };
    let format = setting("pkg-fmt");
    assert_eq!(format, if exe.is_empty() { "tgz" } else { "zip" }, "{target}");
    (fill(setting("pkg-url")), fill(setting("bin-dir")))
}

#[test]
fn cargo_binstall_finds_the_release_archives() {
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // What is in the binary does not matter here, only where it is.
    let binary = dir.path().join("binary");
    std::fs::write(&binary, "a binary").unwrap();
    for target in crate::workflows::release_targets() {
        let (url, bin_dir) = binstall_paths(&manifest, &target);
        let out = dir.path().join(&target);
        let archive_path = pack_release(&target, &binary, &out);
        run_ok(
            Command::new("sha256sum")
                .arg("--check")
                .current_dir(&out)
                .arg(format!("{}.sha256", archive_path.display())),
        );
        let archive = archive_path.file_name().unwrap().to_str().unwrap();
        let release = format!("{}/releases/download/v{VERSION}/", env!("CARGO_PKG_REPOSITORY"));
        assert_eq!(url, format!("{release}{archive}"), "{target}");
        let listing = run_ok(Command::new("python3").args(["-c", LIST_ARCHIVE]).arg(&archive_path));
        assert!(listing.lines().any(|line| line == bin_dir), "no {bin_dir} in {archive}:\n{listing}");
    }
}

/// Prints the names in a `.tar.gz` or `.zip` archive, one a line.
const LIST_ARCHIVE: &str = "import sys, tarfile, zipfile
path = sys.argv[1]
names = zipfile.ZipFile(path).namelist() if path.endswith('.zip') else tarfile.open(path).getnames()
print('\\n'.join(names))";
