//! Blocks, by local accounts or by remote ones (a received Block). Blocking ends follows
//! both ways and withdraws pending requests both ways, fixing the counters, as
//! Mastodon's BlockService does. Federation of local blocks (Block, Undo(Block), and the
//! Undo/Reject the severed follows need) is built on top of [`block_in`] and
//! [`unblock_in`], inside the same transaction.

use crate::activitypub::outbox;
use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::notifications::Kind;
use crate::state::AppState;
use sqlx::PgConnection;

/// What a block changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockChange {
    /// The block is new.
    pub blocked: bool,
    /// The blocker followed the target, and no longer does.
    pub unfollowed: bool,
    /// The target followed the blocker, and no longer does.
    pub removed_follower: bool,
    /// The blocker's pending request to follow the target was withdrawn.
    pub withdrew_request: bool,
    /// The target's pending request to follow the blocker was dropped.
    pub dropped_request: bool,
}

impl BlockChange {
    pub fn changed(&self) -> bool {
        self.blocked
            || self.unfollowed
            || self.removed_follower
            || self.withdrew_request
            || self.dropped_request
    }
}

/// `actor` blocks `target`; `uri` is the Block activity's id (a remote actor's, or the
/// one we federate). Idempotent; returns whether anything changed.
pub async fn block(
    state: &AppState,
    actor: &Account,
    target: &Account,
    uri: Option<&str>,
) -> AppResult<bool> {
    let mut tx = state.db.begin().await?;
    let change = block_in(&mut tx, actor, target, uri).await?;
    tx.commit().await?;
    Ok(change.changed())
}

/// [`block`] inside the caller's transaction, saying what it severed.
pub async fn block_in(
    tx: &mut PgConnection,
    actor: &Account,
    target: &Account,
    uri: Option<&str>,
) -> AppResult<BlockChange> {
    if actor.id == target.id {
        return Err(AppError::invalid("You cannot block yourself"));
    }
    let blocked = db::blocks::insert(&mut *tx, actor.id, target.id, uri).await?;
    let unfollowed = end_follow(tx, actor, target).await?;
    let removed_follower = end_follow(tx, target, actor).await?;
    let withdrew_request = end_request(tx, actor, target).await?;
    let dropped_request = end_request(tx, target, actor).await?;
    Ok(BlockChange {
        blocked,
        unfollowed,
        removed_follower,
        withdrew_request,
        dropped_request,
    })
}

/// `actor` lifts a block of `target`. Idempotent; returns whether a block went.
pub async fn unblock(state: &AppState, actor: &Account, target: &Account) -> AppResult<bool> {
    let mut tx = state.db.begin().await?;
    let removed = unblock_in(&mut tx, actor, target).await?;
    tx.commit().await?;
    Ok(removed)
}

/// [`unblock`] inside the caller's transaction.
pub async fn unblock_in(
    tx: &mut PgConnection,
    actor: &Account,
    target: &Account,
) -> AppResult<bool> {
    Ok(db::blocks::delete(&mut *tx, actor.id, target.id).await?)
}

async fn end_follow(
    tx: &mut PgConnection,
    follower: &Account,
    target: &Account,
) -> AppResult<bool> {
    let ended = db::follows::delete_follow(&mut *tx, follower.id, target.id).await?;
    if ended {
        db::accounts::add_follow_counts(&mut *tx, follower.id, target.id, -1).await?;
        db::notifications::delete_matching(
            &mut *tx,
            target.id,
            follower.id,
            Kind::Follow.as_str(),
            None,
        )
        .await?;
    }
    Ok(ended)
}

async fn end_request(
    tx: &mut PgConnection,
    follower: &Account,
    target: &Account,
) -> AppResult<bool> {
    let ended = db::follows::delete_request(&mut *tx, follower.id, target.id).await?;
    if ended {
        db::notifications::delete_matching(
            &mut *tx,
            target.id,
            follower.id,
            Kind::FollowRequest.as_str(),
            None,
        )
        .await?;
    }
    Ok(ended)
}

/// A local person blocks `target`: the block and its severed follows, and for an
/// account elsewhere a Block delivered to it (its server then drops the follows too).
pub async fn block_by_local(
    state: &AppState,
    actor: &Account,
    target: &Account,
) -> AppResult<bool> {
    let block_id = outbox::activity_id(actor, "blocks");
    let mut tx = state.db.begin().await?;
    let change = block_in(&mut tx, actor, target, Some(&block_id)).await?;
    if change.blocked && !target.is_local() {
        outbox::blocked(&mut tx, actor, target, &block_id).await?;
    }
    tx.commit().await?;
    Ok(change.changed())
}

/// A local person lifts a block; an account elsewhere gets the Undo of the Block.
pub async fn unblock_by_local(
    state: &AppState,
    actor: &Account,
    target: &Account,
) -> AppResult<bool> {
    let mut tx = state.db.begin().await?;
    let Some(block_id) = db::blocks::uri_of(&mut *tx, actor.id, target.id).await? else {
        return Ok(false);
    };
    let removed = unblock_in(&mut tx, actor, target).await?;
    if removed && !target.is_local() {
        let block_id = block_id.unwrap_or_else(|| outbox::activity_id(actor, "blocks"));
        outbox::unblocked(&mut tx, actor, target, &block_id).await?;
    }
    tx.commit().await?;
    Ok(removed)
}
