//! Posting, replying, boosting and deleting statuses.

use crate::activitypub::outbox;
use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Counter, Status, Visibility};
use crate::error::{AppError, AppResult, ErrorKind};
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
/// Unknown remote accounts a post may make us look up.
pub const MAX_REMOTE_LOOKUPS: usize = 5;
/// Mastodon's 404 for a reply to a status that is missing or hidden from the author:
/// the same words either way (S27, S28).
pub const REPLY_NOT_FOUND: &str = "The post you are trying to reply to does not appear to exist.";

#[derive(Debug, Clone, Default)]
pub struct NewPost {
    pub text: String,
    pub spoiler_text: String,
    pub visibility: Option<Visibility>,
    pub in_reply_to: Option<StatusId>,
    pub sensitive: bool,
    pub language: Option<String>,
    /// The OAuth application posting (the client API); `None` from the web UI.
    pub application: Option<crate::id::ApplicationId>,
}

/// How long a post is by Mastodon's rules: the text as counted plus the content warning.
pub fn counted_length(text: &str, spoiler_text: &str) -> usize {
    text::status_length(text) + spoiler_text.chars().count()
}

/// What typed text becomes: checked, with mentions resolved and HTML rendered.
struct Composed {
    text: String,
    spoiler: String,
    extracted: text::Extracted,
    mentioned: HashMap<(String, Option<String>), Account>,
    content: String,
}

/// Checks length and limits as Mastodon does, resolves mentions (looking up unknown
/// remote ones) and renders the HTML.
async fn compose(state: &AppState, text_raw: &str, spoiler_raw: &str) -> AppResult<Composed> {
    let text_in = text_raw.replace("\r\n", "\n").trim().to_string();
    let spoiler = spoiler_raw.trim().to_string();
    if text_in.trim().is_empty() {
        return Err(AppError::validation(vec![(
            "text",
            "Text can't be blank".into(),
        )]));
    }
    if text_in.chars().count() > MAX_RAW_CHARS || spoiler.chars().count() > MAX_CHARS {
        return Err(AppError::validation(vec![(
            "text",
            format!("Text character limit of {MAX_CHARS} exceeded"),
        )]));
    }
    let extracted = text::extract(&text_in);
    let length = text::count_chars(&text_in, &extracted) + spoiler.chars().count();
    if length > MAX_CHARS {
        return Err(AppError::validation(vec![(
            "text",
            // Mastodon's wording, word for word: apps show it as is.
            format!("Text character limit of {MAX_CHARS} exceeded"),
        )]));
    }
    if extracted.mentions.len() > MAX_MENTIONS || extracted.tags.len() > MAX_TAGS {
        return Err(AppError::validation(vec![(
            "text",
            "Too many mentions or hashtags".into(),
        )]));
    }
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
    Ok(Composed {
        text: text_in,
        spoiler,
        extracted,
        mentioned,
        content,
    })
}

/// Attaches the hashtags of `extracted` to a status, each once.
async fn attach_tags(
    tx: &mut sqlx::PgConnection,
    id: StatusId,
    extracted: &text::Extracted,
) -> AppResult<()> {
    let names: Vec<&str> = extracted.tags.iter().map(|t| t.name.as_str()).collect();
    db::tags::attach_names(&mut *tx, id, &names).await?;
    Ok(())
}

