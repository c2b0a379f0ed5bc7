//! Add and Remove on an actor's featured collection: pinning and unpinning posts.

use crate::activitypub::parse::Envelope;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::service::pins;
use crate::state::AppState;

pub async fn add(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let (collection, object) = collection_and_object(envelope)?;
    pins::featured_added(state, actor, collection, object)
        .await
        .map(|_| ())
}

pub async fn remove(state: &AppState, actor: &Account, envelope: &Envelope) -> AppResult<()> {
    let (collection, object) = collection_and_object(envelope)?;
    pins::featured_removed(state, actor, collection, object)
        .await
        .map(|_| ())
}

/// The collection (`target`) and the post (`object`). Featured hashtags (Add of a
/// `Hashtag` to `featuredTags`) are not kept.
fn collection_and_object(envelope: &Envelope) -> AppResult<(&str, &str)> {
    if envelope.object_kind() == Some("Hashtag") {
        return Err(AppError::invalid("Featured hashtags are not kept"));
    }
    let collection = envelope
        .target_id()
        .ok_or_else(|| AppError::invalid("Add and Remove need a target"))?;
    let object = envelope
        .object_id()
        .ok_or_else(|| AppError::invalid("Add and Remove need an object"))?;
    Ok((collection, object))
}
