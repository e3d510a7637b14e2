//! Hashes aioguard's sources into `AIOGUARD_SOURCE_HASH`, which keys the cache: a
//! development build whose code changed does not reuse the results of the code before.
//!
//! Copies each rule's documentation (the doc comment that opens `src/rules/<rule>.rs`,
//! from its first `## ` heading on) to `$OUT_DIR/rule_docs/<rule>.md`, where the rule
//! registry (`src/data/registry.rs`) includes it.
//!
//! Writes the built-in catalogue (`src/data/catalogue.yaml`) as JSON to
//! `$OUT_DIR/catalogue.json`, which the binary embeds: every run starts by reading the
//! catalogue, and parsing its JSON takes a tenth of the time its YAML would.

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
    extract_rule_docs();
    convert_catalogue();
}

fn convert_catalogue() {
    let yaml = std::fs::read_to_string("src/data/catalogue.yaml").expect("src/data/catalogue.yaml");
    let value: serde_yaml::Value =
        serde_yaml::from_str(&yaml).unwrap_or_else(|error| panic!("src/data/catalogue.yaml: {error}"));
    let json = serde_json::to_string(&value).unwrap_or_else(|error| panic!("src/data/catalogue.yaml: {error}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("catalogue.json"), json).expect("write OUT_DIR/catalogue.json");
}

fn extract_rule_docs() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("rule_docs");
    std::fs::create_dir_all(&out).expect("create OUT_DIR/rule_docs");
    let entries = std::fs::read_dir("src/rules").expect("src/rules");
    for path in entries.flatten().map(|entry| entry.path()) {
        let (Some(stem), Some("rs")) =
            (path.file_stem().and_then(|s| s.to_str()), path.extension().and_then(|e| e.to_str()))
        else {
            continue;
        };
        let source = std::fs::read_to_string(&path).expect("a rule file");
        let doc: Vec<&str> = source
            .lines()
            .map_while(|line| line.strip_prefix("//!"))
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .skip_while(|line| !line.starts_with("## "))
            .collect();
        if !doc.is_empty() {
            std::fs::write(out.join(format!("{stem}.md")), doc.join("\n") + "\n")
                .expect("write a rule's documentation");
        }
    }
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
