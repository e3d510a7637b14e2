//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The Python interpreter of `target/tools/venv`, where `tests/tools/install.sh` puts
/// the pinned Python tools the tests run.
pub fn tools_python() -> PathBuf {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/venv/bin/python");
    assert!(python.is_file(), "{} is missing: run tests/tools/install.sh first", python.display());
    python
}
