//! Replies to a status, for its ActivityPub `replies` collection: public and unlisted
//! ones only, oldest first, paged by id (Mastodon's `min_id`).

use super::Executor;
use crate::id::{AccountId, StatusId};

/// Whose replies a page lists: Mastodon serves the author's own first, then everyone
/// else's (`only_other_accounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repliers {
    Author,
    Others,
}

/// A reply as the collection lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Reply {
    pub id: StatusId,
    pub in_reply_to_id: StatusId,
    pub account_id: AccountId,
    pub uri: String,
}

/// Up to `limit` public or unlisted replies to `parent` (written by `author`) with ids
/// above `min_id`, oldest first: the author's own, or those of other accounts that are
/// not suspended, local or remote.
pub async fn page(
    db: impl Executor<'_>,
    parent: StatusId,
    author: AccountId,
    repliers: Repliers,
    min_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Reply>> {
    sqlx::query_as(
        "SELECT s.id, s.in_reply_to_id, s.account_id, s.uri FROM statuses s JOIN accounts a ON a.id = s.account_id \
         WHERE s.in_reply_to_id = $1 AND s.visibility IN ('public', 'unlisted') \
           AND (CASE WHEN $3 THEN s.account_id <> $2 AND a.suspended_at IS NULL \
                ELSE s.account_id = $2 END) \
           AND ($4::bigint IS NULL OR s.id > $4) \
         ORDER BY s.id ASC LIMIT $5",
    )
    .bind(parent)
    .bind(author)
    .bind(repliers == Repliers::Others)
    .bind(min_id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// For each of `parents`, its first `limit` public or unlisted replies by its own
/// author, oldest first, in one query (ordered by parent, then id).
pub async fn self_replies_of(
    db: impl Executor<'_>,
    parents: &[StatusId],
    limit: i64,
) -> sqlx::Result<Vec<Reply>> {
    let raw: Vec<i64> = parents.iter().map(|p| p.0).collect();
    sqlx::query_as(
        "SELECT id, in_reply_to_id, account_id, uri FROM ( \
           SELECT s.id, s.in_reply_to_id, s.account_id, s.uri, \
                  row_number() OVER (PARTITION BY s.in_reply_to_id ORDER BY s.id) AS n \
           FROM statuses s JOIN statuses p ON p.id = s.in_reply_to_id \
           WHERE s.in_reply_to_id = ANY($1) AND s.account_id = p.account_id \
             AND s.visibility IN ('public', 'unlisted')) r \
         WHERE r.n <= $2 ORDER BY in_reply_to_id, id",
    )
    .bind(raw)
    .bind(limit)
    .fetch_all(db)
    .await
}
