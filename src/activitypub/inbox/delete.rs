//! Delete: of a post (see `notes`), or of the actor itself.

use crate::activitypub::inbox::notes;
use crate::activitypub::parse::Envelope;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::account_deletion;
use crate::state::AppState;

/// An actor deleting itself is the normal end of an account elsewhere (its actor then
/// answers 410); the signature has shown the sender is that actor.
pub async fn delete(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let uri = envelope
        .object_id()
        .ok_or_else(|| AppError::invalid("Delete needs an object"))?;
    if uri == actor.uri {
        return account_deletion::remote_account_deleted(state, actor).await;
    }
    notes::delete(state, actor, envelope).await
}
