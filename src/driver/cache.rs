//! The cache of per-file results between runs (`.aioguard_cache/` at the project root):
//! each file's project summary and its findings by the rules that need no project, so
//! that a run reads and parses again only the files that changed; and the exports of the
//! environment's package files read to learn their clients, so that a run reads no
//! `site-packages` file it read before.
//!
//! Layout: `<cache dir>/<version>/<key>/<shard>`. The key hashes aioguard's build and
//! what the caller says changes the results (the settings); a shard holds the entries
//! of the files of one source directory, so that a one-file run reads the few shards it
//! needs and a whole run one file per directory. An entry stands while its file's stat
//! (size, modification and change times) is the one recorded, or, when the stat differs
//! or was recorded too soon after the file changed to be trusted, while the hash of its
//! content is. A summary is kept with the key of what it was made with besides the
//! file's content (its module names, the project's top-level modules).
//!
//! Anything wrong with the cache (missing, truncated, corrupt, from another version,
//! unreadable, unwritable) makes it miss, and the results are computed again: never an
//! error, never a wrong result. A shard is written whole to a temporary file beside it
//! and renamed into place: two runs at once may lose each other's entries, but never
//! leave a shard half-written.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use siphasher::sip::SipHasher13;
use siphasher::sip128::{Hasher128, SipHasher13 as SipHasher128};

use crate::analysis::project::summary::FileSummary;
use crate::analysis::twins::ModuleExports;
use crate::data::config::{self, Overrides, Settings};
use crate::data::diagnostic::Finding;
use crate::data::environment::Environment;
use crate::driver::learn;

/// The cache's directory under the project root.
pub const DEFAULT_DIR_NAME: &str = ".aioguard_cache";

/// The environment variable that moves the cache (as `--cache-dir` does).
pub const DIR_VARIABLE: &str = "AIOGUARD_CACHE_DIR";

/// What every shard starts with; the format and the version follow it.
const MAGIC: &[u8] = b"aioguard cache\n";

/// The layout of a shard; a shard of another layout is ignored.
const FORMAT: u32 = 3;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What aioguard's sources hash to (see `build.rs`): a development build whose code
/// changed does not take the results of the code before.
const SOURCE_HASH: &str = env!("AIOGUARD_SOURCE_HASH");

/// A change made this soon after a stat was taken may not show in it (timestamps have
/// a granularity): the stat of a file changed this recently is not trusted, and its
/// entry is confirmed by hashing the content.
const SETTLE_TIME: Duration = Duration::from_secs(2);

/// The cache of a run with `settings` from `start` (the first path checked, or the
/// editor's folder): in `dir` (else `AIOGUARD_CACHE_DIR`), or at the project root (the
/// configuration file's directory, else [`config::project_root`] of `start`, else the
/// current directory). What changes the results besides the files (the configuration's
/// content, the rules chosen on the command line, the environment clients are learnt
/// from, the versions of the libraries the fixes depend on) keys it.
pub fn open(
    settings: &Settings,
    dir: Option<PathBuf>,
    start: &Path,
    overrides: &Overrides,
    environment: Option<&Environment>,
) -> Cache {
    // An empty variable is as good as none.
    let from_env = std::env::var_os(DIR_VARIABLE).filter(|dir| !dir.is_empty()).map(PathBuf::from);
    let dir = dir.or(from_env).unwrap_or_else(|| {
        let root = match settings.config_file {
            Some(_) => None,
            None => config::project_root(start),
        };
        root.unwrap_or_else(|| settings.root.clone()).join(DEFAULT_DIR_NAME)
    });
    let config = settings.config_file.as_ref().map(|path| (path, std::fs::read(path).ok()));
    let environment = environment.map(learn::cache_key);
    let libraries = settings.library_versions.sorted();
    let key = fingerprint(&(config, &settings.root, &overrides.select, &overrides.ignore, environment, libraries));
    Cache::new(dir, key)
}

