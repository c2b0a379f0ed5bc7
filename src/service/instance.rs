//! The server's own description: settings kept in the database (name, descriptions,
//! contact), its rules, and the numbers shown on the About page.

use crate::db;
use crate::db::instance::Rule;
use crate::error::{AppError, AppResult};
use crate::id::RuleId;
use crate::state::AppState;

/// Settings an operator may set with `starling admin settings set KEY VALUE`, with the
/// longest value each accepts.
pub const SETTING_KEYS: &[(&str, usize)] = &[
    ("site_title", 100),
    ("site_short_description", 500),
    ("site_extended_description", 10_000),
    ("site_contact_email", 254),
    ("site_contact_username", 30),
];

pub const RULE_MAX: usize = 1000;

#[derive(Debug, Clone)]
pub struct InstanceInfo {
    pub title: String,
    pub short_description: String,
    pub extended_description: String,
    pub contact_email: String,
    pub contact_username: String,
    pub domain: String,
    pub rules: Vec<Rule>,
}

pub async fn info(state: &AppState) -> AppResult<InstanceInfo> {
    let settings = db::instance::all_settings(&state.db).await?;
    let get = |k: &str| settings.get(k).cloned().unwrap_or_default();
    let title = Some(get("site_title"))
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| state.config.instance.name.clone());
    let contact_email = Some(get("site_contact_email"))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| state.config.instance.contact_email.clone());
    Ok(InstanceInfo {
        title,
        short_description: get("site_short_description"),
        extended_description: get("site_extended_description"),
        contact_email,
        contact_username: get("site_contact_username"),
        domain: state.urls.domain().to_string(),
        rules: db::instance::rules(&state.db).await?,
    })
}

pub async fn site_title(state: &AppState) -> AppResult<String> {
    Ok(info(state).await?.title)
}

pub struct Stats {
    pub users: i64,
    pub statuses: i64,
}

pub async fn stats(state: &AppState) -> AppResult<Stats> {
    Ok(Stats {
        users: db::accounts::count_local(&state.db).await?,
        statuses: db::statuses::count_local(&state.db).await?,
    })
}

pub async fn set_setting(state: &AppState, key: &str, value: &str) -> AppResult<()> {
    let Some((_, max)) = SETTING_KEYS.iter().find(|(k, _)| *k == key) else {
        let known: Vec<&str> = SETTING_KEYS.iter().map(|(k, _)| *k).collect();
        return Err(AppError::invalid(format!(
            "Unknown setting {key:?}; known settings: {}",
            known.join(", ")
        )));
    };
    if value.chars().count() > *max {
        return Err(AppError::invalid(format!(
            "{key} is too long (maximum is {max} characters)"
        )));
    }
    db::instance::set_setting(&state.db, key, value.trim()).await?;
    Ok(())
}

pub async fn add_rule(state: &AppState, text: &str, hint: &str) -> AppResult<RuleId> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::invalid("Rule text can't be blank"));
    }
    if text.chars().count() > RULE_MAX || hint.chars().count() > RULE_MAX {
        return Err(AppError::invalid(format!(
            "Rule is too long (maximum is {RULE_MAX} characters)"
        )));
    }
    Ok(db::instance::add_rule(&state.db, text, hint.trim()).await?)
}

pub async fn remove_rule(state: &AppState, id: RuleId) -> AppResult<()> {
    if db::instance::remove_rule(&state.db, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// The server's own actor, created (with its key pair) the first time it is needed.
pub async fn instance_actor(state: &AppState) -> AppResult<crate::db::accounts::Account> {
    if let Some(actor) = db::accounts::instance_actor(&state.db).await? {
        return Ok(actor);
    }
    let keys = crate::service::secrets::generate_key_pair().await?;
    let urls = &state.urls;
    let uri = urls.instance_actor_uri();
    let (inbox, outbox) = (format!("{uri}/inbox"), format!("{uri}/outbox"));
    let (followers, following) = (format!("{uri}/followers"), format!("{uri}/following"));
    let (about, shared, key_id) = (
        urls.path("/about"),
        urls.shared_inbox_url(),
        format!("{uri}#main-key"),
    );
    db::accounts::insert_instance_actor(
        &state.db,
        &db::accounts::NewLocalAccount {
            username: urls.domain(),
            display_name: "",
            uri: &uri,
            url: &about,
            inbox_url: &inbox,
            outbox_url: &outbox,
            shared_inbox_url: &shared,
            followers_url: &followers,
            following_url: &following,
            featured_url: "",
            public_key_pem: &keys.public_pem,
            private_key_pem: &keys.private_pem,
            public_key_id: &key_id,
        },
    )
    .await?;
    db::accounts::instance_actor(&state.db)
        .await?
        .ok_or_else(AppError::not_found)
}
