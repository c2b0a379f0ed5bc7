//! Media attachments (remote ones by URL for now), custom emoji and polls of statuses.

use super::Executor;
use crate::id::{AccountId, StatusId};
use sqlx::types::Json;
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub status_id: StatusId,
    pub kind: String,
    pub remote_url: Option<String>,
    pub description: String,
    pub blurhash: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

pub struct NewAttachment<'a> {
    pub kind: &'a str,
    pub remote_url: &'a str,
    pub media_type: Option<&'a str>,
    pub description: &'a str,
    pub blurhash: Option<&'a str>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

/// Replaces the attachments of a remote status with `items`, in order.
pub async fn set_remote_attachments(
    db: &mut sqlx::PgConnection,
    status: StatusId,
    account: AccountId,
    items: &[NewAttachment<'_>],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM media_attachments WHERE status_id = $1")
        .bind(status)
        .execute(&mut *db)
        .await?;
    insert_remote_attachments(db, status, account, items).await
}

/// Adds `items` to a status that has no attachments yet, in order, in one statement.
pub async fn insert_remote_attachments(
    db: impl Executor<'_>,
    status: StatusId,
    account: AccountId,
    items: &[NewAttachment<'_>],
) -> sqlx::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = items.iter().map(|a| a.kind).collect();
    let urls: Vec<&str> = items.iter().map(|a| a.remote_url).collect();
    let types: Vec<Option<&str>> = items.iter().map(|a| a.media_type).collect();
    let descriptions: Vec<&str> = items.iter().map(|a| a.description).collect();
    let blurhashes: Vec<Option<&str>> = items.iter().map(|a| a.blurhash).collect();
    let widths: Vec<Option<i32>> = items.iter().map(|a| a.width).collect();
    let heights: Vec<Option<i32>> = items.iter().map(|a| a.height).collect();
    sqlx::query(
        "INSERT INTO media_attachments (status_id, account_id, kind, remote_url, media_type, description, blurhash, width, height, position) \
         SELECT $1, $2, k, u, t, d, b, w, h, (n - 1)::smallint \
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[]) \
           WITH ORDINALITY AS a(k, u, t, d, b, w, h, n)",
    )
    .bind(status)
    .bind(account)
    .bind(kinds)
    .bind(urls)
    .bind(types)
    .bind(descriptions)
    .bind(blurhashes)
    .bind(widths)
    .bind(heights)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn attachments_of(
    db: impl Executor<'_>,
    statuses: &[StatusId],
) -> sqlx::Result<Vec<Attachment>> {
    let ids: Vec<i64> = statuses.iter().map(|s| s.0).collect();
    sqlx::query_as(
        "SELECT id, status_id, kind, remote_url, description, blurhash, width, height \
         FROM media_attachments WHERE status_id = ANY($1) ORDER BY status_id, position",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Emoji {
    pub status_id: StatusId,
    pub shortcode: String,
    pub image_remote_url: Option<String>,
}

/// Records a remote custom emoji (or refreshes its image) and links it to a status.
pub async fn link_remote_emoji(
    db: &mut sqlx::PgConnection,
    status: StatusId,
    shortcode: &str,
    domain: &str,
    uri: Option<&str>,
    image_url: &str,
) -> sqlx::Result<()> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO custom_emojis (shortcode, domain, uri, image_remote_url) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (shortcode, coalesce(domain, '')) DO UPDATE \
           SET image_remote_url = excluded.image_remote_url, uri = excluded.uri, updated_at = now() \
         RETURNING id",
    )
    .bind(shortcode)
    .bind(domain)
    .bind(uri)
    .bind(image_url)
    .fetch_one(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO status_emojis (status_id, emoji_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(status)
    .bind(id)
    .execute(&mut *db)
    .await?;
    Ok(())
}

pub async fn emojis_of(db: impl Executor<'_>, statuses: &[StatusId]) -> sqlx::Result<Vec<Emoji>> {
    let ids: Vec<i64> = statuses.iter().map(|s| s.0).collect();
    sqlx::query_as(
        "SELECT se.status_id, e.shortcode, e.image_remote_url FROM status_emojis se \
         JOIN custom_emojis e ON e.id = se.emoji_id WHERE se.status_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct PollOption {
    pub title: String,
    pub votes_count: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Poll {
    pub status_id: StatusId,
    pub multiple: bool,
    pub options: Json<Vec<PollOption>>,
    pub voters_count: Option<i64>,
    pub expires_at: Option<OffsetDateTime>,
}

/// Records a remote poll, or refreshes its options and counts (an Update of a Question).
pub async fn upsert_poll(
    db: impl Executor<'_>,
    status: StatusId,
    account: AccountId,
    multiple: bool,
    options: &[PollOption],
    voters_count: Option<i64>,
    expires_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO polls (status_id, account_id, multiple, options, voters_count, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (status_id) DO UPDATE SET multiple = excluded.multiple, options = excluded.options, \
           voters_count = excluded.voters_count, expires_at = excluded.expires_at, updated_at = now()",
    )
    .bind(status)
    .bind(account)
    .bind(multiple)
    .bind(Json(options))
    .bind(voters_count)
    .bind(expires_at)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn polls_of(db: impl Executor<'_>, statuses: &[StatusId]) -> sqlx::Result<Vec<Poll>> {
    let ids: Vec<i64> = statuses.iter().map(|s| s.0).collect();
    sqlx::query_as(
        "SELECT status_id, multiple, options, voters_count, expires_at FROM polls WHERE status_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}
