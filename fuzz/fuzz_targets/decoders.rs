//! Fuzz target: see `shortnames::fuzzing::decoders` (fast TOML scanner vs full decoder, values
//! and spans).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    shortnames::fuzzing::decoders(data);
});
