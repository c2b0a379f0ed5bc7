//! Use cases shared by the web UI, the client API and the inbox. They take typed input,
//! check it, write rows in one transaction and return domain values, never JSON or HTML.

pub mod account_mail;
pub mod admin;
pub mod favourites;
pub mod follows;
pub mod instance;
pub mod notifications;
pub mod profile;
pub mod registration;
pub mod remote_accounts;
pub mod remote_statuses;
pub mod search;
pub mod secrets;
pub mod sessions;
pub mod statuses;
pub mod timelines;
