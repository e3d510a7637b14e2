//! Source encodings (PEP 263). A Python file is UTF-8 unless a comment on its first or
//! second line declares another encoding (`# -*- coding: latin-1 -*-`); it is decoded
//! as Python decodes it, and a fixed file is written back in the same encoding.
//!
//! The legacy encodings come from `encoding_rs` (the WHATWG encodings, which cover the
//! ones Python sources use: cp125x, ISO-8859-x, KOI8, Shift_JIS, EUC-JP, GBK, Big5,
//! EUC-KR…). Latin-1 and ASCII are Python's own, not WHATWG's (which reads both as
//! windows-1252), and are handled apart.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, EncoderResult, Encoding};

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xef\xbb\xbf";

/// How a file's bytes map to text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    /// ISO-8859-1 as Python reads it: each byte is the code point of the same value.
    Latin1,
    Ascii,
    /// An ASCII-compatible WHATWG encoding.
    Legacy(&'static Encoding),
}

impl SourceEncoding {
    /// The encoding's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            SourceEncoding::Utf8 => "UTF-8",
            SourceEncoding::Latin1 => "latin-1",
            SourceEncoding::Ascii => "ASCII",
            SourceEncoding::Legacy(encoding) => encoding.name(),
        }
    }

    /// The encoding a declared name stands for, as Python's codec names go (case and
    /// `_`/`-` aside, with their `-suffix` variants for UTF-8 and Latin-1).
    fn from_declared(declared: &str) -> Result<Self, String> {
        let name = declared.to_ascii_lowercase().replace('_', "-");
        let is = |base: &str| name == base || name.starts_with(&format!("{base}-"));
        if is("utf-8") || matches!(name.as_str(), "utf8" | "u8" | "utf" | "cp65001") {
            return Ok(SourceEncoding::Utf8);
        }
        if is("latin-1") || is("iso-8859-1") || is("iso-latin-1") {
            return Ok(SourceEncoding::Latin1);
        }
        match name.as_str() {
            "latin1" | "l1" | "iso8859-1" | "iso-ir-100" | "cp819" | "8859" | "ibm819" | "latin" => {
                return Ok(SourceEncoding::Latin1);
            }
            "ascii" | "us-ascii" | "646" | "us" | "ansi-x3.4-1968" | "cp367" | "ibm367" | "iso646-us" => {
                return Ok(SourceEncoding::Ascii);
            }
            _ => {}
        }
        match Encoding::for_label(name.as_bytes()) {
            Some(encoding) if encoding.is_ascii_compatible() && encoding != encoding_rs::REPLACEMENT => {
                Ok(SourceEncoding::Legacy(encoding))
            }
            Some(_) => Err(format!("the declared encoding `{declared}` cannot encode Python source")),
            None => Err(format!("unknown or unsupported encoding `{declared}`")),
        }
    }
}

/// A file's text, with how it was stored.
#[derive(Debug)]
pub struct SourceText {
    /// Without the byte order mark.
    pub text: String,
    pub has_bom: bool,
    pub encoding: SourceEncoding,
    /// The bytes read, kept where they are not the text's own (Latin-1, legacy encodings).
    legacy_bytes: Option<Vec<u8>>,
}

impl SourceText {
    /// The bytes the file held when it was read.
    pub fn original_bytes(&self) -> Cow<'_, [u8]> {
        match &self.legacy_bytes {
            Some(bytes) => Cow::Borrowed(bytes),
            None => Cow::Owned(stored_bytes(&self.text, self.has_bom)),
        }
    }

    /// `text` stored as this file is: in its encoding, after its byte order mark. An
    /// error when the encoding cannot hold a character of `text`, or does not give back
    /// the bytes of the file as read (writing would then change more than the fixes).
    pub fn stored_bytes(&self, text: &str) -> Result<Vec<u8>, String> {
        if self.encoding == SourceEncoding::Utf8 {
            return Ok(stored_bytes(text, self.has_bom));
        }
        if encode(&self.text, self.encoding).ok().as_deref() != Some(&*self.original_bytes()) {
            return Err(format!(
                "{} does not encode the file back to the bytes it was read from",
                self.encoding.name()
            ));
        }
        encode(text, self.encoding)
    }
}