/// A stable hash of the things that change results, for keys.
pub fn fingerprint(value: &impl Hash) -> u64 {
    let mut hasher = SipHasher13::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn content_hash(bytes: &[u8]) -> u128 {
    let mut hasher = SipHasher128::new();
    hasher.write(bytes);
    hasher.finish128().into()
}

/// A file's stat, as far as telling a change goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stat {
    size: u64,
    /// Seconds and nanoseconds since the epoch.
    modified: (u64, u32),
    /// When the inode last changed (Unix), which no tool sets back as they may the
    /// modification time.
    changed: (i64, i64),
}

impl Stat {
    /// The stat of a file; `None` when it has none that can be compared.
    pub fn of(path: &Path) -> Option<Stat> {
        Self::from_metadata(&fs::metadata(path).ok()?)
    }

    fn from_metadata(metadata: &fs::Metadata) -> Option<Stat> {
        let modified = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            (metadata.ctime(), metadata.ctime_nsec())
        };
        #[cfg(not(unix))]
        let changed = (0, 0);
        Some(Stat { size: metadata.len(), modified: (modified.as_secs(), modified.subsec_nanos()), changed })
    }

    /// Whether the file last changed before `settled_before`: a later change shows.
    fn is_settled(&self, settled_before: SystemTime) -> bool {
        let Ok(settled_before) = settled_before.duration_since(UNIX_EPOCH) else { return false };
        let modified = Duration::new(self.modified.0, self.modified.1);
        let changed = u64::try_from(self.changed.0).ok().map(Duration::from_secs);
        changed.map_or(modified, |changed| changed.max(modified)) < settled_before
    }
}

/// How a file stood when it was read: its stat, taken before reading, and the hash of
/// the bytes read.
#[derive(Clone, Copy, Debug)]
pub struct Stamp {
    stat: Option<Stat>,
    hash: u128,
}

impl Stamp {
    pub fn new(stat: Option<Stat>, content: &[u8]) -> Self {
        Stamp { stat, hash: content_hash(content) }
    }
}

/// Reads a file with the stamp its results are kept under: the stat is taken first, so
/// that a change made while reading shows in the next run.
pub fn read_stamped(path: &Path) -> io::Result<(Vec<u8>, Stamp)> {
    let stat = Stat::of(path);
    let bytes = fs::read(path)?;
    let stamp = Stamp::new(stat, &bytes);
    Ok((bytes, stamp))
}

/// The results of one file to keep: those given replace what the cache has.
#[derive(Default)]
pub struct Results<'r> {
    /// The summary (none: the file does not parse), made with the context of this key.
    pub summary: Option<(u64, Option<&'r FileSummary>)>,
    /// The findings of the rules that need no project.
    pub findings: Option<&'r [Finding]>,
    /// What the file exports, for a package file of the environment.
    pub exports: Option<&'r ModuleExports>,
}

/// Encoded bytes, decoded only when asked for.
#[derive(Clone, PartialEq, Eq)]
struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&[u8]>::deserialize(deserializer).map(|bytes| Blob(bytes.to_vec()))
    }
}

impl Blob {
    fn encode(value: &impl Serialize) -> Option<Blob> {
        postcard::to_stdvec(value).ok().map(Blob)
    }

    fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        postcard::from_bytes(&self.0).ok()
    }
}

/// Whether an entry's file was found unchanged in this run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Unchecked,
    Fresh,
    Stale,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    /// `None`: not trusted, the hash decides.
    stat: Option<Stat>,
    hash: u128,
    summary: Option<(u64, Blob)>,
    findings: Option<Blob>,
    exports: Option<Blob>,
    #[serde(skip)]
    state: State,
}

/// The entries of one directory's files, by file name.
#[derive(Default)]
struct Shard {
    entries: HashMap<String, Entry>,
    /// Changed in this run: to be written.
    dirty: bool,
}

/// A shard as stored, after the header.
#[derive(Serialize, Deserialize)]
struct StoredShard {
    /// The source directory, to tell two whose names' hashes collide.
    directory: Blob,
    entries: Vec<(String, Entry)>,
}

