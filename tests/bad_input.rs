//! Nothing a repository contains may crash or hang `aioguard check`: each bad input
//! gets a clear message naming the file, the other files are still checked, and the
//! exit code is the documented one (1 findings, 2 errors).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// A file with one finding, beside every bad input, to show the run went on.
const GOOD_FILE: &str = "import time\n\nasync def poll():\n    time.sleep(1)\n";

fn aioguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aioguard"))
        .current_dir(dir)
        .args(["check", "--no-config", "--output-format", "concise"])
        .args(args)
        .output()
        .expect("aioguard runs")
}

fn project_with(name: &str, content: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.py"), GOOD_FILE).unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    dir
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The good file's finding is reported, so the bad input did not stop the run.
fn assert_good_file_checked(output: &Output) {
    assert!(stdout(output).contains("good.py:4:5: AG101"), "good.py was not checked:\n{}", stdout(output));
}

#[test]
fn file_that_is_not_utf8_is_an_error_naming_it_and_the_line() {
    let dir = project_with("latin1.py", b"x = 1\n# caf\xe9\n");
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("latin1.py: not valid UTF-8 (line 2)"), "{}", stderr(&output));
    assert_good_file_checked(&output);
}

#[test]
fn file_in_a_declared_encoding_is_checked_and_fixed_in_that_encoding() {
    // Python runs this file: PEP 263 declares Latin-1, and `\xe9` is `é` there.
    let source = b"# -*- coding: latin-1 -*-\nimport time\n\nasync def caf\xe9():\n    time.sleep(1)  # caf\xe9\n";
    let dir = project_with("latin1.py", source);
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).contains("latin1.py:5:5: AG101"), "{}", stdout(&output));
    assert!(stdout(&output).contains("`async def caf\u{e9}`"), "decoded as Latin-1:\n{}", stdout(&output));

    let fixed = aioguard(dir.path(), &["--fix", "latin1.py"]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
    let after = std::fs::read(dir.path().join("latin1.py")).unwrap();
    let expected =
        b"# -*- coding: latin-1 -*-\nimport asyncio\n\nasync def caf\xe9():\n    await asyncio.sleep(1)  # caf\xe9\n";
    assert_eq!(String::from_utf8_lossy(&after), String::from_utf8_lossy(expected));
    assert_eq!(after, expected, "written back in Latin-1");
}

#[test]
fn file_invalid_in_its_declared_encoding_is_an_error_naming_the_line() {
    let dir = project_with("sjis.py", b"# coding: shift_jis\nok = '\x82\xa0'\n\nbad = '\x82'\n");
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("sjis.py: not valid Shift_JIS (line 4)"), "{}", stderr(&output));
    assert_good_file_checked(&output);
    let unknown = project_with("klingon.py", b"# coding: klingon\nx = 1\n");
    let output = aioguard(unknown.path(), &["."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("klingon.py: unknown or unsupported encoding `klingon`"), "{}", stderr(&output));
}

#[test]
fn binary_content_with_a_python_name_is_an_error_naming_it() {
    let dir = project_with("blob.py", &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3]);
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("blob.py: binary file"), "{}", stderr(&output));
    assert_good_file_checked(&output);
}

#[test]
fn empty_and_comment_only_files_are_fine() {
    let dir = project_with("empty.py", b"");
    std::fs::write(dir.path().join("comments.py"), "# only\n# comments\n").unwrap();
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).lines().filter(|line| line.contains(": AG")).count(), 1);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn syntax_errors_and_python2_are_reported_as_ag001() {
    let dir = project_with("broken.py", b"async def f(:\n    pass\n");
    std::fs::write(dir.path().join("py2.py"), "print 'hello'\nexec code in ns\n").unwrap();
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(1));
    let out = stdout(&output);
    assert!(out.contains("broken.py:1:13: AG001 SyntaxError"), "{out}");
    assert!(out.contains("py2.py:1:") && out.contains("AG001"), "{out}");
    assert_good_file_checked(&output);
}

