//! Runs every fixture under `tests/fixtures/<rule>/`: each `*.py` file carries its
//! expected findings inline, `# expect: AG101` (several: `# expect: AG101, AG104`) on
//! the line where the finding starts; a code listed twice expects two findings; a code
//! followed by `start-up` expects a finding in start-up code, and one without, a finding
//! elsewhere. Any missing or extra finding fails the test.
//! An `aioguard.yaml` in a fixture directory configures the fixtures beside it.
//!
//! A `x.py.fixed` beside `x.py` is what fixing `x.py` with `--unsafe-fixes` must
//! produce, byte for byte; fixing it again must change nothing, and CPython must
//! compile it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use aioguard::data::config::{self, Overrides, Settings};
use aioguard::data::diagnostic::Applicability;
use aioguard::data::encoding::stored_bytes;
use aioguard::data::source::LineIndex;
use aioguard::driver::linter;

const EXPECT_MARKER: &str = "# expect:";
/// The word after a code that expects a finding in start-up code.
const STARTUP: &str = "start-up";

fn fixture_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/fixtures exists") {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|extension| extension == "py") {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}

fn settings_for(fixture: &Path) -> Settings {
    let dir = fixture.parent().unwrap();
    let config_file = dir.join("aioguard.yaml");
    let options =
        if config_file.is_file() { config::load_options(&config_file).unwrap() } else { config::Options::default() };
    Settings::new(options, dir.to_path_buf(), None, &Overrides::default()).unwrap()
}

/// How many findings of each `(row, code)` a fixture's `# expect:` comments announce.
fn expected_findings(text: &str) -> BTreeMap<(usize, String), usize> {
    let mut expected = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(position) = line.find(EXPECT_MARKER) {
            for code in line[position + EXPECT_MARKER.len()..].split(',') {
                let mut words = code.split_whitespace();
                let code = words.next().unwrap_or_default();
                assert!(!code.is_empty(), "empty expectation on line {}", index + 1);
                let key = match words.next() {
                    Some(STARTUP) => format!("{code} {STARTUP}"),
                    _ => code.to_owned(),
                };
                *expected.entry((index + 1, key)).or_default() += 1;
            }
        }
    }
    expected
}

#[test]
fn every_fixture_reports_exactly_what_it_expects() {
    let files = fixture_files();
    assert!(!files.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let settings = settings_for(file);
        let diagnostics = linter::check_text(&text, &settings, settings.rules, None);
        let lines = LineIndex::new(&text);
        let mut actual: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for diagnostic in &diagnostics {
            let code = diagnostic.rule.code;
            let code = if diagnostic.startup { format!("{code} {STARTUP}") } else { code.to_owned() };
            *actual.entry((lines.line_of(diagnostic.range.start()) + 1, code)).or_default() += 1;
        }
        let expected = expected_findings(&text);
        let name = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display();
        for ((row, code), &count) in &expected {
            let found = actual.get(&(*row, code.clone())).copied().unwrap_or_default();
            if found < count {
                failures.push(format!("{name}:{row}: expected {count} {code} but {found} reported"));
            }
        }
        for ((row, code), &count) in &actual {
            let wanted = expected.get(&(*row, code.clone())).copied().unwrap_or_default();
            if count > wanted {
                let message = diagnostics
                    .iter()
                    .find(|diagnostic| {
                        lines.line_of(diagnostic.range.start()) + 1 == *row && code.starts_with(diagnostic.rule.code)
                    })
                    .map(|diagnostic| diagnostic.message.as_str())
                    .unwrap_or_default();
                failures.push(format!("{name}:{row}: {count} {code} reported but {wanted} expected: {message}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} fixture mismatches:\n{}", failures.len(), failures.join("\n"));
}

fn fixed_path(fixture: &Path) -> PathBuf {
    fixture.with_extension("py.fixed")
}

/// `bytes` after fixing with `--unsafe-fixes` under the configuration of `fixture`'s
/// directory, and how many fixes that took.
fn fix_bytes(fixture: &Path, bytes: &[u8]) -> (Vec<u8>, usize) {
    let text = std::str::from_utf8(bytes).unwrap();
    let (text, has_bom) = text.strip_prefix(linter::BOM).map_or((text, false), |rest| (rest, true));
    let settings = settings_for(fixture);
    let diagnostics = linter::check_text(text, &settings, settings.rules, None);
    let fixed = linter::fix_text(text, diagnostics, &settings, settings.rules, Applicability::Unsafe, None, None)
        .unwrap_or_else(|error| panic!("{}: {error}", fixture.display()));
    (stored_bytes(&fixed.text, has_bom), fixed.fixed)
}

#[test]
fn every_fixed_fixture_is_what_fixing_produces_and_is_stable() {
    let fixtures: Vec<PathBuf> = fixture_files().into_iter().filter(|file| fixed_path(file).is_file()).collect();
    assert!(fixtures.len() >= 20, "only {} fixtures have a .py.fixed", fixtures.len());
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let expected = std::fs::read(fixed_path(fixture)).unwrap();
        let name = fixture.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display();
        let (actual, _) = fix_bytes(fixture, &std::fs::read(fixture).unwrap());
        if actual != expected {
            failures.push(format!(
                "{name}: fixing gives\n{}\ninstead of\n{}",
                String::from_utf8_lossy(&actual),
                String::from_utf8_lossy(&expected)
            ));
            continue;
        }
        let (refixed, count) = fix_bytes(fixture, &expected);
        if count != 0 || refixed != expected {
            failures.push(format!("{name}: fixing the fixed file applies {count} more fixes"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_fixed_fixture_compiles_with_cpython() {
    let fixed: Vec<PathBuf> =
        fixture_files().into_iter().map(|file| fixed_path(&file)).filter(|f| f.is_file()).collect();
    let bytecode = tempfile::tempdir().unwrap();
    let script = "import py_compile, sys, os\nfailed = 0\nfor i, path in enumerate(sys.argv[2:]):\n    try:\n        py_compile.compile(path, cfile=os.path.join(sys.argv[1], f'{i}.pyc'), doraise=True)\n    except py_compile.PyCompileError as error:\n        failed += 1\n        print(error.msg)\nsys.exit(1 if failed else 0)\n";
    let output =
        Command::new(common::tools_python()).arg("-c").arg(script).arg(bytecode.path()).args(&fixed).output().unwrap();
    assert!(output.status.success(), "CPython rejects fixed fixtures:\n{}", String::from_utf8_lossy(&output.stdout));
}
