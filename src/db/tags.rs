//! Hashtags and which statuses carry them.

use super::Executor;
use crate::id::{AccountId, StatusId, TagId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
}

/// Attaches the tags named in `names` to a status in one statement, creating the tags
/// that do not exist yet (first spelling wins); names differing only in case are one tag.
/// Existing tags are only read, so popular tags are not rewritten on every post.
pub async fn attach_names(
    db: impl Executor<'_>,
    status: StatusId,
    names: &[&str],
) -> sqlx::Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "WITH names AS (SELECT DISTINCT ON (lower(n)) n FROM unnest($2::text[]) WITH ORDINALITY AS u(n, i) ORDER BY lower(n), i), \
         existing AS (SELECT t.id, lower(t.name) AS key FROM tags t WHERE lower(t.name) IN (SELECT lower(n) FROM names)), \
         created AS (INSERT INTO tags (name) SELECT n FROM names WHERE lower(n) NOT IN (SELECT key FROM existing) \
           ON CONFLICT (lower(name)) DO UPDATE SET updated_at = now() RETURNING id) \
         INSERT INTO statuses_tags (status_id, tag_id) \
         SELECT $1, id FROM existing UNION SELECT $1, id FROM created ON CONFLICT DO NOTHING",
    )
    .bind(status)
    .bind(names)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn find(db: impl Executor<'_>, name: &str) -> sqlx::Result<Option<Tag>> {
    sqlx::query_as("SELECT id, name FROM tags WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_optional(db)
        .await
}

/// (status, tag) pairs for a set of statuses.
pub async fn of_statuses(
    db: impl Executor<'_>,
    ids: &[StatusId],
) -> sqlx::Result<Vec<(StatusId, TagId, String)>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_as(
        "SELECT st.status_id, t.id, t.name FROM statuses_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = ANY($1)",
    )
    .bind(raw)
    .fetch_all(db)
    .await
}

/// Removes every tag from a status (before an edit attaches the new ones).
pub async fn detach_all(db: impl Executor<'_>, status: StatusId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM statuses_tags WHERE status_id = $1")
        .bind(status)
        .execute(db)
        .await
        .map(|_| ())
}

/// Tags whose name starts with `prefix` (case-insensitively), most recently used first;
/// only those `viewer` (NULL for a visitor) can see on at least one status, so a hashtag
/// used only in followers-only or direct posts does not reveal itself to others (S31).
pub async fn search_prefix(
    db: impl Executor<'_>,
    prefix: &str,
    viewer: Option<AccountId>,
    limit: i64,
) -> sqlx::Result<Vec<Tag>> {
    let pattern = super::like_prefix(&prefix.to_lowercase());
    let sql = format!(
        "SELECT t.id, t.name FROM tags t WHERE lower(t.name) LIKE $1 \
         AND EXISTS (SELECT 1 FROM statuses_tags st JOIN statuses s ON s.id = st.status_id \
                     WHERE st.tag_id = t.id AND {}) \
         ORDER BY t.updated_at DESC, t.id DESC LIMIT $2",
        super::statuses::visible_to(3)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(pattern)
        .bind(limit)
        .bind(viewer)
        .fetch_all(db)
        .await
}

/// Daily use of `tags` in public and unlisted posts (boosts aside) since `since`:
/// (tag, unix time of the UTC day, posts, distinct authors).
pub async fn daily_use(
    db: impl Executor<'_>,
    tags: &[TagId],
    since: time::OffsetDateTime,
) -> sqlx::Result<Vec<(TagId, i64, i64, i64)>> {
    let ids: Vec<i64> = tags.iter().map(|t| t.0).collect();
    sqlx::query_as(
        "SELECT st.tag_id, \
           extract(epoch FROM date_trunc('day', s.created_at AT TIME ZONE 'UTC'))::bigint AS day, \
           count(*) AS uses, count(DISTINCT s.account_id) AS accounts \
         FROM statuses_tags st JOIN statuses s ON s.id = st.status_id \
         WHERE st.tag_id = ANY($1) AND st.status_id >= $2 AND s.created_at >= $3 \
           AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL \
         GROUP BY 1, 2",
    )
    .bind(ids)
    .bind(crate::id::min_id_at(since))
    .bind(since)
    .fetch_all(db)
    .await
}
