//! Arbitrary bytes as an HTTP request (see `common::Request`): parse its signature,
//! read the key id and verify it against a fixed key. Errors are fine; panics are not.

#![no_main]

#[allow(dead_code)]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::httpsig_parse(data));
