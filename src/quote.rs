//! Go's `%q` for strings (`strconv.Quote`), used in messages so they match the reference
//! implementation byte for byte.

use std::fmt;

/// Displays a string the way Go's `%q` verb does.
pub(crate) struct Q<'a>(pub &'a str);

impl fmt::Display for Q<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\u{7}' => f.write_str("\\a")?,
                '\u{8}' => f.write_str("\\b")?,
                '\u{c}' => f.write_str("\\f")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\u{b}' => f.write_str("\\v")?,
                c if is_go_printable(c) => f.write_char(c)?,
                c if (c as u32) < 0x80 => write!(f, "\\x{:02x}", c as u32)?,
                c if (c as u32) < 0x10000 => write!(f, "\\u{:04x}", c as u32)?,
                c => write!(f, "\\U{:08x}", c as u32)?,
            }
        }
        f.write_char('"')
    }
}

/// Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols and the ASCII space),
/// approximated for non-ASCII by excluding controls, separators, format characters, private use
/// and non-characters.
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() {
        return false;
    }
    !matches!(u,
        0xA0 | 0xAD | 0x1680 | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x206F
        | 0x3000 | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF
        | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E
        | 0xF0000..=0x10FFFF)
}

#[cfg(test)]
mod tests {
    use super::Q;

    #[test]
    fn quotes_like_go() {
        assert_eq!(Q("a\tb").to_string(), "\"a\\tb\"");
        assert_eq!(Q("ÄÖ").to_string(), "\"ÄÖ\"");
        assert_eq!(Q("x\"y\\").to_string(), "\"x\\\"y\\\\\"");
        assert_eq!(Q("\u{1}\u{7f}").to_string(), "\"\\x01\\x7f\"");
        assert_eq!(Q("\u{200b}").to_string(), "\"\\u200b\"");
    }
}
