//! Where a project's modules live and what they are called.
//!
//! The project of the checked paths is the configuration file's directory, or else the
//! nearest directory above a path with a `pyproject.toml`, `setup.py` or `setup.cfg`,
//! or else the path's outermost package. A file's module names are counted from the
//! directories Python code is imported from: the project root and its `src/`, the
//! directory above the file's outermost package (`__init__.py`), and the directory above
//! any `known-first-party` package. Namespace packages (no `__init__.py`) are named from
//! the roots like any directory. A file can have several names; all of them resolve.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::config::{Settings, is_identifier};
use crate::discovery::is_python_file;

/// Files that mark the top directory of a Python project.
const PROJECT_MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg"];

/// Where the project of the checked paths is.
#[derive(Debug, Default)]
pub struct ProjectRoots {
    /// Directories module names are counted from.
    pub names_from: Vec<PathBuf>,
    /// Files and directories walked for the project's files, none inside another. Where
    /// neither a configuration nor a marker says where the project is, only a path's
    /// outermost package is walked, or for a script in no package, the modules and
    /// packages beside it (what it can import): its directory may be a home directory.
    pub walk: Vec<PathBuf>,
}

impl ProjectRoots {
    pub fn of(paths: &[PathBuf], settings: &Settings) -> Self {
        let mut roots = ProjectRoots::default();
        for path in paths {
            let (names_from, walk) = if settings.config_file.is_some() && path.starts_with(&settings.root) {
                (settings.root.clone(), vec![settings.root.clone()])
            } else if let Some(marked) = marked_root(path) {
                // A marker inside a package (a data file named `setup.cfg`) is not the top.
                let marked = top_package(&marked).and_then(Path::parent).map_or(marked.clone(), Path::to_path_buf);
                (marked.clone(), vec![marked])
            } else if let Some(package) = top_package(path) {
                (package.parent().unwrap_or(package).to_path_buf(), vec![package.to_path_buf()])
            } else if path.is_dir() {
                (path.clone(), vec![path.clone()])
            } else {
                let dir = path.parent().unwrap_or(path);
                (dir.to_path_buf(), importable_beside(dir))
            };
            if !roots.names_from.contains(&names_from) {
                roots.names_from.push(names_from);
            }
            for walk in walk {
                if !roots.walk.contains(&walk) {
                    roots.walk.push(walk);
                }
            }
        }
        let nested: Vec<bool> = roots
            .walk
            .iter()
            .map(|root| roots.walk.iter().any(|other| other != root && root.starts_with(other)))
            .collect();
        let mut nested = nested.into_iter();
        roots.walk.retain(|_| !nested.next().unwrap_or(false));
        roots
    }
}

/// The Python files and the packages in a directory, not below it.
fn importable_beside(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| if path.is_dir() { path.join("__init__.py").is_file() } else { is_python_file(path) })
        .collect()
}

/// The nearest directory at or above `path` with a project marker.
fn marked_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    start.ancestors().find(|dir| PROJECT_MARKERS.iter().any(|marker| dir.join(marker).is_file())).map(Path::to_path_buf)
}

/// The outermost package (a directory with `__init__.py`) that holds `path`, if any.
fn top_package(path: &Path) -> Option<&Path> {
    let is_package = |dir: &Path| dir.join("__init__.py").is_file();
    let mut package = Some(if path.is_dir() { path } else { path.parent()? }).filter(|dir| is_package(dir))?;
    while let Some(parent) = package.parent().filter(|dir| is_package(dir)) {
        package = parent;
    }
    Some(package)
}

/// A module's names (the one through its packages first), and whether it is a package's
/// `__init__`.
#[derive(Clone, Debug, Default)]
pub struct ModuleNames {
    pub names: Vec<Box<str>>,
    pub is_package: bool,
}

impl ModuleNames {
    /// The package that `from . import x` in this module refers to.
    pub fn package(&self) -> Option<&str> {
        let name = self.names.first()?;
        if self.is_package { Some(name) } else { name.rsplit_once('.').map(|(package, _)| package) }
    }
}

/// Names the files of one project.
pub struct ModuleNamer {
    /// Directories names are counted from, the deepest first.
    roots: Vec<PathBuf>,
    /// Directories holding an `__init__.py` (or `__init__.pyi`).
    packages: HashSet<PathBuf>,
    known_first_party: Vec<String>,
}

