//! Create and Delete of posts by remote accounts.

use crate::activitypub::parse::Envelope;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::remote_statuses;
use crate::state::AppState;
use serde_json::Value;

/// Create: the post must come embedded (Mastodon refuses a bare IRI) and be the actor's.
pub async fn create(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let Some(object @ Value::Object(_)) = envelope.object.as_ref() else {
        return Err(AppError::invalid("Create needs the embedded object"));
    };
    remote_statuses::store_from_activity(state, object, actor)
        .await
        .map(|_| ())
}

/// Delete of a post (IRI or Tombstone) by its author (deletion of the actor itself goes
/// to `delete`).
pub async fn delete(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let uri = envelope
        .object_id()
        .ok_or_else(|| AppError::invalid("Delete needs an object"))?;
    remote_statuses::delete_by_author(state, uri, actor).await
}