#[test]
fn a_ten_megabyte_line_is_checked() {
    let mut line = String::from("DATA = [");
    while line.len() < 10 * 1024 * 1024 {
        line.push_str("'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', ");
    }
    line.push_str("]\n");
    let dir = project_with("long_line.py", line.as_bytes());
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_good_file_checked(&output);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let parens = format!("x = {}1{}\n", "(".repeat(200_000), ")".repeat(200_000));
    let calls = format!("async def f():\n    x = {}1{}\n", "g(".repeat(20_000), ")".repeat(20_000));
    let operators = format!("x = 1{}\n", " + 1".repeat(1_000_000));
    let dir = project_with("parens.py", parens.as_bytes());
    std::fs::write(dir.path().join("calls.py"), calls).unwrap();
    std::fs::write(dir.path().join("operators.py"), operators).unwrap();
    let output = aioguard(dir.path(), &["."]);
    let out = stdout(&output);
    assert!(output.status.code() == Some(1), "exit {:?}: {}", output.status, stderr(&output));
    assert!(out.contains("calls.py:2:") && out.contains("nested more than"), "{out}");
    assert!(out.contains("operators.py:1:") && out.contains("nested more than"), "{out}");
    assert_good_file_checked(&output);
}

#[test]
fn a_fifty_megabyte_file_is_checked() {
    let mut text = String::with_capacity(51 * 1024 * 1024);
    let mut index = 0;
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&format!("async def handler_{index}(request):\n    return await request.json()\n\n\n"));
        index += 1;
    }
    text.push_str("async def last():\n    open('x')\n");
    let dir = project_with("huge.py", text.as_bytes());
    let output = aioguard(dir.path(), &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).contains("huge.py") && stdout(&output).contains("AG104"));
    assert_good_file_checked(&output);
}

#[test]
fn symlink_loops_do_not_hang_the_walk() {
    let dir = project_with("x.py", b"");
    std::fs::create_dir(dir.path().join("pkg")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("pkg/loop")).unwrap();
    std::os::unix::fs::symlink("self.py", dir.path().join("self.py")).unwrap();
    let output = aioguard(dir.path(), &["."]);
    assert!(matches!(output.status.code(), Some(1 | 2)), "{:?}", output.status);
    assert_good_file_checked(&output);
}

#[test]
fn unreadable_directory_is_an_error_naming_it() {
    let dir = project_with("x.py", b"");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = dir.path().join("secret");
    std::fs::create_dir(&secret).unwrap();
    std::fs::write(secret.join("hidden.py"), GOOD_FILE).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    for file in ["good.py", "x.py"] {
        std::fs::set_permissions(dir.path().join(file), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let output = aioguard_unprivileged(dir.path(), &["."]);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("secret") && stderr(&output).contains("ermission denied"), "{}", stderr(&output));
    assert_good_file_checked(&output);
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|metadata| std::os::unix::fs::MetadataExt::uid(&metadata) == 0).unwrap_or(false)
}

/// Like [`aioguard`], but as an unprivileged user when the tests run as root (root reads
/// and writes everything, so permissions would not apply).
fn aioguard_unprivileged(dir: &Path, args: &[&str]) -> Output {
    let mut command = if running_as_root() {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups", env!("CARGO_BIN_EXE_aioguard")]);
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_aioguard"))
    };
    command
        .current_dir(dir)
        .args(["check", "--no-config", "--output-format", "concise"])
        .args(args)
        .output()
        .expect("aioguard runs")
}

#[test]
fn a_file_that_vanished_before_reading_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings = aioguard::data::config::Settings::new(
        aioguard::data::config::Options::default(),
        dir.path().to_path_buf(),
        None,
        &aioguard::data::config::Overrides::default(),
    )
    .unwrap();
    let report = aioguard::driver::linter::check_file(
        &dir.path().join("gone.py"),
        &settings,
        aioguard::driver::linter::FixOptions::REPORT,
        None,
    );
    let error = report.error.expect("an error");
    assert!(error.contains("gone.py: cannot read"), "{error}");
}

