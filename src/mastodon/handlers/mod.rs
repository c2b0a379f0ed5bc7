//! Thin handlers, one file per path prefix.

pub mod accounts;
pub mod apps;
pub mod collections;
pub mod instance;
pub mod markers;
pub mod notifications;
pub mod search;
pub mod statuses;
pub mod timelines;
