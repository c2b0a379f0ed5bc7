//! Processing a verified activity in the worker: read the type first, then hand it to
//! the matching handler. Unknown types are acknowledged and logged, never an error.

use crate::activitypub::inbox::{
    accept, announce, block, delete, featured, flag, follow, like, moves, notes, reject, undo,
    update,
};
use crate::activitypub::parse::Envelope;
use crate::db;
use crate::delivery::Outcome;
use crate::error::ErrorKind;
use crate::id::AccountId;
use crate::state::AppState;

pub async fn process(state: &AppState, actor: AccountId, body: &str) -> Outcome {
    let Ok(envelope) = serde_json::from_str::<Envelope>(body) else {
        return Outcome::Final("the activity is not JSON".into());
    };
    let actor = match db::accounts::find(&state.db, actor).await {
        Ok(Some(a)) => a,
        Ok(None) => return Outcome::DoneWithNote("the sender is gone".into()),
        Err(e) => {
            return Outcome::Retry {
                error: e.to_string(),
                after: None,
            };
        }
    };
    if actor.suspended_at.is_some() {
        match refused_while_suspended(state, &actor, envelope.kind()).await {
            Ok(false) => {}
            Ok(true) => return Outcome::DoneWithNote("the sender is suspended".into()),
            Err(e) => {
                return Outcome::Retry {
                    error: e.to_string(),
                    after: None,
                };
            }
        }
    }
    let result = match envelope.kind() {
        Some("Follow") => follow::follow(state, &actor, &envelope).await,
        Some("Undo") => undo::undo(state, &actor, &envelope).await,
        Some("Create") => notes::create(state, &actor, &envelope).await,
        Some("Delete") => delete::delete(state, &actor, &envelope).await,
        Some("Accept") => accept::accept(state, &actor, &envelope).await,
        Some("Reject") => reject::reject(state, &actor, &envelope).await,
        Some("Like") => like::like(state, &actor, &envelope).await,
        Some("Announce") => announce::announce(state, &actor, &envelope).await,
        Some("Update") => update::update(state, &actor, &envelope).await,
        Some("Block") => block::block(state, &actor, &envelope).await,
        Some("Flag") => flag::flag(state, &actor, &envelope).await,
        Some("Move") => moves::moved(state, &actor, &envelope).await,
        Some("Add") => featured::add(state, &actor, &envelope).await,
        Some("Remove") => featured::remove(state, &actor, &envelope).await,
        other => {
            tracing::info!(kind = ?other, actor = %actor.uri, "activity type not handled yet; acknowledged");
            return Outcome::DoneWithNote(format!(
                "ignored {}",
                other.unwrap_or("activity without type")
            ));
        }
    };
    match result {
        Ok(()) => Outcome::Done,
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::Validation | ErrorKind::NotFound | ErrorKind::Forbidden
            ) =>
        {
            Outcome::DoneWithNote(e.message().to_string())
        }
        Err(e) => Outcome::Retry {
            error: format!("{e:?}"),
            after: None,
        },
    }
}

/// A suspended account (or one deleted by its owner) gets only the activities that take
/// something back processed — Delete, Undo, Reject — and Update, which keeps its key
/// current; a deleted one not even that (S10, Mastodon's rule).
async fn refused_while_suspended(
    state: &AppState,
    actor: &crate::db::accounts::Account,
    kind: Option<&str>,
) -> sqlx::Result<bool> {
    Ok(match kind {
        Some("Delete" | "Undo" | "Reject") => false,
        Some("Update") => db::accounts::is_deleted(&state.db, actor.id).await?,
        _ => true,
    })
}
