//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The Python interpreter of `target/tools/venv`, where `tests/tools/install.sh` puts
/// the pinned Python tools the tests run.
pub fn tools_python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/venv/bin/python");
    assert!(python.is_file(), "{} is missing: run tests/tools/install.sh first", python.display());
    python
}

/// Copies the directory `from` into `to`, recursively.
#[allow(dead_code)] // Not every test crate copies trees.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