impl ModuleNamer {
    /// `files` are all the project's Python files: their `__init__` files tell the packages.
    pub fn new(project_roots: &[PathBuf], files: &[PathBuf], known_first_party: &[String]) -> Self {
        let mut roots: Vec<PathBuf> = Vec::new();
        for root in project_roots {
            roots.push(root.clone());
            let src = root.join("src");
            if src.is_dir() {
                roots.push(src);
            }
        }
        roots.sort_by_key(|root| std::cmp::Reverse(root.components().count()));
        let packages = files
            .iter()
            .filter(|file| file.file_stem().is_some_and(|stem| stem == "__init__"))
            .filter_map(|file| file.parent().map(Path::to_path_buf))
            .collect();
        ModuleNamer { roots, packages, known_first_party: known_first_party.to_vec() }
    }

    pub fn names(&self, file: &Path) -> ModuleNames {
        let mut names: Vec<Box<str>> = Vec::new();
        let mut add_from = |base: &Path| {
            if let Some(name) = dotted_name(file, base)
                && !names.contains(&name)
            {
                names.push(name);
            }
        };
        // The name through the packages first: relative imports start from it.
        if let Some(mut top) = file.parent().filter(|dir| self.packages.contains(*dir)) {
            while let Some(parent) = top.parent().filter(|dir| self.packages.contains(*dir)) {
                top = parent;
            }
            if let Some(base) = top.parent() {
                add_from(base);
            }
        }
        for root in self.roots.iter().filter(|root| file.starts_with(root)) {
            add_from(root);
        }
        for dir in file.ancestors().skip(1) {
            let is_first_party =
                dir.file_name().is_some_and(|name| self.known_first_party.iter().any(|known| name == known.as_str()));
            if is_first_party && let Some(base) = dir.parent() {
                add_from(base);
            }
        }
        let is_package = file.file_stem().is_some_and(|stem| stem == "__init__");
        ModuleNames { names, is_package }
    }
}

/// `a/b/c.py` below `base` → `a.b.c`; `a/b/__init__.py` → `a.b`. `None` when a part is
/// not an identifier (`my-scripts/`, `setup.cfg.py`) or nothing is left.
fn dotted_name(file: &Path, base: &Path) -> Option<Box<str>> {
    let relative = file.strip_prefix(base).ok()?;
    let stem = relative.file_stem()?.to_str()?;
    let mut parts: Vec<&str> = Vec::new();
    for component in relative.parent()?.components() {
        parts.push(component.as_os_str().to_str()?);
    }
    if stem != "__init__" {
        parts.push(stem);
    }
    (!parts.is_empty() && parts.iter().all(|part| is_identifier(part))).then(|| parts.join(".").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_roots_packages_and_first_party() {
        let root = PathBuf::from("/p");
        let files: Vec<PathBuf> = [
            "/p/src/app/__init__.py",
            "/p/src/app/storage.py",
            "/p/src/app/services/http.py",
            "/p/deploy/tools/pkg/__init__.py",
            "/p/deploy/tools/pkg/run.py",
            "/p/lib/acme/tools.py",
            "/p/my-scripts/x.py",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let namer = ModuleNamer { roots: vec![root.join("src"), root.clone()], ..ModuleNamer::new(&[], &files, &[]) };
        let names =
            |path: &str| namer.names(Path::new(path)).names.iter().map(|name| name.to_string()).collect::<Vec<_>>();
        assert_eq!(names("/p/src/app/storage.py"), ["app.storage", "src.app.storage"]);
        assert_eq!(names("/p/src/app/services/http.py"), ["app.services.http", "src.app.services.http"]);
        assert_eq!(names("/p/deploy/tools/pkg/run.py"), ["pkg.run", "deploy.tools.pkg.run"]);
        assert!(names("/p/my-scripts/x.py").is_empty());
        let init = namer.names(Path::new("/p/src/app/__init__.py"));
        assert_eq!((init.names[0].as_ref(), init.package()), ("app", Some("app")));
        assert_eq!(namer.names(Path::new("/p/src/app/storage.py")).package(), Some("app"));

        let namer = ModuleNamer::new(&[], &files, &["acme".to_owned()]);
        assert_eq!(namer.names(Path::new("/p/lib/acme/tools.py")).names, vec![Box::from("acme.tools")]);
    }
}
