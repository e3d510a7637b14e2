//! The layers of `src/` (the README's "Architecture"): each module uses only its own layer
//! and those below it, so that a change to a rule cannot break the cache, the project
//! index or the configuration. Unit tests (items marked `#[cfg(test)]`) may use any
//! layer; comments are not code and are not read.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom up, with the top-level modules of `src/` each holds.
const LAYERS: &[(&str, &[&str])] = &[
    ("data", &["data"]),
    ("analysis", &["analysis"]),
    ("rules", &["rules"]),
    ("fixes", &["fixes"]),
    ("outputs", &["outputs"]),
    ("driver and CLI", &["driver", "cli"]),
];

/// The crate roots, which declare the layers and belong to none.
const ROOTS: &[&str] = &["lib.rs", "main.rs"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The top-level module a path under `src/` belongs to (`data` for `src/data/noqa.rs`,
/// `cli` for `src/cli.rs`).
fn top_module(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str().to_str().unwrap();
    first.strip_suffix(".rs").unwrap_or(first).to_owned()
}

/// Every `crate::<module>` a line of code names, outside comments.
fn crate_modules(line: &str) -> Vec<&str> {
    let code = line.split("//").next().unwrap();
    code.match_indices("crate::")
        .filter(|(at, _)| !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .map(|(at, prefix)| {
            let rest = &code[at + prefix.len()..];
            &rest[..rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())]
        })
        .collect()
}

/// The lines of `source` that name a module of a higher layer than `layer`, outside
/// items marked `#[cfg(test)]`.
fn upward_uses(source: &str, layer: usize) -> Vec<(usize, String, &'static str)> {
    let mut found = Vec::new();
    // Inside a test item: its brace depth so far, and whether its body has opened.
    let mut test_item: Option<(i32, bool)> = None;
    for (index, line) in source.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            test_item = Some((0, false));
            continue;
        }
        if let Some((depth, opened)) = &mut test_item {
            *depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            *opened |= line.contains('{');
            if (*opened && *depth <= 0) || (!*opened && line.trim_end().ends_with(';')) {
                test_item = None;
            }
            continue;
        }
        for module in crate_modules(line) {
            if let Some(used) = layer_of(module).filter(|used| *used > layer) {
                found.push((index + 1, line.trim().to_owned(), LAYERS[used].0));
            }
        }
    }
    found
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let mut offending = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(src()).unwrap();
        if ROOTS.contains(&relative.to_str().unwrap()) {
            continue;
        }
        let module = top_module(relative);
        let Some(layer) = layer_of(&module) else {
            offending.push(format!("src/{}: `{module}` is in no layer", relative.display()));
            continue;
        };
        let source = fs::read_to_string(path).unwrap();
        for (row, line, used) in upward_uses(&source, layer) {
            offending.push(format!("src/{}:{row}: {} uses {used}: {line}", relative.display(), LAYERS[layer].0));
        }
    }
    assert!(offending.is_empty(), "imports that run upward:\n{}", offending.join("\n"));
}

#[test]
fn the_check_finds_an_upward_import_and_skips_comments_and_unit_tests() {
    let rules = layer_of("rules").unwrap();
    let source = "//! See [`crate::driver`].\nuse crate::analysis::walk;\nuse crate::fixes::Fixer; // upward\nfn f() { crate::cli::run() }\n#[cfg(test)]\nmod tests {\n    fn g() {\n        crate::driver::linter::check();\n    }\n}\nfn h() -> u8 { crate::outputs::X }\n";
    let found: Vec<(usize, &str)> = upward_uses(source, rules).into_iter().map(|(row, _, used)| (row, used)).collect();
    assert_eq!(found, [(3, "fixes"), (4, "driver and CLI"), (11, "outputs")]);
    assert_eq!(crate_modules("x = my_crate::driver; crate::data::source"), ["data"]);
}

/// The README's "Architecture" section names the layer folders in order, and every path
/// under `src/` it names exists.
#[test]
fn the_readme_describes_the_layers_in_order() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("\n## Architecture\n").expect("README has an Architecture section");
    let section = &readme[start + 1..];
    let section = &section[..section[1..].find("\n## ").map_or(section.len(), |end| end + 1)];

    let mut positions = Vec::new();
    for (name, modules) in LAYERS {
        for module in *modules {
            let folder =
                if src().join(module).is_dir() { format!("`src/{module}/`") } else { format!("`src/{module}.rs`") };
            let at = section.find(&folder).unwrap_or_else(|| panic!("Architecture names {folder} ({name})"));
            positions.push((at, folder));
        }
    }
    let in_order = positions.windows(2).all(|pair| pair[0].0 < pair[1].0);
    assert!(in_order, "Architecture lists the layers bottom up: {positions:?}");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (at, _) in section.match_indices("`src/") {
        let named = &section[at + 1..];
        let named = &named[..named.find('`').unwrap()];
        assert!(root.join(named).exists(), "Architecture names {named}, which does not exist");
    }
}
