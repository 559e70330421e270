//! Terminal-safe text: the one escaping function every text output applies to names, paths
//! and messages before they reach a terminal, so that an image name or a file name holding
//! `ESC [31m` (or any other control character) cannot recolour, move the cursor or rewrite
//! what a person reads.
//!
//! Escaped, with the notation of Go's `%q` (which the quoted parts of messages already use):
//! the C0 controls and DEL (`\x1b`, `\x7f`; `\t`, `\n`, `\r` as such), the C1 controls
//! (`\u009b`), and the invisible characters that reorder or hide text (bidirectional
//! overrides and isolates, line and paragraph separators, zero-width characters, BOM:
//! `\u202e`). Every other character, printable non-ASCII included, is kept, so ordinary text
//! is unchanged (and not copied). The output never contains a control character.
//!
//! This module is a leaf: it imports nothing else from the crate.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as such.
fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
}

fn escape_with(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let escapes = |c: char| must_escape(c) && !keep(c);
    let Some(first) = s.find(escapes) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if escapes(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every control or text-reordering character escaped (see the module
/// documentation); for one-line items: names, paths, keys.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| false)
}

/// [`escape_controls`] for multi-line text (messages, reports): the layout's line breaks and
/// tabs (`\n`, `\t`) are kept, everything else is escaped the same way.
pub fn escape_controls_lines(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_escaped_text_kept() {
        assert_eq!(escape_controls("x\u{1b}[31mRED"), "x\\x1b[31mRED");
        assert_eq!(
            escape_controls("/etc/containers/registries.conf"),
            "/etc/containers/registries.conf"
        );
        assert_eq!(escape_controls("Ünïcode"), "Ünïcode");
        assert_eq!(escape_controls("a\nb"), "a\\nb");
        assert_eq!(escape_controls_lines("a\u{1b}\n\tb"), "a\\x1b\n\tb");
    }

    #[test]
    fn bidi_and_c1_controls_escaped() {
        assert_eq!(escape_controls("a\u{202e}b\u{9b}"), "a\\u202eb\\u009b");
    }

    #[test]
    fn lines_keep_newlines_and_tabs() {
        assert_eq!(
            escape_controls_lines("one\n:\ttwo\u{7}"),
            "one\n:\ttwo\\x07"
        );
    }

    /// A raw control, or an invisible reordering character, a terminal would act on.
    fn raw_control(text: &str) -> Option<char> {
        text.chars().find(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
        })
    }

    proptest! {
        #[test]
        fn escaping_removes_every_control_and_keeps_plain_text(
            s in proptest::collection::vec(
                prop_oneof![
                    3 => proptest::char::range('a', 'z'),
                    1 => proptest::char::range('\u{0}', '\u{1f}'),
                    1 => Just('\u{7f}'),
                    1 => proptest::char::range('\u{80}', '\u{9f}'),
                    1 => proptest::char::range('\u{2028}', '\u{202e}'),
                    1 => proptest::char::range('\u{2066}', '\u{2069}'),
                    1 => Just('\u{feff}'),
                ],
                0..24,
            ).prop_map(|v| v.into_iter().collect::<String>()),
            plain in "[a-zA-Z0-9 ./:@_-]{0,40}",
        ) {
            let escaped = escape_controls(&s);
            prop_assert!(raw_control(&escaped).is_none() && !escaped.contains('\n'));
            let two = format!("{s}\n{s}");
            let lines = escape_controls_lines(&two);
            prop_assert!(raw_control(&lines).is_none());
            prop_assert_eq!(lines.matches('\n').count(), 1 + 2 * s.matches('\n').count());
            prop_assert_eq!(escape_controls(&plain), plain.as_str());
        }
    }
}
