//! Block of one of our accounts by a remote actor, and its Undo. The blocker is hidden
//! from the blocked person and follows between them end.

use crate::activitypub::parse::{Envelope, reference_id};
use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::blocks;
use crate::state::AppState;
use serde_json::{Map, Value};

pub async fn block(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let target = local_account(state, envelope.object_id()).await?;
    blocks::block(state, actor, &target, envelope.id.as_deref())
        .await
        .map(|_| ())
}

/// Undo of the embedded Block (its actor checked by the caller): by the Block's id, else
/// by whom it blocked.
pub async fn undo(state: &AppState, actor: &Account, inner: &Map<String, Value>) -> AppResult<()> {
    let by_id = match inner.get("id").and_then(Value::as_str) {
        Some(id) => db::blocks::target_by_uri(&state.db, actor.id, id).await?,
        None => None,
    };
    let target = match by_id {
        Some(id) => db::accounts::find(&state.db, id)
            .await?
            .ok_or_else(AppError::not_found)?,
        None => local_account(state, inner.get("object").and_then(reference_id)).await?,
    };
    blocks::unblock(state, actor, &target).await.map(|_| ())
}

async fn local_account(state: &AppState, uri: Option<&str>) -> AppResult<Account> {
    let uri = uri.ok_or_else(|| AppError::invalid("A Block needs an object"))?;
    db::accounts::find_by_uri(&state.db, uri)
        .await?
        .filter(Account::is_local)
        .ok_or_else(AppError::not_found)
}
