//! Pinned ("featured") statuses: remote accounts' from Add/Remove on their featured
//! collection; local accounts' when they pin.

use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Status, Visibility};
use crate::error::{AppError, AppResult};
use crate::service::remote_statuses;
use crate::state::AppState;

/// Mastodon's limit for local accounts.
pub const LOCAL_PINS_MAX: i64 = 5;
/// Remote servers set their own limit; ours only bounds what one account can store.
pub const REMOTE_PINS_MAX: i64 = 50;

/// Pins one of the account's own statuses (not a boost, not a direct message).
/// Idempotent; returns whether a pin was added.
pub async fn pin(state: &AppState, account: &Account, status: &Status) -> AppResult<bool> {
    if status.account_id != account.id {
        return Err(AppError::forbidden());
    }
    if status.reblog_of_id.is_some() || status.visibility() == Visibility::Direct {
        return Err(AppError::invalid("This post cannot be pinned"));
    }
    let max = if account.is_local() {
        LOCAL_PINS_MAX
    } else {
        REMOTE_PINS_MAX
    };
    db::pins::insert_below_limit(&state.db, account.id, status.id, max)
        .await?
        .ok_or_else(|| AppError::invalid("Too many pinned posts"))
}

/// Unpins a status. Idempotent; returns whether a pin went.
pub async fn unpin(state: &AppState, account: &Account, status: &Status) -> AppResult<bool> {
    Ok(db::pins::delete(&state.db, account.id, status.id).await?)
}

/// Add of `object` to `collection` by a remote `actor`: only to their own featured
/// collection, only their own post (fetched from their host if we lack it).
pub async fn featured_added(
    state: &AppState,
    actor: &Account,
    collection: &str,
    object: &str,
) -> AppResult<bool> {
    own_featured(state, actor, collection).await?;
    if !actor.is_on_host(object) {
        return Err(AppError::forbidden());
    }
    let status = match db::statuses::find_by_uri(&state.db, object).await? {
        Some(s) => s,
        None => remote_statuses::fetch_and_store(state, object).await?,
    };
    pin(state, actor, &status).await
}

/// Remove of `object` from `collection` by a remote `actor`: only from their own.
pub async fn featured_removed(
    state: &AppState,
    actor: &Account,
    collection: &str,
    object: &str,
) -> AppResult<bool> {
    own_featured(state, actor, collection).await?;
    match db::statuses::find_by_uri(&state.db, object).await? {
        Some(status) => unpin(state, actor, &status).await,
        None => Ok(false),
    }
}

async fn own_featured(state: &AppState, actor: &Account, collection: &str) -> AppResult<()> {
    let featured = db::accounts::featured_url(&state.db, actor.id).await?;
    if featured.as_deref() == Some(collection) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}
