//! Where a project's modules live and what they are called.
//!
//! The project of the checked paths is the configuration file's directory, or else the
//! nearest directory above a path with a `pyproject.toml`, `setup.py` or `setup.cfg`,
//! or else the path's outermost package. A file's module names are counted from the
//! directories Python code is imported from: the project root and its `src/`, the
//! directory above the file's outermost package (`__init__.py`), and the directory above
//! any `known-first-party` package. Namespace packages (no `__init__.py`) are named from
//! the roots like any directory. A file can have several names; all of them resolve.

use std::cell::RefCell;

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::{Deserialize, Serialize};

use super::index::Unread;
use crate::data::config::{Settings, is_identifier};
use crate::data::discovery::{self, Visibility, is_python_file};

/// Files that mark the top directory of a Python project.
const PROJECT_MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg"];

/// Where the project of the checked paths is.
#[derive(Debug, Default, Hash)]
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
#[derive(Clone, Debug, Default, Hash, Serialize, Deserialize)]
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

/// Which directories are packages.
enum Packages {
    /// Those of the listed files' `__init__` files.
    Listed(HashSet<PathBuf>),
    /// Those with an `__init__.py` or `__init__.pyi` on disk, looked up once each.
    OnDisk(RefCell<HashMap<PathBuf, bool>>),
}

impl Packages {
    fn contains(&self, dir: &Path) -> bool {
        match self {
            Packages::Listed(packages) => packages.contains(dir),
            Packages::OnDisk(known) => {
                if let Some(&is_package) = known.borrow().get(dir) {
                    return is_package;
                }
                let is_package = is_package_on_disk(dir);
                known.borrow_mut().insert(dir.to_path_buf(), is_package);
                is_package
            }
        }
    }
}

fn is_package_on_disk(dir: &Path) -> bool {
    dir.join("__init__.py").is_file() || dir.join("__init__.pyi").is_file()
}

/// Names the files of one project.
pub struct ModuleNamer {
    /// Directories names are counted from, the deepest first.
    roots: Vec<PathBuf>,
    packages: Packages,
    known_first_party: Vec<String>,
}

impl ModuleNamer {
    /// `files` are all the project's Python files: their `__init__` files tell the packages.
    pub fn new(project_roots: &[PathBuf], files: &[PathBuf], known_first_party: &[String]) -> Self {
        let packages = files
            .iter()
            .filter(|file| file.file_stem().is_some_and(|stem| stem == "__init__"))
            .filter_map(|file| file.parent().map(Path::to_path_buf))
            .collect();
        Self::with_packages(project_roots, Packages::Listed(packages), known_first_party)
    }

    /// A namer that looks packages up on disk, for a project whose files are not listed.
    fn on_disk(project_roots: &[PathBuf]) -> Self {
        Self::with_packages(project_roots, Packages::OnDisk(RefCell::default()), &[])
    }

    fn with_packages(project_roots: &[PathBuf], packages: Packages, known_first_party: &[String]) -> Self {
        let mut roots: Vec<PathBuf> = Vec::new();
        for root in project_roots {
            roots.push(root.clone());
            let src = root.join("src");
            if src.is_dir() {
                roots.push(src);
            }
        }
        roots.sort_by_key(|root| std::cmp::Reverse(root.components().count()));
        ModuleNamer { roots, packages, known_first_party: known_first_party.to_vec() }
    }

    /// The directory above the outermost package that holds `file`, if it is in one.
    fn package_base<'f>(&self, file: &'f Path) -> Option<&'f Path> {
        let mut top = file.parent().filter(|dir| self.packages.contains(dir))?;
        while let Some(parent) = top.parent().filter(|dir| self.packages.contains(dir)) {
            top = parent;
        }
        top.parent()
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
        if let Some(base) = self.package_base(file) {
            add_from(base);
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

/// The project's Python files that module names resolve to, each with an id and its
/// names, found in one of two ways:
/// - **listed**: every file of the project is known from a walk of it;
/// - **probed**: only the directories outside packages are walked (to learn the
///   project's top-level names and where packages start); a module name is then looked
///   for at the few paths it can have (`a/b.py`, `a/b/__init__.py`, … below each
///   directory names are counted from), and a path found counts only if the walk would
///   have found it too (ignore files, excludes) and its names include the one looked for.
///
/// The files that claim a name are the same both ways; probing reads a handful of
/// directories where listing walks the whole tree.
pub struct ProjectFiles<'s> {
    namer: ModuleNamer,
    paths: Vec<PathBuf>,
    names: Vec<ModuleNames>,
    ids: HashMap<PathBuf, usize>,
    /// The names whose claimants all have ids, with those.
    claimants: HashMap<Box<str>, Vec<usize>>,
    /// The files added whatever a walk finds, by the names they claim.
    added: HashMap<Box<str>, Vec<usize>>,
    top_levels: HashSet<Box<str>>,
    /// `None` when the files are listed.
    probe: Option<Probe<'s>>,
}

struct Probe<'s> {
    /// Directories module names are counted from: the roots, and those above packages.
    bases: Vec<PathBuf>,
    /// What the project's walk starts from.
    walk: Vec<PathBuf>,
    visibility: Visibility<'s>,
}

impl<'s> ProjectFiles<'s> {
    /// The project's files from a list of all of them.
    pub fn listed(roots: &ProjectRoots, files: Vec<PathBuf>, settings: &Settings) -> Self {
        let namer = ModuleNamer::new(&roots.names_from, &files, &settings.known_first_party);
        let mut project = ProjectFiles::empty(namer, None);
        for file in files {
            let id = project.id(&file);
            for name in project.names[id].names.clone() {
                project.top_levels.insert(top_level(&name).into());
                project.claimants.entry(name).or_default().push(id);
            }
        }
        project
    }

