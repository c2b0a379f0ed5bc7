//! A. Origin validation and impersonation.
//!
//! Elsewhere: tests/remote_accounts.rs `documents_that_speak_for_others_are_refused`
//! (S01/S05/S06/S07 for actor documents), tests/remote_statuses.rs
//! `crafted_posts_are_bounded_checked_and_sanitised` (S05 author on another host),
//! tests/inbox.rs `created_posts_appear_notify_the_mentioned_and_deletes_stick` (S04).

mod activities;
mod documents;
