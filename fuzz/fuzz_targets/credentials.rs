//! Fuzz target: see `harness.rs` (`credentials`) for the input layout and the invariants checked.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::credentials(data);
});
