//! Processing a verified activity in the worker: read the type first, then hand it to
//! the matching handler. Unknown types are acknowledged and logged, never an error.

use crate::activitypub::inbox::{follow, notes};
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
    let result = match envelope.kind() {
        Some("Follow") => follow::follow(state, &actor, &envelope).await,
        Some("Undo") => follow::undo(state, &actor, &envelope).await,
        Some("Create") => notes::create(state, &actor, &envelope).await,
        Some("Delete") => notes::delete(state, &actor, &envelope).await,
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
