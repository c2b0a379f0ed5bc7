//! Hostile peers against our real server: one test per attack of security.md S01–S25
//! and S29 that the other test files do not cover already (the comment opening each
//! module names where the rest lives). Each test scripts an attacker and checks that the
//! attack is refused or harmless: nothing is stored that should not be, no request
//! panics or answers 5xx, and where a fetch would be the attack, the server it would
//! reach sees nothing.
//!
//! The cast:
//! - `Remote` (tests/support/remote.rs): a peer with a real RSA key that serves its actor
//!   and signs what it posts. `vic` is the honest third party, `mallory` the attacker,
//!   `rita` an honest server someone here follows.
//! - `Evil` (tools.rs): a server that answers any path with any status, type, body or
//!   redirect, optionally made up from the `Host` it was asked as (one listener plays
//!   every name a test resolver points at it), and records every request.
//! - `Canary` (tools.rs): a dual-stack listener on a private address nobody allowed; an
//!   attack through a URL fails only if it sees no connection at all.
//!
//! One module per section of security.md: `origin` (A, S01–S08: `documents` and
//! `activities` that speak for others), `inbox` (B, S09–S12), `ssrf` (C, S13–S17), `dos`
//! (D, S18–S25: expensive `input` and endless `fetches`) and `private` (E, S29). `signed`
//! builds requests signed by hand, rightly or wrongly on purpose.

#[path = "../support/mod.rs"]
mod support;

mod signed;
mod tools;

mod dos;
mod inbox;
mod origin;
mod private;
mod ssrf;
