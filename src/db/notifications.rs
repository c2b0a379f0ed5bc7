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
    /// Shared by the notifications of one group; `None` for one that is its own group.
    pub group_key: Option<String>,
    /// Held back by the recipient's notification policy.
    pub filtered: bool,
}

impl Notification {
    /// Its group's key as the API shows it (`ungrouped-<id>` when it has none).
    pub fn shown_group_key(&self) -> String {
        self.group_key
            .clone()
            .unwrap_or_else(|| format!("ungrouped-{}", self.id))
    }
}

pub(crate) const COLUMNS: &str = "n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at, n.group_key, n.filtered";

/// What a new notification is: its kind, what it is about, its group and whether the
/// recipient's policy holds it back.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub recipient: AccountId,
    pub from: AccountId,
    pub kind: &'a str,
    pub status: Option<StatusId>,
    pub group_key: Option<&'a str>,
    pub filtered: bool,
}

/// Inserts a notification unless the same one exists already (repeated deliveries).
pub async fn insert(
    db: impl Executor<'_>,
    n: &NewNotification<'_>,
) -> sqlx::Result<Option<NotificationId>> {
    sqlx::query_scalar(
        "INSERT INTO notifications (account_id, from_account_id, type, status_id, group_key, filtered) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(n.recipient)
    .bind(n.from)
    .bind(n.kind)
    .bind(n.status)
    .bind(n.group_key)
    .bind(n.filtered)
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

/// A page of a recipient's notifications (not the filtered ones), newest first,
/// optionally of some types only.
pub async fn list(
    db: impl Executor<'_>,
    recipient: AccountId,
    types: Option<&[String]>,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Notification>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications n \
         WHERE n.account_id = $1 AND NOT n.filtered AND ($2::text[] IS NULL OR n.type = ANY($2)) \
           AND ($3::bigint IS NULL OR n.id < $3) \
         ORDER BY n.id DESC LIMIT $4"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(types)
        .bind(max_id)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// How many of the notifications `filter` selects are newer than `last_read_id`,
/// counting at most `cap`.
pub async fn count_newer_than(
    db: impl Executor<'_>,
    recipient: AccountId,
    filter: &NotificationFilter,
    last_read_id: i64,
    cap: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM notifications n \
           WHERE n.account_id = $1 AND n.id > $2 \
             AND ($3::text[] IS NULL OR n.type = ANY($3)) AND ($4::text[] IS NULL OR n.type <> ALL($4)) \
             AND ($5::bigint IS NULL OR n.from_account_id = $5) \
             AND (NOT n.filtered OR $6 OR $5::bigint IS NOT NULL) \
           LIMIT $7) c",
    )
    .bind(recipient)
    .bind(last_read_id)
    .bind(&filter.types)
    .bind(&filter.exclude_types)
    .bind(filter.from)
    .bind(filter.include_filtered)
    .bind(cap)
    .fetch_one(db)
    .await
}

pub async fn newest_id(db: impl Executor<'_>, recipient: AccountId) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT max(id) FROM notifications WHERE account_id = $1 AND NOT filtered")
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

/// Which notifications an API page asks for. Filtered ones are left out unless
/// `include_filtered`, or unless the page is of one sender's (as Mastodon does, so a
/// notification request can be read through `account_id`).
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub types: Option<Vec<String>>,
    pub exclude_types: Option<Vec<String>>,
    pub from: Option<AccountId>,
    pub include_filtered: bool,
}

/// The `WHERE` conditions of [`NotificationFilter`] on `notifications n`, with the
/// recipient as `$1`, `types` `$2`, `exclude_types` `$3`, `from` `$4` and
/// `include_filtered` `$5`.
pub(crate) const FILTER_SQL: &str = "n.account_id = $1 \
    AND ($2::text[] IS NULL OR n.type = ANY($2)) AND ($3::text[] IS NULL OR n.type <> ALL($3)) \
    AND ($4::bigint IS NULL OR n.from_account_id = $4) \
    AND (NOT n.filtered OR $5 OR $4::bigint IS NOT NULL)";

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
        "SELECT {COLUMNS} FROM notifications n \
         WHERE {FILTER_SQL} AND ($6::bigint IS NULL OR n.id < $6) AND ($7::bigint IS NULL OR n.id > $7) \
         ORDER BY n.id {} LIMIT $8",
        if ascending { "ASC" } else { "DESC" }
    );
    let mut rows: Vec<Notification> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(&filter.types)
        .bind(&filter.exclude_types)
        .bind(filter.from)
        .bind(filter.include_filtered)
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

/// One of a recipient's notifications, filtered or not.
pub async fn find(
    db: impl Executor<'_>,
    recipient: AccountId,
    id: NotificationId,
) -> sqlx::Result<Option<Notification>> {
    let sql =
        format!("SELECT {COLUMNS} FROM notifications n WHERE n.account_id = $1 AND n.id = $2");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(recipient)
        .bind(id)
        .fetch_optional(db)
        .await
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
