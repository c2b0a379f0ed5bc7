//! Thin handlers, one file per path prefix.

pub mod accounts;
pub mod apps;
pub mod collections;
pub mod instance;
pub mod markers;
pub mod notification_groups;
pub mod notification_policies;
pub mod notification_requests;
pub mod notifications;
pub mod search;
pub mod statuses;
pub mod timelines;
