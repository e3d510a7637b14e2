//! Finding the Python files to check: paths named on the command line, and the
//! `*.py`/`*.pyi` files under directories, walked in parallel with the `ignore` crate
//! (which honours `.gitignore`, `.ignore`, `.git/info/exclude` and global git excludes).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{WalkBuilder, WalkState};
use rustc_hash::FxHashMap as HashMap;

use crate::data::config::{DEFAULT_EXCLUDES, Settings};

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
    discover_pruning(paths, settings, force_exclude, &|_| false).0
}

/// Collects the files as [`discover`] does, but does not walk into the directories that
/// `prune` picks: those are returned apart, sorted.
pub fn discover_pruning(
    paths: &[PathBuf],
    settings: &Settings,
    force_exclude: bool,
    prune: &(dyn Fn(&Path) -> bool + Sync),
) -> (Discovered, Vec<PathBuf>) {
    let found = Found::default();
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => {
                found.errors.lock().unwrap().push(DiscoveryError { path: path.clone(), message: error.to_string() })
            }
            Ok(metadata) if !metadata.is_dir() => {
                if !(force_exclude && is_excluded_with_parents(path, settings)) {
                    found.files.lock().unwrap().push(path.clone());
                }
            }
            Ok(_) => walk(path, settings, prune, &found),
        }
    }
    let mut files = found.files.into_inner().unwrap();
    files.sort();
    files.dedup();
    let mut pruned = found.pruned.into_inner().unwrap();
    pruned.sort();
    (Discovered { files, errors: found.errors.into_inner().unwrap() }, pruned)
}

#[derive(Default)]
struct Found {
    files: Mutex<Vec<PathBuf>>,
    pruned: Mutex<Vec<PathBuf>>,
    errors: Mutex<Vec<DiscoveryError>>,
}

/// A walker of `root` with the rules every walk follows: ignore files, hidden entries,
/// and the directories left out by default.
fn walk_builder(root: &Path) -> WalkBuilder {
    let root_owned = root.to_path_buf();
    let mut builder = WalkBuilder::new(root);
    builder.hidden(true).git_ignore(true).git_global(true).git_exclude(true).ignore(true).require_git(false);
    builder.filter_entry(move |entry| {
        if entry.path() == root_owned {
            return true;
        }
        let is_dir = entry.file_type().is_some_and(|kind| kind.is_dir());
        !(is_dir && DEFAULT_EXCLUDES.iter().any(|name| entry.file_name() == *name))
    });
    builder
}

/// What the walk makes of an entry it is handed.
enum Visit {
    File,
    Directory,
    /// Excluded by the configuration, or neither a Python file nor a directory.
    Neither,
}

fn visit(entry: &ignore::DirEntry, settings: &Settings) -> Visit {
    let Some(kind) = entry.file_type() else { return Visit::Neither };
    let path = entry.path();
    if kind.is_dir() {
        if entry.depth() > 0 && settings.is_excluded(path) { Visit::Neither } else { Visit::Directory }
    } else if (kind.is_file() || kind.is_symlink()) && is_python_file(path) && !settings.is_excluded(path) {
        Visit::File
    } else {
        Visit::Neither
    }
}

fn walk(root: &Path, settings: &Settings, prune: &(dyn Fn(&Path) -> bool + Sync), found: &Found) {
    let mut builder = walk_builder(root);
    builder.threads(std::thread::available_parallelism().map_or(2, |n| n.get()).min(8));
    builder.build_parallel().run(|| {
        Box::new(|result| {
            match result {
                Ok(entry) => match visit(&entry, settings) {
                    Visit::File => found.files.lock().unwrap().push(entry.into_path()),
                    Visit::Directory if prune(entry.path()) => {
                        found.pruned.lock().unwrap().push(entry.into_path());
                        return WalkState::Skip;
                    }
                    Visit::Directory => {}
                    Visit::Neither if entry.file_type().is_some_and(|kind| kind.is_dir()) => return WalkState::Skip,
                    Visit::Neither => {}
                },
                Err(error) => {
                    let path = error_path(&error).unwrap_or(root).to_path_buf();
                    found.errors.lock().unwrap().push(DiscoveryError { path, message: error_message(&error) });
                }
            }
            WalkState::Continue
        })
    });
}

