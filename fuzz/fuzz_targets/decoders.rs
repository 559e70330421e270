//! Fuzz target: see `harness.rs` (`decoders`): the fast TOML scanner against the full decoder
//! (values and spans).
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::decoders(data);
});
