//! Arbitrary bytes as JSON: an inbox activity, its embedded object, a fetched note or
//! actor, and every accessor on them. Errors are fine; panics are not.

#![no_main]

#[allow(dead_code)]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::activity_parse(data));
