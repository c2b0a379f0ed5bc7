//! `/api/v1/instance`, `/api/v2/instance` and the small instance endpoints apps call at
//! start-up: peers, rules, extended description, activity, languages, translation
//! languages, custom emoji, and the signed-in person's preferences.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;

use crate::db;
use crate::error::AppResult;
use crate::mastodon::auth::{AnyCaller, Auth};
use crate::mastodon::entities::account::{Account, CustomEmoji};
use crate::mastodon::entities::datetime;
use crate::mastodon::entities::instance::*;
use crate::mastodon::present;
use crate::service::instance::{self as instance_service, InstanceInfo};
use crate::service::statuses::MAX_CHARS;
use crate::state::AppState;
use crate::text;

/// The Mastodon version we answer like (the API we implement), then who we are. Apps
/// parse the leading number to switch features on; raise it as the API grows.
pub fn version() -> String {
    format!("4.3.0 (compatible; Starling {})", env!("CARGO_PKG_VERSION"))
}

/// `api_versions.mastodon`: 2 promises grouped notifications (`/api/v2/notifications`
/// and its group, accounts, dismiss and unread_count) and `PartialAccountWithAvatar`;
/// 3 would promise 4.4's additions.
const API_VERSION: u32 = 2;
const SOURCE_URL: &str = "https://github.com/starling-social/starling";

fn streaming_base(state: &AppState) -> String {
    let base = state.urls.base().trim_end_matches('/');
    if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    }
}

fn rules(info: &InstanceInfo) -> Vec<Rule> {
    info.rules
        .iter()
        .map(|r| Rule {
            id: r.id.to_string(),
            text: r.text.clone(),
            hint: r.hint.clone(),
        })
        .collect()
}

fn accounts_config() -> AccountsConfig {
    AccountsConfig {
        max_featured_tags: 10,
        max_pinned_statuses: 5,
        max_profile_fields: 4,
    }
}

fn statuses_config() -> StatusesConfig {
    StatusesConfig {
        max_characters: MAX_CHARS as u32,
        // Remote attachments are shown; uploads come with the media issue.
        max_media_attachments: 4,
        characters_reserved_per_url: 23,
    }
}

fn media_config() -> MediaConfig {
    MediaConfig {
        supported_mime_types: vec![
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/webm",
            "audio/mpeg",
            "audio/ogg",
        ],
        description_limit: 1500,
        image_size_limit: 16 * 1024 * 1024,
        image_matrix_limit: 33_177_600,
        video_size_limit: 99 * 1024 * 1024,
        video_frame_rate_limit: 120,
        video_matrix_limit: 8_294_400,
    }
}

fn polls_config() -> PollsConfig {
    PollsConfig {
        max_options: 4,
        max_characters_per_option: 50,
        min_expiration: 300,
        max_expiration: 2_629_746,
    }
}

async fn contact_account(state: &AppState, info: &InstanceInfo) -> AppResult<Option<Account>> {
    let name = info.contact_username.trim();
    if name.is_empty() {
        return Ok(None);
    }
    Ok(db::accounts::find_local(&state.db, name)
        .await?
        .filter(|a| a.suspended_at.is_none())
        .map(|a| present::account(state, &a)))
}

fn thumbnail(state: &AppState) -> String {
    present::absolute(state, state.assets.url("header.png"))
}

fn languages() -> Vec<String> {
    vec!["en".into()]
}

pub async fn v2(_: AnyCaller, State(state): State<AppState>) -> AppResult<Json<InstanceV2>> {
    let info = instance_service::info(&state).await?;
    let usage = db::accounts::usage(&state.db).await?;
    let open = state.config.registrations.open;
    Ok(Json(InstanceV2 {
        domain: info.domain.clone(),
        title: info.title.clone(),
        version: version(),
        source_url: SOURCE_URL.into(),
        description: info.short_description.clone(),
        usage: Usage {
            users: UsageUsers {
                active_month: usage.active_month,
            },
        },
        thumbnail: Thumbnail {
            url: thumbnail(&state),
            blurhash: None,
            versions: BTreeMap::new(),
        },
        icon: Vec::new(),
        languages: languages(),
        configuration: ConfigurationV2 {
            urls: UrlsV2 {
                streaming: streaming_base(&state),
                status: None,
                about: present::absolute(&state, "/about".into()),
                privacy_policy: None,
                terms_of_service: None,
            },
            accounts: accounts_config(),
            statuses: statuses_config(),
            media_attachments: media_config(),
            polls: polls_config(),
            translation: TranslationConfig { enabled: false },
        },
        registrations: RegistrationsV2 {
            enabled: open,
            approval_required: false,
            message: None,
            url: None,
        },
        api_versions: ApiVersions {
            mastodon: API_VERSION,
        },
        contact: Contact {
            email: info.contact_email.clone(),
            account: contact_account(&state, &info).await?,
        },
        rules: rules(&info),
    }))
}

