//! `--diff-base REF`: which files, and which of their lines, changed since the merge-base
//! of `REF` and `HEAD`, counting the working tree (staged, unstaged and untracked files
//! that are not ignored). Asks the `git` command line, as the checkout it runs in sees it.

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use rustc_hash::FxHashMap as HashMap;

use crate::data::diagnostic::Finding;
use crate::data::discovery::{git, repository_root};

/// Which findings of a changed file are reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DiffFilter {
    /// Only findings on added or changed lines.
    #[default]
    Added,
    /// Every finding in a changed file.
    File,
}

/// The lines of one file that are new since the base.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangedLines {
    /// A file the base does not have: every line is new.
    All,
    /// 1-based inclusive row ranges; empty for a file only renamed or with lines only removed.
    Rows(Vec<(usize, usize)>),
}

impl ChangedLines {
    /// Whether any row from `first` to `last` is new.
    pub fn touches(&self, first: usize, last: usize) -> bool {
        match self {
            ChangedLines::All => true,
            ChangedLines::Rows(rows) => rows.iter().any(|&(start, end)| start <= last && first <= end),
        }
    }
}

/// The files changed since a base, by canonical path.
#[derive(Debug)]
pub struct Changes {
    root: PathBuf,
    files: HashMap<PathBuf, ChangedLines>,
    filter: DiffFilter,
}

impl Changes {
    /// Finds what changed in the repository that contains `dir` since the merge-base of
    /// `base` and `HEAD`. Errors say what is wrong: not a checkout, an unknown `base`, no
    /// common history.
    pub fn since(base: &str, dir: &Path, filter: DiffFilter) -> Result<Self, String> {
        let root = repository_root(dir)?;
        let commit =
            git(&root, ["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{base}^{{commit}}")])
                .map_err(|_| format!("`{base}` is not a commit of the repository at {}", root.display()))?;
        let merge_base = git(&root, ["merge-base", commit.trim(), "HEAD"])
            .map_err(|_| format!("`{base}` and HEAD have no common history"))?;
        // Both commands stat every file of the checkout: they run at the same time.
        let (diff, untracked) = std::thread::scope(|scope| {
            let untracked =
                scope.spawn(|| git(&root, ["ls-files", "--others", "--exclude-standard", "--full-name", "-z"]));
            let diff = git(
                &root,
                [
                    "-c",
                    "core.quotePath=false",
                    "diff",
                    "-U0",
                    "--find-renames",
                    "--diff-filter=d",
                    "--no-color",
                    "--no-ext-diff",
                    "--no-textconv",
                    "--no-relative",
                    "--ignore-submodules",
                    "--src-prefix=a/",
                    "--dst-prefix=b/",
                    merge_base.trim(),
                    "--",
                ],
            );
            (diff, untracked.join().unwrap_or_else(|_| Err("cannot run git ls-files".to_owned())))
        });
        let (diff, untracked) = (diff?, untracked?);
        let mut files: HashMap<PathBuf, ChangedLines> =
            parse_diff(&diff).into_iter().map(|(path, lines)| (root.join(path), lines)).collect();
        for path in untracked.split('\0').filter(|path| !path.is_empty()) {
            files.insert(root.join(path), ChangedLines::All);
        }
        Ok(Changes { root, files, filter })
    }

    /// The repository's top directory, canonical.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lines_of(&self, path: &Path) -> Option<&ChangedLines> {
        let canonical = std::fs::canonicalize(path).ok()?;
        self.files.get(&canonical)
    }

    /// The changed files, by canonical path.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.lines_of(path).is_some()
    }

    /// The rows of `path` whose findings may be fixed (those the filter reports), or
    /// `None` when every row's may.
    pub fn rows_to_fix(&self, path: &Path) -> Option<&[(usize, usize)]> {
        match (self.filter, self.lines_of(path)) {
            (DiffFilter::Added, Some(ChangedLines::Rows(rows))) => Some(rows),
            (DiffFilter::Added, None) => Some(&[]),
            _ => None,
        }
    }

    /// Keeps the findings of `path` that the filter reports; `rows_after_fix` are the
    /// changed rows of the file as fixing left it (see [`rows_after_fix`]).
    pub fn retain_changed_after_fix(
        &self,
        path: &Path,
        rows_after_fix: Option<&[(usize, usize)]>,
        findings: &mut Vec<Finding>,
    ) {
        match rows_after_fix {
            Some(rows) => {
                let rows = ChangedLines::Rows(rows.to_vec());
                findings.retain(|finding| rows.touches(finding.start.row, finding.end.row));
            }
            None => self.retain_changed(path, findings),
        }
    }

    /// Keeps the findings of `path` that the filter reports.
    pub fn retain_changed(&self, path: &Path, findings: &mut Vec<Finding>) {
        let Some(lines) = self.lines_of(path) else {
            findings.clear();
            return;
        };
        if self.filter == DiffFilter::Added {
            findings.retain(|finding| lines.touches(finding.start.row, finding.end.row));
        }
    }
}

/// The changed rows of `fixed` given those of `original` it was fixed from: rows that
/// stayed keep their state (at their new numbers), and every row the fixes wrote is
/// changed, as a diff against the base would say.
pub fn rows_after_fix(original: &str, fixed: &str, rows: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let was_changed = |row: usize| rows.iter().any(|&(first, last)| first <= row && row <= last);
    let mut changed: Vec<(usize, usize)> = Vec::new();
    let mut mark = |row: usize| match changed.last_mut() {
        Some((_, last)) if *last + 1 == row => *last = row,
        _ => changed.push((row, row)),
    };
    for op in similar::TextDiff::from_lines(original, fixed).ops() {
        let new = op.new_range();
        match op.tag() {
            similar::DiffTag::Equal => {
                let old = op.old_range();
                for (old_row, new_row) in old.zip(new) {
                    if was_changed(old_row + 1) {
                        mark(new_row + 1);
                    }
                }
            }
            _ => new.for_each(|new_row| mark(new_row + 1)),
        }
    }
    changed
}

