//! Fuzz target: see `shortnames::fuzzing::reference` for the input layout and the invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    shortnames::fuzzing::reference(data);
});
