//! Finding the Python files to check: paths named on the command line, and the
//! `*.py`/`*.pyi` files under directories, walked in parallel with the `ignore` crate
//! (which honours `.gitignore`, `.ignore`, `.git/info/exclude` and global git excludes).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::config::{DEFAULT_EXCLUDES, Settings};

/// A path that could not be walked or does not exist, with the reason.
#[derive(Debug)]
pub struct DiscoveryError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovered {
    /// Sorted, without duplicates.
    pub files: Vec<PathBuf>,
    pub errors: Vec<DiscoveryError>,
}

pub fn is_python_file(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "py" || extension == "pyi")
}

/// Collects the files to check. A file named explicitly is checked whatever its name,
/// unless `force_exclude` is set and the configuration excludes it.
pub fn discover(paths: &[PathBuf], settings: &Settings, force_exclude: bool) -> Discovered {
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => {
                errors.lock().unwrap().push(DiscoveryError { path: path.clone(), message: error.to_string() })
            }
            Ok(metadata) if !metadata.is_dir() => {
                if !(force_exclude && is_excluded_with_parents(path, settings)) {
                    files.lock().unwrap().push(path.clone());
                }
            }
            Ok(_) => walk(path, settings, &files, &errors),
        }
    }
    let mut files = files.into_inner().unwrap();
    files.sort();
    files.dedup();
    Discovered { files, errors: errors.into_inner().unwrap() }
}

fn walk(root: &Path, settings: &Settings, files: &Mutex<Vec<PathBuf>>, errors: &Mutex<Vec<DiscoveryError>>) {
    let root_owned = root.to_path_buf();
    let mut builder = WalkBuilder::new(root);
    builder.hidden(true).git_ignore(true).git_global(true).git_exclude(true).ignore(true).require_git(false);
    builder.threads(std::thread::available_parallelism().map_or(2, |n| n.get()).min(8));
    builder.filter_entry(move |entry| {
        if entry.path() == root_owned {
            return true;
        }
        let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
        !(is_dir && DEFAULT_EXCLUDES.iter().any(|name| entry.file_name() == *name))
    });
    builder.build_parallel().run(|| {
        Box::new(|result| {
            match result {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|kind| kind.is_file() || kind.is_symlink());
                    let path = entry.path();
                    if is_file && is_python_file(path) {
                        if settings.is_excluded(path) {
                            return WalkState::Continue;
                        }
                        files.lock().unwrap().push(entry.into_path());
                    } else if entry.file_type().is_some_and(|kind| kind.is_dir())
                        && settings.is_excluded(path)
                        && entry.depth() > 0
                    {
                        return WalkState::Skip;
                    }
                }
                Err(error) => {
                    let path = error_path(&error).unwrap_or(root).to_path_buf();
                    errors.lock().unwrap().push(DiscoveryError { path, message: error_message(&error) });
                }
            }
            WalkState::Continue
        })
    });
}

/// Whether the walk would have left out a file: it, or a directory it is in below the
/// project root, is excluded by the configuration or by default.
fn is_excluded_with_parents(path: &Path, settings: &Settings) -> bool {
    let relative = settings.relative(path);
    let is_default_excluded =
        |dir: &Path| DEFAULT_EXCLUDES.iter().any(|name| dir.file_name() == Some((*name).as_ref()));
    relative
        .ancestors()
        .filter(|ancestor| !ancestor.as_os_str().is_empty())
        .enumerate()
        .any(|(index, ancestor)| settings.exclude.is_match(ancestor) || (index > 0 && is_default_excluded(ancestor)))
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_message(err),
        ignore::Error::Loop { ancestor, .. } => format!("symbolic link loop back to {}", ancestor.display()),
        other => other.to_string(),
    }
}
