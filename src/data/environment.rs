//! The project's Python environment: where its installed packages are, so that aioguard
//! can learn the sync clients that have an async twin (`analysis::twins`) from the
//! packages the checked code imports. Nothing here runs Python: the environment is found
//! by its layout, and only the files [`Environment::package_files`] names are read (by
//! the driver).
//!
//! The environment is the one the configuration's `python` names (an interpreter of a
//! virtual environment, or its directory), else the activated one (`VIRTUAL_ENV`), else
//! `.venv` or `venv` at the project root.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::data::versions::{Release, normalized, release_of};

/// The variable an activated virtual environment sets to its directory.
pub const VIRTUAL_ENV_VARIABLE: &str = "VIRTUAL_ENV";

/// The directories at a project root that usually hold its virtual environment.
const PROJECT_ENVIRONMENTS: &[&str] = &[".venv", "venv"];

/// The submodules of a package where an async twin of one of its classes may live
/// under the same name (`pkg.aio.Client` for `pkg.Client`).
pub const ASYNC_SUBMODULES: &[&str] = &["asyncio", "aio"];

/// A Python environment with its `site-packages` directories.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    site_packages: Vec<PathBuf>,
}

/// A module of an installed package that aioguard reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageFile {
    /// Its dotted name: `fakesdk`, `fakesdk.aio`.
    pub module: String,
    pub path: PathBuf,
    /// The file is a package's `__init__.py`: its relative imports start from the module
    /// itself rather than from its parent.
    pub is_package: bool,
}

impl Environment {
    /// The environment at `path`: the directory of a virtual environment, or one of its
    /// interpreters (`.venv/bin/python`, `.venv\Scripts\python.exe`, a conda
    /// environment's `python.exe`). `None` when no `site-packages` is found there.
    pub fn at(path: &Path) -> Option<Environment> {
        if path.is_dir() {
            return Self::of_directory(path);
        }
        if !path.is_file() {
            return None;
        }
        // The interpreter is not followed through its links: a virtual environment's
        // `bin/python` links to the base interpreter, whose packages are not the project's.
        let bin = path.parent()?;
        bin.parent().and_then(Self::of_directory).or_else(|| Self::of_directory(bin))
    }

    /// The environment of a project at `root`: the activated one (`virtual_env`, the value
    /// of `VIRTUAL_ENV`), else `.venv` or `venv` under `root`.
    pub fn discover(root: &Path, virtual_env: Option<&OsStr>) -> Option<Environment> {
        let activated = virtual_env.filter(|value| !value.is_empty()).and_then(|dir| Self::at(Path::new(dir)));
        activated.or_else(|| PROJECT_ENVIRONMENTS.iter().find_map(|name| Self::of_directory(&root.join(name))))
    }

