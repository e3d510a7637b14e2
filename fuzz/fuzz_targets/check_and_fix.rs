//! Arbitrary text through parse → check → fix: no panic, every finding's range lies
//! inside the text on character boundaries, and fixing either succeeds or reports a
//! result that does not parse (never a panic).
#![no_main]

use std::sync::LazyLock;

use aioguard::config::{Options, Overrides, Settings};
use aioguard::diagnostic::Applicability;
use aioguard::linter;
use libfuzzer_sys::fuzz_target;

static SETTINGS: LazyLock<Settings> =
    LazyLock::new(|| Settings::new(Options::default(), ".".into(), None, &Overrides::default()).unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let diagnostics = linter::check_text(text, &SETTINGS, SETTINGS.rules);
    for diagnostic in &diagnostics {
        let (start, end) = (usize::from(diagnostic.range.start()), usize::from(diagnostic.range.end()));
        assert!(start <= end && end <= text.len(), "range {start}..{end} outside a text of {}", text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    }
    let _ = linter::fix_text(text, diagnostics, &SETTINGS, SETTINGS.rules, Applicability::Unsafe);
});
