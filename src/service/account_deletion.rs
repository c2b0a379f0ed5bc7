//! A remote actor deleted itself (a signed Delete whose object is the actor). Like
//! Mastodon we keep the account row — suspended, emptied, with `deleted_at` set — so its
//! URI keeps meaning "gone" and reports keep their target; everything it left here goes:
//! its posts and boosts (with tombstones, so late copies stay out), follows both ways,
//! pending requests, favourites, blocks it made and notifications it caused, with the
//! counters of the other side fixed. Work goes in batches, each its own statement, so
//! an account with a long history neither holds locks for long nor loads it all; an
//! interrupted run is finished by the retry, and a repeated Delete finds nothing to do.

use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Rows removed per statement.
const BATCH: i64 = 500;

/// Removes what the deleted remote `account` left here and marks it deleted.
pub async fn remote_account_deleted(state: &AppState, account: &Account) -> AppResult<()> {
    if account.is_local() {
        return Err(AppError::invalid("Local accounts are not deleted this way"));
    }
    // Marked first: from here on its activities are refused like a suspended account's.
    db::accounts::mark_deleted(&state.db, account.id).await?;
    while db::statuses::delete_batch_of_account(&state.db, account.id, BATCH).await? > 0 {}
    while db::favourites::delete_batch_by_account(&state.db, account.id, BATCH).await? > 0 {}
    while db::follows::delete_batch_involving(&state.db, account.id, BATCH).await? > 0 {}
    db::follows::delete_requests_involving(&state.db, account.id).await?;
    db::blocks::delete_all_by(&state.db, account.id).await?;
    db::notifications::delete_from(&state.db, account.id).await?;
    tracing::info!(account = %account.uri, "remote account deleted by its owner");
    Ok(())
}
