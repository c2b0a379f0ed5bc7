//! Instance (v1 and v2), Rule, ExtendedDescription, Activity, Language, Preferences.
//! Every field Mastodon sends is here: strict apps refuse to log in without them.

use serde::Serialize;
use std::collections::BTreeMap;

use super::account::Account;

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub text: String,
    pub hint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Thumbnail {
    pub url: String,
    pub blurhash: Option<String>,
    pub versions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub users: UsageUsers,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsageUsers {
    pub active_month: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct UrlsV2 {
    pub streaming: String,
    pub status: Option<String>,
    pub about: String,
    pub privacy_policy: Option<String>,
    pub terms_of_service: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountsConfig {
    pub max_featured_tags: u32,
    pub max_pinned_statuses: u32,
    pub max_profile_fields: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusesConfig {
    pub max_characters: u32,
    pub max_media_attachments: u32,
    pub characters_reserved_per_url: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct MediaConfig {
    pub supported_mime_types: Vec<&'static str>,
    pub description_limit: u32,
    pub image_size_limit: u64,
    pub image_matrix_limit: u64,
    pub video_size_limit: u64,
    pub video_frame_rate_limit: u32,
    pub video_matrix_limit: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PollsConfig {
    pub max_options: u32,
    pub max_characters_per_option: u32,
    pub min_expiration: u64,
    pub max_expiration: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TranslationConfig {
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigurationV2 {
    pub urls: UrlsV2,
    pub accounts: AccountsConfig,
    pub statuses: StatusesConfig,
    pub media_attachments: MediaConfig,
    pub polls: PollsConfig,
    pub translation: TranslationConfig,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegistrationsV2 {
    pub enabled: bool,
    pub approval_required: bool,
    pub message: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub email: String,
    pub account: Option<Account>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiVersions {
    pub mastodon: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceV2 {
    pub domain: String,
    pub title: String,
    pub version: String,
    pub source_url: String,
    pub description: String,
    pub usage: Usage,
    pub thumbnail: Thumbnail,
    pub icon: Vec<Icon>,
    pub languages: Vec<String>,
    pub configuration: ConfigurationV2,
    pub registrations: RegistrationsV2,
    pub api_versions: ApiVersions,
    pub contact: Contact,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Icon {
    pub src: String,
    pub size: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UrlsV1 {
    pub streaming_api: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatsV1 {
    pub user_count: i64,
    pub status_count: i64,
    pub domain_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigurationV1 {
    pub accounts: AccountsConfig,
    pub statuses: StatusesConfig,
    pub media_attachments: MediaConfig,
    pub polls: PollsConfig,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceV1 {
    /// The bare domain, not a URL.
    pub uri: String,
    pub title: String,
    pub short_description: String,
    pub description: String,
    pub email: String,
    pub version: String,
    pub urls: UrlsV1,
    pub stats: StatsV1,
    pub thumbnail: Option<String>,
    pub languages: Vec<String>,
    pub registrations: bool,
    pub approval_required: bool,
    pub invites_enabled: bool,
    pub configuration: ConfigurationV1,
    pub contact_account: Option<Account>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtendedDescription {
    pub updated_at: String,
    /// HTML.
    pub content: String,
}

/// One week of `instance/activity`; Mastodon sends every number as a string.
#[derive(Debug, Clone, Serialize)]
pub struct Activity {
    pub week: String,
    pub statuses: String,
    pub logins: String,
    pub registrations: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Language {
    pub code: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Preferences {
    #[serde(rename = "posting:default:visibility")]
    pub visibility: String,
    #[serde(rename = "posting:default:sensitive")]
    pub sensitive: bool,
    #[serde(rename = "posting:default:language")]
    pub language: Option<String>,
    #[serde(rename = "reading:expand:media")]
    pub expand_media: &'static str,
    #[serde(rename = "reading:expand:spoilers")]
    pub expand_spoilers: bool,
    #[serde(rename = "reading:autoplay:gifs")]
    pub autoplay_gifs: bool,
}
