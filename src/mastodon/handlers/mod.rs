//! Thin handlers, one file per path prefix.

pub mod accounts;
pub mod apps;
pub mod instance;
pub mod notifications;
pub mod statuses;
pub mod timelines;
