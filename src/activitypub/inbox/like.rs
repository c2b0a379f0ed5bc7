//! Like (a favourite) of one of our statuses, and its Undo.

use crate::activitypub::parse::{Envelope, reference_id};
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::likes;
use crate::state::AppState;
use serde_json::{Map, Value};

/// Any Like is a favourite (a Misskey reaction's `content` is ignored, as Mastodon does).
pub async fn like(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let like_id = envelope
        .id
        .as_deref()
        .ok_or_else(|| AppError::invalid("A Like needs an id"))?;
    let status = envelope
        .object_id()
        .ok_or_else(|| AppError::invalid("A Like needs an object"))?;
    likes::liked(state, actor, status, like_id)
        .await
        .map(|_| ())
}

/// Undo of the embedded Like (its actor checked by the caller).
pub async fn undo(state: &AppState, actor: &Account, inner: &Map<String, Value>) -> AppResult<()> {
    let id = inner.get("id").and_then(Value::as_str);
    let status = inner.get("object").and_then(reference_id);
    likes::unliked(state, actor, id, status).await.map(|_| ())
}