/// Decodes a Python file's bytes: as UTF-8 (after a byte order mark, if any), or in the
/// encoding its first two lines declare. The error names the line of the first byte
/// that is not valid in the encoding.
pub fn decode(bytes: Vec<u8>) -> Result<SourceText, String> {
    let has_bom = bytes.starts_with(BOM);
    let encoding = match declared_encoding(&bytes) {
        Some(declared) => SourceEncoding::from_declared(declared)?,
        None => SourceEncoding::Utf8,
    };
    if has_bom && encoding != SourceEncoding::Utf8 {
        return Err(format!("the file starts with a UTF-8 byte order mark but declares {}", encoding.name()));
    }
    let invalid = |bytes: &[u8], offset| format!("not valid {} (line {})", encoding.name(), line_of(bytes, offset));
    let (text, legacy_bytes) = match encoding {
        SourceEncoding::Utf8 => {
            let mut text = String::from_utf8(bytes).map_err(|error| {
                format!("not valid UTF-8 (line {})", line_of(error.as_bytes(), error.utf8_error().valid_up_to()))
            })?;
            if has_bom {
                text.drain(..BOM.len());
            }
            (text, None)
        }
        SourceEncoding::Ascii => match bytes.iter().position(|byte| !byte.is_ascii()) {
            Some(offset) => return Err(invalid(&bytes, offset)),
            None => (String::from_utf8(bytes).expect("ASCII is UTF-8"), None),
        },
        SourceEncoding::Latin1 => (encoding_rs::mem::decode_latin1(&bytes).into_owned(), Some(bytes)),
        SourceEncoding::Legacy(legacy) => {
            (decode_strictly(legacy, &bytes).map_err(|offset| invalid(&bytes, offset))?, Some(bytes))
        }
    };
    Ok(SourceText { text, has_bom, encoding, legacy_bytes })
}

/// Decodes `bytes` in `encoding`; the error is the offset of the first malformed byte.
fn decode_strictly(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len() * 3);
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => Err(read - usize::from(bad) - usize::from(after)),
        DecoderResult::OutputFull => unreachable!("the buffer holds the worst case"),
    }
}

/// `text` in `encoding`; an error naming the first character it cannot hold.
fn encode(text: &str, encoding: SourceEncoding) -> Result<Vec<u8>, String> {
    let unmappable = |c: char| format!("`{c}` cannot be written in {}", encoding.name());
    match encoding {
        SourceEncoding::Utf8 => Ok(text.as_bytes().to_vec()),
        SourceEncoding::Ascii => match text.chars().find(|c| !c.is_ascii()) {
            Some(c) => Err(unmappable(c)),
            None => Ok(text.as_bytes().to_vec()),
        },
        SourceEncoding::Latin1 => match text.chars().find(|c| u32::from(*c) > 0xff) {
            Some(c) => Err(unmappable(c)),
            None => Ok(encoding_rs::mem::encode_latin1_lossy(text).into_owned()),
        },
        SourceEncoding::Legacy(legacy) => {
            let mut encoder = legacy.new_encoder();
            let capacity = encoder
                .max_buffer_length_from_utf8_without_replacement(text.len())
                .ok_or_else(|| "the file is too large".to_owned())?;
            let mut bytes = Vec::with_capacity(capacity);
            let (result, _) = encoder.encode_from_utf8_to_vec_without_replacement(text, &mut bytes, true);
            match result {
                EncoderResult::InputEmpty => Ok(bytes),
                EncoderResult::Unmappable(c) => Err(unmappable(c)),
                EncoderResult::OutputFull => unreachable!("the buffer holds the worst case"),
            }
        }
    }
}

/// The encoding name a PEP 263 comment declares on the first line, or on the second
/// when the first holds nothing but a comment or blanks.
fn declared_encoding(bytes: &[u8]) -> Option<&str> {
    let mut lines = bytes.split_inclusive(|byte| *byte == b'\n');
    let first = lines.next()?;
    let first = first.strip_prefix(BOM).unwrap_or(first);
    if let Some(name) = coding_comment(first) {
        return Some(name);
    }
    let first_is_comment_or_blank = first
        .iter()
        .find(|byte| !matches!(byte, b' ' | b'\t' | b'\x0c'))
        .is_none_or(|byte| matches!(byte, b'#' | b'\r' | b'\n'));
    if first_is_comment_or_blank { lines.next().and_then(coding_comment) } else { None }
}

