//! D. Denial of service through slow, large or expensive input.
//!
//! Elsewhere: tests/outbound.rs `s18_*` (slow peers) and `s19_*` (huge, endless and
//! compressed bodies); tests/inbox.rs `activities_that_cannot_be_verified_are_refused_with_nothing_stored`
//! (an oversized activity); tests/remote_statuses.rs `crafted_posts_are_bounded_checked_and_sanitised`
//! (S23 (i), a reply chain fetched directly); tests/queue.rs
//! `a_dead_host_costs_one_time_out_then_waits_and_recovers` and
//! `a_host_failing_for_long_is_marked_unavailable_until_it_answers` (S23 (iii), failing
//! inboxes); tests/security.rs `s21_long_input_is_refused_and_nothing_stored`.

mod fetches;
mod input;