    /// The environment whose directory is `root`: `lib/python3.*/site-packages` (sorted), or
    /// `Lib/site-packages` on Windows.
    fn of_directory(root: &Path) -> Option<Environment> {
        let mut site_packages: Vec<PathBuf> = std::fs::read_dir(root.join("lib"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_name().to_str().is_some_and(|name| name.starts_with("python3")))
            .map(|entry| entry.path().join("site-packages"))
            .filter(|dir| dir.is_dir())
            .collect();
        site_packages.sort();
        if site_packages.is_empty() {
            let windows = root.join("Lib").join("site-packages");
            if windows.is_dir() {
                site_packages.push(windows);
            }
        }
        (!site_packages.is_empty()).then_some(Environment { site_packages })
    }

    /// The `site-packages` directories, in the order they are searched.
    pub fn site_packages(&self) -> &[PathBuf] {
        &self.site_packages
    }

    /// The release of the distribution `name` installed here, from its
    /// `<name>-<version>.dist-info` directory (the name compared as PEP 503 normalizes
    /// it); the first `site-packages` that has one decides.
    pub fn installed_release(&self, name: &str) -> Option<Release> {
        let wanted = normalized(name);
        self.site_packages.iter().find_map(|site_packages| {
            std::fs::read_dir(site_packages).ok()?.flatten().find_map(|entry| {
                let file_name = entry.file_name();
                let (distribution, version) = file_name.to_str()?.strip_suffix(".dist-info")?.rsplit_once('-')?;
                (normalized(distribution) == wanted).then(|| release_of(version)).flatten()
            })
        })
    }

    /// The files aioguard reads of the installed top-level package `name`: its
    /// `__init__.py` (or the module `name.py`) and those of its `asyncio` and `aio`
    /// submodules. The first `site-packages` that has the package decides; a namespace
    /// package (a directory without `__init__.py`) has none.
    pub fn package_files(&self, name: &str) -> Vec<PackageFile> {
        if !is_module_name(name) {
            return Vec::new();
        }
        for site_packages in &self.site_packages {
            let package = site_packages.join(name);
            let init = package.join("__init__.py");
            if init.is_file() {
                let mut files = vec![PackageFile { module: name.to_owned(), path: init, is_package: true }];
                for submodule in ASYNC_SUBMODULES {
                    let module = format!("{name}.{submodule}");
                    let init = package.join(submodule).join("__init__.py");
                    let file = package.join(format!("{submodule}.py"));
                    if init.is_file() {
                        files.push(PackageFile { module, path: init, is_package: true });
                    } else if file.is_file() {
                        files.push(PackageFile { module, path: file, is_package: false });
                    }
                }
                return files;
            }
            let module = site_packages.join(format!("{name}.py"));
            if module.is_file() {
                return vec![PackageFile { module: name.to_owned(), path: module, is_package: false }];
            }
            if package.is_dir() {
                return Vec::new();
            }
        }
        Vec::new()
    }
}

/// Whether `name` can be a top-level module's name (and so, safely, a path component).
fn is_module_name(name: &str) -> bool {
    name.chars().next().is_some_and(|first| first == '_' || first.is_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn an_environment_is_found_by_its_directory_or_its_interpreter() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("env");
        let site_packages = venv.join("lib/python3.12/site-packages");
        std::fs::create_dir_all(&site_packages).unwrap();
        touch(&venv.join("bin/python"));
        let expected = Some(Environment { site_packages: vec![site_packages] });
        assert_eq!(Environment::at(&venv), expected);
        assert_eq!(Environment::at(&venv.join("bin/python")), expected);
        assert_eq!(Environment::at(&venv.join("bin/python3.12")), None, "an interpreter that is not there");
        assert_eq!(Environment::at(dir.path()), None, "no site-packages");

        let windows = dir.path().join("win");
        std::fs::create_dir_all(windows.join("Lib/site-packages")).unwrap();
        touch(&windows.join("Scripts/python.exe"));
        touch(&windows.join("python.exe"));
        let expected = Some(Environment { site_packages: vec![windows.join("Lib/site-packages")] });
        assert_eq!(Environment::at(&windows.join("Scripts/python.exe")), expected);
        assert_eq!(Environment::at(&windows.join("python.exe")), expected, "a conda environment's interpreter");
    }

    #[test]
    fn the_activated_environment_comes_before_the_projects() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("project");
        for venv in [project.join(".venv"), project.join("venv"), dir.path().join("activated")] {
            std::fs::create_dir_all(venv.join("lib/python3.11/site-packages")).unwrap();
        }
        let found = |virtual_env: Option<&Path>| {
            let environment = Environment::discover(&project, virtual_env.map(Path::as_os_str)).unwrap();
            environment.site_packages[0].parent().unwrap().parent().unwrap().parent().unwrap().to_path_buf()
        };
        assert_eq!(found(Some(&dir.path().join("activated"))), dir.path().join("activated"));
        assert_eq!(found(None), project.join(".venv"));
        assert_eq!(found(Some(Path::new(""))), project.join(".venv"), "an empty variable is none");
        assert_eq!(found(Some(&dir.path().join("gone"))), project.join(".venv"), "a stale variable");
        std::fs::remove_dir_all(project.join(".venv")).unwrap();
        assert_eq!(found(None), project.join("venv"));
    }

    #[test]
    fn a_packages_files_are_its_init_and_its_async_submodules() {
        let dir = tempfile::tempdir().unwrap();
        let site_packages = dir.path().join("lib/python3.12/site-packages");
        touch(&site_packages.join("sdk/__init__.py"));
        touch(&site_packages.join("sdk/aio/__init__.py"));
        touch(&site_packages.join("sdk/asyncio.py"));
        touch(&site_packages.join("single.py"));
        std::fs::create_dir_all(site_packages.join("namespace/inner")).unwrap();
        let environment = Environment::at(dir.path()).unwrap();
        let files: Vec<(String, bool)> =
            environment.package_files("sdk").into_iter().map(|file| (file.module, file.is_package)).collect();
        assert_eq!(files, [("sdk".to_owned(), true), ("sdk.asyncio".to_owned(), false), ("sdk.aio".to_owned(), true)]);
        assert_eq!(environment.package_files("single")[0].path, site_packages.join("single.py"));
        assert!(environment.package_files("namespace").is_empty());
        assert!(environment.package_files("missing").is_empty());
        assert!(environment.package_files("..").is_empty(), "not a module name");
    }
}
