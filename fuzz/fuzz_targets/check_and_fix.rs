//! Arbitrary text through parse → check: no panic, and every finding's range lies
//! inside the text on character boundaries.
#![no_main]

use std::sync::LazyLock;

use aioguard::config::{Options, Overrides, Settings};
use aioguard::linter;
use libfuzzer_sys::fuzz_target;

static SETTINGS: LazyLock<Settings> =
    LazyLock::new(|| Settings::new(Options::default(), ".".into(), None, &Overrides::default()).unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (diagnostics, _) = linter::check_text(text, &SETTINGS, SETTINGS.rules);
    for diagnostic in &diagnostics {
        let (start, end) = (usize::from(diagnostic.range.start()), usize::from(diagnostic.range.end()));
        assert!(start <= end && end <= text.len(), "range {start}..{end} outside a text of {}", text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    }
});
