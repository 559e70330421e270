//! JSON text exactly as Go's `encoding/json` writes it: object keys of maps in byte order,
//! `<`, `>`, `&`, U+2028 and U+2029 escaped, `MarshalIndent` layout.

use serde_json::Value;

/// Appends `s` as a Go `encoding/json` string.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `v` as `json.MarshalIndent(v, "", "  ")` writes a value decoded into maps (keys
/// sorted), starting at nesting `depth`.
pub(crate) fn write_indented(out: &mut String, v: &Value, depth: usize) {
    let pad = |out: &mut String, d: usize| {
        out.push('\n');
        for _ in 0..d {
            out.push_str("  ");
        }
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                write_string(out, k);
                out.push_str(": ");
                write_indented(out, &m[*k], depth + 1);
            }
            pad(out, depth);
            out.push('}');
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                write_indented(out, item, depth + 1);
            }
            pad(out, depth);
            out.push(']');
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::String(s) => write_string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        let mut s = String::new();
        write_string(&mut s, "a<b>&\u{1}\u{2028}é\u{8}");
        assert_eq!(s, "\"a\\u003cb\\u003e\\u0026\\u0001\\u2028é\\b\"");
    }

    #[test]
    fn indents_like_go() {
        let mut s = String::new();
        write_indented(
            &mut s,
            &serde_json::json!({"b": [], "a": {"x": [{"type": "reject"}]}, "c": {}}),
            0,
        );
        assert_eq!(
            s,
            "{\n  \"a\": {\n    \"x\": [\n      {\n        \"type\": \"reject\"\n      }\n    ]\n  },\n  \"b\": [],\n  \"c\": {}\n}"
        );
    }
}