/// The name in a line that is a comment matching `coding[:=]\s*([-\w.]+)`.
fn coding_comment(line: &[u8]) -> Option<&str> {
    let start = line.iter().position(|byte| !matches!(byte, b' ' | b'\t' | b'\x0c'))?;
    if line[start] != b'#' {
        return None;
    }
    let comment = &line[start..];
    let at = comment.windows(6).position(|window| window == b"coding")?;
    let rest = comment[at + 6..].strip_prefix(b":").or_else(|| comment[at + 6..].strip_prefix(b"="))?;
    let rest = &rest[rest.iter().position(|byte| !matches!(byte, b' ' | b'\t')).unwrap_or(rest.len())..];
    let end = rest.iter().position(|byte| !(byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.')));
    let name = &rest[..end.unwrap_or(rest.len())];
    (!name.is_empty()).then(|| std::str::from_utf8(name).expect("ASCII"))
}

/// The 1-based line of a byte offset.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())].iter().filter(|byte| **byte == b'\n').count() + 1
}

/// The text of a file as it is stored: the checked text with its byte order mark, if
/// the file had one.
pub fn stored_bytes(text: &str, has_bom: bool) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() + BOM.len());
    if has_bom {
        bytes.extend_from_slice(BOM);
    }
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_declaration_on_the_first_two_lines_only() {
        assert_eq!(declared_encoding(b"# -*- coding: latin-1 -*-\nx = 1\n"), Some("latin-1"));
        assert_eq!(declared_encoding(b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n"), Some("cp1252"));
        assert_eq!(declared_encoding(b"x = 1\n# coding: latin-1\n"), None, "after code: not a declaration");
        assert_eq!(declared_encoding(b"\n\n# coding: latin-1\n"), None, "third line");
        assert_eq!(declared_encoding(b"s = '# coding: latin-1'\n"), None, "not a comment");
    }

    #[test]
    fn names_are_read_as_python_reads_them() {
        assert_eq!(SourceEncoding::from_declared("Latin_1"), Ok(SourceEncoding::Latin1));
        assert_eq!(SourceEncoding::from_declared("iso-8859-1-unix"), Ok(SourceEncoding::Latin1));
        assert_eq!(SourceEncoding::from_declared("utf8"), Ok(SourceEncoding::Utf8));
        assert_eq!(SourceEncoding::from_declared("ascii"), Ok(SourceEncoding::Ascii));
        assert_eq!(SourceEncoding::from_declared("cp1252"), Ok(SourceEncoding::Legacy(encoding_rs::WINDOWS_1252)));
        assert_eq!(SourceEncoding::from_declared("euc_jp"), Ok(SourceEncoding::Legacy(encoding_rs::EUC_JP)));
        assert!(SourceEncoding::from_declared("utf-16").unwrap_err().contains("cannot encode Python source"));
        assert!(SourceEncoding::from_declared("klingon").unwrap_err().contains("unknown"));
    }

    #[test]
    fn latin1_keeps_every_byte_and_round_trips() {
        // 0x80..0x9f are control characters in Latin-1 (windows-1252 would read `€`…).
        let bytes = b"# coding: latin-1\ns = '\xe9\x80'\n".to_vec();
        let source = decode(bytes.clone()).unwrap();
        assert_eq!(source.text, "# coding: latin-1\ns = '\u{e9}\u{80}'\n");
        assert_eq!(source.original_bytes(), &bytes[..]);
        let fixed = source.text.replace("s =", "t =");
        assert_eq!(source.stored_bytes(&fixed).unwrap(), b"# coding: latin-1\nt = '\xe9\x80'\n");
        assert!(source.stored_bytes("s = '\u{20ac}'").unwrap_err().contains("cannot be written in latin-1"));
    }

    #[test]
    fn invalid_bytes_name_their_line() {
        assert_eq!(decode(b"x = 1\ny = '\xe9'\n".to_vec()).unwrap_err(), "not valid UTF-8 (line 2)");
        assert_eq!(decode(b"# coding: ascii\n\nz = '\xe9'\n".to_vec()).unwrap_err(), "not valid ASCII (line 3)");
        let shift_jis = b"# coding: shift_jis\nok = '\x82\xa0'\nbad = '\x82'\n".to_vec();
        assert_eq!(decode(shift_jis).unwrap_err(), "not valid Shift_JIS (line 3)");
        assert!(decode(b"\xef\xbb\xbf# coding: latin-1\n".to_vec()).unwrap_err().contains("byte order mark"));
    }

    #[test]
    fn a_legacy_encoding_decodes_and_encodes_back() {
        let bytes = b"# -*- coding: cp1252 -*-\nprice = '\x80 5'\n".to_vec();
        let source = decode(bytes.clone()).unwrap();
        assert_eq!(source.text, "# -*- coding: cp1252 -*-\nprice = '\u{20ac} 5'\n");
        assert_eq!(source.stored_bytes(&source.text).unwrap(), bytes);
    }

    #[test]
    fn keeps_a_byte_order_mark() {
        assert_eq!(stored_bytes("x\r\n", true), b"\xef\xbb\xbfx\r\n");
        assert_eq!(stored_bytes("x\n", false), b"x\n");
    }
}
