//! Posting, replying, boosting and deleting statuses.

use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Counter, Status, Visibility};
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, StatusId};
use crate::service::notifications::{self, Kind};
use crate::state::AppState;
use crate::text;
use std::collections::HashMap;

/// Mastodon's default limit, counted as Mastodon counts (see `text::count`).
pub const MAX_CHARS: usize = 500;
/// A hard cap on raw input, whatever the counted length (long URLs count as 23).
pub const MAX_RAW_CHARS: usize = 20_000;
pub const MAX_MENTIONS: usize = 50;
pub const MAX_TAGS: usize = 50;

#[derive(Debug, Clone, Default)]
pub struct NewPost {
    pub text: String,
    pub spoiler_text: String,
    pub visibility: Option<Visibility>,
    pub in_reply_to: Option<StatusId>,
    pub sensitive: bool,
    pub language: Option<String>,
}

/// How long a post is by Mastodon's rules: the text as counted plus the content warning.
pub fn counted_length(text: &str, spoiler_text: &str) -> usize {
    text::status_length(text) + spoiler_text.chars().count()
}

/// Publishes a status: checks length and reply target, renders the HTML, records
/// mentions and tags, bumps counters and notifies the mentioned — all in one transaction.
pub async fn post(state: &AppState, author: &Account, p: &NewPost) -> AppResult<StatusId> {
    let text_in = p.text.replace("\r\n", "\n").trim().to_string();
    let spoiler = p.spoiler_text.trim().to_string();
    if text_in.trim().is_empty() {
        return Err(AppError::validation(vec![(
            "text",
            "Text can't be blank".into(),
        )]));
    }
    if text_in.chars().count() > MAX_RAW_CHARS || spoiler.chars().count() > MAX_CHARS {
        return Err(AppError::validation(vec![(
            "text",
            format!("Text is too long (maximum is {MAX_CHARS} characters)"),
        )]));
    }
    let extracted = text::extract(&text_in);
    let length = text::count_chars(&text_in, &extracted) + spoiler.chars().count();
    if length > MAX_CHARS {
        return Err(AppError::validation(vec![(
            "text",
            format!("Text is too long ({length} characters; the maximum is {MAX_CHARS})"),
        )]));
    }
    if extracted.mentions.len() > MAX_MENTIONS || extracted.tags.len() > MAX_TAGS {
        return Err(AppError::validation(vec![(
            "text",
            "Too many mentions or hashtags".into(),
        )]));
    }
    let parent = match p.in_reply_to {
        Some(id) => Some(
            db::statuses::find_visible(&state.db, id, Some(author.id))
                .await?
                .filter(|s| s.reblog_of_id.is_none())
                .ok_or_else(AppError::not_found)?,
        ),
        None => None,
    };
    let visibility = p.visibility.unwrap_or(Visibility::Public);
    let mentioned = resolve_mentions(state, &extracted).await?;
    let urls = &state.urls;
    let content = text::render_status(
        &text_in,
        &extracted,
        &|m: &text::MentionRef| {
            mentioned
                .get(&handle_key(&m.username, m.domain.as_deref(), urls.domain()))
                .map(|a| text::MentionTarget {
                    url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
                    display: a.username.clone(),
                })
        },
        &|name: &str| urls.tag_url(name),
    );

    let mut tx = state.db.begin().await?;
    let id = db::statuses::next_id(&mut *tx).await?;
    let uri = urls.status_uri(&author.username, id);
    let url = urls.status_url(&author.username, id);
    db::statuses::insert(
        &mut *tx,
        &db::statuses::NewStatus {
            id,
            uri: &uri,
            url: Some(&url),
            account_id: author.id,
            in_reply_to_id: parent.as_ref().map(|s| s.id),
            in_reply_to_account_id: parent.as_ref().map(|s| s.account_id),
            in_reply_to_uri: parent.as_ref().map(|s| s.uri.as_str()),
            reblog_of_id: None,
            text: &text_in,
            content: &content,
            spoiler_text: &spoiler,
            sensitive: p.sensitive || !spoiler.is_empty(),
            visibility,
            language: p.language.as_deref().filter(|l| l.len() <= 16),
            local: true,
        },
    )
    .await?;
    let mut notified: Vec<AccountId> = Vec::new();
    for account in mentioned.values() {
        db::statuses::insert_mention(&mut *tx, id, account.id).await?;
        if account.id != author.id && !notified.contains(&account.id) {
            notifications::notify(&mut tx, account, author.id, Kind::Mention, Some(id)).await?;
            notified.push(account.id);
        }
    }
    let mut seen_tags: Vec<String> = Vec::new();
    for tag in &extracted.tags {
        let lower = tag.name.to_lowercase();
        if seen_tags.contains(&lower) {
            continue;
        }
        seen_tags.push(lower);
        let t = db::tags::find_or_create(&mut tx, &tag.name).await?;
        db::tags::attach(&mut *tx, id, t.id).await?;
    }
    if let Some(parent) = &parent {
        db::statuses::add_to_counter(&mut *tx, parent.id, Counter::Replies, 1).await?;
        // Replying notifies the author replied to, even when the reply does not name them.
        if parent.account_id != author.id
            && !notified.contains(&parent.account_id)
            && let Some(parent_author) = db::accounts::find(&mut *tx, parent.account_id).await?
        {
            db::statuses::insert_mention(&mut *tx, id, parent_author.id).await?;
            notifications::notify(&mut tx, &parent_author, author.id, Kind::Mention, Some(id))
                .await?;
        }
    }
    db::accounts::add_statuses_count(&mut *tx, author.id, 1).await?;
    tx.commit().await?;
    Ok(id)
}

