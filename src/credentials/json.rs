//! The JSON reader of credential documents. It builds the minimal tree the parser needs and
//! decodes every string straight into a buffer that is allocated once, at its final size, and
//! wiped when dropped, so no copy of a secret is ever left in freed memory (a general-purpose
//! parser unescapes `\n` or `\u0026` in a scratch buffer that is freed without wiping).
//!
//! It accepts exactly what `serde_json::from_slice` accepted for the previous tree (RFC 8259;
//! strings must be valid UTF-8 with paired surrogates, except inside arrays, whose content is
//! only checked for syntax; at most 127 nested containers on the path of objects; numbers
//! must fit an `f64`), and reports an error at the line and column serde_json reports (a
//! differential test checks both on mutated documents).

use zeroize::Zeroizing;

use super::secret::Secret;

/// Minimal JSON tree that keeps member order and holds string values as [`Secret`]s.
pub(crate) enum Json {
    Null,
    Scalar,
    Str(Secret),
    Array,
    Object(Vec<(String, Json)>),
}

impl Json {
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

/// Containers allowed on the path of objects (serde_json's recursion limit).
const MAX_DEPTH: usize = 127;

/// Parses a whole document; `Err` is the (line, column) of the first error, as serde_json
/// reports it.
pub(crate) fn parse(bytes: &[u8]) -> Result<Json, (usize, usize)> {
    let mut r = Reader { b: bytes, i: 0 };
    let result = r.value(0).and_then(|v| {
        r.ws();
        if r.i == bytes.len() {
            Ok(v)
        } else {
            r.fail()
        }
    });
    result.map_err(|at| position_of_index(bytes, at))
}

/// Decodes the escapes of a string's content `raw` (which starts at index `start` of the
/// document) into a wiped buffer allocated once; `Err` is the position of a lone or
/// unpaired surrogate. A truncated escape at the end (the content of an unterminated
/// string) ends the decoding.
fn decode(raw: &[u8], start: usize) -> Parsed<Zeroizing<Vec<u8>>> {
    let hex = |at: usize| -> Option<u32> {
        let h = raw.get(at..at + 4)?;
        h.iter()
            .try_fold(0, |acc, &d| Some(acc * 16 + (d as char).to_digit(16)?))
    };
    let mut out: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(raw.len()));
    let mut k = 0;
    while k < raw.len() {
        let c = raw[k];
        k += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = raw.get(k) else {
            break;
        };
        k += 1;
        let simple = match e {
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'u' => None,
            other => Some(other),
        };
        if let Some(byte) = simple {
            out.push(byte);
            continue;
        }
        let Some(n) = hex(k) else {
            break;
        };
        k += 4;
        // Position index just after the last hex digit read, as serde_json reports it.
        let here = start + k;
        let code = match n {
            0xDC00..=0xDFFF => return Err(here),
            0xD800..=0xDBFF => {
                // serde_json consumes the byte it did not expect, then fails.
                match (raw.get(k), raw.get(k + 1)) {
                    (None, _) => return Err(here + 1),
                    (Some(b'\\'), None) => break,
                    (Some(b'\\'), Some(b'u')) => {}
                    (Some(b'\\'), Some(_)) => return Err(here + 2),
                    (Some(_), _) => return Err(here + 1),
                }
                let Some(n2) = hex(k + 2) else {
                    break;
                };
                k += 6;
                if !(0xDC00..=0xDFFF).contains(&n2) {
                    return Err(start + k);
                }
                0x10000 + ((n - 0xD800) << 10) + (n2 - 0xDC00)
            }
            n => n,
        };
        let ch = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    Ok(out)
}

/// Line and column as serde_json computes them for a position index.
fn position_of_index(b: &[u8], i: usize) -> (usize, usize) {
    let i = i.min(b.len());
    let start_of_line = b[..i]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let line = 1 + b[..start_of_line].iter().filter(|&&c| c == b'\n').count();
    (line, i - start_of_line)
}

/// `Err` holds a position index (see [`position_of_index`]).
type Parsed<T> = Result<T, usize>;

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// An error at the current byte.
    fn fail<T>(&self) -> Parsed<T> {
        Err(self.i + 1)
    }

