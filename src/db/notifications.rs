//! Notifications: who did what to whom, per recipient.

use super::Executor;
use crate::id::{AccountId, NotificationId, StatusId};
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: NotificationId,
    pub account_id: AccountId,
    pub from_account_id: AccountId,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status_id: Option<StatusId>,
    pub created_at: OffsetDateTime,
}

/// Inserts a notification unless the same one exists already (repeated deliveries).
pub async fn insert(
    db: impl Executor<'_>,
    recipient: AccountId,
    from: AccountId,
    kind: &str,
    status: Option<StatusId>,
) -> sqlx::Result<Option<NotificationId>> {
    sqlx::query_scalar(
        "INSERT INTO notifications (account_id, from_account_id, type, status_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(recipient)
    .bind(from)
    .bind(kind)
    .bind(status)
    .fetch_optional(db)
    .await
}

/// Withdraws a notification when its cause is undone (unfavourite, unfollow, unboost).
pub async fn delete_matching(
    db: impl Executor<'_>,
    recipient: AccountId,
    from: AccountId,
    kind: &str,
    status: Option<StatusId>,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND type = $3 \
         AND coalesce(status_id, 0) = coalesce($4, 0)",
    )
    .bind(recipient)
    .bind(from)
    .bind(kind)
    .bind(status)
    .execute(db)
    .await
    .map(|_| ())
}

/// A page of a recipient's notifications, newest first, optionally of some types only.
pub async fn list(
    db: impl Executor<'_>,
    recipient: AccountId,
    types: Option<&[String]>,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Notification>> {
    sqlx::query_as(
        "SELECT id, account_id, from_account_id, type, status_id, created_at FROM notifications \
         WHERE account_id = $1 AND ($2::text[] IS NULL OR type = ANY($2)) AND ($3::bigint IS NULL OR id < $3) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(recipient)
    .bind(types)
    .bind(max_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn count_newer_than(
    db: impl Executor<'_>,
    recipient: AccountId,
    last_read_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM notifications WHERE account_id = $1 AND id > $2 LIMIT 100) n")
        .bind(recipient)
        .bind(last_read_id)
        .fetch_one(db)
        .await
}

pub async fn newest_id(db: impl Executor<'_>, recipient: AccountId) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT max(id) FROM notifications WHERE account_id = $1")
        .bind(recipient)
        .fetch_one(db)
        .await
}

/// Removes every notification caused by `from` (a deleted account).
pub async fn delete_from(db: impl Executor<'_>, from: AccountId) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM notifications WHERE from_account_id = $1")
        .bind(from)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}

/// Which notifications an API page asks for.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub types: Option<Vec<String>>,
    pub exclude_types: Option<Vec<String>>,
    pub from: Option<AccountId>,
}

/// A page of a recipient's notifications by `filter`, newest first (`min_id` pages
/// forward and is reversed back).
pub async fn list_filtered(
    db: impl Executor<'_>,
    recipient: AccountId,
    filter: &NotificationFilter,
    page: &crate::db::statuses::Page,
) -> sqlx::Result<Vec<Notification>> {
    let ascending = page.min_id.is_some();
    let lower = page.min_id.or(page.since_id);
    let sql = format!(
        "SELECT id, account_id, from_account_id, type, status_id, created_at FROM notifications \
         WHERE account_id = $1 AND ($2::text[] IS NULL OR type = ANY($2)) \
           AND ($3::text[] IS NULL OR type <> ALL($3)) AND ($4::bigint IS NULL OR from_account_id = $4) \
           AND ($5::bigint IS NULL OR id < $5) AND ($6::bigint IS NULL OR id > $6) \
         ORDER BY id {} LIMIT $7",
        if ascending { "ASC" } else { "DESC" }
    );
    let mut rows: Vec<Notification> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(&filter.types)
        .bind(&filter.exclude_types)
        .bind(filter.from)
        .bind(page.max_id)
        .bind(lower)
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    if ascending {
        rows.reverse();
    }
    Ok(rows)
}

/// Deletes one of a recipient's notifications; false if it was not theirs.
pub async fn dismiss(
    db: impl Executor<'_>,
    recipient: AccountId,
    id: NotificationId,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id = $2")
        .bind(recipient)
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Deletes all of a recipient's notifications.
pub async fn clear(db: impl Executor<'_>, recipient: AccountId) -> sqlx::Result<u64> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1")
        .bind(recipient)
        .execute(db)
        .await
        .map(|r| r.rows_affected())
}
