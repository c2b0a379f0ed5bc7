//! Update: an edit of a post, or a changed profile.

use crate::activitypub::fetch;
use crate::activitypub::parse::{Envelope, RemoteNote};
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::{remote_accounts, remote_edits};
use crate::state::AppState;
use serde_json::Value;

const POST_TYPES: &[&str] = &["Note", "Question", "Article", "Page"];
const ACTOR_TYPES: &[&str] = &["Person", "Service", "Group", "Application", "Organization"];

pub async fn update(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let id = envelope
        .object_id()
        .ok_or_else(|| AppError::invalid("Update needs an object"))?;
    let kind = envelope.object_kind();
    if id == actor.uri {
        if kind.is_some_and(|k| !ACTOR_TYPES.contains(&k)) {
            return Err(AppError::invalid("That is not an actor"));
        }
        // The profile is refetched from its origin, not taken from the activity.
        return remote_accounts::refresh(state, actor).await.map(|_| ());
    }
    if kind.is_some_and(|k| ACTOR_TYPES.contains(&k)) {
        return Err(AppError::forbidden());
    }
    let note = match envelope.object.as_ref() {
        Some(object @ Value::Object(_)) if kind.is_some_and(|k| POST_TYPES.contains(&k)) => {
            read_note(object.clone())?
        }
        Some(Value::Object(_)) => {
            return Err(AppError::invalid("Only posts and profiles are updated"));
        }
        // Newer Mastodon sends some Updates by reference: read the post from its origin,
        // which must be the actor's own server.
        _ if actor.is_on_host(id) => read_note(fetch::fetch_object(state, id).await?.0)?,
        _ => return Err(AppError::forbidden()),
    };
    remote_edits::edited(state, actor, &note).await.map(|_| ())
}

fn read_note(doc: Value) -> AppResult<RemoteNote> {
    let note: RemoteNote =
        serde_json::from_value(doc).map_err(|_| AppError::invalid("That is not a post"))?;
    if !note.kind.iter().any(|k| POST_TYPES.contains(&k.as_str())) {
        return Err(AppError::invalid("Only posts and profiles are updated"));
    }
    Ok(note)
}
