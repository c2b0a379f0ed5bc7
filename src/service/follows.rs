//! Following and unfollowing; requests to follow locked accounts.

use crate::activitypub::outbox;
use crate::db;
use crate::db::accounts::Account;
use crate::db::follows::Relationship;
use crate::error::{AppError, AppResult};
use crate::service::notifications::{self, Kind};
use crate::state::AppState;

/// Follows `target`, or asks to when the account is locked. Idempotent.
pub async fn follow(
    state: &AppState,
    actor: &Account,
    target: &Account,
) -> AppResult<Relationship> {
    if actor.id == target.id {
        return Err(AppError::invalid("You cannot follow yourself"));
    }
    if target.suspended_at.is_some() {
        return Err(AppError::not_found());
    }
    let rel = db::follows::relationship(&state.db, actor.id, target.id).await?;
    if rel.blocked_by || rel.blocking {
        return Err(AppError::forbidden());
    }
    if rel.following || rel.requested {
        return Ok(rel);
    }
    let mut tx = state.db.begin().await?;
    if !target.is_local() {
        // A request until the other server Accepts (even for unlocked accounts, as
        // Mastodon does), carrying the id of the Follow so the answer can be matched.
        if target.inbox_url.is_none() {
            return Err(AppError::invalid("That account cannot be followed"));
        }
        let follow_id = outbox::activity_id(actor, "follows");
        if db::follows::insert_request(&mut *tx, actor.id, target.id, Some(&follow_id)).await? {
            outbox::followed(&mut tx, actor, target, &follow_id).await?;
        }
    } else if target.locked {
        if db::follows::insert_request(&mut *tx, actor.id, target.id, None).await? {
            notifications::notify(&mut tx, target, actor.id, Kind::FollowRequest, None).await?;
        }
    } else if db::follows::insert_follow(&mut *tx, actor.id, target.id, None).await? {
        db::accounts::add_follow_counts(&mut *tx, actor.id, target.id, 1).await?;
        notifications::notify(&mut tx, target, actor.id, Kind::Follow, None).await?;
    }
    tx.commit().await?;
    Ok(db::follows::relationship(&state.db, actor.id, target.id).await?)
}

/// Stops following `target`, or withdraws a pending request. Idempotent.
pub async fn unfollow(
    state: &AppState,
    actor: &Account,
    target: &Account,
) -> AppResult<Relationship> {
    let mut tx = state.db.begin().await?;
    let follow_id = db::follows::follow_activity_uri(&mut *tx, actor.id, target.id).await?;
    let mut undone = false;
    if db::follows::delete_follow(&mut *tx, actor.id, target.id).await? {
        undone = true;
        db::accounts::add_follow_counts(&mut *tx, actor.id, target.id, -1).await?;
        db::notifications::delete_matching(
            &mut *tx,
            target.id,
            actor.id,
            Kind::Follow.as_str(),
            None,
        )
        .await?;
    }
    if db::follows::delete_request(&mut *tx, actor.id, target.id).await? {
        undone = true;
        db::notifications::delete_matching(
            &mut *tx,
            target.id,
            actor.id,
            Kind::FollowRequest.as_str(),
            None,
        )
        .await?;
    }
    if undone && actor.is_local() && !target.is_local() {
        let follow_id = follow_id.unwrap_or_else(|| outbox::activity_id(actor, "follows"));
        outbox::unfollowed(&mut tx, actor, target, &follow_id).await?;
    }
    tx.commit().await?;
    Ok(db::follows::relationship(&state.db, actor.id, target.id).await?)
}

