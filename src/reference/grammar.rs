//! The `docker/reference` grammar (rule 25) and go-digest validation, checked byte by byte
//! without allocating.

use super::error::{RefErrorKind, ReferenceError};
use super::NAME_TOTAL_LENGTH_MAX;

/// Offsets found by the grammar check, before any allocation.
#[derive(Clone, Copy)]
pub(super) struct Spans {
    pub(super) domain_len: usize,
    pub(super) name_len: usize,
    pub(super) tag_end: usize,
}

const ALNUM_LOWER: u8 = 1; // [a-z0-9]
const DOMAIN_CHAR: u8 = 2; // [A-Za-z0-9]
const TAG_CHAR: u8 = 4; // [A-Za-z0-9_.-]
const HEX: u8 = 8; // [0-9A-Fa-f]
const ALPHA: u8 = 16; // [A-Za-z]

static CLASS: [u8; 256] = build_class_table();

const fn build_class_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut v = 0;
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            v |= ALNUM_LOWER;
        }
        if c.is_ascii_alphanumeric() {
            v |= DOMAIN_CHAR | TAG_CHAR;
        }
        if c == b'_' || c == b'.' || c == b'-' {
            v |= TAG_CHAR;
        }
        if c.is_ascii_hexdigit() {
            v |= HEX;
        }
        if c.is_ascii_alphabetic() {
            v |= ALPHA;
        }
        t[i] = v;
        i += 1;
    }
    t
}

#[inline]
fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// `path-comp = [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*`
pub(crate) fn is_path_component(c: &[u8]) -> bool {
    !c.is_empty() && !c.contains(&b'/') && is_path(c)
}

// Path automaton: states and byte classes (one table lookup per byte).
const P_START: u8 = 0; // expecting the first alnum of a component
const P_ALNUM: u8 = 1; // inside an alnum run (accepting)
const P_DOT: u8 = 2; // after `.`
const P_U1: u8 = 3; // after `_`
const P_U2: u8 = 4; // after `__`
const P_DASH: u8 = 5; // after one or more `-`
const P_FAIL: u8 = 6;

/// Byte classes for the path automaton: 0 alnum, 1 `.`, 2 `_`, 3 `-`, 4 `/`, 5 other.
static PATH_CLASS: [u8; 256] = {
    let mut t = [5u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            t[i] = 0;
        }
        i += 1;
    }
    t[b'.' as usize] = 1;
    t[b'_' as usize] = 2;
    t[b'-' as usize] = 3;
    t[b'/' as usize] = 4;
    t
};

/// `PATH_NEXT[state][class]`.
static PATH_NEXT: [[u8; 6]; 7] = [
    //  alnum    .       _      -       /        other
    [P_ALNUM, P_FAIL, P_FAIL, P_FAIL, P_FAIL, P_FAIL], // START
    [P_ALNUM, P_DOT, P_U1, P_DASH, P_START, P_FAIL],   // ALNUM
    [P_ALNUM, P_FAIL, P_FAIL, P_FAIL, P_FAIL, P_FAIL], // DOT
    [P_ALNUM, P_FAIL, P_U2, P_FAIL, P_FAIL, P_FAIL],   // U1
    [P_ALNUM, P_FAIL, P_FAIL, P_FAIL, P_FAIL, P_FAIL], // U2
    [P_ALNUM, P_FAIL, P_FAIL, P_DASH, P_FAIL, P_FAIL], // DASH
    [P_FAIL; 6],                                       // FAIL
];

/// `path-comp ('/' path-comp)*`
fn is_path(p: &[u8]) -> bool {
    let mut state = P_START;
    for &b in p {
        state = PATH_NEXT[state as usize][PATH_CLASS[b as usize] as usize];
    }
    state == P_ALNUM
}

/// `domain = dom-comp ('.' dom-comp)* (':' [0-9]+)?`,
/// `dom-comp = [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]`
pub(crate) fn is_domain(d: &[u8]) -> bool {
    // States: 0 = expecting a component's first char, 1 = after an alnum (accepting),
    // 2 = after `-`, 3 = after `:`, 4 = in port digits (accepting).
    let mut state = 0u8;
    for &b in d {
        state = match (state, b) {
            (0..=2, b) if is(b, DOMAIN_CHAR) => 1,
            (1 | 2, b'-') => 2,
            (1, b'.') => 0,
            (1, b':') => 3,
            (3 | 4, b'0'..=b'9') => 4,
            _ => return false,
        };
    }
    state == 1 || state == 4
}

/// `tag = [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
fn is_tag(t: &[u8]) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && (is(t[0], DOMAIN_CHAR) || t[0] == b'_')
        && t.iter().all(|&b| is(b, TAG_CHAR))
}

