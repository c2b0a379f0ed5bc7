//! Conversations a user muted: no notifications from them (Mastodon's mute on a status).
//! A status's conversation is `conversation_uri`, or its own URI for rows without one.

use super::Executor;
use crate::id::{AccountId, StatusId};

/// Mutes the conversation `status` belongs to.
pub async fn mute(db: impl Executor<'_>, account: AccountId, status: StatusId) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO conversation_mutes (account_id, conversation_uri) \
         SELECT $1, coalesce(conversation_uri, uri) FROM statuses WHERE id = $2 \
         ON CONFLICT DO NOTHING",
    )
    .bind(account)
    .bind(status)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn unmute(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM conversation_mutes m USING statuses s \
         WHERE s.id = $2 AND m.account_id = $1 AND m.conversation_uri = coalesce(s.conversation_uri, s.uri)",
    )
    .bind(account)
    .bind(status)
    .execute(db)
    .await
    .map(|_| ())
}

/// Whether `account` muted the conversation of `status`.
pub async fn mutes_status(
    db: impl Executor<'_>,
    account: AccountId,
    status: StatusId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM statuses s JOIN conversation_mutes m \
           ON m.account_id = $1 AND m.conversation_uri = coalesce(s.conversation_uri, s.uri) \
         WHERE s.id = $2)",
    )
    .bind(account)
    .bind(status)
    .fetch_one(db)
    .await
}
