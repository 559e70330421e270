//! Go's `%q` for strings (`strconv.Quote`), used in messages so they match the reference
//! implementation byte for byte — also for byte strings that are not UTF-8 (file names, input
//! lines), whose invalid bytes Go writes as `\xNN`.
//!
//! Which code points are written as they are is Go 1.19's `strconv.IsPrint`, from a table
//! generated from Unicode 13.0 data (`tools/unicode/`).

use std::fmt;

mod isprint;

/// Displays a string the way Go's `%q` verb does.
pub(crate) struct Q<'a>(pub &'a str);

impl fmt::Display for Q<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        QB(self.0.as_bytes()).fmt(f)
    }
}

/// Displays a byte string the way Go's `%q` verb does (each byte that is not part of valid
/// UTF-8 as `\xNN`).
pub(crate) struct QB<'a>(pub &'a [u8]);

impl fmt::Display for QB<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        f.write_char('"')?;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                write_char(f, c)?;
            }
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_char('"')
    }
}

/// Displays a path the way Go's `%q` shows the file name it got from the OS (its bytes; those
/// that are not UTF-8 as `\xNN`).
pub(crate) struct QP<'a>(pub &'a std::path::Path);

impl fmt::Display for QP<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        QB(self.0.as_os_str().as_encoded_bytes()).fmt(f)
    }
}

fn write_char(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    use fmt::Write;
    match c {
        '"' => f.write_str("\\\""),
        '\\' => f.write_str("\\\\"),
        '\u{7}' => f.write_str("\\a"),
        '\u{8}' => f.write_str("\\b"),
        '\u{c}' => f.write_str("\\f"),
        '\n' => f.write_str("\\n"),
        '\r' => f.write_str("\\r"),
        '\t' => f.write_str("\\t"),
        '\u{b}' => f.write_str("\\v"),
        c if is_go_printable(c) => f.write_char(c),
        c if (c as u32) < 0x20 || c == '\u{7f}' => write!(f, "\\x{:02x}", c as u32),
        c if (c as u32) < 0x10000 => write!(f, "\\u{:04x}", c as u32),
        c => write!(f, "\\U{:08x}", c as u32),
    }
}

/// Go 1.19's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and U+0020, as
/// assigned in Unicode 13.0.
pub(crate) fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    let table = &isprint::PRINTABLE;
    // The last range starting at or below `u`.
    let i = table.partition_point(|&(lo, _)| lo <= u);
    i > 0 && u <= table[i - 1].1
}

#[cfg(test)]
mod tests {
    use super::{is_go_printable, Q, QB};

    #[test]
    fn quotes_like_go() {
        assert_eq!(Q("a\tb").to_string(), "\"a\\tb\"");
        assert_eq!(Q("ÄÖ").to_string(), "\"ÄÖ\"");
        assert_eq!(Q("x\"y\\").to_string(), "\"x\\\"y\\\\\"");
        assert_eq!(Q("\u{1}\u{7f}").to_string(), "\"\\x01\\x7f\"");
        assert_eq!(Q("\u{200b}").to_string(), "\"\\u200b\"");
        assert_eq!(
            Q("\u{85}\u{a0}\u{ad}").to_string(),
            "\"\\u0085\\u00a0\\u00ad\""
        );
    }

    #[test]
    fn unassigned_and_format_characters_are_escaped() {
        // Unassigned in Unicode 13.0 (U+0378, U+1FAD7 assigned only in 14.0), noncharacter,
        // format characters, private use, surrogate-free supplementary planes.
        assert_eq!(Q("x\u{378}").to_string(), "\"x\\u0378\"");
        assert_eq!(Q("\u{1FAD7}").to_string(), "\"\\U0001fad7\"");
        assert_eq!(Q("\u{FDD0}").to_string(), "\"\\ufdd0\"");
        assert_eq!(Q("\u{E0001}").to_string(), "\"\\U000e0001\"");
        assert_eq!(Q("\u{110BD}").to_string(), "\"\\U000110bd\"");
        assert_eq!(Q("\u{E000}").to_string(), "\"\\ue000\"");
        // Assigned in 13.0: printed as is.
        assert_eq!(
            Q("\u{1F972}\u{3134A}").to_string(),
            "\"\u{1F972}\u{3134A}\""
        );
        assert!(is_go_printable(' ') && !is_go_printable('\u{3000}'));
        assert!(is_go_printable('\u{FFFD}'));
    }

    #[test]
    fn invalid_utf8_bytes_are_hex_escaped_one_by_one() {
        assert_eq!(QB(b"busy\xffbox").to_string(), "\"busy\\xffbox\"");
        assert_eq!(QB(b"\xe2\x82A").to_string(), "\"\\xe2\\x82A\"");
        assert_eq!(QB(b"\xed\xa0\x80").to_string(), "\"\\xed\\xa0\\x80\"");
        assert_eq!(QB("é\u{378}".as_bytes()).to_string(), "\"é\\u0378\"");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = std::path::Path::new(std::ffi::OsStr::from_bytes(b"d/\xff.conf"));
            assert_eq!(super::QP(p).to_string(), "\"d/\\xff.conf\"");
        }
    }
}