pub async fn v1(_: AnyCaller, State(state): State<AppState>) -> AppResult<Json<InstanceV1>> {
    let info = instance_service::info(&state).await?;
    let stats = instance_service::stats(&state).await?;
    let domains = db::instance::peer_count(&state.db).await?;
    Ok(Json(InstanceV1 {
        uri: info.domain.clone(),
        title: info.title.clone(),
        short_description: info.short_description.clone(),
        description: info.short_description.clone(),
        email: info.contact_email.clone(),
        version: version(),
        urls: UrlsV1 {
            streaming_api: streaming_base(&state),
        },
        stats: StatsV1 {
            user_count: stats.users,
            status_count: stats.statuses,
            domain_count: domains,
        },
        thumbnail: Some(thumbnail(&state)),
        languages: languages(),
        registrations: state.config.registrations.open,
        approval_required: false,
        invites_enabled: false,
        configuration: ConfigurationV1 {
            accounts: accounts_config(),
            statuses: statuses_config(),
            media_attachments: media_config(),
            polls: polls_config(),
        },
        contact_account: contact_account(&state, &info).await?,
        rules: rules(&info),
    }))
}

pub async fn peers(_: AnyCaller, State(state): State<AppState>) -> AppResult<Json<Vec<String>>> {
    Ok(Json(db::instance::peers(&state.db).await?))
}

pub async fn rules_list(_: AnyCaller, State(state): State<AppState>) -> AppResult<Json<Vec<Rule>>> {
    let info = instance_service::info(&state).await?;
    Ok(Json(rules(&info)))
}

pub async fn extended_description(
    _: AnyCaller,
    State(state): State<AppState>,
) -> AppResult<Json<ExtendedDescription>> {
    let info = instance_service::info(&state).await?;
    // Written as plain text by the operator: paragraphs on blank lines, breaks on newlines.
    let content = info
        .extended_description
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", text::escape_html(p).replace('\n', "<br>")))
        .collect::<String>();
    let updated_at = db::instance::setting_updated_at(&state.db, "site_extended_description")
        .await?
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    Ok(Json(ExtendedDescription {
        updated_at: datetime(updated_at),
        content,
    }))
}

pub async fn activity(
    _: AnyCaller,
    State(state): State<AppState>,
) -> AppResult<Json<Vec<Activity>>> {
    let weeks = db::instance::weekly_activity(&state.db, 12).await?;
    Ok(Json(
        weeks
            .into_iter()
            .map(|w| Activity {
                week: w.week.unix_timestamp().to_string(),
                statuses: w.statuses.to_string(),
                logins: w.logins.to_string(),
                registrations: w.registrations.to_string(),
            })
            .collect(),
    ))
}

pub async fn languages_list(_: AnyCaller) -> Json<Vec<Language>> {
    Json(
        text::languages::LANGUAGES
            .iter()
            .map(|(code, name)| Language { code, name })
            .collect(),
    )
}

/// No translation service is configured, so no pairs (Mastodon answers `{}` then).
pub async fn translation_languages(_: AnyCaller) -> Json<BTreeMap<String, Vec<String>>> {
    Json(BTreeMap::new())
}

pub async fn custom_emojis(
    _: AnyCaller,
    State(state): State<AppState>,
) -> AppResult<Json<Vec<CustomEmoji>>> {
    let emojis = db::instance::local_emojis(&state.db).await?;
    Ok(Json(
        emojis
            .into_iter()
            .filter_map(|(shortcode, url)| {
                let url = url?;
                Some(CustomEmoji {
                    shortcode,
                    static_url: url.clone(),
                    url,
                    visible_in_picker: true,
                    category: None,
                })
            })
            .collect(),
    ))
}

/// `GET /api/v1/preferences` (`read:accounts`).
pub async fn preferences(auth: Auth) -> AppResult<Json<Preferences>> {
    let (user, _) = auth.user("read:accounts")?;
    Ok(Json(Preferences {
        visibility: user.default_visibility().as_str().into(),
        sensitive: user.settings.default_sensitive,
        language: user.posting_language(),
        expand_media: "default",
        expand_spoilers: false,
        autoplay_gifs: false,
    }))
}
