//! Undo: read the undone activity's type, check it was the actor's own, hand it to the
//! handler of that type. An Undo naming its activity by IRI alone is matched against
//! what the actor has done here, as Mastodon does.

use crate::activitypub::inbox::{announce, block, follow, like};
use crate::activitypub::parse::{Envelope, reference_id};
use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::{announces, blocks, follows, likes};
use crate::state::AppState;
use serde_json::Value;

pub async fn undo(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let Some(inner) = envelope.embedded_object() else {
        let uri = envelope
            .object_id()
            .ok_or_else(|| AppError::invalid("Undo needs an object"))?;
        return by_reference(state, actor, uri).await;
    };
    // Only the actor of an activity may undo it (S11).
    if let Some(inner_actor) = inner.get("actor")
        && reference_id(inner_actor) != Some(actor.uri.as_str())
    {
        return Err(AppError::forbidden());
    }
    match envelope.object_kind() {
        Some("Follow") => follow::undo(state, actor, inner).await,
        Some("Like") => like::undo(state, actor, inner).await,
        Some("Announce") => announce::undo(state, actor, inner).await,
        Some("Block") => block::undo(state, actor, inner).await,
        None => match inner.get("id").and_then(Value::as_str) {
            Some(uri) => by_reference(state, actor, uri).await,
            None => Err(AppError::invalid("Undo needs an object")),
        },
        Some(_) => Err(AppError::invalid("Undo of this type is not handled")),
    }
}

/// The actor's own favourite, follow, block or boost with this activity id, whichever
/// it is; nothing of someone else's can match.
async fn by_reference(state: &AppState, actor: &Account, uri: &str) -> AppResult<()> {
    if likes::unliked(state, actor, Some(uri), None).await? {
        return Ok(());
    }
    let followed = match db::follows::follow_by_uri(&state.db, uri).await? {
        Some(pair) => Some(pair),
        None => db::follows::request_by_uri(&state.db, uri).await?,
    };
    if let Some((_, target)) = followed.filter(|(follower, _)| *follower == actor.id)
        && let Some(target) = db::accounts::find(&state.db, target).await?
    {
        return follows::unfollow(state, actor, &target).await.map(|_| ());
    }
    if let Some(target) = db::blocks::target_by_uri(&state.db, actor.id, uri).await?
        && let Some(target) = db::accounts::find(&state.db, target).await?
    {
        return blocks::unblock(state, actor, &target).await.map(|_| ());
    }
    announces::unannounced(state, actor, Some(uri), None)
        .await
        .map(|_| ())
}