/// The findings of a whole run, with the stat of every file it read (see
/// [`Cache::run_findings`]).
#[derive(Serialize, Deserialize)]
struct StoredRun {
    files: Vec<(Blob, Stat)>,
    findings: Blob,
}

/// The cache of one run: shards are read when first needed and the changed ones written
/// by [`Cache::persist`].
pub struct Cache {
    /// The cache directory.
    root: PathBuf,
    /// Where this run's shards are: `<root>/<version>/<key>`.
    store: PathBuf,
    key: u64,
    /// A stat is trusted when the file last changed before this moment (the run's start
    /// less [`SETTLE_TIME`]).
    settled_before: SystemTime,
    /// Each directory's shard, `None` until read.
    shards: Mutex<HashMap<PathBuf, Arc<Mutex<Option<Shard>>>>>,
}

impl Cache {
    /// The cache in `root`, for results that `settings_key` (see [`fingerprint`]) covers.
    pub fn new(root: PathBuf, settings_key: u64) -> Self {
        let key = fingerprint(&(SOURCE_HASH, settings_key));
        let store = root.join(VERSION).join(format!("{key:016x}"));
        let settled_before = SystemTime::now() - SETTLE_TIME;
        Cache { root, store, key, settled_before, shards: Mutex::default() }
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// [`Cache::new`] for a test that wrote its files just now: every stat is trusted.
    #[cfg(test)]
    pub(crate) fn trusting_every_stat(root: PathBuf, settings_key: u64) -> Self {
        Cache { settled_before: SystemTime::now() + Duration::from_secs(3600), ..Cache::new(root, settings_key) }
    }

    /// The summary kept for `path` (`Some(None)`: the file does not parse), when the file
    /// is unchanged and the summary was made with the context of this key.
    pub fn summary(&self, path: &Path, context: u64) -> Option<Option<FileSummary>> {
        self.with_fresh_entry(path, |entry| match &entry.summary {
            Some((made_with, blob)) if *made_with == context => blob.decode(),
            _ => None,
        })
    }

    /// The findings kept for `path`, when the file is unchanged, shown as `filename`.
    pub fn findings(&self, path: &Path, filename: &str) -> Option<Vec<Finding>> {
        let mut findings: Vec<Finding> = self.with_fresh_entry(path, |entry| entry.findings.as_ref()?.decode())?;
        for finding in &mut findings {
            for hop in &mut finding.chain {
                if hop.filename == finding.filename {
                    hop.filename = filename.to_owned();
                }
            }
            finding.filename = filename.to_owned();
        }
        Some(findings)
    }

    /// The exports kept for `path`, a package file of the environment, when it is
    /// unchanged.
    pub fn exports(&self, path: &Path) -> Option<ModuleExports> {
        self.with_fresh_entry(path, |entry| entry.exports.as_ref()?.decode())
    }

    /// Keeps the results of `path`, read as `stamp` says. Results of other content are
    /// dropped; those of the same content not given are kept.
    pub fn store(&self, path: &Path, stamp: Stamp, results: Results<'_>) {
        let Some((directory, name)) = split(path) else { return };
        let summary = match results.summary {
            Some((context, summary)) => match Blob::encode(&summary) {
                Some(blob) => Some((context, blob)),
                None => return,
            },
            None => None,
        };
        let findings = match results.findings {
            Some(findings) => match Blob::encode(&findings) {
                Some(blob) => Some(blob),
                None => return,
            },
            None => None,
        };
        let exports = match results.exports {
            Some(exports) => match Blob::encode(exports) {
                Some(blob) => Some(blob),
                None => return,
            },
            None => None,
        };
        let stat = stamp.stat.filter(|stat| stat.is_settled(self.settled_before));
        let slot = self.shard(directory);
        let mut guard = lock(&slot);
        let shard = guard.get_or_insert_with(|| self.load(directory));
        let entry = shard.entries.entry(name.to_owned()).or_insert_with(|| Entry::new(None, stamp.hash));
        let mut changed = entry.hash != stamp.hash || entry.stat != stat;
        if entry.hash != stamp.hash {
            *entry = Entry::new(stat, stamp.hash);
        }
        entry.stat = stat;
        entry.state = State::Fresh;
        if summary.is_some() && entry.summary != summary {
            entry.summary = summary;
            changed = true;
        }
        if findings.is_some() && entry.findings != findings {
            entry.findings = findings;
            changed = true;
        }
        if exports.is_some() && entry.exports != exports {
            entry.exports = exports;
            changed = true;
        }
        shard.dirty |= changed;
    }

    /// The findings of the last run of the same `key` (see [`Cache::store_run`]) over
    /// exactly these files, when none of them changed since: one `stat` a file, nothing
    /// read or decoded but the findings.
    pub fn run_findings(&self, key: u64, files: &[PathBuf]) -> Option<Vec<Vec<Finding>>> {
        let bytes = fs::read(self.run_path(key)).ok()?;
        let stored: StoredRun = self.decode_stored(&bytes)?;
        let same_files = stored.files.len() == files.len()
            && stored
                .files
                .iter()
                .zip(files)
                .all(|((recorded, _), file)| recorded.0 == file.as_os_str().as_encoded_bytes());
        let unchanged = || stored.files.par_iter().zip(files).all(|((_, stat), file)| Stat::of(file) == Some(*stat));
        (same_files && unchanged()).then(|| stored.findings.decode())?
    }

    /// Keeps the findings of a run over `files` (one list a file, in their order), whose
    /// results depend on these files alone (with what `key` and the store's key cover),
    /// unless a file changed too recently for its stat to be trusted.
    pub fn store_run(&self, key: u64, files: &[PathBuf], findings: &[&[Finding]]) -> io::Result<()> {
        let stats: Option<Vec<(Blob, Stat)>> = files
            .par_iter()
            .map(|file| {
                let stat = Stat::of(file).filter(|stat| stat.is_settled(self.settled_before))?;
                Some((Blob(file.as_os_str().as_encoded_bytes().to_vec()), stat))
            })
            .collect();
        let (Some(files), Some(findings)) = (stats, Blob::encode(&findings)) else { return Ok(()) };
        let bytes = self
            .encode_stored(&StoredRun { files, findings })
            .ok_or_else(|| io::Error::other("cannot encode a run"))?;
        self.create_directory()?;
        self.write_atomically(&bytes, &self.run_path(key))
    }

    fn run_path(&self, key: u64) -> PathBuf {
        self.store.join(format!("run-{key:016x}"))
    }

    /// Writes the shards this run changed. An error names the first that failed; the
    /// others are written all the same.
    pub fn persist(&self) -> io::Result<()> {
        let shards = std::mem::take(&mut *lock(&self.shards));
        let dirty: Vec<(PathBuf, Shard)> = shards
            .into_iter()
            .filter_map(|(directory, slot)| {
                let shard = Arc::into_inner(slot)?.into_inner().ok()??;
                shard.dirty.then_some((directory, shard))
            })
            .collect();
        if dirty.is_empty() {
            return Ok(());
        }
        self.create_directory()?;
        let written: Vec<io::Result<()>> =
            dirty.into_par_iter().map(|(directory, shard)| self.write_shard(&directory, shard)).collect();
        written.into_iter().collect()
    }

    /// The cache directory with its tags (a `.gitignore` that ignores it all, and the
    /// `CACHEDIR.TAG` that backup tools know), and this run's store.
    fn create_directory(&self) -> io::Result<()> {
        fs::create_dir_all(&self.store)?;
        let tags: [(&str, &str); 2] = [
            (".gitignore", "# The cache of aioguard: not for version control.\n*\n"),
            (
                "CACHEDIR.TAG",
                "Signature: 8a477f597d28d172789f06886806bc55\n# This directory is a cache of aioguard's results.\n",
            ),
        ];
        for (name, content) in tags {
            match fs::OpenOptions::new().write(true).create_new(true).open(self.root.join(name)) {
                Ok(mut file) => file.write_all(content.as_bytes())?,
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    fn shard_path(&self, directory: &Path) -> PathBuf {
        self.store.join(format!("{:016x}", fingerprint(&directory.as_os_str().as_encoded_bytes())))
    }

    fn shard(&self, directory: &Path) -> Arc<Mutex<Option<Shard>>> {
        let mut shards = lock(&self.shards);
        match shards.get(directory) {
            Some(slot) => Arc::clone(slot),
            None => Arc::clone(shards.entry(directory.to_path_buf()).or_default()),
        }
    }

    /// Reads a directory's shard; any problem with it reads as an empty shard.
    fn load(&self, directory: &Path) -> Shard {
        let stored: Option<StoredShard> =
            fs::read(self.shard_path(directory)).ok().and_then(|bytes| self.decode_stored(&bytes));
        let Some(stored) = stored.filter(|stored| stored.directory.0 == directory.as_os_str().as_encoded_bytes())
        else {
            return Shard::default();
        };
        Shard { entries: stored.entries.into_iter().collect(), dirty: false }
    }

    fn header(&self) -> Vec<u8> {
        let mut header = MAGIC.to_vec();
        header.extend(FORMAT.to_le_bytes());
        header.push(VERSION.len() as u8);
        header.extend(VERSION.as_bytes());
        header.extend(self.key.to_le_bytes());
        header
    }

    /// The header, the payload's hash, and the payload.
    fn encode_stored(&self, stored: &impl Serialize) -> Option<Vec<u8>> {
        let payload = postcard::to_stdvec(stored).ok()?;
        let mut bytes = self.header();
        bytes.extend(content_hash(&payload).to_le_bytes());
        bytes.extend(payload);
        Some(bytes)
    }

    /// A shard's (or a run's) content, when its header is this run's and its payload is
    /// whole.
    fn decode_stored<T: DeserializeOwned>(&self, bytes: &[u8]) -> Option<T> {
        let rest = bytes.strip_prefix(self.header().as_slice())?;
        let (hash, payload) = rest.split_first_chunk::<16>()?;
        if u128::from_le_bytes(*hash) != content_hash(payload) {
            return None;
        }
        match postcard::take_from_bytes(payload) {
            Ok((shard, [])) => Some(shard),
            _ => None,
        }
    }

    fn write_shard(&self, directory: &Path, shard: Shard) -> io::Result<()> {
        let mut entries: Vec<(String, Entry)> = shard.entries.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let stored = StoredShard { directory: Blob(directory.as_os_str().as_encoded_bytes().to_vec()), entries };
        let bytes = self.encode_stored(&stored).ok_or_else(|| io::Error::other("cannot encode a shard"))?;
        self.write_atomically(&bytes, &self.shard_path(directory))
    }

    /// Writes a file of the store whole to a temporary file beside it, then renames it.
    fn write_atomically(&self, bytes: &[u8], path: &Path) -> io::Result<()> {
        let mut builder = tempfile::Builder::new();
        // Readable by whoever may read the directory, as the umask allows.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut file = builder.tempfile_in(&self.store)?;
        file.write_all(bytes)?;
        file.persist(path).map_err(|error| error.error)?;
        Ok(())
    }

    /// Runs `read` on the entry of `path` when the file is unchanged since it was made.
    fn with_fresh_entry<R>(&self, path: &Path, read: impl FnOnce(&Entry) -> Option<R>) -> Option<R> {
        let (directory, name) = split(path)?;
        let slot = self.shard(directory);
        let mut guard = lock(&slot);
        let shard = guard.get_or_insert_with(|| self.load(directory));
        let entry = shard.entries.get_mut(name)?;
        if entry.state == State::Unchecked {
            match check(path, entry, self.settled_before) {
                Check::Unchanged => entry.state = State::Fresh,
                Check::Restamped(stat) => {
                    entry.state = State::Fresh;
                    shard.dirty |= entry.stat != stat;
                    entry.stat = stat;
                }
                Check::Changed => entry.state = State::Stale,
                Check::Gone => {
                    shard.entries.remove(name);
                    shard.dirty = true;
                    return None;
                }
            }
        }
        match entry.state {
            State::Fresh => read(entry),
            _ => None,
        }
    }
}

impl Entry {
    fn new(stat: Option<Stat>, hash: u128) -> Self {
        Entry { stat, hash, summary: None, findings: None, exports: None, state: State::Unchecked }
    }
}

/// What a look at an entry's file found.
enum Check {
    Unchanged,
    /// The same content with another stat (the new one, if it can be trusted).
    Restamped(Option<Stat>),
    Changed,
    Gone,
}

fn check(path: &Path, entry: &Entry, settled_before: SystemTime) -> Check {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Check::Gone,
        Err(_) => return Check::Changed,
    };
    let stat = Stat::from_metadata(&metadata);
    if entry.stat.is_some() && entry.stat == stat {
        return Check::Unchanged;
    }
    match fs::read(path) {
        Ok(bytes) if content_hash(&bytes) == entry.hash => {
            Check::Restamped(stat.filter(|stat| stat.is_settled(settled_before)))
        }
        _ => Check::Changed,
    }
}

/// A file's directory, and its name when it can be a key.
fn split(path: &Path) -> Option<(&Path, &str)> {
    Some((path.parent()?, path.file_name()?.to_str()?))
}

/// A lock that a panicking holder left is still sound here: entries are replaced whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::fs::File;

    use super::*;
    use crate::data::catalogue::Cost;
    use crate::data::diagnostic::Hop;
    use crate::data::registry;
    use crate::data::source::Position;

    /// A time long enough ago that a stat from then is trusted.
    fn long_ago(seconds: u64) -> SystemTime {
        SystemTime::now() - Duration::from_secs(3600 + seconds)
    }

    /// The cache as a run long after the files changed sees it: every stat is trusted.
    fn trusting(root: &Path) -> Cache {
        Cache::trusting_every_stat(root.to_path_buf(), 1)
    }

    fn write_file(path: &Path, content: &str, modified: SystemTime) {
        fs::write(path, content).unwrap();
        File::options().write(true).open(path).unwrap().set_modified(modified).unwrap();
    }

    fn finding(filename: &str) -> Finding {
        let at = Position { row: 2, column: 5 };
        Finding {
            rule: &registry::BLOCKING_SLEEP,
            message: "`time.sleep` blocks".to_owned(),
            filename: filename.to_owned(),
            start: at,
            end: Position { row: 2, column: 18 },
            noqa_row: 2,
            source_lines: vec!["    time.sleep(1)".to_owned()],
            fix: None,
            no_fix_reason: Some("why".to_owned()),
            chain: vec![Hop { name: "helper".to_owned(), filename: filename.to_owned(), row: 1, column: 1 }],
            cost: Some(Cost::Sleep),
            startup: false,
        }
    }

    /// Stores a summary (context 7) and findings for `path` as it is now, and persists them.
    fn store_now(root: &Path, path: &Path) {
        let cache = trusting(root);
        let stamp = Stamp::new(Stat::of(path), &fs::read(path).unwrap());
        let summary = FileSummary { path: path.to_path_buf(), ..FileSummary::default() };
        let findings = [finding("old/name.py")];
        cache.store(
            path,
            stamp,
            Results { summary: Some((7, Some(&summary))), findings: Some(&findings), exports: None },
        );
        cache.persist().unwrap();
    }

    fn summary_of(root: &Path, path: &Path) -> Option<Option<FileSummary>> {
        trusting(root).summary(path, 7)
    }

    #[test]
    fn results_come_back_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let (root, path) = (dir.path().join("cache"), dir.path().join("module.py"));
        write_file(&path, "import time\n", long_ago(0));
        store_now(&root, &path);

        let cache = trusting(&root);
        let summary = cache.summary(&path, 7).expect("a hit").expect("a summary");
        assert_eq!(summary.path, path);
        assert!(cache.summary(&path, 8).is_none(), "a summary made in another context");
        let findings = cache.findings(&path, "shown.py").expect("a hit");
        assert_eq!((findings[0].filename.as_str(), findings[0].chain[0].filename.as_str()), ("shown.py", "shown.py"));
        assert_eq!(findings[0].cost, Some(Cost::Sleep), "the cost class is kept");
        assert_eq!(findings[0].rule.code, registry::BLOCKING_SLEEP.code);
        let other_settings = Cache { settled_before: cache.settled_before, ..Cache::new(root.clone(), 2) };
        assert!(other_settings.summary(&path, 7).is_none());
        assert_eq!(fs::read_to_string(root.join(".gitignore")).unwrap().lines().last(), Some("*"));
        assert!(fs::read_to_string(root.join("CACHEDIR.TAG")).unwrap().starts_with("Signature: 8a477f597d28d172"));
    }

    #[test]
    fn a_changed_file_misses() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        let path = dir.path().join("module.py");
        let edits: [(&str, SystemTime); 3] = [
            // Same size, another modification time.
            ("import tim2\n", long_ago(5)),
            // Another size, the same modification time.
            ("import time as t\n", long_ago(0)),
            // Same size, the modification time set back: the change time tells.
            ("import tim3\n", long_ago(0)),
        ];
        for (content, modified) in edits {
            write_file(&path, "import time\n", long_ago(0));
            store_now(&root, &path);
            assert!(summary_of(&root, &path).is_some());
            write_file(&path, content, modified);
            assert!(summary_of(&root, &path).is_none(), "{content:?} was not seen");
        }
    }

