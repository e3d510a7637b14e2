//! A file's text and its line index: byte offsets to 1-based rows and character
//! columns (the positions editors, ruff's JSON and GitHub annotations use).

use ruff_text_size::{TextRange, TextSize};
use serde::{Deserialize, Serialize};

/// A 1-based row and 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub row: usize,
    pub column: usize,
}

pub struct LineIndex {
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        let bytes = text.as_bytes();
        // Line breaks are one byte in a hundred or fewer: searching for them with SIMD
        // beats looking at every byte.
        for index in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            let is_break = bytes[index] == b'\n' || bytes.get(index + 1) != Some(&b'\n');
            if is_break {
                line_starts.push(index as u32 + 1);
            }
        }
        LineIndex { line_starts }
    }

    /// The 0-based line that contains `offset`.
    pub fn line_of(&self, offset: TextSize) -> usize {
        let offset = u32::from(offset);
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text range of a 0-based line, without its line break.
    pub fn line_range(&self, line: usize, text: &str) -> TextRange {
        let start = self.line_starts[line];
        let mut end = self.line_starts.get(line + 1).copied().unwrap_or(text.len() as u32);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes[end as usize - 1], b'\n' | b'\r') {
            end -= 1;
        }
        TextRange::new(start.into(), end.into())
    }

    pub fn position(&self, offset: TextSize, text: &str) -> Position {
        let line = self.line_of(offset);
        let start = self.line_starts[line] as usize;
        let end = (u32::from(offset) as usize).min(text.len());
        let column = text.get(start..end).map_or(end - start, |prefix| prefix.chars().count());
        Position { row: line + 1, column: column + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_all_line_endings() {
        let text = "a = 1\r\nb = 'é'; c()\rd\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        let c = text.find("c()").unwrap() as u32;
        assert_eq!(index.position(c.into(), text), Position { row: 2, column: 10 });
        let d = text.find('d').unwrap() as u32;
        assert_eq!(index.position(d.into(), text), Position { row: 3, column: 1 });
        assert_eq!(&text[index.line_range(1, text)], "b = 'é'; c()");
    }
}
