//! Accounts, local and remote, in one table (`domain` NULL for local ones).

use super::Executor;
use crate::id::AccountId;
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::types::Json;
use time::OffsetDateTime;

/// One profile field: `value` is what the owner typed (local) or plain text (remote),
/// `value_html` the rendered, safe HTML.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
    pub value_html: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    pub note: String,
    pub note_source: String,
    pub fields: Json<Vec<ProfileField>>,
    pub uri: String,
    pub url: Option<String>,
    pub actor_type: String,
    pub locked: bool,
    pub discoverable: Option<bool>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub outbox_url: Option<String>,
    pub avatar_remote_url: Option<String>,
    pub header_remote_url: Option<String>,
    pub moved_to_account_id: Option<AccountId>,
    pub memorial: bool,
    pub suspended_at: Option<OffsetDateTime>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub last_status_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Account {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// Whether others may find and address it: not suspended, and not the instance
    /// actor (which is the server, not a person).
    pub fn is_addressable(&self) -> bool {
        self.suspended_at.is_none() && self.actor_type != "Application"
    }

    /// Whether `uri` lives on this remote account's own host: what it may speak for.
    pub fn is_on_host(&self, uri: &str) -> bool {
        let host = url::Url::parse(uri)
            .ok()
            .and_then(|u| crate::urls::authority(&u));
        host.is_some() && host == self.domain
    }

    pub fn is_bot(&self) -> bool {
        matches!(self.actor_type.as_str(), "Service" | "Application")
    }

    /// `username` for local accounts, `username@domain` for remote ones (Mastodon's `acct`).
    pub fn acct(&self) -> String {
        match &self.domain {
            Some(d) => format!("{}@{}", self.username, d),
            None => self.username.clone(),
        }
    }

    /// The name to show: the display name, or the username when it is empty.
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

pub const COLUMNS: &str = "a.id, a.username, a.domain, a.display_name, a.note, a.note_source, a.fields, \
    a.uri, a.url, a.actor_type, a.locked, a.discoverable, a.inbox_url, a.shared_inbox_url, a.followers_url, a.outbox_url, \
    a.avatar_remote_url, a.header_remote_url, a.moved_to_account_id, a.memorial, a.suspended_at, \
    a.statuses_count, a.followers_count, a.following_count, a.last_status_at, a.created_at, a.updated_at";

pub struct NewLocalAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub uri: &'a str,
    pub url: &'a str,
    pub inbox_url: &'a str,
    pub outbox_url: &'a str,
    pub shared_inbox_url: &'a str,
    pub followers_url: &'a str,
    pub following_url: &'a str,
    pub featured_url: &'a str,
    pub public_key_pem: &'a str,
    pub private_key_pem: &'a str,
    pub public_key_id: &'a str,
}

pub async fn insert_local(
    db: impl Executor<'_>,
    a: &NewLocalAccount<'_>,
) -> sqlx::Result<AccountId> {
    sqlx::query_scalar(
        "INSERT INTO accounts (username, display_name, uri, url, inbox_url, outbox_url, shared_inbox_url, \
         followers_url, following_url, featured_url, public_key_pem, private_key_pem, public_key_id, discoverable) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, true) RETURNING id",
    )
    .bind(a.username)
    .bind(a.display_name)
    .bind(a.uri)
    .bind(a.url)
    .bind(a.inbox_url)
    .bind(a.outbox_url)
    .bind(a.shared_inbox_url)
    .bind(a.followers_url)
    .bind(a.following_url)
    .bind(a.featured_url)
    .bind(a.public_key_pem)
    .bind(a.private_key_pem)
    .bind(a.public_key_id)
    .fetch_one(db)
    .await
}

pub async fn find(db: impl Executor<'_>, id: AccountId) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn find_many(db: impl Executor<'_>, ids: &[AccountId]) -> sqlx::Result<Vec<Account>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.id = ANY($1)"
    )))
    .bind(raw)
    .fetch_all(db)
    .await
}

/// The accounts of `ids` that exist, in the order of `ids` (pages of follows, blocks…).
pub async fn find_many_in_order(
    db: impl Executor<'_>,
    ids: &[AccountId],
) -> sqlx::Result<Vec<Account>> {
    let mut found = find_many(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let i = found.iter().position(|a| a.id == *id)?;
            Some(found.swap_remove(i))
        })
        .collect())
}

/// A local account by username, case-insensitively.
pub async fn find_local(db: impl Executor<'_>, username: &str) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE lower(a.username) = lower($1) AND a.domain IS NULL"
    )))
    .bind(username)
    .fetch_optional(db)
    .await
}

