//! Move: an account announces it moved to another (`target`), which must list it among
//! its `alsoKnownAs`. Followers are not carried over yet.

use crate::activitypub::parse::Envelope;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::remote_accounts;
use crate::state::AppState;

/// Only the account itself can say it moved (`object` is the actor).
pub async fn moved(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    if envelope.object_id() != Some(actor.uri.as_str()) {
        return Err(AppError::forbidden());
    }
    let target = envelope
        .target_id()
        .ok_or_else(|| AppError::invalid("A Move needs a target"))?;
    remote_accounts::record_move(state, actor, target)
        .await
        .map(|_| ())
}
