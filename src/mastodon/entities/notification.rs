//! Notification (v1).

use serde::Serialize;
use time::OffsetDateTime;

use super::account::Account;
use super::ser_datetime;
use super::status::Status;

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(serialize_with = "ser_datetime")]
    pub created_at: OffsetDateTime,
    /// Its group's key (`ungrouped-<id>` when it is alone).
    pub group_key: String,
    /// Only when the recipient's notification policy filtered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<bool>,
    pub account: Account,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnreadCount {
    pub count: i64,
}