/// Accounts by (username, domain) pairs, case-insensitively; `None` domain is local.
pub async fn find_by_handles(
    db: impl Executor<'_>,
    handles: &[(String, Option<String>)],
) -> sqlx::Result<Vec<Account>> {
    let usernames: Vec<String> = handles.iter().map(|(u, _)| u.to_lowercase()).collect();
    let domains: Vec<String> = handles
        .iter()
        .map(|(_, d)| d.clone().unwrap_or_default().to_lowercase())
        .collect();
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a \
         JOIN unnest($1::text[], $2::text[]) AS h(username, domain) \
           ON lower(a.username) = h.username AND coalesce(lower(a.domain), '') = h.domain"
    )))
    .bind(usernames)
    .bind(domains)
    .fetch_all(db)
    .await
}

/// Whether a local username is taken now or was ever used.
pub async fn local_username_unavailable(
    db: impl Executor<'_>,
    username: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM accounts WHERE lower(username) = lower($1) AND domain IS NULL) \
             OR EXISTS (SELECT 1 FROM reserved_usernames WHERE username = lower($1))",
    )
    .bind(username)
    .fetch_one(db)
    .await
}

/// Records a local username as used, so it can never be registered again: a deleted
/// account's followers elsewhere, and messages addressed to it, must not reach a
/// newcomer who takes the name.
pub async fn reserve_username(db: impl Executor<'_>, username: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO reserved_usernames (username) VALUES (lower($1))")
        .bind(username)
        .execute(db)
        .await
        .map(|_| ())
}

pub struct ProfileUpdate<'a> {
    pub display_name: &'a str,
    pub note: &'a str,
    pub note_source: &'a str,
    pub fields: &'a [ProfileField],
    pub locked: bool,
    pub bot: bool,
}

pub async fn update_profile(
    db: impl Executor<'_>,
    id: AccountId,
    p: &ProfileUpdate<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET display_name = $2, note = $3, note_source = $4, fields = $5, locked = $6, \
         actor_type = CASE WHEN $7 THEN 'Service' ELSE 'Person' END, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(p.display_name)
    .bind(p.note)
    .bind(p.note_source)
    .bind(Json(p.fields))
    .bind(p.locked)
    .bind(p.bot)
    .execute(db)
    .await
    .map(|_| ())
}

/// Adds `delta` to the statuses counter and, for new posts, records when.
pub async fn add_statuses_count(
    db: impl Executor<'_>,
    id: AccountId,
    delta: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET statuses_count = greatest(statuses_count + $2, 0), \
         last_status_at = CASE WHEN $2 > 0 THEN now() ELSE last_status_at END WHERE id = $1",
    )
    .bind(id)
    .bind(delta)
    .execute(db)
    .await
    .map(|_| ())
}

/// Adjusts both follow counters after a follow (+1) or unfollow (-1).
pub async fn add_follow_counts(
    db: impl Executor<'_>,
    follower: AccountId,
    followee: AccountId,
    delta: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET \
           following_count = CASE WHEN id = $1 THEN greatest(following_count + $3, 0) ELSE following_count END, \
           followers_count = CASE WHEN id = $2 THEN greatest(followers_count + $3, 0) ELSE followers_count END \
         WHERE id IN ($1, $2)",
    )
    .bind(follower)
    .bind(followee)
    .bind(delta)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn count_local(db: impl Executor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id \
         WHERE a.domain IS NULL AND a.suspended_at IS NULL AND u.confirmed_at IS NOT NULL",
    )
    .fetch_one(db)
    .await
}

/// Newest local accounts people can discover (for empty-state suggestions).
pub async fn recent_local(db: impl Executor<'_>, limit: i64) -> sqlx::Result<Vec<Account>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id \
         WHERE a.domain IS NULL AND a.suspended_at IS NULL AND u.confirmed_at IS NOT NULL \
         ORDER BY a.id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Local people who can log in, and how many were active lately (NodeInfo's usage).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Usage {
    pub total: i64,
    pub active_month: i64,
    pub active_halfyear: i64,
}

pub async fn usage(db: impl Executor<'_>) -> sqlx::Result<Usage> {
    sqlx::query_as(
        "SELECT count(*) AS total, \
           count(*) FILTER (WHERE greatest(u.last_sign_in_at, a.last_status_at) > now() - interval '30 days') AS active_month, \
           count(*) FILTER (WHERE greatest(u.last_sign_in_at, a.last_status_at) > now() - interval '180 days') AS active_halfyear \
         FROM accounts a JOIN users u ON u.account_id = a.id \
         WHERE a.domain IS NULL AND a.suspended_at IS NULL AND u.confirmed_at IS NOT NULL",
    )
    .fetch_one(db)
    .await
}

