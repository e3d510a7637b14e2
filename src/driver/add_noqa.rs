//! `aioguard check --add-noqa`: the way to adopt aioguard on an existing codebase. Each
//! line with a finding gets a `# noqa: CODE` (merged into the `# noqa: …` it has), so
//! that the next check reports nothing and the hook and the Action hold the line from
//! there. The comment goes where suppression looks for it: on the line the finding
//! starts on, or, for a line that ends inside a multi-line string or with a `\`, on the
//! line where the string or the continued line ends. A file is written atomically, and
//! only if the result still parses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ruff_python_parser::parse_module;

use crate::data::diagnostic::{Edit, Finding};
use crate::data::noqa::Suppressions;
use crate::data::registry;
use crate::data::source::LineIndex;
use crate::driver::linter::read_source;
use crate::driver::write;
use crate::fixes::engine::apply_edits;

/// What adding the comments to one file did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// How many lines got a new `# noqa` or a code added to theirs.
    pub lines: usize,
    /// The 1-based rows of findings no comment could be added for (the line has no code).
    pub skipped_rows: Vec<usize>,
}

/// Adds to the file at `path` the `# noqa` comments that suppress `findings` (those of
/// the file as it is); syntax errors cannot be suppressed and get none.
pub fn add_noqa(path: &Path, findings: &[Finding]) -> Result<Added, String> {
    let wanted: Vec<&Finding> =
        findings.iter().filter(|finding| !std::ptr::eq(finding.rule, &registry::SYNTAX_ERROR)).collect();
    if wanted.is_empty() {
        return Ok(Added::default());
    }
    let source = read_source(path)?;
    let (text, added) = with_noqa(&source.text, &wanted)?;
    if added.lines > 0 {
        let bytes = source.stored_bytes(&text)?;
        write::replace_file(path, &source.original_bytes(), &bytes)?;
    }
    Ok(added)
}

/// The edits that add to `text` the comments that suppress `findings` (of `text`).
pub fn noqa_edits(text: &str, findings: &[&Finding]) -> Result<(Vec<Edit>, Added), String> {
    let parsed = parse_module(text).map_err(|error| format!("does not parse: {}", error.error))?;
    let lines = LineIndex::new(text);
    let suppressions = Suppressions::from_tokens(parsed.tokens(), text, &lines);
    let mut by_line: BTreeMap<usize, (BTreeSet<&str>, Vec<usize>)> = BTreeMap::new();
    for finding in findings {
        let (codes, rows) = by_line.entry(suppressions.noqa_line(finding.start.row - 1)).or_default();
        codes.insert(finding.rule.code);
        rows.push(finding.start.row);
    }
    let mut added = Added::default();
    let mut edits = Vec::new();
    for (line, (codes, rows)) in by_line {
        let codes: Vec<&str> = codes.into_iter().collect();
        match suppressions.adding(line, &codes, text, &lines) {
            Some(edit) => edits.push(edit),
            None if suppressions.directive_on(line).is_some() => {}
            None => added.skipped_rows.extend(rows),
        }
    }
    added.lines = edits.len();
    added.skipped_rows.sort_unstable();
    Ok((edits, added))
}

/// `text` with the comments that suppress `findings`.
fn with_noqa(text: &str, findings: &[&Finding]) -> Result<(String, Added), String> {
    let (edits, added) = noqa_edits(text, findings)?;
    let rewritten = apply_edits(text, edits.iter().collect());
    if let Err(error) = parse_module(&rewritten) {
        return Err(format!("adding `# noqa` comments would break the file ({}); it was left unchanged", error.error));
    }
    Ok((rewritten, added))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::config::{Options, Overrides, Settings};
    use crate::driver::linter;

    fn findings(text: &str) -> Vec<Finding> {
        let options: Options = serde_yaml::from_str("select: [AG1, AG2]").unwrap();
        let settings = Settings::new(options, ".".into(), None, &Overrides::default()).unwrap();
        let diagnostics = linter::check_text(text, &settings, settings.rules, None);
        linter::findings_of("m.py", text, diagnostics)
    }

    /// Adds the comments, then checks that nothing is left and that adding again adds nothing.
    fn add(text: &str) -> String {
        let found = findings(text);
        assert!(!found.is_empty(), "nothing found in:\n{text}");
        let (rewritten, added) = with_noqa(text, &found.iter().collect::<Vec<_>>()).unwrap();
        assert!(added.skipped_rows.is_empty(), "{added:?}");
        let left = findings(&rewritten);
        assert!(left.is_empty(), "left: {left:?}\n{rewritten}");
        rewritten
    }

    #[test]
    fn appends_merges_and_follows_strings_and_continuations() {
        let text = "\
import time, requests, asyncio


async def main(url):
    time.sleep(1)
    requests.get(url); time.sleep(2)   
    time.sleep(3)  # noqa: AG102 because
    time.sleep(4)  # type: ignore
    time.sleep(len('''
    ''')); requests.get(url)
    x = 1 + \\
        time.sleep(5)
    asyncio.create_task(main(url))
";
        let expected = "\
import time, requests, asyncio


async def main(url):
    time.sleep(1)  # noqa: AG101
    requests.get(url); time.sleep(2)  # noqa: AG101, AG102
    time.sleep(3)  # noqa: AG102, AG101 because
    time.sleep(4)  # type: ignore  # noqa: AG101
    time.sleep(len('''
    ''')); requests.get(url)  # noqa: AG101, AG102
    x = 1 + \\
        time.sleep(5)  # noqa: AG101
    asyncio.create_task(main(url))  # noqa: AG201
";
        assert_eq!(add(text), expected);
        // The findings say where their `# noqa` goes: for a line that ends inside a
        // string or with a `\`, the line where it ends.
        let noqa_rows: Vec<(usize, usize)> =
            findings(text).iter().map(|finding| (finding.start.row, finding.noqa_row)).collect();
        assert_eq!(noqa_rows, [(5, 5), (6, 6), (6, 6), (7, 7), (8, 8), (9, 10), (10, 10), (12, 12), (13, 13)]);
        // The same findings again (as a second run of an older check would see them): nothing to add.
        let found = findings(text);
        let (again, added) = with_noqa(expected, &found.iter().collect::<Vec<_>>()).unwrap();
        assert_eq!((again.as_str(), added), (expected, Added::default()));
    }
}
