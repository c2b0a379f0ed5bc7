//! Where an activity goes: the inboxes of an audience of remote accounts.

use super::Executor;
use crate::id::AccountId;

/// Distinct inboxes (the shared inbox where an account has one) of the remote `accounts`
/// and, when `followers` is set, of every remote follower of `sender`. Suspended
/// accounts and accounts whose server said they are gone receive nothing.
pub async fn inboxes(
    db: impl Executor<'_>,
    sender: AccountId,
    followers: bool,
    accounts: &[AccountId],
) -> sqlx::Result<Vec<String>> {
    let ids: Vec<i64> = accounts.iter().map(|a| a.0).collect();
    sqlx::query_scalar(
        "SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) FROM accounts a \
         WHERE a.domain IS NOT NULL AND a.suspended_at IS NULL AND a.gone_at IS NULL \
           AND coalesce(a.shared_inbox_url, a.inbox_url) IS NOT NULL \
           AND (a.id = ANY($2) OR ($3 AND a.id IN \
                (SELECT f.account_id FROM follows f WHERE f.target_account_id = $1))) \
         ORDER BY 1",
    )
    .bind(sender)
    .bind(ids)
    .bind(followers)
    .fetch_all(db)
    .await
}

/// Records that a remote account's server answered 410 Gone for its inbox: nothing more
/// is delivered to it until it is fetched afresh.
pub async fn mark_inbox_gone(db: impl Executor<'_>, inbox: &str) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE accounts SET gone_at = now() \
         WHERE inbox_url = $1 AND domain IS NOT NULL AND gone_at IS NULL",
    )
    .bind(inbox)
    .execute(db)
    .await
    .map(|r| r.rows_affected())
}