    #[test]
    fn a_touched_file_is_confirmed_by_its_hash_and_restamped() {
        let dir = tempfile::tempdir().unwrap();
        let (root, path) = (dir.path().join("cache"), dir.path().join("module.py"));
        write_file(&path, "import time\n", long_ago(0));
        store_now(&root, &path);
        File::options().write(true).open(&path).unwrap().set_modified(long_ago(9)).unwrap();
        let cache = trusting(&root);
        assert!(cache.summary(&path, 7).is_some());
        cache.persist().unwrap();
        let entry_stat = |root: &Path| {
            let cache = trusting(root);
            let bytes = fs::read(cache.shard_path(dir.path())).unwrap();
            cache.decode_stored::<StoredShard>(&bytes).unwrap().entries[0].1.stat
        };
        assert_eq!(entry_stat(&root), Stat::of(&path), "the new stat is kept");
    }

    #[test]
    fn a_stat_taken_just_after_a_change_is_not_trusted() {
        let stat = Stat { size: 1, modified: (1_000_000, 0), changed: (1_000_000, 0) };
        let at = |seconds: u64| UNIX_EPOCH + Duration::from_secs(1_000_000 + seconds);
        assert!(!stat.is_settled(at(0)));
        assert!(stat.is_settled(at(1)));
        let changed_later = Stat { changed: (1_000_005, 0), ..stat };
        assert!(!changed_later.is_settled(at(3)));
        assert!(changed_later.is_settled(at(6)));

        // A file written just now is stored without its stat: the hash decides.
        let dir = tempfile::tempdir().unwrap();
        let (root, path) = (dir.path().join("cache"), dir.path().join("module.py"));
        fs::write(&path, "import time\n").unwrap();
        let cache = Cache::new(root.clone(), 1);
        cache.store(
            &path,
            Stamp::new(Stat::of(&path), b"import time\n"),
            Results { findings: Some(&[]), ..Results::default() },
        );
        cache.persist().unwrap();
        let stored = cache.decode_stored::<StoredShard>(&fs::read(cache.shard_path(dir.path())).unwrap()).unwrap();
        assert_eq!(stored.entries[0].1.stat, None);
        assert!(Cache::new(root.clone(), 1).findings(&path, "module.py").is_some());
        fs::write(&path, "import tim2\n").unwrap();
        assert!(Cache::new(root.clone(), 1).findings(&path, "module.py").is_none());
    }

