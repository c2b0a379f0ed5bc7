//! Flag: a report about one of our accounts (and some of its posts) for our moderators.

use crate::activitypub::parse::Envelope;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::reports;
use crate::state::AppState;

pub async fn flag(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let uri = envelope
        .id
        .as_deref()
        .ok_or_else(|| AppError::invalid("A Flag needs an id"))?;
    let objects = envelope.object_ids(reports::OBJECTS_MAX);
    let comment = envelope.content.as_deref().unwrap_or("");
    reports::flagged(state, actor, uri, &objects, comment)
        .await
        .map(|_| ())
}
