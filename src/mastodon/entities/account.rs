//! Account, CredentialAccount (with `source` and `role`), and their parts.

use serde::Serialize;
use time::OffsetDateTime;

use super::{ser_datetime, ser_opt_datetime};

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    /// HTML.
    pub value: String,
    #[serde(serialize_with = "ser_opt_datetime")]
    pub verified_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomEmoji {
    pub shortcode: String,
    pub url: String,
    pub static_url: String,
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub group: bool,
    #[serde(serialize_with = "ser_datetime")]
    pub created_at: OffsetDateTime,
    /// HTML.
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    /// `YYYY-MM-DD` or null.
    pub last_status_at: Option<String>,
    pub hide_collections: Option<bool>,
    pub noindex: Option<bool>,
    pub emojis: Vec<CustomEmoji>,
    pub roles: Vec<AccountRole>,
    pub fields: Vec<Field>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<Account>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memorial: Option<bool>,
}

/// A role shown on a profile (only highlighted ones are).
#[derive(Debug, Clone, Serialize)]
pub struct AccountRole {
    pub id: String,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceField {
    pub name: String,
    /// Plain text as typed.
    pub value: String,
    #[serde(serialize_with = "ser_opt_datetime")]
    pub verified_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    /// Plain text as typed.
    pub note: String,
    pub fields: Vec<SourceField>,
    pub follow_requests_count: i64,
    pub hide_collections: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub attribution_domains: Vec<String>,
}

/// The user's role with its permission bits, as Mastodon's `Role` entity.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    /// Decimal string of the permission bitmask.
    pub permissions: String,
    pub color: String,
    pub highlighted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    #[serde(serialize_with = "ser_opt_datetime")]
    pub muting_expires_at: Option<OffsetDateTime>,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}
