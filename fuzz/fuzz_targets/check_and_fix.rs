//! Arbitrary text through parse → check → fix. Asserts: no panic; every finding's and
//! every edit's range lies inside the text on character boundaries; when the input
//! parses, fixing succeeds (the fixed text parses); and fixing the fixed text changes
//! nothing.
#![no_main]

use std::sync::LazyLock;

use aioguard::data::config::{Options, Overrides, Settings};
use aioguard::data::diagnostic::{Applicability, Diagnostic};
use aioguard::driver::linter;
use aioguard::data::registry;
use libfuzzer_sys::fuzz_target;

static SETTINGS: LazyLock<Settings> =
    LazyLock::new(|| Settings::new(Options::default(), ".".into(), None, &Overrides::default()).unwrap());

fn assert_in_bounds(text: &str, diagnostics: &[Diagnostic]) {
    let ranges = diagnostics.iter().flat_map(|diagnostic| {
        std::iter::once(diagnostic.range)
            .chain(diagnostic.fix.iter().flat_map(|fix| fix.edits.iter().map(|edit| edit.range)))
    });
    for range in ranges {
        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
        assert!(start <= end && end <= text.len(), "range {start}..{end} outside a text of {}", text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "range {start}..{end} splits a character");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let diagnostics = linter::check_text(text, &SETTINGS, SETTINGS.rules, None);
    assert_in_bounds(text, &diagnostics);
    let parses = !diagnostics.iter().any(|diagnostic| std::ptr::eq(diagnostic.rule, &registry::SYNTAX_ERROR));
    let fixed = linter::fix_text(text, diagnostics, &SETTINGS, SETTINGS.rules, Applicability::Unsafe, None);
    if !parses {
        return;
    }
    let fixed = fixed.unwrap_or_else(|error| panic!("fixing a valid module produced invalid code: {error}"));
    assert_in_bounds(&fixed.text, &fixed.diagnostics);
    let again = linter::fix_text(&fixed.text, fixed.diagnostics, &SETTINGS, SETTINGS.rules, Applicability::Unsafe, None)
        .unwrap_or_else(|error| panic!("fixing the fixed text produced invalid code: {error}"));
    assert_eq!(again.text, fixed.text, "fixing the fixed text changed it");
});
