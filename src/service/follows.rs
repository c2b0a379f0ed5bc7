//! Following and unfollowing; requests to follow locked accounts.

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
    if !target.is_local() {
        // Remote follows need a Follow activity delivered; that arrives with federation.
        return Err(AppError::invalid(
            "Following accounts on other servers is not available yet",
        ));
    }
    if rel.following || rel.requested {
        return Ok(rel);
    }
    let mut tx = state.db.begin().await?;
    if target.locked {
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
    if db::follows::delete_follow(&mut *tx, actor.id, target.id).await? {
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
        db::notifications::delete_matching(
            &mut *tx,
            target.id,
            actor.id,
            Kind::FollowRequest.as_str(),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(db::follows::relationship(&state.db, actor.id, target.id).await?)
}

/// Accepts a pending request from `requester` to follow `owner`.
pub async fn authorize(state: &AppState, owner: &Account, requester: &Account) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
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
    if db::follows::insert_follow(&mut *tx, requester.id, owner.id, None).await? {
        db::accounts::add_follow_counts(&mut *tx, requester.id, owner.id, 1).await?;
        notifications::notify(&mut tx, owner, requester.id, Kind::Follow, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Declines a pending request.
pub async fn reject(state: &AppState, owner: &Account, requester: &Account) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
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
    let found = db::accounts::find_many(&state.db, &ids).await?;
    let accounts = ids
        .iter()
        .filter_map(|id| found.iter().find(|a| a.id == *id).cloned())
        .collect();
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
    let inbox = follower
        .inbox_url
        .clone()
        .ok_or_else(|| AppError::invalid("The follower has no inbox"))?;
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
    let follow =
        crate::activitypub::activities::follow(activity_id.to_string(), &follower.uri, &target.uri);
    let accept_id = format!(
        "{}#accepts/follows/{}",
        target.uri,
        crate::service::secrets::random_token(9)
    );
    let accept =
        crate::activitypub::activities::answer_follow(accept_id, true, &target.uri, &follow);
    let body = serde_json::to_string(&accept).map_err(AppError::internal)?;
    crate::delivery::enqueue(
        &mut tx,
        &[crate::delivery::Job::Deliver {
            inbox,
            body,
            sender: Some(target.id),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
