//! Reject of a Follow one of our accounts sent: the request is withdrawn, or the follow
//! ended when it had been accepted ("removed as follower").

use crate::activitypub::inbox::accept::follow_ref;
use crate::activitypub::parse::Envelope;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::follow_requests;
use crate::state::AppState;

/// Only the account that was asked can reject (S11).
pub async fn reject(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let object = envelope
        .object
        .as_ref()
        .ok_or_else(|| AppError::invalid("Reject needs an object"))?;
    let Some(follow) = follow_ref(object) else {
        return Err(AppError::invalid("Only Reject of a Follow is handled"));
    };
    follow_requests::rejected(state, actor, &follow)
        .await
        .map(|_| ())
}
