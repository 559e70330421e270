//! No secret fragment survives in freed heap memory after credential documents with escaped
//! passwords (`\n`, `\u0026`, `\/`) are parsed, looked up and dropped.
//!
//! A test-only global allocator looks into every block as it is freed (and every block a
//! reallocation leaves) while armed, and counts the blocks holding a secret fragment; blocks
//! allocated while armed start zeroed, so only what the code under test wrote is found.
//! `unsafe` is confined to this test file; the library keeps `#![forbid(unsafe_code)]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use shortnames::credentials::{Credential, Format, Keyring, SourceId};

/// Pieces of the secrets, each unique in the process (they are only ever written by the
/// test documents), split where the JSON escapes sit.
const FRAGMENTS: [&[u8]; 6] = [
    b"Qx7Vb2Lm",
    b"Zt9Kp4Wc",
    b"Hy3Nf8Rd",
    b"Jk5Ds1Gv",
    b"Pw6Ty0Ea",
    b"Mn4Xc9Ub",
];

static ARMED: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
static SCANNED: AtomicUsize = AtomicUsize::new(0);

struct ScanOnFree;

fn holds_fragment(block: &[u8]) -> bool {
    FRAGMENTS
        .iter()
        .any(|f| block.windows(f.len()).any(|w| w == *f))
}

unsafe impl GlobalAlloc for ScanOnFree {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if ARMED.load(Ordering::Relaxed) && !ptr.is_null() {
            // Blocks handed out while armed start zeroed: what is found in them when they
            // are freed was written by the code under test, not left by earlier users of
            // the memory (such as the test's own copy of the document).
            // SAFETY: `ptr` is a fresh block of `layout.size()` bytes.
            unsafe { std::ptr::write_bytes(ptr, 0, layout.size()) };
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) {
            // SAFETY: `ptr` is a live block of `layout.size()` bytes until freed below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            SCANNED.fetch_add(1, Ordering::Relaxed);
            if holds_fragment(block) {
                HITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
    // `realloc` keeps the default (allocate, copy, `dealloc`): the old block is scanned.
}

#[global_allocator]
static ALLOCATOR: ScanOnFree = ScanOnFree;

/// One test at a time: the counters are global.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `f` armed; returns (blocks freed holding a fragment, blocks scanned).
fn scan(f: impl FnOnce()) -> (usize, usize) {
    HITS.store(0, Ordering::SeqCst);
    SCANNED.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    (HITS.load(Ordering::SeqCst), SCANNED.load(Ordering::SeqCst))
}

/// A document whose secrets need unescaping: `\n`, `\u0026` (Go's encoding/json writes `&`,
/// `<`, `>` so), `\/`, and a surrogate pair.
fn document() -> Vec<u8> {
    format!(
        r#"{{"auths": {{
  "quay.io": {{"username": "robot", "password": "{}\n{}\u0026{}"}},
  "registry.example.com": {{"identitytoken": "{}\/{}\ud83d\ude00{}"}},
  "other.example.com": {{"auth": "", "username": "u", "password": "plain"}}
}}}}"#,
        s(0),
        s(1),
        s(2),
        s(3),
        s(4),
        s(5)
    )
    .into_bytes()
}

fn s(i: usize) -> &'static str {
    std::str::from_utf8(FRAGMENTS[i]).unwrap()
}

/// The expected password; built before the scanner is armed and dropped after (the test's
/// own copy must not count).
fn expected_password() -> String {
    format!("{}\n{}&{}", s(0), s(1), s(2))
}

fn use_keyring(k: &Keyring, expected: &str) {
    let c = k.lookup_pull("quay.io/team/app:1", None).unwrap();
    match c.candidates()[0].credential() {
        Credential::Basic { password, .. } => {
            assert_eq!(password.expose_secret(), expected);
        }
        other => panic!("basic credentials expected, got {other:?}"),
    }
    let c = k.lookup_pull("registry.example.com/x/y", None).unwrap();
    assert!(matches!(
        c.candidates()[0].credential(),
        Credential::IdentityToken { .. }
    ));
}

#[test]
fn parsing_escaped_passwords_leaves_no_fragment_in_freed_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let doc = document();
    let expected = expected_password();
    let (hits, scanned) = scan(|| {
        for _ in 0..20 {
            let (keyring, _) = Keyring::builder()
                .namespace_document(SourceId::label("ns"), &doc, Format::DockerConfigJson)
                .node_document(SourceId::label("node"), &doc, Format::DockerConfigJson)
                .build();
            use_keyring(&keyring, &expected);
            drop(keyring);
        }
    });
    drop(doc);
    assert!(scanned > 100, "the scanner ran ({scanned} blocks)");
    assert_eq!(hits, 0, "freed blocks holding a secret fragment");
}

#[test]
fn reading_credential_files_leaves_no_fragment_in_freed_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.json");
    std::fs::write(&path, document()).unwrap();
    let expected = expected_password();
    let (hits, scanned) = scan(|| {
        for _ in 0..20 {
            let (keyring, _) = Keyring::builder()
                .namespace_file(&path, Format::DockerConfigJson)
                .build();
            use_keyring(&keyring, &expected);
        }
    });
    assert!(scanned > 100, "the scanner ran ({scanned} blocks)");
    assert_eq!(hits, 0, "freed blocks holding a secret fragment");
}

/// The scanner finds what it must: a general-purpose parse of the same document leaves
/// fragments behind (its scratch buffer and strings are freed without wiping).
#[test]
fn the_scanner_detects_unwiped_copies() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let doc = document();
    let (hits, _) = scan(|| {
        let v: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        drop(v);
    });
    drop(doc);
    assert!(hits > 0, "serde_json's copies must be found");
}