    /// The project's files found by probing; `None` where probing cannot name files as a
    /// walk would (`known-first-party` packages may sit anywhere in the tree).
    pub fn probed(roots: &ProjectRoots, settings: &'s Settings) -> Option<Self> {
        if !settings.known_first_party.is_empty() {
            return None;
        }
        let namer = ModuleNamer::on_disk(&roots.names_from);
        // Below a package, every file is named from the directory above the outermost
        // package or from a root: unless a root is inside it, nothing there is walked.
        let roots_named_from = namer.roots.clone();
        let prune = |dir: &Path| is_package_on_disk(dir) && !roots_named_from.iter().any(|root| root.starts_with(dir));
        let (outside, packages) = discovery::discover_pruning(&roots.walk, settings, false, &prune);
        let representatives = outside.files.into_iter().chain(packages.iter().filter_map(|package| {
            ["__init__.py", "__init__.pyi"].iter().map(|init| package.join(init)).find(|init| init.is_file())
        }));
        let mut top_levels = HashSet::default();
        let mut bases = namer.roots.clone();
        for file in representatives {
            for name in namer.names(&file).names {
                top_levels.insert(top_level(&name).into());
            }
            if let Some(base) = namer.package_base(&file).map(Path::to_path_buf)
                && !bases.contains(&base)
            {
                bases.push(base);
            }
        }
        let probe = Probe { bases, walk: roots.walk.clone(), visibility: Visibility::new(settings) };
        Some(ProjectFiles { top_levels, ..ProjectFiles::empty(namer, Some(probe)) })
    }

    fn empty(namer: ModuleNamer, probe: Option<Probe<'s>>) -> Self {
        ProjectFiles {
            namer,
            paths: Vec::new(),
            names: Vec::new(),
            ids: HashMap::default(),
            claimants: HashMap::default(),
            added: HashMap::default(),
            top_levels: HashSet::default(),
            probe,
        }
    }

    /// Adds a file to the project, whether a walk of it finds the file or not (a file
    /// named on the command line): it claims its names and gives their top levels.
    pub fn add(&mut self, path: &Path) -> usize {
        let id = self.id(path);
        for name in self.names[id].names.clone() {
            self.top_levels.insert(top_level(&name).into());
            let claimants = self.added.entry(name).or_default();
            if !claimants.contains(&id) {
                claimants.push(id);
            }
        }
        id
    }

    /// The id of a file of the project (given one if it has none).
    fn id(&mut self, path: &Path) -> usize {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = self.paths.len();
        self.paths.push(path.to_path_buf());
        self.names.push(self.namer.names(path));
        self.ids.insert(path.to_path_buf(), id);
        id
    }

    /// How many files have ids (ids are `0..count`).
    pub fn count(&self) -> usize {
        self.paths.len()
    }

    pub fn path(&self, id: usize) -> &Path {
        &self.paths[id]
    }

    pub fn names(&self, id: usize) -> &ModuleNames {
        &self.names[id]
    }

    /// The first part of every module name of the project.
    pub fn top_levels(&self) -> &HashSet<Box<str>> {
        &self.top_levels
    }

    /// Whether every file that may claim a module name is read (`read` by id): only when
    /// the files are listed.
    pub fn is_complete(&self, read: &[bool]) -> bool {
        self.probe.is_none() && read.len() == self.paths.len() && read.iter().all(|&read| read)
    }

    /// How many module names are settled: every file that may claim them has an id.
    pub fn settled(&self) -> usize {
        self.claimants.len()
    }

    /// The files that claim the module `name` (probing for them, and for the modules
    /// of the packages above it, the first time).
    pub fn claimants(&mut self, name: &str) -> &[usize] {
        if !self.claimants.contains_key(name) && self.probe.is_some() {
            let mut prefix = name;
            loop {
                if !self.claimants.contains_key(prefix) {
                    let found = self.probe_for(prefix);
                    self.claimants.insert(prefix.into(), found);
                }
                match prefix.rsplit_once('.') {
                    Some((package, _)) => prefix = package,
                    None => break,
                }
            }
        }
        self.claimants.get(name).map_or(&[], Vec::as_slice)
    }

    fn probe_for(&mut self, name: &str) -> Vec<usize> {
        let Some(probe) = self.probe.as_mut() else { return Vec::new() };
        if !self.top_levels.contains(top_level(name)) {
            return Vec::new();
        }
        let relative: PathBuf = name.split('.').collect();
        let mut found: Vec<PathBuf> = Vec::new();
        for base in &probe.bases {
            let module = base.join(&relative);
            let candidates = [
                module.with_extension("py"),
                module.with_extension("pyi"),
                module.join("__init__.py"),
                module.join("__init__.pyi"),
            ];
            for candidate in candidates {
                if candidate.is_file()
                    && !found.contains(&candidate)
                    && probe.walk.iter().any(|root| probe.visibility.finds(root, &candidate))
                    && self.namer.names(&candidate).names.iter().any(|claimed| &**claimed == name)
                {
                    found.push(candidate);
                }
            }
        }
        let mut ids: Vec<usize> = found.iter().map(|path| self.id(path)).collect();
        for &id in self.added.get(name).into_iter().flatten() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The module names that files not read yet (`read` by id) may claim.
    pub fn unread(&self, read: &[bool]) -> Unread {
        let is_read = |ids: &Vec<usize>| ids.iter().all(|&id| read.get(id).copied().unwrap_or(false));
        let names = |all_read: bool| {
            self.claimants.iter().filter(|(_, ids)| is_read(ids) == all_read).map(|(name, _)| name.clone()).collect()
        };
        match self.probe {
            None => Unread::Only(names(false)),
            Some(_) => Unread::AllBut(names(true)),
        }
    }
}

fn top_level(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
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
