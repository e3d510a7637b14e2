//! The layout conventions generated code follows: the file's line ending, and the
//! lines and indentation around a position.

use ruff_text_size::TextSize;

/// The line ending a file uses (the first one it contains), for inserted lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stylist {
    line_ending: &'static str,
}

impl Stylist {
    pub fn detect(source: &str) -> Self {
        let line_ending = match source.find(['\n', '\r']) {
            Some(index) if source[index..].starts_with("\r\n") => "\r\n",
            Some(index) if source.as_bytes()[index] == b'\r' => "\r",
            _ => "\n",
        };
        Stylist { line_ending }
    }

    pub fn line_ending(&self) -> &'static str {
        self.line_ending
    }
}

/// The offset where the line containing `offset` starts.
pub fn line_start(source: &str, offset: TextSize) -> TextSize {
    let offset = usize::from(offset);
    // A byte order mark stays first: the first line starts after it.
    let first_line = if source.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let start = source[..offset].rfind(['\n', '\r']).map_or(first_line.min(offset), |index| index + 1);
    TextSize::try_from(start).expect("source offsets fit in u32")
}

/// The offset where the line containing `offset` ends, before its line break.
pub fn line_end(source: &str, offset: TextSize) -> TextSize {
    let offset = usize::from(offset);
    let end = source[offset..].find(['\n', '\r']).map_or(source.len(), |index| offset + index);
    TextSize::try_from(end).expect("source offsets fit in u32")
}

/// The offset where the line after the one containing `offset` starts (the end of the
/// text when it is the last line).
pub fn next_line_start(source: &str, offset: TextSize) -> TextSize {
    let end = usize::from(line_end(source, offset));
    let rest = &source[end..];
    let break_len = if rest.starts_with("\r\n") { 2 } else { usize::from(!rest.is_empty()) };
    TextSize::try_from(end + break_len).expect("source offsets fit in u32")
}

/// The whitespace before `offset` on its line, if only whitespace precedes it there.
pub fn indentation_at(source: &str, offset: TextSize) -> Option<&str> {
    let before = &source[usize::from(line_start(source, offset))..usize::from(offset)];
    before.chars().all(|c| c == ' ' || c == '\t' || c == '\x0c').then_some(before)
}

/// Whether nothing but whitespace and a comment follows `offset` on its line.
pub fn ends_line(source: &str, offset: TextSize) -> bool {
    let rest = source[usize::from(offset)..usize::from(line_end(source, offset))].trim_start();
    rest.is_empty() || rest.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_starts_after_a_byte_order_mark() {
        // Found by fuzzing: an import inserted before the mark made the text unparsable.
        let source = "\u{feff}impor\n";
        assert_eq!(line_start(source, TextSize::new(5)), TextSize::new(3));
        assert_eq!(line_start("impor\n", TextSize::new(2)), TextSize::new(0));
    }

    #[test]
    fn detects_line_endings_and_line_bounds() {
        assert_eq!(Stylist::detect("a\r\nb\n").line_ending(), "\r\n");
        assert_eq!(Stylist::detect("a\nb\r\n").line_ending(), "\n");
        assert_eq!(Stylist::detect("a").line_ending(), "\n");
        let text = "ab\r\n  cd  # x\r\nef";
        let c = TextSize::from(6);
        assert_eq!(line_start(text, c), TextSize::from(4));
        assert_eq!(line_end(text, c), TextSize::from(13));
        assert_eq!(next_line_start(text, c), TextSize::from(15));
        assert_eq!(next_line_start(text, TextSize::from(16)), TextSize::from(17));
        assert_eq!(indentation_at(text, c), Some("  "));
        assert!(ends_line(text, TextSize::from(8)));
        assert!(!ends_line(text, TextSize::from(7)));
    }
}