#[test]
fn a_path_that_does_not_exist_is_an_error_and_the_rest_is_checked() {
    let dir = project_with("x.py", b"");
    let output = aioguard(dir.path(), &["missing.py", "good.py"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("missing.py: No such file or directory"), "{}", stderr(&output));
    assert_good_file_checked(&output);
}

#[test]
fn malformed_and_unknown_key_configs_are_errors_naming_file_line_and_key() {
    let dir = project_with("x.py", b"");
    std::fs::write(dir.path().join("aioguard.yaml"), "select: [AG1\nignore: [\n").unwrap();
    let output =
        Command::new(env!("CARGO_BIN_EXE_aioguard")).current_dir(dir.path()).args(["check", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("aioguard.yaml:"), "{}", stderr(&output));

    std::fs::write(dir.path().join("aioguard.yaml"), "select: [AG1]\ntarget-versoin: py311\n").unwrap();
    let output =
        Command::new(env!("CARGO_BIN_EXE_aioguard")).current_dir(dir.path()).args(["check", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(error.contains("aioguard.yaml:2") && error.contains("target-versoin"), "{error}");
}

/// `--fix` on a copy of `content` saved as `name`: the file's bytes afterwards, and the output.
fn fix_file(name: &str, content: &[u8]) -> (tempfile::TempDir, Vec<u8>, Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    let output = aioguard(dir.path(), &["--fix", "."]);
    let after = std::fs::read(dir.path().join(name)).unwrap();
    (dir, after, output)
}

/// Only the files a test made are left in the directory (besides the cache of the run):
/// no temporary file stays behind.
fn assert_only_files(dir: &Path, expected: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != ".aioguard_cache")
        .collect();
    names.sort();
    assert_eq!(names, expected, "files left in {}", dir.display());
}

#[test]
fn fix_keeps_crlf_line_endings_including_inserted_lines() {
    let source = b"import time\r\n\r\nasync def poll():\r\n    time.sleep(1)\r\n    return time.monotonic()\r\n";
    let (dir, after, output) = fix_file("crlf.py", source);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let after = String::from_utf8(after).unwrap();
    let expected = "import asyncio\r\nimport time\r\n\r\nasync def poll():\r\n    await asyncio.sleep(1)\r\n    return time.monotonic()\r\n";
    assert_eq!(after, expected);
    assert_only_files(dir.path(), &["crlf.py"]);
}

#[test]
fn fix_keeps_a_byte_order_mark_tabs_and_a_missing_final_newline() {
    let source = "\u{feff}import asyncio\nimport time\n\nasync def poll():\n\tif True:\n\t\ttime.sleep(1)";
    let (dir, after, output) = fix_file("styled.py", source.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // `import time`, unused once fixed, goes too.
    let expected = "\u{feff}import asyncio\n\nasync def poll():\n\tif True:\n\t\tawait asyncio.sleep(1)";
    assert_eq!(String::from_utf8(after).unwrap(), expected);
    assert_only_files(dir.path(), &["styled.py"]);
}

#[test]
fn fix_keeps_the_mode_of_an_executable_file() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tool.py");
    std::fs::write(&script, "#!/usr/bin/env python3\nimport time\n\nasync def poll():\n    time.sleep(1)\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o751)).unwrap();
    let output = aioguard(dir.path(), &["--fix", "."]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(std::fs::read_to_string(&script).unwrap().contains("await asyncio.sleep(1)"));
    assert_eq!(std::fs::metadata(&script).unwrap().permissions().mode() & 0o7777, 0o751);
    assert_only_files(dir.path(), &["tool.py"]);
}

#[test]
fn fix_through_a_symlink_updates_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/module.py");
    std::fs::write(&target, "import time\n\nasync def poll():\n    time.sleep(1)\n").unwrap();
    let link = dir.path().join("link.py");
    std::os::unix::fs::symlink("real/module.py", &link).unwrap();
    let output = aioguard(dir.path(), &["--fix", "link.py"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced by a file");
    assert!(std::fs::read_to_string(&target).unwrap().contains("await asyncio.sleep(1)"));
    assert_only_files(dir.path(), &["link.py", "real"]);
    assert_only_files(&dir.path().join("real"), &["module.py"]);
}

#[test]
fn fix_on_an_unwritable_directory_leaves_the_file_untouched_and_fixes_the_others() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let original = "import time\n\nasync def poll():\n    time.sleep(1)\n";
    std::fs::write(locked.join("stuck.py"), original).unwrap();
    std::fs::write(dir.path().join("free.py"), original).unwrap();
    for path in [locked.join("stuck.py"), dir.path().join("free.py")] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    // The directory admits no new file, so no temporary file can be made beside the target.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    let output = aioguard_unprivileged(dir.path(), &["--fix", "."]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(output.status.code(), Some(2), "{}\n{}", stdout(&output), stderr(&output));
    assert!(stderr(&output).contains("stuck.py"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(locked.join("stuck.py")).unwrap(), original);
    assert!(std::fs::read_to_string(dir.path().join("free.py")).unwrap().contains("await asyncio.sleep(1)"));
    assert_only_files(&locked, &["stuck.py"]);
}
