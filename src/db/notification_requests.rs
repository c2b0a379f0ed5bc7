//! Notification requests (a sender's filtered mentions, waiting to be accepted or
//! dismissed) and the permissions accepting one leaves behind.

use super::Executor;
use crate::db::statuses::Page;
use crate::id::{AccountId, NotificationRequestId, StatusId};
use time::OffsetDateTime;

/// How many filtered notifications are worth counting, as Mastodon caps them.
pub const MAX_MEANINGFUL_COUNT: i64 = 100;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRequest {
    pub id: NotificationRequestId,
    pub account_id: AccountId,
    pub from_account_id: AccountId,
    pub last_status_id: Option<StatusId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The sender's filtered mentions, counted up to [`MAX_MEANINGFUL_COUNT`].
    pub notifications_count: i64,
}

/// A request with its count, for requests `r` of senders `a` (`$1` the recipient, the
/// cap `$2`); only requests that still hold filtered mentions from a sender who is not
/// suspended.
const SELECT_SQL: &str = "SELECT r.id, r.account_id, r.from_account_id, r.last_status_id, r.created_at, \
       r.updated_at, c.n AS notifications_count \
     FROM notification_requests r \
     JOIN accounts a ON a.id = r.from_account_id AND a.suspended_at IS NULL \
     CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM notifications f \
       WHERE f.account_id = r.account_id AND f.from_account_id = r.from_account_id \
         AND f.filtered AND f.type = 'mention' LIMIT $2) l) c \
     WHERE r.account_id = $1 AND c.n > 0";

/// Opens the sender's request, or points it at their newest filtered mention.
pub async fn upsert(
    db: impl Executor<'_>,
    recipient: AccountId,
    from: AccountId,
    last_status: Option<StatusId>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_requests (account_id, from_account_id, last_status_id) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, from_account_id) DO UPDATE \
         SET last_status_id = excluded.last_status_id, updated_at = now()",
    )
    .bind(recipient)
    .bind(from)
    .bind(last_status)
    .execute(db)
    .await
    .map(|_| ())
}

/// A page of the recipient's requests, newest first (`min_id` pages forward and is
/// reversed back).
pub async fn page(
    db: impl Executor<'_>,
    recipient: AccountId,
    page: &Page,
) -> sqlx::Result<Vec<NotificationRequest>> {
    let ascending = page.min_id.is_some();
    let sql = format!(
        "{SELECT_SQL} AND ($3::bigint IS NULL OR r.id < $3) AND ($4::bigint IS NULL OR r.id > $4) \
         ORDER BY r.id {} LIMIT $5",
        if ascending { "ASC" } else { "DESC" }
    );
    let mut rows: Vec<NotificationRequest> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(MAX_MEANINGFUL_COUNT)
        .bind(page.max_id)
        .bind(page.min_id.or(page.since_id))
        .bind(page.limit)
        .fetch_all(db)
        .await?;
    if ascending {
        rows.reverse();
    }
    Ok(rows)
}

/// The recipient's requests among `ids`.
pub async fn find_many(
    db: impl Executor<'_>,
    recipient: AccountId,
    ids: &[NotificationRequestId],
) -> sqlx::Result<Vec<NotificationRequest>> {
    let sql = format!("{SELECT_SQL} AND r.id = ANY($3) ORDER BY r.id DESC");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(MAX_MEANINGFUL_COUNT)
        .bind(ids)
        .fetch_all(db)
        .await
}

/// How many requests the recipient has (up to the cap) and how many filtered mentions
/// they hold together.
pub async fn summary(db: impl Executor<'_>, recipient: AccountId) -> sqlx::Result<(i64, i64)> {
    let sql = format!(
        "SELECT count(*), coalesce(sum(notifications_count), 0)::bigint \
         FROM ({SELECT_SQL} LIMIT $2) pending"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(MAX_MEANINGFUL_COUNT)
        .fetch_one(db)
        .await
}

pub async fn delete(db: impl Executor<'_>, id: NotificationRequestId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM notification_requests WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map(|_| ())
}

/// Lets the sender's notifications past the recipient's policy from now on.
pub async fn permit(
    db: impl Executor<'_>,
    recipient: AccountId,
    from: AccountId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_permissions (account_id, from_account_id) VALUES ($1, $2) \
         ON CONFLICT DO NOTHING",
    )
    .bind(recipient)
    .bind(from)
    .execute(db)
    .await
    .map(|_| ())
}

/// Moves the sender's filtered notifications into the recipient's list.
pub async fn unfilter(
    db: impl Executor<'_>,
    recipient: AccountId,
    from: AccountId,
) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE notifications SET filtered = false \
         WHERE account_id = $1 AND from_account_id = $2 AND filtered",
    )
    .bind(recipient)
    .bind(from)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Deletes the sender's filtered notifications to the recipient.
pub async fn delete_filtered(
    db: impl Executor<'_>,
    recipient: AccountId,
    from: AccountId,
) -> sqlx::Result<u64> {
    sqlx::query(
        "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND filtered",
    )
    .bind(recipient)
    .bind(from)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}

/// Whether any notification from a sender the recipient accepted is still filtered.
pub async fn any_unmerged(db: impl Executor<'_>, recipient: AccountId) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM notifications n JOIN notification_permissions p \
           ON p.account_id = n.account_id AND p.from_account_id = n.from_account_id \
         WHERE n.account_id = $1 AND n.filtered)",
    )
    .bind(recipient)
    .fetch_one(db)
    .await
}