/// Publishes a status: checks length and reply target, renders the HTML, records
/// mentions and tags, bumps counters and notifies the mentioned — all in one transaction.
pub async fn post(state: &AppState, author: &Account, p: &NewPost) -> AppResult<StatusId> {
    let parent = match p.in_reply_to {
        Some(id) => Some(
            db::statuses::find_visible(&state.db, id, Some(author.id))
                .await?
                .filter(|s| s.reblog_of_id.is_none())
                .ok_or_else(|| AppError::new(ErrorKind::NotFound, REPLY_NOT_FOUND))?,
        ),
        None => None,
    };
    let Composed {
        text: text_in,
        spoiler,
        extracted,
        mentioned,
        content,
    } = compose(state, &p.text, &p.spoiler_text).await?;
    let visibility = p.visibility.unwrap_or(Visibility::Public);
    let urls = &state.urls;
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
            application_id: p.application,
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
    attach_tags(&mut tx, id, &extracted).await?;
    if let Some(parent) = &parent {
        // Only replies everyone may see count, or the count reveals private ones (S29).
        if visibility.is_boostable() {
            db::statuses::add_to_counter(&mut *tx, parent.id, Counter::Replies, 1).await?;
        }
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
    if visibility != Visibility::Direct && parent.is_none() {
        notify_subscribers(&mut tx, author, id, &notified).await?;
    }
    db::accounts::add_statuses_count(&mut *tx, author.id, 1).await?;
    outbox::created(&mut tx, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Followers who asked to be told of `author`'s posts get a `status` notification (not
/// those already notified of it as a mention).
pub async fn notify_subscribers(
    tx: &mut sqlx::PgConnection,
    author: &Account,
    status: StatusId,
    already: &[AccountId],
) -> AppResult<()> {
    let ids = db::follows::notified_followers(&mut *tx, author.id).await?;
    let ids: Vec<AccountId> = ids.into_iter().filter(|i| !already.contains(i)).collect();
    for follower in db::accounts::find_many(&mut *tx, &ids).await? {
        notifications::notify(tx, &follower, author.id, Kind::Status, Some(status)).await?;
    }
    Ok(())
}

/// Edits one's own status: new text, content warning and sensitivity (visibility and
/// the reply target stay). The history keeps every version, the original first, as
/// Mastodon does; newly mentioned people are notified; followers elsewhere get an Update.
pub async fn edit(
    state: &AppState,
    author: &Account,
    id: StatusId,
    p: &NewPost,
) -> AppResult<Status> {
    let status = db::statuses::find(&state.db, id)
        .await?
        .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none() && s.local)
        .ok_or_else(AppError::not_found)?;
    let c = compose(state, &p.text, &p.spoiler_text).await?;
    let sensitive = p.sensitive || !c.spoiler.is_empty();
    if c.text == status.text && c.spoiler == status.spoiler_text && sensitive == status.sensitive {
        return Ok(status); // nothing changed: no new version, nothing sent
    }
    let now = time::OffsetDateTime::now_utc();
    let mut tx = state.db.begin().await?;
    if !db::statuses::has_edits(&mut *tx, status.id).await? {
        let original = db::statuses::Version {
            text: &status.text,
            content: &status.content,
            spoiler_text: &status.spoiler_text,
            sensitive: status.sensitive,
        };
        db::statuses::insert_edit(&mut *tx, &status, &original, status.created_at).await?;
    }
    let version = db::statuses::Version {
        text: &c.text,
        content: &c.content,
        spoiler_text: &c.spoiler,
        sensitive,
    };
    db::statuses::insert_edit(&mut *tx, &status, &version, now).await?;
    let language = p
        .language
        .as_deref()
        .filter(|l| l.len() <= 16)
        .or(status.language.as_deref());
    db::statuses::apply_edit(&mut *tx, status.id, &version, language, now).await?;
    let before: Vec<AccountId> = db::statuses::mentions_of(&mut *tx, &[status.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let mut keep: Vec<AccountId> = c.mentioned.values().map(|a| a.id).collect();
    // The author replied to stays mentioned, as when the reply was posted.
    if let Some(parent_author) = status.in_reply_to_account_id {
        keep.push(parent_author);
    }
    for account in c.mentioned.values() {
        db::statuses::insert_mention(&mut *tx, status.id, account.id).await?;
        if account.id != author.id && !before.contains(&account.id) {
            notifications::notify(&mut tx, account, author.id, Kind::Mention, Some(status.id))
                .await?;
        }
    }
    db::statuses::delete_mentions_except(&mut *tx, status.id, &keep).await?;
    db::tags::detach_all(&mut *tx, status.id).await?;
    attach_tags(&mut tx, status.id, &c.extracted).await?;
    outbox::edited(&mut tx, status.id).await?;
    tx.commit().await?;
    db::statuses::find(&state.db, status.id)
        .await?
        .ok_or_else(AppError::not_found)
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
    let mut accounts = db::accounts::find_by_handles(&state.db, &handles).await?;
    // Remote handles we have not met yet are looked up (WebFinger, then the actor), a
    // few at most and in parallel, so one post cannot make us fetch without end. Those
    // that cannot be resolved stay plain text, as on Mastodon.
    let unknown: Vec<String> = handles
        .iter()
        .filter_map(|(user, domain)| {
            let domain = domain.as_ref()?;
            let known = accounts.iter().any(|a| {
                a.username.to_lowercase() == *user
                    && a.domain.as_ref().map(|d| d.to_lowercase()).as_ref() == Some(domain)
            });
            (!known).then(|| format!("{user}@{domain}"))
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .take(MAX_REMOTE_LOOKUPS)
        .collect();
    let mut lookups = tokio::task::JoinSet::new();
    for handle in unknown {
        let state = state.clone();
        lookups.spawn(async move {
            crate::service::remote_accounts::resolve_handle(&state, &handle).await
        });
    }
    while let Some(found) = lookups.join_next().await {
        match found {
            Ok(Ok(account)) => accounts.push(account),
            Ok(Err(e)) => tracing::debug!(error = %e.message(), "mention not resolved"),
            Err(e) => tracing::warn!(error = %e, "mention lookup failed"),
        }
    }
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
    remove(state, status).await
}

/// Deletes one of `author`'s own statuses, as the client API does: anyone else's status
/// is not found, whether it can be seen or not, as in Mastodon (S33).
pub async fn delete_own(state: &AppState, author: &Account, id: StatusId) -> AppResult<Status> {
    let status = db::statuses::find(&state.db, id)
        .await?
        .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none())
        .ok_or_else(AppError::not_found)?;
    remove(state, status).await
}

/// Removes a status: tombstone, counters, and a Delete to those who had it.
async fn remove(state: &AppState, status: Status) -> AppResult<Status> {
    let mut tx = state.db.begin().await?;
    let mentioned: Vec<AccountId> = db::statuses::mentions_of(&mut *tx, &[status.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let mentioned = db::accounts::find_many(&mut *tx, &mentioned).await?;
    db::statuses::delete_with_tombstone(&mut tx, &status).await?;
    if let Some(parent) = status.in_reply_to_id
        && status.visibility().is_boostable()
    {
        db::statuses::add_to_counter(&mut *tx, parent, Counter::Replies, -1).await?;
    }
    db::accounts::add_statuses_count(&mut *tx, status.account_id, -1).await?;
    if let Some(author) = db::accounts::find(&mut *tx, status.account_id).await? {
        outbox::deleted(&mut tx, &state.urls, &author, &status, &mentioned).await?;
    }
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
            application_id: None,
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
    let author = db::accounts::find(&mut *tx, original.account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if original.account_id != actor.id {
        notifications::notify(&mut tx, &author, actor.id, Kind::Reblog, Some(original.id)).await?;
    }
    let reblog = db::statuses::find(&mut *tx, reblog_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    outbox::boosted(&mut tx, &state.urls, actor, &reblog, &original, &author).await?;
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
    if let Some(author) = db::accounts::find(&mut *tx, original.account_id).await? {
        outbox::unboosted(&mut tx, &state.urls, actor, &reblog, &original, &author).await?;
    }
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
