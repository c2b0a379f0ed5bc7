//! Announce (a boost), and its Undo.

use crate::activitypub::parse::{Envelope, reference_id};
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::announces::{self, Announce};
use crate::state::AppState;
use serde_json::{Map, Value};

const POST_TYPES: &[&str] = &["Note", "Question", "Article", "Page"];

/// A boost of a post. Group relays announcing whole activities (Lemmy's Announce of a
/// Create or Like) are acknowledged, not shown.
pub async fn announce(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let uri = envelope
        .id
        .as_deref()
        .ok_or_else(|| AppError::invalid("An Announce needs an id"))?;
    if envelope
        .object_kind()
        .is_some_and(|k| !POST_TYPES.contains(&k))
    {
        return Err(AppError::invalid("Only boosts of posts are shown"));
    }
    let object = envelope
        .object_id()
        .ok_or_else(|| AppError::invalid("An Announce needs an object"))?;
    let announce = Announce {
        uri,
        object,
        to: envelope.to.clone().into_vec(),
        cc: envelope.cc.clone().into_vec(),
        published: envelope.published.as_deref(),
    };
    announces::announced(state, actor, &announce)
        .await
        .map(|_| ())
}

/// Undo of the embedded Announce (its actor checked by the caller).
pub async fn undo(state: &AppState, actor: &Account, inner: &Map<String, Value>) -> AppResult<()> {
    let id = inner.get("id").and_then(Value::as_str);
    let object = inner.get("object").and_then(reference_id);
    announces::unannounced(state, actor, id, object)
        .await
        .map(|_| ())
}
