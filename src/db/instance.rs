//! Instance settings (key/value) and server rules.

use super::Executor;
use crate::id::RuleId;
use std::collections::HashMap;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Rule {
    pub id: RuleId,
    pub text: String,
    pub hint: String,
    pub position: i32,
}

pub async fn all_settings(db: impl Executor<'_>) -> sqlx::Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn set_setting(db: impl Executor<'_>, key: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()",
    )
    .bind(key)
    .bind(value)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn rules(db: impl Executor<'_>) -> sqlx::Result<Vec<Rule>> {
    sqlx::query_as(
        "SELECT id, text, hint, position FROM rules WHERE deleted_at IS NULL ORDER BY position, id",
    )
    .fetch_all(db)
    .await
}

/// Appends a rule after the existing ones.
pub async fn add_rule(db: impl Executor<'_>, text: &str, hint: &str) -> sqlx::Result<RuleId> {
    sqlx::query_scalar(
        "INSERT INTO rules (text, hint, position) \
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM rules WHERE deleted_at IS NULL)) RETURNING id",
    )
    .bind(text)
    .bind(hint)
    .fetch_one(db)
    .await
}

/// Soft-deletes a rule (reports may still cite it); false if there was none.
pub async fn remove_rule(db: impl Executor<'_>, id: RuleId) -> sqlx::Result<bool> {
    sqlx::query("UPDATE rules SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// The hosts of every remote account we know, sorted (Mastodon's `instance/peers`).
pub async fn peers(db: impl Executor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT domain FROM accounts WHERE domain IS NOT NULL AND suspended_at IS NULL ORDER BY domain",
    )
    .fetch_all(db)
    .await
}

/// How many servers we know accounts of.
pub async fn peer_count(db: impl Executor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(DISTINCT domain) FROM accounts WHERE domain IS NOT NULL")
        .fetch_one(db)
        .await
}

/// One week of `instance/activity`: local posts, people who logged in, sign-ups.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Week {
    pub week: time::OffsetDateTime,
    pub statuses: i64,
    pub logins: i64,
    pub registrations: i64,
}

/// The last `weeks` weeks (Monday 00:00 UTC starts), newest first. Logins count people
/// whose latest log-in or API use fell in that week.
pub async fn weekly_activity(db: impl Executor<'_>, weeks: i32) -> sqlx::Result<Vec<Week>> {
    sqlx::query_as(
        "WITH w AS (SELECT generate_series(date_trunc('week', now() AT TIME ZONE 'UTC') - make_interval(weeks => $1 - 1), \
                                           date_trunc('week', now() AT TIME ZONE 'UTC'), interval '1 week') AT TIME ZONE 'UTC' AS week) \
         SELECT w.week, \
           (SELECT count(*) FROM statuses s WHERE s.local AND s.created_at >= w.week AND s.created_at < w.week + interval '1 week') AS statuses, \
           (SELECT count(*) FROM users u WHERE greatest(u.last_sign_in_at, \
                (SELECT max(t.last_used_at) FROM oauth_tokens t WHERE t.user_id = u.id)) >= w.week \
              AND greatest(u.last_sign_in_at, (SELECT max(t.last_used_at) FROM oauth_tokens t WHERE t.user_id = u.id)) < w.week + interval '1 week') AS logins, \
           (SELECT count(*) FROM users u WHERE u.created_at >= w.week AND u.created_at < w.week + interval '1 week') AS registrations \
         FROM w ORDER BY w.week DESC",
    )
    .bind(weeks)
    .fetch_all(db)
    .await
}

/// Our own custom emoji (shortcode, image URL), for `/api/v1/custom_emojis`.
pub async fn local_emojis(db: impl Executor<'_>) -> sqlx::Result<Vec<(String, Option<String>)>> {
    sqlx::query_as(
        "SELECT shortcode, image_remote_url FROM custom_emojis WHERE domain IS NULL ORDER BY shortcode",
    )
    .fetch_all(db)
    .await
}

/// When a setting last changed (`None` if never set).
pub async fn setting_updated_at(
    db: impl Executor<'_>,
    key: &str,
) -> sqlx::Result<Option<time::OffsetDateTime>> {
    sqlx::query_scalar("SELECT updated_at FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(db)
        .await
}