    #[test]
    fn a_damaged_or_foreign_shard_is_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (root, path) = (dir.path().join("cache"), dir.path().join("module.py"));
        write_file(&path, "import time\n", long_ago(0));
        let shard = trusting(&root).shard_path(dir.path());
        type Damage = fn(Vec<u8>) -> Vec<u8>;
        let damages: [(&str, Damage); 5] = [
            ("truncated", |bytes| bytes[..bytes.len() / 2].to_vec()),
            ("empty", |_| Vec::new()),
            ("random bytes", |bytes| (0..bytes.len()).map(|i| (i * 7919 % 251) as u8).collect()),
            ("a flipped payload byte", |mut bytes| {
                let last = bytes.len() - 3;
                bytes[last] ^= 0x40;
                bytes
            }),
            ("another version", |bytes| {
                let at = MAGIC.len() + 4;
                let mut other = bytes[..at].to_vec();
                other.push(5);
                other.extend(b"9.9.9");
                other.extend(&bytes[at + 1 + VERSION.len()..]);
                other
            }),
        ];
        for (damage, apply) in damages {
            store_now(&root, &path);
            assert!(summary_of(&root, &path).is_some());
            fs::write(&shard, apply(fs::read(&shard).unwrap())).unwrap();
            assert!(summary_of(&root, &path).is_none(), "a shard with {damage} was read");
            store_now(&root, &path);
            assert!(summary_of(&root, &path).is_some(), "the shard with {damage} was not replaced");
        }
    }

    #[test]
    fn an_unwritable_cache_only_fails_to_persist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("module.py");
        write_file(&path, "import time\n", long_ago(0));
        // A regular file where the cache directory would be: nothing can be created in it.
        let root = dir.path().join("not-a-directory");
        fs::write(&root, "").unwrap();
        let cache = trusting(&root);
        assert!(cache.summary(&path, 7).is_none());
        let summary = FileSummary::default();
        let stamp = Stamp::new(Stat::of(&path), &fs::read(&path).unwrap());
        cache.store(&path, stamp, Results { summary: Some((7, Some(&summary))), ..Results::default() });
        assert!(cache.summary(&path, 7).is_some(), "kept for the rest of the run");
        assert!(cache.persist().is_err());
    }

    #[test]
    fn writers_at_the_same_time_never_leave_a_broken_shard() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        let paths: Vec<PathBuf> = (0..2).map(|writer| dir.path().join(format!("m{writer}.py"))).collect();
        for path in &paths {
            write_file(path, "import time\n", long_ago(0));
        }
        std::thread::scope(|scope| {
            for path in &paths {
                let root = &root;
                scope.spawn(move || {
                    for round in 0..40 {
                        let cache = trusting(root);
                        let stamp = Stamp::new(Stat::of(path), &fs::read(path).unwrap());
                        let findings = vec![finding(&format!("round{round}.py")); round % 5];
                        cache.store(path, stamp, Results { findings: Some(&findings), ..Results::default() });
                        cache.persist().unwrap();
                    }
                });
            }
            scope.spawn(|| {
                let cache = trusting(&root);
                for _ in 0..200 {
                    if let Ok(bytes) = fs::read(cache.shard_path(dir.path())) {
                        assert!(cache.decode_stored::<StoredShard>(&bytes).is_some(), "a broken shard");
                    }
                }
            });
        });
        let cache = trusting(&root);
        let found = paths.iter().filter(|path| cache.findings(path, "x.py").is_some()).count();
        assert!(found >= 1, "the last writer's entry is there");
    }
}
