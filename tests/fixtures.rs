//! Runs every fixture under `tests/fixtures/<rule>/`: each `*.py` file carries its
//! expected findings inline, `# expect: AG101` (several: `# expect: AG101, AG104`) on
//! the line where the finding starts; a code listed twice expects two findings. Any
//! missing or extra finding fails the test.
//! An `aioguard.yaml` in a fixture directory configures the fixtures beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aioguard::config::{self, Overrides, Settings};
use aioguard::linter;
use aioguard::source::LineIndex;

const EXPECT_MARKER: &str = "# expect:";

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
                let code = code.split_whitespace().next().unwrap_or_default();
                assert!(!code.is_empty(), "empty expectation on line {}", index + 1);
                *expected.entry((index + 1, code.to_owned())).or_default() += 1;
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
        let (diagnostics, _) = linter::check_text(&text, &settings, settings.rules);
        let lines = LineIndex::new(&text);
        let mut actual: BTreeMap<(usize, String), usize> = BTreeMap::new();
        for diagnostic in &diagnostics {
            let key = (lines.line_of(diagnostic.range.start()) + 1, diagnostic.rule.code.to_owned());
            *actual.entry(key).or_default() += 1;
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
                        lines.line_of(diagnostic.range.start()) + 1 == *row && diagnostic.rule.code == code
                    })
                    .map(|diagnostic| diagnostic.message.as_str())
                    .unwrap_or_default();
                failures.push(format!("{name}:{row}: {count} {code} reported but {wanted} expected: {message}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} fixture mismatches:\n{}", failures.len(), failures.join("\n"));
}
