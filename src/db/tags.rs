//! Hashtags and which statuses carry them.

use super::Executor;
use crate::id::{StatusId, TagId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
}

/// The tag with this name (case-insensitively), created on first use.
pub async fn find_or_create(db: &mut sqlx::PgConnection, name: &str) -> sqlx::Result<Tag> {
    if let Some(tag) = find(&mut *db, name).await? {
        return Ok(tag);
    }
    sqlx::query_as(
        "INSERT INTO tags (name) VALUES ($1) ON CONFLICT (lower(name)) DO UPDATE SET updated_at = now() RETURNING id, name",
    )
    .bind(name)
    .fetch_one(db)
    .await
}

pub async fn find(db: impl Executor<'_>, name: &str) -> sqlx::Result<Option<Tag>> {
    sqlx::query_as("SELECT id, name FROM tags WHERE lower(name) = lower($1)")
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn attach(db: impl Executor<'_>, status: StatusId, tag: TagId) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO statuses_tags (status_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(status)
    .bind(tag)
    .execute(db)
    .await
    .map(|_| ())
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
