//! Between aioguard's places and the protocol's: file URIs and paths, rows and character
//! columns (1-based) and the protocol's positions (0-based lines, columns in UTF-16 code
//! units unless the client agreed to characters), findings and diagnostics, edits and
//! text edits.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, PositionEncodingKind,
    Range, TextEdit, Uri,
};
use ruff_text_size::TextSize;

use crate::data::config::{Settings, Severity};
use crate::data::diagnostic::{Edit, Finding, LocatedEdit};
use crate::data::source::{LineIndex, Position};
use crate::outputs::documentation_url;

/// How the protocol counts columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf16,
    /// Characters, as aioguard counts them.
    Utf32,
}

impl Encoding {
    /// Characters when the client accepts them, else UTF-16, which every client speaks.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF32) => Encoding::Utf32,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn width(self, c: char) -> u32 {
        match self {
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf32 => 1,
        }
    }
}

/// A document's text with its lines, to place positions in it.
pub struct Placed<'t> {
    pub text: &'t str,
    pub lines: LineIndex,
    pub encoding: Encoding,
}

impl<'t> Placed<'t> {
    pub fn new(text: &'t str, encoding: Encoding) -> Self {
        Placed { text, lines: LineIndex::new(text), encoding }
    }

    /// The protocol's position of a 1-based row and character column.
    pub fn position(&self, position: Position) -> lsp_types::Position {
        let line = position.row - 1;
        if line >= self.lines.line_count() {
            return self.end();
        }
        let text = &self.text[self.lines.line_range(line, self.text)];
        let character = text.chars().take(position.column - 1).map(|c| self.encoding.width(c)).sum();
        lsp_types::Position { line: line as u32, character }
    }

    /// The protocol's position of a byte offset.
    pub fn offset_position(&self, offset: TextSize) -> lsp_types::Position {
        self.position(self.lines.position(offset, self.text))
    }

    /// Where the text ends.
    pub fn end(&self) -> lsp_types::Position {
        self.offset_position(TextSize::of(self.text))
    }

    pub fn located_edit(&self, edit: &LocatedEdit) -> TextEdit {
        TextEdit {
            range: Range { start: self.position(edit.start), end: self.position(edit.end) },
            new_text: edit.content.clone(),
        }
    }

    pub fn edit(&self, edit: &Edit) -> TextEdit {
        TextEdit {
            range: Range {
                start: self.offset_position(edit.range.start()),
                end: self.offset_position(edit.range.end()),
            },
            new_text: edit.content.clone(),
        }
    }

    /// The finding as the protocol's diagnostic; its chain (AG110), hop by hop, as
    /// related information the editor can open.
    pub fn diagnostic(&self, finding: &Finding, settings: &Settings) -> lsp_types::Diagnostic {
        let severity = match settings.severities.of(finding.rule) {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        };
        let related: Vec<DiagnosticRelatedInformation> = finding
            .chain
            .iter()
            .filter_map(|hop| {
                let path = std::path::absolute(&hop.filename).ok()?;
                // A hop in another file is placed by characters: its text is not at hand.
                let at = match hop.filename == finding.filename {
                    true => self.position(Position { row: hop.row, column: hop.column }),
                    false => lsp_types::Position {
                        line: hop.row.saturating_sub(1) as u32,
                        character: hop.column.saturating_sub(1) as u32,
                    },
                };
                Some(DiagnosticRelatedInformation {
                    location: Location { uri: file_uri(&path)?, range: Range { start: at, end: at } },
                    message: format!("`{}`", hop.name),
                })
            })
            .collect();
        lsp_types::Diagnostic {
            range: Range { start: self.position(finding.start), end: self.position(finding.end) },
            severity: Some(severity),
            code: Some(NumberOrString::String(finding.rule.code.to_owned())),
            code_description: Uri::from_str(&documentation_url(finding.rule)).ok().map(|href| CodeDescription { href }),
            source: Some("aioguard".to_owned()),
            message: finding.message.clone(),
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        }
    }
}

/// The `file:` URI of an absolute path.
pub fn file_uri(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    // A Windows path (`C:/x`) gets the slash a URI's path starts with.
    let text = if text.starts_with('/') { text } else { format!("/{text}") };
    let mut uri = String::from("file://");
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => uri.push(byte as char),
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    Uri::from_str(&uri).ok()
}

/// The path of a `file:` URI; `None` for another scheme.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host (none, or `localhost`) is a path here.
    let path = if rest.starts_with('/') { rest } else { rest.strip_prefix("localhost")? };
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%').then(|| path.get(index + 1..index + 3)).flatten();
        match escaped.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    // `/C:/x` on Windows is `C:/x`.
    let is_drive = decoded.as_bytes().get(2) == Some(&b':') && decoded.as_bytes()[1].is_ascii_alphabetic();
    Some(PathBuf::from(if cfg!(windows) && is_drive { &decoded[1..] } else { &decoded[..] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_uris_round_trip_with_escapes() {
        let path = Path::new("/tmp/a dir/é#1.py");
        let uri = file_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%A9%231.py");
        assert_eq!(file_path(&uri).unwrap(), path);
        assert_eq!(file_path(&Uri::from_str("untitled:Untitled-1").unwrap()), None);
    }

    #[test]
    fn columns_count_utf16_units_or_characters() {
        let text = "x = '𝄞é'; y\nz\n";
        let y = Position { row: 1, column: 11 };
        assert_eq!(Placed::new(text, Encoding::Utf16).position(y), lsp_types::Position { line: 0, character: 11 });
        assert_eq!(Placed::new(text, Encoding::Utf32).position(y), lsp_types::Position { line: 0, character: 10 });
        assert_eq!(Placed::new(text, Encoding::Utf16).end(), lsp_types::Position { line: 2, character: 0 });
    }
}
