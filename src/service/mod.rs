//! Use cases shared by the web UI, the client API and the inbox. They take typed input,
//! check it, write rows in one transaction and return domain values, never JSON or HTML.

pub mod account_deletion;
pub mod account_mail;
pub mod account_notes;
pub mod admin;
pub mod announces;
pub mod blocks;
pub mod favourites;
pub mod follow_requests;
pub mod follows;
pub mod instance;
pub mod likes;
pub mod notification_groups;
pub mod notification_policy;
pub mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod pins;
pub mod profile;
pub mod registration;
pub mod remote_accounts;
pub mod remote_edits;
pub mod remote_extras;
pub mod remote_outbox;
pub mod remote_statuses;
pub mod reports;
pub mod search;
pub mod secrets;
pub mod seed;
pub mod sessions;
pub mod statuses;
pub mod timelines;
