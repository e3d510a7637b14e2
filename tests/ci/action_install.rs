//! How the Action gets its aioguard: the release binary of the action's ref (or of the
//! `version` input) downloaded from a release layout served on the loopback interface and
//! checked against its SHA-256, a build from source when there is no release, and the cache.
//! The layout is made by `scripts/release_archive.py`, which the release workflow runs.
//! `cargo` is a stand-in on the PATH that records its arguments and installs the binary
//! under test: what matters is that the action calls it, and how.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};

use crate::action::{Runner, pull_request};
use crate::common::{aioguard_binary, manifest_dir, pack_release};

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// What `RUNNER_OS=Linux`, `RUNNER_ARCH=X64` (the simulated runner) downloads.
const TARGET: &str = "x86_64-unknown-linux-musl";

/// A static file server for one directory on 127.0.0.1, logging the paths asked for.
/// It serves until it is dropped.
struct ReleaseServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<Mutex<bool>>,
}

impl ReleaseServer {
    fn serve(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (requests, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(false)));
        let (root, log, stopped) = (root.to_path_buf(), requests.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if *stopped.lock().unwrap() {
                    break;
                }
                if let Ok(stream) = stream {
                    respond(stream, &root, &log);
                }
            }
        });
        ReleaseServer { url, requests, stop }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for ReleaseServer {
    fn drop(&mut self) {
        *self.stop.lock().unwrap() = true;
        // Wakes the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn respond(mut stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // The headers end at the first empty line.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|read| read > 2) {
        header.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    log.lock().unwrap().push(path.clone());
    let file = root.join(path.trim_start_matches('/'));
    let served = (!path.contains("..")).then(|| std::fs::read(&file).ok()).flatten();
    let (status, body) = match served {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
}

/// `releases/v{version}/` holding the archive of [`TARGET`] with `binary` in it, as the
/// release workflow packs it.
fn release_layout(releases: &Path, version: &str, binary: &Path) -> PathBuf {
    pack_release(TARGET, binary, &releases.join(format!("v{version}")))
}

/// A runner whose downloads go to `server` and whose `cargo` is the stand-in; the file
/// that the stand-in writes its arguments to.
fn runner_with(server: &ReleaseServer, action_ref: &str) -> (Runner, PathBuf) {
    let mut runner = pull_request();
    runner.action_ref = action_ref.to_owned();
    runner.env.push(("AIOGUARD_TEST_RELEASES_URL".to_owned(), server.url.clone()));
    let bin = runner.file("stand-in-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let arguments = runner.file("cargo-arguments");
    // `cargo install --root ROOT ...` installs ROOT/bin/aioguard: here, the binary under test.
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{arguments}'\nwhile [ \"$1\" != --root ]; do shift; done\n\
         mkdir -p \"$2/bin\" && cp '{binary}' \"$2/bin/aioguard\"\n",
        arguments = arguments.display(),
        binary = aioguard_binary().display(),
    );
    let cargo = bin.join("cargo");
    write_executable(&cargo, &script);
    runner.path_first.push(bin);
    (runner, arguments)
}

fn write_executable(path: &Path, script: &str) {
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `prepare`, then `install` with its outputs; both steps' outputs.
fn prepare_and_install(runner: &Runner, with: &[(&str, &str)]) -> (Output, Output) {
    let prepared = runner.run_step("prepare", with, &[]);
    assert!(prepared.status.success(), "{}", log(&prepared));
    let outputs = runner.outputs();
    let step_outputs =
        [("prepare.outputs.root", outputs["root"].as_str()), ("prepare.outputs.release", &outputs["release"])];
    let installed = runner.run_step("install", with, &step_outputs);
    (prepared, installed)
}

fn log(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn installed_binary(runner: &Runner) -> PathBuf {
    PathBuf::from(&runner.outputs()["root"]).join("bin/aioguard")
}

#[test]
fn a_release_ref_installs_the_release_binary_after_checking_it() {
    let releases = tempfile::tempdir().unwrap();
    // A binary that says it is the one served.
    let served = releases.path().join("aioguard");
    write_executable(&served, &format!("#!/bin/sh\necho 'aioguard {VERSION} (served)'\n"));
    release_layout(releases.path(), VERSION, &served);
    let server = ReleaseServer::serve(releases.path());
    let (runner, cargo_arguments) = runner_with(&server, &format!("v{VERSION}"));

    let (_, installed) = prepare_and_install(&runner, &[]);
    assert!(installed.status.success(), "{}", log(&installed));
    let outputs = runner.outputs();
    assert_eq!(outputs["release"], VERSION);
    assert_eq!(outputs["key"], format!("aioguard-Linux-X64-release-{VERSION}"));
    let archive = format!("/v{VERSION}/aioguard-{TARGET}.tar.gz");
    assert_eq!(server.requests(), [archive.clone(), format!("{archive}.sha256")]);
    assert!(!cargo_arguments.exists(), "nothing was built:\n{}", log(&installed));
    let binary = installed_binary(&runner);
    assert_eq!(std::fs::read(&binary).unwrap(), std::fs::read(&served).unwrap());
    let stdout = String::from_utf8_lossy(&installed.stdout);
    assert!(stdout.contains(&format!("aioguard {VERSION} (served)\n")), "the binary ran:\n{stdout}");
    let path = std::fs::read_to_string(runner.file("path")).unwrap();
    assert_eq!(path.trim_end(), binary.parent().unwrap().to_str().unwrap());

    // The next run finds it in the cache and downloads nothing.
    let (_, again) = prepare_and_install(&runner, &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("restored from the cache"), "{}", log(&again));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_checksum_mismatch_is_refused_and_nothing_is_run() {
    let releases = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    // A "binary" that leaves a mark when it runs.
    let marker = files.path().join("ran");
    let binary = files.path().join("aioguard");
    write_executable(&binary, &format!("#!/bin/sh\ntouch '{}'\n", marker.display()));
    let archive = release_layout(releases.path(), VERSION, &binary);
    let other = "0".repeat(64);
    std::fs::write(format!("{}.sha256", archive.display()), format!("{other}  aioguard-{TARGET}.tar.gz\n")).unwrap();
    let server = ReleaseServer::serve(releases.path());
    let (runner, cargo_arguments) = runner_with(&server, "v0");

    let (_, installed) = prepare_and_install(&runner, &[]);
    let stdout = String::from_utf8_lossy(&installed.stdout);
    assert_eq!(installed.status.code(), Some(2), "{}", log(&installed));
    let error = stdout.lines().find(|line| line.starts_with("::error title=aioguard::")).expect("an error");
    assert!(
        error.contains(&format!("aioguard-{TARGET}.tar.gz has SHA-256 ")) && error.contains(&format!("says {other}")),
        "{error}"
    );
    assert!(!marker.exists(), "the download ran");
    assert!(!installed_binary(&runner).exists() && !installed_binary(&runner).parent().unwrap().exists());
    assert!(!cargo_arguments.exists(), "nothing is built instead");
    assert!(!runner.file("path").exists(), "nothing is put on the PATH");
}

#[test]
fn a_missing_release_asset_falls_back_to_building_from_source() {
    let releases = tempfile::tempdir().unwrap();
    let server = ReleaseServer::serve(releases.path());
    let (runner, cargo_arguments) = runner_with(&server, &format!("v{VERSION}"));

    let (_, installed) = prepare_and_install(&runner, &[]);
    assert!(installed.status.success(), "{}", log(&installed));
    let archive = format!("/v{VERSION}/aioguard-{TARGET}.tar.gz");
    assert_eq!(server.requests(), std::slice::from_ref(&archive));
    let warning = format!("::warning title=aioguard::cannot download {}{archive} (HTTP Error 404", server.url);
    assert!(String::from_utf8_lossy(&installed.stdout).contains(&warning), "{}", log(&installed));
    let root = runner.outputs()["root"].clone();
    let action_path = manifest_dir().to_str().unwrap();
    assert_eq!(
        std::fs::read_to_string(&cargo_arguments).unwrap(),
        format!("install\n--locked\n--root\n{root}\n--path\n{action_path}\n")
    );
    assert!(String::from_utf8_lossy(&installed.stdout).contains(&format!("aioguard {VERSION}\n")));

    // `version: X.Y.Z` without a release to download installs that version from crates.io.
    let (runner, cargo_arguments) = runner_with(&server, "main");
    let (_, installed) = prepare_and_install(&runner, &[("version", "0.0.9")]);
    assert!(installed.status.success(), "{}", log(&installed));
    assert_eq!(server.requests().last().unwrap(), &format!("/v0.0.9/aioguard-{TARGET}.tar.gz"));
    let root = runner.outputs()["root"].clone();
    assert_eq!(
        std::fs::read_to_string(&cargo_arguments).unwrap(),
        format!("install\n--locked\n--root\n{root}\naioguard\n--version\n0.0.9\n")
    );
}

#[test]
fn only_a_release_ref_or_version_is_downloaded() {
    let releases = tempfile::tempdir().unwrap();
    let server = ReleaseServer::serve(releases.path());
    let (major, minor) = {
        let mut parts = VERSION.split('.');
        (parts.next().unwrap(), parts.next().unwrap())
    };
    let cases = [
        (format!("v{VERSION}"), "", VERSION.to_owned()),
        (format!("v{major}.{minor}"), "", VERSION.to_owned()),
        (format!("v{major}"), "", VERSION.to_owned()),
        ("main".to_owned(), "", String::new()),
        ("0123456789abcdef0123456789abcdef01234567".to_owned(), "", String::new()),
        (format!("v{}", major.parse::<u32>().unwrap() + 1), "", String::new()),
        (String::new(), "", String::new()),
        ("main".to_owned(), "1.2.3", "1.2.3".to_owned()),
        ("main".to_owned(), "v1.2.3", "1.2.3".to_owned()),
    ];
    for (action_ref, version, release) in cases {
        let (runner, _) = runner_with(&server, &action_ref);
        let prepared = runner.run_step("prepare", &[("version", version)], &[]);
        assert!(prepared.status.success(), "{}", log(&prepared));
        let outputs = runner.outputs();
        assert_eq!(outputs["release"], release, "ref `{action_ref}`, version `{version}`");
        let kind = if release.is_empty() { format!("source-{VERSION}-") } else { format!("release-{release}") };
        assert!(outputs["key"].starts_with(&format!("aioguard-Linux-X64-{kind}")), "{outputs:?}");
        assert!(PathBuf::from(&outputs["root"]).starts_with(runner.file("tool-cache")));
    }
    assert!(server.requests().is_empty(), "prepare downloads nothing");
}

#[test]
fn a_cached_source_build_is_not_rebuilt() {
    let releases = tempfile::tempdir().unwrap();
    let server = ReleaseServer::serve(releases.path());
    let (runner, cargo_arguments) = runner_with(&server, "main");
    let prepared = runner.run_step("prepare", &[], &[]);
    assert!(prepared.status.success(), "{}", log(&prepared));
    // As if actions/cache had restored it: `install` only puts it on the PATH.
    let root = PathBuf::from(&runner.outputs()["root"]);
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy(aioguard_binary(), root.join("bin/aioguard")).unwrap();
    let step_outputs = [("prepare.outputs.root", root.to_str().unwrap()), ("prepare.outputs.release", "")];
    let installed = runner.run_step("install", &[], &step_outputs);
    assert!(installed.status.success(), "{}", log(&installed));
    assert!(String::from_utf8_lossy(&installed.stdout).contains("restored from the cache"));
    assert!(!cargo_arguments.exists());
    let path = std::fs::read_to_string(runner.file("path")).unwrap();
    assert_eq!(path.trim_end(), root.join("bin").to_str().unwrap());
}
