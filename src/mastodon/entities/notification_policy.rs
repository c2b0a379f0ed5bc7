//! NotificationPolicy (v2: `accept`/`filter`/`drop` per kind of sender), its v1 shape
//! (booleans), and NotificationRequest.

use serde::Serialize;
use time::OffsetDateTime;

use super::account::Account;
use super::ser_datetime;
use super::status::Status;

#[derive(Debug, Clone, Copy, Serialize)]
pub struct PolicySummary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationPolicy {
    pub for_not_following: &'static str,
    pub for_not_followers: &'static str,
    pub for_new_accounts: &'static str,
    pub for_private_mentions: &'static str,
    pub for_limited_accounts: &'static str,
    pub summary: PolicySummary,
}

/// `filter_*` is true for any setting other than `accept`.
#[derive(Debug, Clone, Serialize)]
pub struct V1NotificationPolicy {
    pub filter_not_following: bool,
    pub filter_not_followers: bool,
    pub filter_new_accounts: bool,
    pub filter_private_mentions: bool,
    pub summary: PolicySummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationRequest {
    pub id: String,
    #[serde(serialize_with = "ser_datetime")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "ser_datetime")]
    pub updated_at: OffsetDateTime,
    /// A string, as Mastodon renders it.
    pub notifications_count: String,
    pub account: Account,
    pub last_status: Option<Status>,
}

/// Whether the notifications of accepted requests are in the list yet.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MergedResponse {
    pub merged: bool,
}