/// `digest = [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ':' [0-9A-Fa-f]{32,}`
fn is_digest_syntax(d: &[u8]) -> bool {
    let Some(colon) = d.iter().position(|&b| b == b':') else {
        return false;
    };
    let (alg, hex) = (&d[..colon], &d[colon + 1..]);
    if hex.len() < 32 || !hex.iter().all(|&b| is(b, HEX)) {
        return false;
    }
    let mut i = 0;
    let n = alg.len();
    loop {
        if i >= n || !is(alg[i], ALPHA) {
            return false;
        }
        i += 1;
        while i < n && is(alg[i], DOMAIN_CHAR) {
            i += 1;
        }
        if i == n {
            return true;
        }
        if !matches!(alg[i], b'-' | b'_' | b'+' | b'.') {
            return false;
        }
        i += 1;
    }
}

/// Whether the whole input matches `reference`; returns the spans when it does.
fn match_grammar(s: &[u8]) -> Option<Spans> {
    // One scan for the structure: the first `@`, and before it the first and last `/` and the
    // last `:`.
    let mut at = s.len();
    let (mut first_slash, mut last_slash, mut last_colon) = (usize::MAX, usize::MAX, usize::MAX);
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'/' => {
                if first_slash == usize::MAX {
                    first_slash = i;
                }
                last_slash = i;
            }
            b':' => last_colon = i,
            b'@' => {
                at = i;
                break;
            }
            _ => {}
        }
    }
    if at < s.len() && !is_digest_syntax(&s[at + 1..]) {
        return None;
    }
    let before_digest = &s[..at];
    // A `:` after the last `/` starts the tag (before the first `/` it may be a port).
    let name_len =
        if last_colon != usize::MAX && (last_slash == usize::MAX || last_colon > last_slash) {
            if !is_tag(&before_digest[last_colon + 1..]) {
                return None;
            }
            last_colon
        } else {
            at
        };
    let name = &s[..name_len];
    let mut domain_len = 0;
    let mut path = name;
    if first_slash < name_len && is_domain(&name[..first_slash]) {
        domain_len = first_slash;
        path = &name[first_slash + 1..];
    }
    if !is_path(path) {
        return None;
    }
    Some(Spans {
        domain_len,
        name_len,
        tag_end: at,
    })
}

/// `reference.Parse` minus the allocation: grammar, length, digest validation.
pub(super) fn check(s: &str) -> Result<Spans, ReferenceError> {
    let Some(spans) = match_grammar(s.as_bytes()) else {
        if s.is_empty() {
            return Err(ReferenceError::new(RefErrorKind::Empty));
        }
        if let Some(lower) = go_to_lower_ascii(s) {
            if match_grammar(&lower).is_some() {
                return Err(ReferenceError::new(RefErrorKind::Uppercase));
            }
        }
        return Err(ReferenceError::new(RefErrorKind::Format));
    };
    if spans.name_len > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::new(RefErrorKind::TooLong));
    }
    if spans.tag_end < s.len() {
        validate_digest(&s[spans.tag_end + 1..])?;
    }
    Ok(spans)
}

/// Go's `strings.ToLower(s)`, returned only when the result is all ASCII (otherwise it cannot
/// match the grammar, whose alphabet is ASCII).
fn go_to_lower_ascii(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let l = match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            '\u{212A}' => 'k', // KELVIN SIGN
            '\u{0130}' => 'i', // LATIN CAPITAL LETTER I WITH DOT ABOVE (simple mapping)
            c if c.is_ascii() => c,
            _ => return None,
        };
        out.push(l as u8);
    }
    Some(out)
}

/// go-digest `Validate` (rule 27).
fn validate_digest(d: &str) -> Result<(), ReferenceError> {
    let colon = match d.find(':') {
        Some(i) if i > 0 && i + 1 < d.len() => i,
        _ => return Err(ReferenceError::new(RefErrorKind::DigestFormat)),
    };
    let (alg, hex) = (&d[..colon], &d[colon + 1..]);
    let size = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(ReferenceError::new(
                if is_known_digest_shape(d.as_bytes()) {
                    RefErrorKind::DigestAlgorithm
                } else {
                    RefErrorKind::DigestFormat
                },
            ))
        }
    };
    if hex.len() != size {
        return Err(ReferenceError::new(RefErrorKind::DigestLength));
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(ReferenceError::new(RefErrorKind::DigestFormat));
    }
    Ok(())
}

/// go-digest `DigestRegexp`: `[a-z0-9]+([.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
fn is_known_digest_shape(d: &[u8]) -> bool {
    let Some(colon) = d.iter().position(|&b| b == b':') else {
        return false;
    };
    let (alg, enc) = (&d[..colon], &d[colon + 1..]);
    let alg_ok = alg
        .split(|&b| matches!(b, b'.' | b'+' | b'_' | b'-'))
        .all(|p| !p.is_empty() && p.iter().all(|&b| is(b, ALNUM_LOWER)));
    alg_ok
        && !enc.is_empty()
        && enc
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}
