//! Status and its parts: Mention, Tag, MediaAttachment, Poll.

use serde::Serialize;
use time::OffsetDateTime;

use super::account::{Account, CustomEmoji};
use super::{ser_datetime, ser_opt_datetime};

#[derive(Debug, Clone, Serialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusTag {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub preview_url: String,
    pub remote_url: Option<String>,
    pub meta: Option<serde_json::Value>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PollOption {
    pub title: String,
    pub votes_count: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Poll {
    pub id: String,
    #[serde(serialize_with = "ser_opt_datetime")]
    pub expires_at: Option<OffsetDateTime>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: Option<i64>,
    pub options: Vec<PollOption>,
    pub emojis: Vec<CustomEmoji>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<u32>>,
}

/// The app named on a status: only its name and website.
#[derive(Debug, Clone, Serialize)]
pub struct StatusApplication {
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub id: String,
    #[serde(serialize_with = "ser_datetime")]
    pub created_at: OffsetDateTime,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub visibility: &'static str,
    pub language: Option<String>,
    pub uri: String,
    pub url: Option<String>,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    #[serde(serialize_with = "ser_opt_datetime")]
    pub edited_at: Option<OffsetDateTime>,
    /// HTML; empty for a boost.
    pub content: String,
    pub reblog: Option<Box<Status>>,
    /// The app a local post was written with, `null` for local posts without one;
    /// absent on remote posts, as in Mastodon (which shows only its own users' apps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<Option<StatusApplication>>,
    pub account: Account,
    pub media_attachments: Vec<MediaAttachment>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<StatusTag>,
    pub emojis: Vec<CustomEmoji>,
    pub card: Option<serde_json::Value>,
    pub poll: Option<Poll>,
    /// The source text: only on delete (for redraft).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filtered: Option<Vec<serde_json::Value>>,
}
