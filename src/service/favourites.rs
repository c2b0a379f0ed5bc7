//! Favouriting statuses.

use crate::activitypub::outbox;
use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Counter, Status};
use crate::error::AppResult;
use crate::id::StatusId;
use crate::service::notifications::{self, Kind};
use crate::service::statuses::boost_target;
use crate::state::AppState;

/// Favourites a status the actor can see. Idempotent.
pub async fn favourite(state: &AppState, actor: &Account, id: StatusId) -> AppResult<Status> {
    let status = boost_target(state, actor, id).await?;
    let like_id = outbox::activity_id(actor, "likes");
    let mut tx = state.db.begin().await?;
    if db::favourites::insert_with_uri(&mut *tx, actor.id, status.id, Some(&like_id)).await? {
        db::statuses::add_to_counter(&mut *tx, status.id, Counter::Favourites, 1).await?;
        if status.account_id != actor.id
            && let Some(author) = db::accounts::find(&mut *tx, status.account_id).await?
        {
            notifications::notify(&mut tx, &author, actor.id, Kind::Favourite, Some(status.id))
                .await?;
            outbox::liked(&mut tx, actor, &status, &author, &like_id).await?;
        }
    }
    tx.commit().await?;
    Ok(status)
}

/// Withdraws a favourite and its notification. Idempotent.
pub async fn unfavourite(state: &AppState, actor: &Account, id: StatusId) -> AppResult<Status> {
    let status = boost_target(state, actor, id).await?;
    let mut tx = state.db.begin().await?;
    if let Some(like_id) =
        db::favourites::delete_returning_uri(&mut *tx, actor.id, status.id).await?
    {
        db::statuses::add_to_counter(&mut *tx, status.id, Counter::Favourites, -1).await?;
        if status.account_id != actor.id
            && let Some(author) = db::accounts::find(&mut *tx, status.account_id).await?
        {
            // A favourite from before federation has no Like id; Mastodon names one anyway.
            let like_id = like_id.unwrap_or_else(|| outbox::activity_id(actor, "likes"));
            outbox::unliked(&mut tx, actor, &status, &author, &like_id).await?;
        }
        db::notifications::delete_matching(
            &mut *tx,
            status.account_id,
            actor.id,
            Kind::Favourite.as_str(),
            Some(status.id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(status)
}
