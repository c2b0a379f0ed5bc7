//! Arbitrary UTF-8 as remote HTML (sanitise, to plain text) and as a local post
//! (extract, count, render). Must never panic nor let a script through.

#![no_main]

#[allow(dead_code)]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::sanitize(data));