fn handle_key(
    username: &str,
    domain: Option<&str>,
    local_domain: &str,
) -> (String, Option<String>) {
    let domain = domain
        .map(str::to_lowercase)
        .filter(|d| d != &local_domain.to_lowercase());
    (username.to_lowercase(), domain)
}

/// Mentioned accounts that we know, keyed by (lowercase username, remote domain).
async fn resolve_mentions(
    state: &AppState,
    extracted: &text::Extracted,
) -> AppResult<HashMap<(String, Option<String>), Account>> {
    let local_domain = state.urls.domain();
    let handles: Vec<(String, Option<String>)> = extracted
        .mentions
        .iter()
        .map(|m| handle_key(&m.username, m.domain.as_deref(), local_domain))
        .collect();
    if handles.is_empty() {
        return Ok(HashMap::new());
    }
    let accounts = db::accounts::find_by_handles(&state.db, &handles).await?;
    Ok(accounts
        .into_iter()
        .filter(|a| a.suspended_at.is_none())
        .map(|a| {
            (
                (
                    a.username.to_lowercase(),
                    a.domain.as_ref().map(|d| d.to_lowercase()),
                ),
                a,
            )
        })
        .collect())
}

/// Deletes one's own status (staff may delete any); leaves a tombstone.
pub async fn delete(
    state: &AppState,
    actor: &Account,
    is_staff: bool,
    id: StatusId,
) -> AppResult<Status> {
    let status = db::statuses::find_visible(&state.db, id, Some(actor.id))
        .await?
        .filter(|s| s.reblog_of_id.is_none())
        .ok_or_else(AppError::not_found)?;
    if status.account_id != actor.id && !is_staff {
        return Err(AppError::forbidden());
    }
    let mut tx = state.db.begin().await?;
    db::statuses::delete_with_tombstone(&mut tx, &status).await?;
    if let Some(parent) = status.in_reply_to_id {
        db::statuses::add_to_counter(&mut *tx, parent, Counter::Replies, -1).await?;
    }
    db::accounts::add_statuses_count(&mut *tx, status.account_id, -1).await?;
    tx.commit().await?;
    Ok(status)
}

/// Boosts a status the actor can see and that may be boosted. Idempotent.
pub async fn reblog(state: &AppState, actor: &Account, id: StatusId) -> AppResult<StatusId> {
    let original = boost_target(state, actor, id).await?;
    if let Some(existing) = db::statuses::find_reblog(&state.db, actor.id, original.id).await? {
        return Ok(existing.id);
    }
    let own_private =
        original.account_id == actor.id && original.visibility() == Visibility::Private;
    if !original.visibility().is_boostable() && !own_private {
        return Err(AppError::invalid("This post cannot be boosted"));
    }
    let visibility = if own_private {
        Visibility::Private
    } else {
        Visibility::Public
    };
    let mut tx = state.db.begin().await?;
    let reblog_id = db::statuses::next_id(&mut *tx).await?;
    let uri = state.urls.reblog_uri(&actor.username, reblog_id);
    let inserted = db::statuses::insert(
        &mut *tx,
        &db::statuses::NewStatus {
            id: reblog_id,
            uri: &uri,
            url: None,
            account_id: actor.id,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            in_reply_to_uri: None,
            reblog_of_id: Some(original.id),
            text: "",
            content: "",
            spoiler_text: "",
            sensitive: false,
            visibility,
            language: None,
            local: true,
        },
    )
    .await;
    if let Err(e) = inserted {
        // A concurrent boost of the same status won the race: that one stands.
        if db::is_unique_violation(&e, "statuses_one_reblog_key") {
            drop(tx);
            let existing = db::statuses::find_reblog(&state.db, actor.id, original.id).await?;
            return existing.map(|s| s.id).ok_or_else(AppError::not_found);
        }
        return Err(e.into());
    }
    db::statuses::add_to_counter(&mut *tx, original.id, Counter::Reblogs, 1).await?;
    if original.account_id != actor.id
        && let Some(author) = db::accounts::find(&mut *tx, original.account_id).await?
    {
        notifications::notify(&mut tx, &author, actor.id, Kind::Reblog, Some(original.id)).await?;
    }
    tx.commit().await?;
    Ok(reblog_id)
}

/// Withdraws a boost. Idempotent.
pub async fn unreblog(state: &AppState, actor: &Account, id: StatusId) -> AppResult<Status> {
    let original = boost_target(state, actor, id).await?;
    let Some(reblog) = db::statuses::find_reblog(&state.db, actor.id, original.id).await? else {
        return Ok(original);
    };
    let mut tx = state.db.begin().await?;
    db::statuses::delete_with_tombstone(&mut tx, &reblog).await?;
    db::statuses::add_to_counter(&mut *tx, original.id, Counter::Reblogs, -1).await?;
    db::notifications::delete_matching(
        &mut *tx,
        original.account_id,
        actor.id,
        Kind::Reblog.as_str(),
        Some(original.id),
    )
    .await?;
    tx.commit().await?;
    Ok(original)
}

/// The status a boost or favourite acts on: boosts of boosts act on the original.
pub async fn boost_target(state: &AppState, actor: &Account, id: StatusId) -> AppResult<Status> {
    let status = db::statuses::find_visible(&state.db, id, Some(actor.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    match status.reblog_of_id {
        Some(original) => db::statuses::find_visible(&state.db, original, Some(actor.id))
            .await?
            .ok_or_else(AppError::not_found),
        None => Ok(status),
    }
}
