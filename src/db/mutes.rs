//! Mutes: accounts whose posts (and, if asked, notifications) someone does not want to
//! see. Never federated.

use super::Executor;
use crate::id::AccountId;
use time::OffsetDateTime;

/// Mutes `target`, or updates an existing mute.
pub async fn upsert(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
    hide_notifications: bool,
    expires_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO mutes (account_id, target_account_id, hide_notifications, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, target_account_id) DO UPDATE SET hide_notifications = excluded.hide_notifications, \
           expires_at = excluded.expires_at",
    )
    .bind(account)
    .bind(target)
    .bind(hide_notifications)
    .bind(expires_at)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn delete(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2")
        .bind(account)
        .bind(target)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// A page of (mute id, muted account), newest first, live mutes only.
pub async fn page(
    db: impl Executor<'_>,
    account: AccountId,
    max_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, AccountId)>> {
    sqlx::query_as(
        "SELECT id, target_account_id FROM mutes WHERE account_id = $1 \
         AND (expires_at IS NULL OR expires_at > now()) AND ($2::bigint IS NULL OR id < $2) \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(account)
    .bind(max_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Whether `account` mutes `target`'s notifications now.
pub async fn hides_notifications(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM mutes WHERE account_id = $1 AND target_account_id = $2 \
         AND hide_notifications AND (expires_at IS NULL OR expires_at > now()))",
    )
    .bind(account)
    .bind(target)
    .fetch_one(db)
    .await
}