/// Answers whether a walk would find a file without walking the whole tree: it looks
/// only at the entries on the way from the walk's root to the file, each once, and
/// applies to each the rules the walk applies (see [`IgnoreFiles`]).
pub struct Visibility<'s> {
    settings: &'s Settings,
    ignore_files: IgnoreFiles,
    /// Whether the walk visits an entry, and if so whether it is a directory.
    entries: HashMap<PathBuf, Option<bool>>,
}

impl<'s> Visibility<'s> {
    pub fn new(settings: &'s Settings) -> Self {
        Visibility { settings, ignore_files: IgnoreFiles::default(), entries: HashMap::default() }
    }

    /// Whether the walk of `root` (as [`discover`] walks it) finds the file `path`.
    pub fn finds(&mut self, root: &Path, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(root) else { return false };
        let mut components = relative.components().peekable();
        if components.peek().is_none() {
            // A file named as a root is taken whatever it is.
            return path.is_file();
        }
        let mut entry = root.to_path_buf();
        while let Some(component) = components.next() {
            let is_last = components.peek().is_none();
            entry.push(component);
            let visited = match self.entries.get(&entry) {
                Some(&visited) => visited,
                None => {
                    let visited = self.visit(&entry);
                    self.entries.insert(entry.clone(), visited);
                    visited
                }
            };
            if visited != Some(!is_last) {
                return false;
            }
        }
        true
    }

    /// Whether a walk through the directory of `entry` visits it, and if so whether it
    /// is a directory; as [`walk_builder`] and [`visit`] decide.
    fn visit(&mut self, entry: &Path) -> Option<bool> {
        let kind = std::fs::symlink_metadata(entry).ok()?.file_type();
        let name = entry.file_name()?;
        let matched = self.ignore_files.matched(entry, kind.is_dir());
        let is_hidden = name.to_str().is_some_and(|name| name.starts_with('.'));
        if matched.is_ignore() || (is_hidden && !matched.is_whitelist()) || self.settings.is_excluded(entry) {
            return None;
        }
        if kind.is_dir() {
            (!DEFAULT_EXCLUDES.iter().any(|excluded| name == *excluded)).then_some(true)
        } else {
            ((kind.is_file() || kind.is_symlink()) && is_python_file(entry)).then_some(false)
        }
    }
}

/// The ignore files of the directories above an entry, read once each, and what they
/// say of it, with the precedence the walk gives them: `.ignore` files (the nearest
/// first), then `.gitignore` files, then `.git/info/exclude` files, then the global git
/// excludes. The walk does not require a git repository, so every directory's files
/// count, inside a repository or not, across repositories' tops too.
#[derive(Default)]
struct IgnoreFiles {
    dirs: HashMap<PathBuf, DirIgnoreFiles>,
    global: Option<Gitignore>,
}

struct DirIgnoreFiles {
    ignore: Gitignore,
    gitignore: Gitignore,
    exclude: Gitignore,
}

impl DirIgnoreFiles {
    fn read(dir: &Path) -> Self {
        let matcher = |file: PathBuf| {
            if !file.is_file() {
                return Gitignore::empty();
            }
            let mut builder = GitignoreBuilder::new(dir);
            builder.add(file);
            builder.build().unwrap_or_else(|_| Gitignore::empty())
        };
        let git = dir.join(".git");
        DirIgnoreFiles {
            ignore: matcher(dir.join(".ignore")),
            gitignore: matcher(dir.join(".gitignore")),
            exclude: matcher(git.join("info").join("exclude")),
        }
    }
}