/// The new path and added rows of each file in a `git diff -U0` patch. A file with no
/// hunk (renamed only) is listed with no rows.
fn parse_diff(patch: &str) -> Vec<(String, ChangedLines)> {
    let mut files: Vec<(String, ChangedLines)> = Vec::new();
    let mut lines = patch.lines();
    while let Some(line) = lines.next() {
        let path = if line.starts_with("diff --git ") {
            files.push((String::new(), ChangedLines::Rows(Vec::new())));
            None
        } else if let Some(path) = line.strip_prefix("rename to ") {
            Some(unquote_path(path))
        } else if let Some(path) = line.strip_prefix("+++ ") {
            unquote_path(path).strip_prefix("b/").map(str::to_owned)
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            let (added, removed_count, added_count) = parse_hunk_header(hunk).unwrap_or((0, 0, 0));
            if let Some((_, ChangedLines::Rows(rows))) = files.last_mut()
                && added_count > 0
            {
                rows.push((added, added + added_count - 1));
            }
            skip_hunk_body(&mut lines, removed_count + added_count);
            None
        } else {
            None
        };
        if let (Some(path), Some(file)) = (path, files.last_mut()) {
            file.0 = path;
        }
    }
    // A file whose mode alone changed names no path and has nothing new.
    files.retain(|(path, _)| !path.is_empty());
    files
}

/// Skips a hunk's removed and added lines, which may themselves look like headers
/// (`+++ `, `@@ `); `\ No newline at end of file` markers are not counted.
fn skip_hunk_body(lines: &mut std::str::Lines<'_>, mut remaining: usize) {
    while remaining > 0 {
        match lines.next() {
            Some(line) if line.starts_with('\\') => {}
            Some(_) => remaining -= 1,
            None => return,
        }
    }
}

/// `-a,b +c,d` → (c, b, d); a count left out is 1.
fn parse_hunk_header(hunk: &str) -> Option<(usize, usize, usize)> {
    let mut ranges = hunk.split(' ');
    let removed = ranges.next()?.strip_prefix('-')?;
    let added = ranges.next()?.strip_prefix('+')?;
    let count = |range: &str| -> Option<(usize, usize)> {
        match range.split_once(',') {
            Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
            None => Some((range.parse().ok()?, 1)),
        }
    };
    let (_, removed_count) = count(removed)?;
    let (added_start, added_count) = count(added)?;
    Some((added_start, removed_count, added_count))
}

/// A path as git prints it in a patch: C-quoted when it holds a quote, a backslash or a
/// control character; with a tab after it (after the quotes) when it holds a space.
fn unquote_path(printed: &str) -> String {
    let printed = printed.strip_suffix('\t').unwrap_or(printed);
    let Some(quoted) = printed.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) else {
        return printed.to_owned();
    };
    let mut bytes = Vec::with_capacity(quoted.len());
    let mut chars = quoted.bytes();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(0x07),
            Some(b'b') => bytes.push(0x08),
            Some(b'f') => bytes.push(0x0c),
            Some(b'v') => bytes.push(0x0b),
            Some(digit @ b'0'..=b'3') => {
                let octal = [digit, chars.next().unwrap_or(b'0'), chars.next().unwrap_or(b'0')];
                bytes.push(octal.iter().fold(0u8, |value, digit| value.wrapping_mul(8).wrapping_add(digit - b'0')));
            }
            Some(other) => bytes.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_added_rows_and_bodies_are_skipped() {
        let patch = "\
diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -3,0 +4,2 @@ def f():
+++ looks like a header
+@@ -1 +1 @@ and a hunk
@@ -10 +12 @@
-old
+new
@@ -20,2 +21,0 @@
-gone
-gone
diff --git a/old name.py b/new name.py
similarity index 100%
rename from old name.py
rename to new name.py
diff --git \"a/q\\\"uote\\303\\251.py\" \"b/q\\\"uote\\303\\251.py\"
new file mode 100644
--- /dev/null
+++ \"b/q\\\"uote\\303\\251.py\"
@@ -0,0 +1 @@
+x
";
        let files = parse_diff(patch);
        assert_eq!(
            files,
            vec![
                ("app.py".to_owned(), ChangedLines::Rows(vec![(4, 5), (12, 12)])),
                ("new name.py".to_owned(), ChangedLines::Rows(Vec::new())),
                ("q\"uoteé.py".to_owned(), ChangedLines::Rows(vec![(1, 1)])),
            ]
        );
    }

    #[test]
    fn paths_with_spaces_lose_the_trailing_tab() {
        assert_eq!(unquote_path("b/sp ace.py\t"), "b/sp ace.py");
        assert_eq!(unquote_path("\"b/tab\\tx.py\""), "b/tab\tx.py");
        assert_eq!(unquote_path("\"b/a \\\"q\\\".py\"\t"), "b/a \"q\".py", "quoted, with a space");
    }

    #[test]
    fn a_range_touches_rows_it_overlaps() {
        let rows = ChangedLines::Rows(vec![(4, 5), (12, 12)]);
        assert!(rows.touches(5, 7) && rows.touches(12, 12) && rows.touches(1, 4));
        assert!(!rows.touches(6, 11) && !rows.touches(13, 20));
        assert!(ChangedLines::All.touches(1, 1));
    }
}
