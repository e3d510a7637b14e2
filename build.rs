//! Hashes aioguard's sources into `AIOGUARD_SOURCE_HASH`, which keys the cache: a
//! development build whose code changed does not reuse the results of the code before.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=Cargo.lock");
    let mut files = Vec::new();
    collect_files(Path::new("src"), &mut files);
    files.push(PathBuf::from("Cargo.lock"));
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        // A file that cannot be read (`Cargo.lock` outside a checkout) hashes as missing.
        std::fs::read(&file).ok().hash(&mut hasher);
    }
    println!("cargo::rustc-env=AIOGUARD_SOURCE_HASH={:016x}", hasher.finish());
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}
