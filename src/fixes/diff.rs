//! `--diff`: the change fixing would make to a file, as a unified diff with
//! `a/`/`b/` headers that `git apply` and `patch -p1` accept.

use similar::TextDiff;

/// The unified diff from `old` to `new` (whole file contents, byte order mark and line
/// endings included) for the file shown as `path`.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_has_git_style_headers_and_keeps_line_endings() {
        let diff = unified_diff("pkg/m.py", "a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n");
        assert!(diff.starts_with("--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -1,2 +1,2 @@\n"), "{diff}");
        assert!(diff.contains("-b = 2\r\n+b = 3\r\n"), "{diff:?}");
        assert_eq!(unified_diff("m.py", "x\n", "x\n"), "");
    }
}
