//! Our accounts' follows of remote accounts, as answered by them. The sending side
//! stores a `follow_requests` row (uri = our Follow's id) and delivers the Follow; the
//! remote account's Accept turns it into a follow, its Reject withdraws it, or ends the
//! follow when it was accepted already (Mastodon's "removed as follower").

use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::id::AccountId;
use crate::service::notifications::Kind;
use crate::state::AppState;

/// How an Accept or Reject names the Follow it answers: by the Follow's id, and, when
/// the Follow is embedded, by its actor (our follower) and object (who answers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowRef<'a> {
    pub id: Option<&'a str>,
    pub follower: Option<&'a str>,
    pub followee: Option<&'a str>,
}

/// Accept of one of our follow requests by the account asked. Returns whether a follow
/// was created; an Accept of something unknown, or repeated, changes nothing.
pub async fn accepted(
    state: &AppState,
    answerer: &Account,
    follow: &FollowRef<'_>,
) -> AppResult<bool> {
    let Some(follower) = pending_follower(state, answerer, follow).await? else {
        return Ok(false);
    };
    let mut tx = state.db.begin().await?;
    let (_, created) = db::follows::request_to_follow(&mut *tx, follower, answerer.id).await?;
    if created {
        db::accounts::add_follow_counts(&mut *tx, follower, answerer.id, 1).await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// Reject by the account asked: the pending request goes, and so does the follow when
/// it had been accepted already (counts fixed). Returns whether anything changed.
pub async fn rejected(
    state: &AppState,
    answerer: &Account,
    follow: &FollowRef<'_>,
) -> AppResult<bool> {
    let follower = match pending_follower(state, answerer, follow).await? {
        Some(f) => Some(f),
        None => accepted_follower(state, answerer, follow).await?,
    };
    let Some(follower) = follower else {
        return Ok(false);
    };
    let mut tx = state.db.begin().await?;
    let withdrawn = db::follows::delete_request(&mut *tx, follower, answerer.id).await?;
    let ended = db::follows::delete_follow(&mut *tx, follower, answerer.id).await?;
    if ended {
        db::accounts::add_follow_counts(&mut *tx, follower, answerer.id, -1).await?;
        db::notifications::delete_matching(
            &mut *tx,
            answerer.id,
            follower,
            Kind::Follow.as_str(),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(withdrawn || ended)
}

/// The local account whose pending request to `answerer` is meant: by the Follow's id,
/// else by an embedded Follow from a local account to `answerer`. A Follow that was
/// addressed to someone else cannot be answered by `answerer` (S11).
async fn pending_follower(
    state: &AppState,
    answerer: &Account,
    follow: &FollowRef<'_>,
) -> AppResult<Option<AccountId>> {
    if let Some(id) = follow.id
        && let Some((follower, target)) = db::follows::request_by_uri(&state.db, id).await?
    {
        return owned_by(answerer, target).map(|()| Some(follower));
    }
    let Some(follower) = embedded_follower(state, answerer, follow).await? else {
        return Ok(None);
    };
    let rel = db::follows::relationship(&state.db, follower, answerer.id).await?;
    Ok(rel.requested.then_some(follower))
}

/// Like [`pending_follower`], for a follow that was accepted already.
async fn accepted_follower(
    state: &AppState,
    answerer: &Account,
    follow: &FollowRef<'_>,
) -> AppResult<Option<AccountId>> {
    if let Some(id) = follow.id
        && let Some((follower, target)) = db::follows::follow_by_uri(&state.db, id).await?
    {
        return owned_by(answerer, target).map(|()| Some(follower));
    }
    let Some(follower) = embedded_follower(state, answerer, follow).await? else {
        return Ok(None);
    };
    let rel = db::follows::relationship(&state.db, follower, answerer.id).await?;
    Ok(rel.following.then_some(follower))
}

fn owned_by(answerer: &Account, target: AccountId) -> AppResult<()> {
    if target == answerer.id {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The local follower named by an embedded Follow, which must be addressed to
/// `answerer`.
async fn embedded_follower(
    state: &AppState,
    answerer: &Account,
    follow: &FollowRef<'_>,
) -> AppResult<Option<AccountId>> {
    let (Some(follower), Some(followee)) = (follow.follower, follow.followee) else {
        return Ok(None);
    };
    if followee != answerer.uri {
        return Err(AppError::forbidden());
    }
    Ok(db::accounts::find_by_uri(&state.db, follower)
        .await?
        .filter(Account::is_local)
        .map(|a| a.id))
}
