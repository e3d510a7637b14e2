//! Learning the sync clients with an async twin from the project's environment, on
//! demand: the analysis asks for the top-level packages each module it reads imports
//! (through [`Settings::learned_clients`](crate::data::config::Settings::learned_clients)),
//! and the [`Learner`] reads each package once per run, the files the environment names
//! for it ([`Environment::package_files`]), parsing them for their exports
//! ([`twins::exports`]) and pairing the twins ([`twins::find_twins`]). With a cache, a
//! file read in an earlier run and unchanged since (by its stat, as the checked files) is
//! not read again: its exports are the cache's.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use ruff_python_parser::parse_module;
use rustc_hash::FxHashMap as HashMap;

use crate::analysis::twins::{self, ModuleExports};
use crate::data::catalogue::{ClientSource, LearnedClients};
use crate::data::config::Settings;
use crate::data::environment::{Environment, PackageFile};
use crate::data::versions::LibraryVersions;
use crate::driver::cache::{self, Cache};
use crate::driver::linter;

/// What one package teaches, learnt once per run.
type Learnt = Arc<OnceLock<Option<Arc<LearnedClients>>>>;

/// The clients of the environment's packages, learnt when first asked for.
pub struct Learner {
    environment: Environment,
    cache: Option<Arc<Cache>>,
    packages: Mutex<HashMap<Box<str>, Learnt>>,
    /// How many package files this run read (not taken from the cache).
    files_read: AtomicUsize,
}

impl Learner {
    pub fn new(environment: Environment, cache: Option<Arc<Cache>>) -> Self {
        Learner { environment, cache, packages: Mutex::default(), files_read: AtomicUsize::new(0) }
    }

    /// How many package files were read so far (the others came from the cache).
    pub fn files_read(&self) -> usize {
        self.files_read.load(Ordering::Relaxed)
    }

    fn learn(&self, name: &str) -> Option<Arc<LearnedClients>> {
        let modules: Vec<(String, ModuleExports)> = self
            .environment
            .package_files(name)
            .into_iter()
            .map(|file| {
                let exports = self.exports(&file);
                (file.module, exports)
            })
            .collect();
        let clients = LearnedClients::new(twins::find_twins(name, &modules));
        (!clients.is_empty()).then(|| Arc::new(clients))
    }

    /// The exports of a package file: the cache's when it is unchanged, else read and
    /// parsed (a file that cannot be read, decoded or parsed exports nothing).
    fn exports(&self, file: &PackageFile) -> ModuleExports {
        let cache = self.cache.as_deref();
        if let Some(exports) = cache.and_then(|cache| cache.exports(&file.path)) {
            return exports;
        }
        self.files_read.fetch_add(1, Ordering::Relaxed);
        let Ok((bytes, stamp)) = cache::read_stamped(&file.path) else { return ModuleExports::default() };
        let exports = match linter::decode_source(Ok(bytes)) {
            Ok(source) => match parse_module(&source.text) {
                Ok(parsed) => twins::exports(&parsed.syntax().body, &file.module, file.is_package),
                Err(_) => ModuleExports::default(),
            },
            Err(_) => ModuleExports::default(),
        };
        if let Some(cache) = cache {
            cache.store(&file.path, stamp, cache::Results { exports: Some(&exports), ..cache::Results::default() });
        }
        exports
    }
}

impl ClientSource for Learner {
    fn clients(&self, name: &str) -> Option<Arc<LearnedClients>> {
        let learnt = {
            let mut packages = self.packages.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(packages.entry(name.into()).or_default())
        };
        // Learnt outside the lock: other packages are asked for meanwhile.
        learnt.get_or_init(|| self.learn(name)).clone()
    }
}

/// The environment clients are learnt from in this run: none when the configuration
/// turns the learning off; else the configuration's `python`, the activated environment
/// (`VIRTUAL_ENV`), or `.venv`/`venv` at the project root.
pub fn environment_of(settings: &Settings) -> Option<Environment> {
    if !settings.learn_from_environment {
        return None;
    }
    let activated = std::env::var_os(crate::data::environment::VIRTUAL_ENV_VARIABLE);
    settings.python.clone().or_else(|| Environment::discover(&settings.root, activated.as_deref()))
}

/// The releases of the libraries whose async twins the fixes may call (see
/// [`LibraryVersions`]): the configuration's, else those installed in `environment`,
/// else those the project at or above `start` declares.
pub fn library_versions(settings: &Settings, start: &Path, environment: Option<&Environment>) -> LibraryVersions {
    let libraries = settings.catalogue.twin_packages.iter().map(String::as_str);
    settings.library_versions.clone().or(LibraryVersions::of_project(start, environment, libraries))
}

/// What the results of a run depend on in the environment, for the cache's key: where
/// its `site-packages` are, and their stats (installing, upgrading or removing a package
/// changes the directory).
pub fn cache_key(environment: &Environment) -> Vec<(&Path, Option<cache::Stat>)> {
    environment.site_packages().iter().map(|dir| (dir.as_path(), cache::Stat::of(dir))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn packages_are_learnt_once_and_read_once_with_a_cache() {
        let dir = tempfile::tempdir().unwrap();
        let site_packages = dir.path().join("venv/lib/python3.12/site-packages");
        write(&site_packages.join("fakesdk/__init__.py"), "from ._client import Client, AsyncClient\n");
        write(&site_packages.join("fakesdk2/__init__.py"), "class Client: ...\n");
        write(&site_packages.join("fakesdk2/aio/__init__.py"), "class Client: ...\n");
        write(&site_packages.join("plain/__init__.py"), "class Thing: ...\n");
        let environment = Environment::at(&dir.path().join("venv")).unwrap();
        let cache_dir = dir.path().join("cache");

        let learner =
            Learner::new(environment.clone(), Some(Arc::new(Cache::trusting_every_stat(cache_dir.clone(), 1))));
        let classes = |learner: &Learner, name: &str| -> Vec<String> {
            let clients = learner.clients(name);
            clients.iter().flat_map(|clients| clients.iter().map(|(class, _)| class.to_owned())).collect()
        };
        assert_eq!(classes(&learner, "fakesdk"), ["fakesdk.Client"]);
        assert_eq!(classes(&learner, "fakesdk2"), ["fakesdk2.Client"]);
        assert!(learner.clients("plain").is_none() && learner.clients("missing").is_none());
        assert_eq!(learner.files_read(), 4);
        learner.clients("fakesdk");
        assert_eq!(learner.files_read(), 4, "a package is learnt once a run");
        learner.cache.as_ref().unwrap().persist().unwrap();

        // The next run reads nothing: every file's exports are the cache's.
        let next = Learner::new(environment.clone(), Some(Arc::new(Cache::trusting_every_stat(cache_dir.clone(), 1))));
        assert_eq!(classes(&next, "fakesdk"), ["fakesdk.Client"]);
        assert_eq!(classes(&next, "fakesdk2"), ["fakesdk2.Client"]);
        assert_eq!(next.files_read(), 0);

        // A changed file is read again.
        write(&site_packages.join("fakesdk/__init__.py"), "from ._client import Client\n");
        let changed = Learner::new(environment, Some(Arc::new(Cache::trusting_every_stat(cache_dir, 1))));
        assert!(changed.clients("fakesdk").is_none());
        assert_eq!(changed.files_read(), 1);
    }
}