    fn expect(&mut self, c: u8) -> Parsed<()> {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.fail()
        }
    }

    /// A value on the path of objects: objects become trees, strings secrets.
    fn value(&mut self, depth: usize) -> Parsed<Json> {
        self.ws();
        match self.peek() {
            Some(b'{' | b'[') if depth >= MAX_DEPTH => self.fail(),
            Some(b'{') => {
                self.i += 1;
                self.object(depth + 1)
            }
            Some(b'[') => {
                self.skip_value()?;
                Ok(Json::Array)
            }
            Some(b'"') => {
                self.i += 1;
                Ok(Json::Str(Secret::new(self.string()?)))
            }
            Some(b'n') => self.literal(b"null").map(|()| Json::Null),
            Some(b't') => self.literal(b"true").map(|()| Json::Scalar),
            Some(b'f') => self.literal(b"false").map(|()| Json::Scalar),
            Some(b'-' | b'0'..=b'9') => self.number(true).map(|()| Json::Scalar),
            _ => self.fail(),
        }
    }

    fn object(&mut self, depth: usize) -> Parsed<Json> {
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.expect(b'"')?;
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value(depth)?;
            members.push((key, value));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(members));
                }
                _ => return self.fail(),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Parsed<()> {
        for &c in word {
            if self.peek() != Some(c) {
                return self.fail();
            }
            self.i += 1;
        }
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// A number; with `range`, it must also fit an `f64` (as a deserialised number must).
    fn number(&mut self, range: bool) -> Parsed<()> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return self.fail();
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.fail(),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return self.fail();
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return self.fail();
            }
        }
        if range {
            let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
            if text.parse::<f64>().map_or(true, f64::is_infinite) {
                return Err(self.i);
            }
        }
        Ok(())
    }

    /// After the opening quote: the index of the closing quote, the escapes' syntax checked.
    /// `skipped`: the string is inside an array, where serde_json reports a control character
    /// at its own position rather than after it.
    fn scan_string(&mut self, skipped: bool) -> Parsed<usize> {
        loop {
            match self.peek() {
                None => return self.fail(),
                Some(b'"') => return Ok(self.i),
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            self.i += 1;
                            // As serde_json: four bytes are read, then checked.
                            if self.i + 4 > self.b.len() {
                                return Err(self.b.len());
                            }
                            let hex = &self.b[self.i..self.i + 4];
                            self.i += 4;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return Err(self.i);
                            }
                        }
                        _ => return self.fail(),
                    }
                }
                Some(c) if c < 0x20 && skipped => return Err(self.i),
                Some(c) if c < 0x20 => return self.fail(),
                Some(_) => self.i += 1,
            }
        }
    }

    /// After the opening quote: the decoded string, in a buffer allocated once at its final
    /// capacity (decoding only shrinks) and never copied.
    fn string(&mut self) -> Parsed<String> {
        let start = self.i;
        let end = match self.scan_string(false) {
            Ok(end) => end,
            // serde_json decodes as it goes: a bad surrogate before the syntax error is
            // reported first.
            Err(at) => {
                let scanned = &self.b[start..(at - 1).clamp(start, self.b.len())];
                return Err(decode(scanned, start)
                    .err()
                    .filter(|&e| e < at)
                    .unwrap_or(at));
            }
        };
        self.i = end + 1;
        let mut out = decode(&self.b[start..end], start)?;
        match String::from_utf8(std::mem::take(&mut *out)) {
            Ok(s) => Ok(s),
            Err(e) => {
                // serde_json points back from the closing quote by the decoded bytes after
                // the first invalid one.
                let valid = e.utf8_error().valid_up_to();
                let bytes = Zeroizing::new(e.into_bytes());
                Err(end + 1 - (bytes.len() - valid))
            }
        }
    }

    /// Skips one value of any depth (inside arrays: syntax only, as serde_json ignores
    /// array elements), without recursion.
    fn skip_value(&mut self) -> Parsed<()> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            self.ws();
            match self.peek() {
                Some(b'[') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                    } else {
                        open.push(b']');
                        continue;
                    }
                }
                Some(b'{') => {
                    self.i += 1;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                    } else {
                        open.push(b'}');
                        self.skip_key()?;
                        continue;
                    }
                }
                Some(b'"') => {
                    self.i += 1;
                    self.i = self.scan_string(true)? + 1;
                }
                Some(b'n') => self.literal(b"null")?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'-' | b'0'..=b'9') => self.number(false)?,
                _ => return self.fail(),
            }
            // A value is complete: separators and closers.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.i += 1;
                        open.pop();
                    }
                    _ => return self.fail(),
                }
            }
        }
    }

    fn skip_key(&mut self) -> Parsed<()> {
        self.expect(b'"')?;
        self.i = self.scan_string(true)? + 1;
        self.expect(b':')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(doc: &str) -> bool {
        parse(doc.as_bytes()).is_ok()
    }

    /// The tree the credential parser built before this reader: serde_json driving a
    /// visitor (strings as owned values, arrays ignored element by element). The oracle of
    /// the differential test below.
    #[derive(Debug, PartialEq)]
    enum Oracle {
        Null,
        Scalar,
        Str(String),
        Array,
        Object(Vec<(String, Oracle)>),
    }

    struct OracleVisitor;

    impl<'de> serde::de::Visitor<'de> for OracleVisitor {
        type Value = Oracle;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Oracle, E> {
            Ok(Oracle::Scalar)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Oracle, E> {
            Ok(Oracle::Scalar)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Oracle, E> {
            Ok(Oracle::Scalar)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Oracle, E> {
            Ok(Oracle::Scalar)
        }
        fn visit_str<E>(self, v: &str) -> Result<Oracle, E> {
            Ok(Oracle::Str(v.to_owned()))
        }
        fn visit_unit<E>(self) -> Result<Oracle, E> {
            Ok(Oracle::Null)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Oracle, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(Oracle::Array)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Oracle, A::Error> {
            let mut members = Vec::new();
            while let Some(k) = map.next_key::<String>()? {
                members.push((k, map.next_value::<Oracle>()?));
            }
            Ok(Oracle::Object(members))
        }
    }

    impl<'de> serde::Deserialize<'de> for Oracle {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(OracleVisitor)
        }
    }

    fn as_oracle(j: &Json) -> Oracle {
        match j {
            Json::Null => Oracle::Null,
            Json::Scalar => Oracle::Scalar,
            Json::Str(s) => Oracle::Str(s.expose_secret().to_owned()),
            Json::Array => Oracle::Array,
            Json::Object(m) => {
                Oracle::Object(m.iter().map(|(k, v)| (k.clone(), as_oracle(v))).collect())
            }
        }
    }

    /// Mutated documents: the same tree as the previous serde_json-driven parser, or the
    /// same error at the same line and column.
    #[test]
    fn same_tree_and_errors_as_the_serde_json_parser() {
        let seeds: [&[u8]; 6] = [
            br#"{"auths": {"quay.io": {"auth": "dTpw", "password": "a\nb\u0026c\ud83d\ude00"}}}"#,
            br#"{"a": -1.5e+3, "b": true, "c": null, "d": {"e": false, "f": "\"\\\/\b\f\r\t"}}"#,
            b"{\"k\\u00e9y\": \"v\\u00e9\", \"x\": 0}",
            b"{\"\xc3\xa9\": \"\xe2\x82\xac\"}",
            br#"{"a": [1, {"b": ["\ud800", 2e5]}, [], {}], "c": [[["x"]]], "d": {"e": []}}"#,
            br#"[{"a": 1}, "s", 0.5, [true, null]]"#,
        ];
        let alphabet = b"{}[]\":,\\u0123456789abcdefABCDEFnrtbfeE.+-x \n\t\x01\xff\xc3\xa9";
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        let (mut valid, mut invalid) = (0, 0);
        for round in 0..30_000 {
            let mut doc = seeds[round % seeds.len()].to_vec();
            for _ in 0..1 + next(3) {
                let at = next(doc.len() + 1);
                match next(3) {
                    0 if at < doc.len() => {
                        doc.remove(at);
                    }
                    1 => doc.insert(at, alphabet[next(alphabet.len())]),
                    _ if at < doc.len() => doc[at] = alphabet[next(alphabet.len())],
                    _ => {}
                }
            }
            let ours = parse(&doc).map(|t| as_oracle(&t));
            let theirs = serde_json::from_slice::<Oracle>(&doc).map_err(|e| (e.line(), e.column()));
            assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&doc));
            if ours.is_ok() {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 1_000 && invalid > 10_000,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn nesting_limit() {
        assert!(accepts(&format!(
            "{}1{}",
            "{\"a\":".repeat(127),
            "}".repeat(127)
        )));
        assert!(!accepts(&format!(
            "{}1{}",
            "{\"a\":".repeat(128),
            "}".repeat(128)
        )));
        // The limit and its position are the serde_json parser's.
        for doc in [
            format!("{}1{}", "{\"a\":".repeat(128), "}".repeat(128)),
            format!("{}[1]{}", "{\"a\":".repeat(127), "}".repeat(127)),
            format!("{}[{{}}]{}", "{\"a\":".repeat(126), "}".repeat(126)),
        ] {
            let theirs = serde_json::from_slice::<Oracle>(doc.as_bytes())
                .map(|_| ())
                .map_err(|e| (e.line(), e.column()));
            assert_eq!(parse(doc.as_bytes()).map(|_| ()), theirs);
        }
        // Arrays are skipped without a limit and without recursion.
        let arrays = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(accepts(&arrays));
        assert!(accepts(r#"{"a": [1, {"b": ["\ud800", 1e400]}, [], {}]}"#));
        assert!(!accepts(r#"{"a": [1, ]}"#));
    }

    #[test]
    fn strings_are_decoded() {
        let Ok(Json::Object(m)) = parse(br#"{"p": "a\nb\u0026c\ud83d\ude00"}"#) else {
            panic!("object expected")
        };
        let Json::Str(s) = &m[0].1 else {
            panic!("string expected")
        };
        assert_eq!(s.expose_secret(), "a\nb&c\u{1F600}");
    }
}