pub async fn public_key_pem(db: impl Executor<'_>, id: AccountId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT public_key_pem FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
        .map(Option::flatten)
}

/// The server's own actor (type Application, no login).
pub async fn instance_actor(db: impl Executor<'_>) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.domain IS NULL AND a.actor_type = 'Application' ORDER BY a.id LIMIT 1"
    )))
    .fetch_optional(db)
    .await
}

/// Creates the instance actor once; a second process racing to do the same loses quietly.
pub async fn insert_instance_actor(
    db: impl Executor<'_>,
    a: &NewLocalAccount<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO accounts (username, uri, url, inbox_url, outbox_url, shared_inbox_url, followers_url, \
         following_url, public_key_pem, private_key_pem, public_key_id, actor_type, locked, discoverable) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'Application', true, false) ON CONFLICT DO NOTHING",
    )
    .bind(a.username)
    .bind(a.uri)
    .bind(a.url)
    .bind(a.inbox_url)
    .bind(a.outbox_url)
    .bind(a.shared_inbox_url)
    .bind(a.followers_url)
    .bind(a.following_url)
    .bind(a.public_key_pem)
    .bind(a.private_key_pem)
    .bind(a.public_key_id)
    .execute(db)
    .await
    .map(|_| ())
}

/// A local account's private key (PEM) and its key id, for signing deliveries.
pub async fn signing_material(
    db: impl Executor<'_>,
    id: AccountId,
) -> sqlx::Result<Option<(String, String)>> {
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT private_key_pem, public_key_id FROM accounts WHERE id = $1 AND domain IS NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|(pem, key_id)| Some((pem?, key_id?))))
}

/// What we keep of a remote actor.
pub struct RemoteAccount<'a> {
    pub username: &'a str,
    pub domain: &'a str,
    pub display_name: &'a str,
    pub note: &'a str,
    pub fields: &'a [ProfileField],
    pub uri: &'a str,
    pub url: Option<&'a str>,
    pub actor_type: &'a str,
    pub locked: bool,
    pub discoverable: Option<bool>,
    pub indexable: bool,
    pub inbox_url: &'a str,
    pub outbox_url: Option<&'a str>,
    pub shared_inbox_url: Option<&'a str>,
    pub followers_url: Option<&'a str>,
    pub following_url: Option<&'a str>,
    pub featured_url: Option<&'a str>,
    pub public_key_pem: Option<&'a str>,
    pub public_key_id: Option<&'a str>,
    pub avatar_remote_url: Option<&'a str>,
    pub header_remote_url: Option<&'a str>,
    /// `alsoKnownAs`: the actor's other accounts (checked when one moves here).
    pub also_known_as: &'a [String],
}

/// Inserts or refreshes a remote account by its actor URI.
pub async fn upsert_remote(
    db: impl Executor<'_>,
    a: &RemoteAccount<'_>,
) -> sqlx::Result<AccountId> {
    sqlx::query_scalar(
        "INSERT INTO accounts (username, domain, display_name, note, fields, uri, url, actor_type, locked, discoverable, \
           indexable, inbox_url, outbox_url, shared_inbox_url, followers_url, following_url, featured_url, \
           public_key_pem, public_key_id, avatar_remote_url, header_remote_url, also_known_as, last_webfingered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, now()) \
         ON CONFLICT (uri) DO UPDATE SET username = excluded.username, display_name = excluded.display_name, \
           note = excluded.note, fields = excluded.fields, url = excluded.url, actor_type = excluded.actor_type, \
           locked = excluded.locked, discoverable = excluded.discoverable, indexable = excluded.indexable, \
           inbox_url = excluded.inbox_url, outbox_url = excluded.outbox_url, shared_inbox_url = excluded.shared_inbox_url, \
           followers_url = excluded.followers_url, following_url = excluded.following_url, \
           featured_url = excluded.featured_url, public_key_pem = excluded.public_key_pem, \
           public_key_id = excluded.public_key_id, avatar_remote_url = excluded.avatar_remote_url, \
           header_remote_url = excluded.header_remote_url, also_known_as = excluded.also_known_as, \
           gone_at = NULL, updated_at = now() \
         WHERE accounts.domain IS NOT NULL \
         RETURNING id",
    )
    .bind(a.username)
    .bind(a.domain)
    .bind(a.display_name)
    .bind(a.note)
    .bind(Json(a.fields))
    .bind(a.uri)
    .bind(a.url)
    .bind(a.actor_type)
    .bind(a.locked)
    .bind(a.discoverable)
    .bind(a.indexable)
    .bind(a.inbox_url)
    .bind(a.outbox_url)
    .bind(a.shared_inbox_url)
    .bind(a.followers_url)
    .bind(a.following_url)
    .bind(a.featured_url)
    .bind(a.public_key_pem)
    .bind(a.public_key_id)
    .bind(a.avatar_remote_url)
    .bind(a.header_remote_url)
    .bind(a.also_known_as)
    .fetch_one(db)
    .await
}

