//! Scalar resolution as go-yaml v2 does it (YAML 1.1 booleans, base prefixes, `_` in numbers;
//! timestamps stay strings when decoded into `interface{}`).

use super::node::Value;

/// The core-schema tag of a scalar, when it has one (`!!str` -> `Some("str")`). Other tags
/// leave the scalar a string, as go-yaml v2 does with tags it cannot resolve.
pub(crate) enum Tagged<'a> {
    /// No tag: resolve from the text.
    Implicit,
    /// `!!<suffix>`.
    Core(&'a str),
    /// Any other tag.
    Other,
}

/// Resolves a plain (unquoted, untagged) scalar.
pub(crate) fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        if let Some(v) = number(s) {
            return v;
        }
    }
    Value::String(s.to_owned())
}

/// Resolves a scalar with its tag; quoted scalars without a tag are strings.
pub(crate) fn resolve(s: &str, quoted: bool, tag: Tagged<'_>) -> Result<Value, String> {
    match tag {
        Tagged::Implicit if quoted => Ok(Value::String(s.to_owned())),
        Tagged::Implicit => Ok(resolve_plain(s)),
        Tagged::Other => Ok(Value::String(s.to_owned())),
        Tagged::Core(suffix) => match suffix {
            "str" | "binary" | "timestamp" => Ok(Value::String(s.to_owned())),
            "null" => Ok(Value::Null),
            "bool" => match resolve_plain(s) {
                v @ Value::Bool(_) => Ok(v),
                _ => Err(format!("cannot decode {s:?} as a !!bool")),
            },
            "int" => match number(s) {
                Some(v @ (Value::Int(_) | Value::UInt(_))) => Ok(v),
                _ => Err(format!("cannot decode {s:?} as an !!int")),
            },
            "float" => match resolve_plain(s) {
                Value::Int(i) => Ok(Value::Float(i as f64)),
                Value::UInt(u) => Ok(Value::Float(u as f64)),
                v @ Value::Float(_) => Ok(v),
                _ => Err(format!("cannot decode {s:?} as a !!float")),
            },
            _ => Ok(Value::String(s.to_owned())),
        },
    }
}

/// Integers (Go `strconv.ParseInt(s, 0, 64)` after removing `_`, then `ParseUint`) and floats
/// (YAML's float pattern).
fn number(s: &str) -> Option<Value> {
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return Some(i);
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Some(Value::Float(f));
        }
    }
    None
}

fn go_parse_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, r)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (8, r)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Value::Int((magnitude as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else if magnitude <= i64::MAX as u64 {
        Some(Value::Int(magnitude as i64))
    } else {
        Some(Value::UInt(magnitude))
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_scalars() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("Off"), Value::Bool(false));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("5000"), Value::Int(5000));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("017"), Value::Int(15));
        assert_eq!(resolve_plain("0b101"), Value::Int(5));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("-12"), Value::Int(-12));
        assert_eq!(resolve_plain("1.5"), Value::Float(1.5));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("18446744073709551615"), Value::UInt(u64::MAX));
        assert_eq!(
            resolve_plain("2001-12-14"),
            Value::String("2001-12-14".into())
        );
        assert_eq!(
            resolve_plain("nginx:1.27"),
            Value::String("nginx:1.27".into())
        );
        assert_eq!(resolve_plain("-"), Value::String("-".into()));
        assert_eq!(resolve_plain("1.2.3"), Value::String("1.2.3".into()));
        assert!(matches!(resolve_plain(".nan"), Value::Float(f) if f.is_nan()));
    }

    #[test]
    fn tags() {
        assert_eq!(
            resolve("5000", false, Tagged::Core("str")).unwrap(),
            Value::String("5000".into())
        );
        assert_eq!(
            resolve("3", true, Tagged::Core("int")).unwrap(),
            Value::Int(3)
        );
        assert!(resolve("x", false, Tagged::Core("int")).is_err());
        assert_eq!(
            resolve("yes", false, Tagged::Other).unwrap(),
            Value::String("yes".into())
        );
        assert_eq!(
            resolve("yes", true, Tagged::Implicit).unwrap(),
            Value::String("yes".into())
        );
    }
}