/// Accepts a pending request from `requester` to follow `owner`.
pub async fn authorize(state: &AppState, owner: &Account, requester: &Account) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let follow_id = db::follows::follow_activity_uri(&mut *tx, requester.id, owner.id).await?;
    // The follow keeps what the requester asked for (boosts, notify, languages).
    let (existed, created) =
        db::follows::request_to_follow(&mut *tx, requester.id, owner.id).await?;
    if !existed {
        return Err(AppError::not_found());
    }
    db::notifications::delete_matching(
        &mut *tx,
        owner.id,
        requester.id,
        Kind::FollowRequest.as_str(),
        None,
    )
    .await?;
    if created {
        db::accounts::add_follow_counts(&mut *tx, requester.id, owner.id, 1).await?;
        notifications::notify(&mut tx, owner, requester.id, Kind::Follow, None).await?;
    }
    if let Some(follow_id) = &follow_id {
        outbox::answered_follow(&mut tx, owner, requester, follow_id, true).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Declines a pending request.
pub async fn reject(state: &AppState, owner: &Account, requester: &Account) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let follow_id = db::follows::follow_activity_uri(&mut *tx, requester.id, owner.id).await?;
    if !db::follows::delete_request(&mut *tx, requester.id, owner.id).await? {
        return Err(AppError::not_found());
    }
    db::notifications::delete_matching(
        &mut *tx,
        owner.id,
        requester.id,
        Kind::FollowRequest.as_str(),
        None,
    )
    .await?;
    if let Some(follow_id) = &follow_id {
        outbox::answered_follow(&mut tx, owner, requester, follow_id, false).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `owner` removes `follower` from their followers (Mastodon's remove_from_followers): the
/// follow goes, counts are fixed, and a remote follower's server gets a Reject of the
/// Follow so it stops delivering. Idempotent.
pub async fn remove_follower(
    state: &AppState,
    owner: &Account,
    follower: &Account,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let follow_id = db::follows::follow_activity_uri(&mut *tx, follower.id, owner.id).await?;
    if db::follows::delete_follow(&mut *tx, follower.id, owner.id).await? {
        db::accounts::add_follow_counts(&mut *tx, follower.id, owner.id, -1).await?;
        if !follower.is_local()
            && let Some(follow_id) = &follow_id
        {
            outbox::answered_follow(&mut tx, owner, follower, follow_id, false).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// A page of an account's followers (`followers = true`) or followees, newest follow
/// first, with the cursor of the next page when this one was full.
pub async fn list_page(
    state: &AppState,
    account: &Account,
    followers: bool,
    max_id: Option<i64>,
    limit: i64,
) -> AppResult<(Vec<Account>, Option<i64>)> {
    let rows = db::follows::list(&state.db, account.id, followers, max_id, limit).await?;
    let ids: Vec<_> = rows.iter().map(|(_, a)| *a).collect();
    let accounts = db::accounts::find_many_in_order(&state.db, &ids).await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|(f, _)| *f))
        .flatten();
    Ok((accounts, next))
}

/// A remote account's Follow of a local one: a follow (or a request, for locked
/// accounts) recorded, the owner notified, and for follows an Accept delivered through
/// the queue, all in one transaction. A repeated Follow is accepted again, as Mastodon
/// does to resynchronise.
pub async fn accept_remote_follow(
    state: &AppState,
    follower: &Account,
    target: &Account,
    activity_id: &str,
) -> AppResult<()> {
    let rel = db::follows::relationship(&state.db, target.id, follower.id).await?;
    if rel.blocking {
        return Err(AppError::forbidden());
    }
    if follower.inbox_url.is_none() {
        return Err(AppError::invalid("The follower has no inbox"));
    }
    let mut tx = state.db.begin().await?;
    if target.locked {
        if db::follows::insert_request(&mut *tx, follower.id, target.id, Some(activity_id)).await? {
            notifications::notify(&mut tx, target, follower.id, Kind::FollowRequest, None).await?;
        }
        tx.commit().await?;
        return Ok(());
    }
    if db::follows::insert_follow(&mut *tx, follower.id, target.id, Some(activity_id)).await? {
        db::accounts::add_follow_counts(&mut *tx, follower.id, target.id, 1).await?;
        notifications::notify(&mut tx, target, follower.id, Kind::Follow, None).await?;
    }
    outbox::answered_follow(&mut tx, target, follower, activity_id, true).await?;
    tx.commit().await?;
    Ok(())
}
