//! Follow and Undo(Follow) from remote accounts.

use crate::activitypub::parse::{Envelope, reference_id};
use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::follows;
use crate::state::AppState;
use serde_json::{Map, Value};

/// A remote account follows (or asks to follow) one of ours.
pub async fn follow(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let activity_id = envelope
        .id
        .as_deref()
        .ok_or_else(|| AppError::invalid("A Follow needs an id"))?;
    let target = local_target(state, envelope.object_id()).await?;
    follows::accept_remote_follow(state, actor, &target, activity_id).await
}

/// Undo of the embedded Follow: only the follower who sent it may undo it.
pub async fn undo(state: &AppState, actor: &Account, inner: &Map<String, Value>) -> AppResult<()> {
    let inner_actor = inner.get("actor").and_then(reference_id);
    if inner_actor.is_some_and(|a| a != actor.uri) {
        return Err(AppError::forbidden());
    }
    let target = local_target(state, inner.get("object").and_then(reference_id)).await?;
    follows::unfollow(state, actor, &target).await.map(|_| ())
}

async fn local_target(state: &AppState, uri: Option<&str>) -> AppResult<Account> {
    let uri = uri.ok_or_else(|| AppError::invalid("No object"))?;
    db::accounts::find_by_uri(&state.db, uri)
        .await?
        .filter(|a| a.is_local() && a.is_addressable())
        .ok_or_else(AppError::not_found)
}