impl IgnoreFiles {
    fn matched(&mut self, path: &Path, is_dir: bool) -> ignore::Match<()> {
        let (mut by_ignore, mut by_gitignore, mut by_exclude) = (None, None, None);
        for dir in path.ancestors().skip(1) {
            let files = self.dirs.entry(dir.to_path_buf()).or_insert_with(|| DirIgnoreFiles::read(dir));
            let decided = |matcher: &Gitignore| {
                let matched = matcher.matched(path, is_dir);
                (!matched.is_none()).then(|| matched.is_ignore())
            };
            by_ignore = by_ignore.or_else(|| decided(&files.ignore));
            by_gitignore = by_gitignore.or_else(|| decided(&files.gitignore));
            by_exclude = by_exclude.or_else(|| decided(&files.exclude));
        }
        let global = self.global.get_or_insert_with(|| Gitignore::global().0);
        let by_global = || {
            let matched = global.matched(path, is_dir);
            (!matched.is_none()).then(|| matched.is_ignore())
        };
        match by_ignore.or(by_gitignore).or(by_exclude).or_else(by_global) {
            Some(true) => ignore::Match::Ignore(()),
            Some(false) => ignore::Match::Whitelist(()),
            None => ignore::Match::None,
        }
    }
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

/// How a path is shown: relative to the current directory when it is below it.
pub fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let shown: PathBuf = relative.unwrap_or_else(|| path.strip_prefix("./").unwrap_or(path).to_path_buf());
    shown.display().to_string()
}

/// The top directory of the git checkout that contains `dir`, canonical.
pub fn repository_root(dir: &Path) -> Result<PathBuf, String> {
    let top = git(dir, ["rev-parse", "--show-toplevel"])
        .map_err(|error| format!("{} is not in a git checkout ({error})", dir.display()))?;
    std::fs::canonicalize(top.trim_end_matches('\n'))
        .map_err(|error| format!("{}: cannot resolve the repository root: {error}", top.trim_end()))
}

/// Runs `git` in `dir`; its standard output, or its complaint.
pub fn git<I, S>(dir: &Path, args: I) -> Result<String, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if output.status.success() {
        // A patch may quote source that is not UTF-8; the paths that matter here are.
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::config::{Options, Overrides};

    /// Every file of a tree with ignore files of every kind and precedence: `Visibility`
    /// finds exactly the files the walk finds.
    #[test]
    fn finding_one_file_agrees_with_the_walk() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path().join("repo");
        let files = [
            ".gitignore",
            ".ignore",
            "a.py",
            "gen.py",
            "keep_gen.py",
            "lib/.gitignore",
            "lib/x.py",
            "lib/secret.py",
            "lib/forced.py",
            "lib/deep/y.py",
            "lib/deep/gen.py",
            "lib/deep/.ignore",
            "lib/deep/z.py",
            "skipped/any.py",
            "build/out.py",
            "node_modules/pkg/m.py",
            ".venv/lib/v.py",
            ".hidden/h.py",
            "nested/.git/info/exclude",
            "nested/.gitignore",
            "nested/n.py",
            "nested/local.py",
            "nested/other.py",
            "excluded_by_config/e.py",
        ];
        let contents = |file: &str| match file {
            ".gitignore" => "gen.py\n!keep_gen.py\nskipped/\nother.py\nn.py\n",
            // `.ignore` files come before every `.gitignore`, nearer or not.
            ".ignore" => "forced.py\n",
            "lib/.gitignore" => "secret.py\n!gen.py\n!forced.py\n",
            "lib/deep/.ignore" => "z.py\n",
            "nested/.git/info/exclude" => "local.py\n",
            // A repository of its own: the outer `.gitignore` still applies in it, after
            // its own.
            "nested/.gitignore" => "!n.py\n",
            _ => "x = 1\n",
        };
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, contents(file)).unwrap();
        }
        // Ignore files above the walked root count too.
        std::fs::write(tree.path().join(".gitignore"), "a.py\n").unwrap();
        let options = Options { exclude: Some(vec!["excluded_by_config".to_owned()]), ..Options::default() };
        let settings = Settings::new(options, root.clone(), None, &Overrides::default()).unwrap();

        let walked = discover(std::slice::from_ref(&root), &settings, false).files;
        let mut visibility = Visibility::new(&settings);
        let mut found: Vec<PathBuf> = files
            .iter()
            .map(|file| root.join(file))
            .filter(|path| is_python_file(path) && visibility.finds(&root, path))
            .collect();
        found.sort();
        assert_eq!(found, walked);
        let names: Vec<&str> = walked.iter().map(|path| path.strip_prefix(&root).unwrap().to_str().unwrap()).collect();
        assert_eq!(names, ["keep_gen.py", "lib/deep/gen.py", "lib/deep/y.py", "lib/x.py", "nested/n.py"]);
    }
}
