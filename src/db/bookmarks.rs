//! Bookmarks: posts people keep for themselves (never federated).

use super::Executor;
use crate::id::{AccountId, StatusId};

/// Which of `ids` `account` has bookmarked.
pub async fn bookmarked_among(
    db: impl Executor<'_>,
    account: AccountId,
    ids: &[StatusId],
) -> sqlx::Result<Vec<StatusId>> {
    let raw: Vec<i64> = ids.iter().map(|i| i.0).collect();
    sqlx::query_scalar(
        "SELECT status_id FROM bookmarks WHERE account_id = $1 AND status_id = ANY($2)",
    )
    .bind(account)
    .bind(raw)
    .fetch_all(db)
    .await
}