pub async fn find_by_uri(db: impl Executor<'_>, uri: &str) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.uri = $1"
    )))
    .bind(uri)
    .fetch_optional(db)
    .await
}

/// Accounts whose username or display name starts with `prefix`, local ones first, then
/// by followers; `skip` and `limit` page through them, and `followed_by` keeps only those
/// that account follows.
pub async fn search(
    db: impl Executor<'_>,
    prefix: &str,
    followed_by: Option<AccountId>,
    skip: i64,
    limit: i64,
) -> sqlx::Result<Vec<Account>> {
    let pattern = super::like_prefix(prefix);
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.suspended_at IS NULL AND a.actor_type <> 'Application' \
           AND (a.username ILIKE $1 OR a.display_name ILIKE $1) \
           AND (a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.confirmed_at IS NOT NULL)) \
           AND ($2::bigint IS NULL OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = $2 AND f.target_account_id = a.id)) \
         ORDER BY (a.domain IS NULL) DESC, a.followers_count DESC, a.id OFFSET $3 LIMIT $4"
    )))
    .bind(pattern)
    .bind(followed_by)
    .bind(skip)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The remote account that publishes this key id.
pub async fn find_by_key_id(db: impl Executor<'_>, key_id: &str) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts a WHERE a.public_key_id = $1 AND a.domain IS NOT NULL LIMIT 1"
    )))
    .bind(key_id)
    .fetch_optional(db)
    .await
}

/// A remote account with the public key it published under a key id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyOwner {
    #[sqlx(flatten)]
    pub account: Account,
    pub public_key_pem: Option<String>,
}

/// The remote account that publishes `key_id`, with that key, in one query (every
/// signed inbox POST asks this).
pub async fn find_key_owner(db: impl Executor<'_>, key_id: &str) -> sqlx::Result<Option<KeyOwner>> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS}, a.public_key_pem FROM accounts a \
         WHERE a.public_key_id = $1 AND a.domain IS NOT NULL LIMIT 1"
    )))
    .bind(key_id)
    .fetch_optional(db)
    .await
}

/// An account's aliases (`alsoKnownAs`).
pub async fn also_known_as(db: impl Executor<'_>, id: AccountId) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT also_known_as FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
        .map(Option::unwrap_or_default)
}

/// The URL of an account's featured (pinned posts) collection.
pub async fn featured_url(db: impl Executor<'_>, id: AccountId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT featured_url FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
        .map(Option::flatten)
}

/// Records that an account moved to `target`; false when that was known already.
pub async fn set_moved_to(
    db: impl Executor<'_>,
    id: AccountId,
    target: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE accounts SET moved_to_account_id = $2, updated_at = now() \
         WHERE id = $1 AND moved_to_account_id IS DISTINCT FROM $2",
    )
    .bind(id)
    .bind(target)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Marks a remote account as deleted by its owner: suspended (so every "not suspended"
/// filter hides it), emptied of its profile and counters. The row stays, keeping its URI
/// and key, so a repeated Delete is recognised.
pub async fn mark_deleted(db: impl Executor<'_>, id: AccountId) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET deleted_at = coalesce(deleted_at, now()), suspended_at = coalesce(suspended_at, now()), \
           display_name = '', note = '', fields = '[]', url = NULL, avatar_remote_url = NULL, header_remote_url = NULL, \
           also_known_as = '{}', moved_to_account_id = NULL, statuses_count = 0, followers_count = 0, \
           following_count = 0, updated_at = now() \
         WHERE id = $1 AND domain IS NOT NULL",
    )
    .bind(id)
    .execute(db)
    .await
    .map(|_| ())
}

/// Whether a remote account was deleted by its owner.
pub async fn is_deleted(db: impl Executor<'_>, id: AccountId) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT deleted_at IS NOT NULL FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
        .map(|d| d.unwrap_or(false))
}

/// Whether a local account may be suggested and found (Mastodon's `discoverable`).
pub async fn set_discoverable(
    db: impl Executor<'_>,
    id: AccountId,
    discoverable: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET discoverable = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(discoverable)
        .execute(db)
        .await
        .map(|_| ())
}
