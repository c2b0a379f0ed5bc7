//! GroupedNotificationsResults, NotificationGroup and PartialAccountWithAvatar (the v2
//! grouped notifications of Mastodon 4.3).

use serde::Serialize;
use time::OffsetDateTime;

use super::account::Account;
use super::ser_opt_datetime;
use super::status::Status;

/// What a page of groups refers to, each account and status once.
#[derive(Debug, Clone, Serialize)]
pub struct GroupedNotificationsResults {
    pub accounts: Vec<Account>,
    /// Only with `expand_accounts=partial_avatars`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_accounts: Option<Vec<PartialAccountWithAvatar>>,
    pub statuses: Vec<Status>,
    pub notification_groups: Vec<NotificationGroup>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationGroup {
    pub group_key: String,
    pub notifications_count: i64,
    #[serde(rename = "type")]
    pub kind: String,
    /// A string like every id (Mastodon's own renders a number; ours pass 2^53).
    pub most_recent_notification_id: String,
    /// The next three only on pages of groups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_min_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_max_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_opt_datetime"
    )]
    pub latest_page_notification_at: Option<OffsetDateTime>,
    pub sample_account_ids: Vec<String>,
    /// For favourites, boosts, mentions, posts, polls and edits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
}

/// Just enough of an account to show its avatar.
#[derive(Debug, Clone, Serialize)]
pub struct PartialAccountWithAvatar {
    pub id: String,
    pub acct: String,
    pub url: String,
    pub avatar: String,
    pub avatar_static: String,
    pub locked: bool,
    pub bot: bool,
}
