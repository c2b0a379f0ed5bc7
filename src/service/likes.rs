//! Likes from other servers: favourites of our statuses by remote accounts, recorded
//! with the Like's id so an Undo can name it.

use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Counter, Status};
use crate::error::{AppError, AppResult};
use crate::service::notifications::{self, Kind};
use crate::state::AppState;

/// A Like of the local status at `status_uri`. Only statuses the actor may see count (a
/// followers-only post only for followers, a direct one only for those mentioned, none
/// of an author who blocked the actor); anything else is "not found". Returns whether
/// a favourite was recorded (false when it existed already).
pub async fn liked(
    state: &AppState,
    actor: &Account,
    status_uri: &str,
    like_uri: &str,
) -> AppResult<bool> {
    let status = local_status(state, status_uri).await?;
    db::statuses::find_visible(&state.db, status.id, Some(actor.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut tx = state.db.begin().await?;
    let inserted =
        db::favourites::insert_with_uri(&mut *tx, actor.id, status.id, Some(like_uri)).await?;
    if inserted {
        db::statuses::add_to_counter(&mut *tx, status.id, Counter::Favourites, 1).await?;
        if let Some(author) = db::accounts::find(&mut *tx, status.account_id).await? {
            notifications::notify(&mut tx, &author, actor.id, Kind::Favourite, Some(status.id))
                .await?;
        }
    }
    tx.commit().await?;
    Ok(inserted)
}

/// Undo of a Like by the actor who sent it: found by the Like's id, else by the status
/// it liked. Only the actor's own favourite can go. Returns whether one went.
pub async fn unliked(
    state: &AppState,
    actor: &Account,
    like_uri: Option<&str>,
    status_uri: Option<&str>,
) -> AppResult<bool> {
    let by_id = match like_uri {
        Some(uri) => db::favourites::status_by_uri(&state.db, actor.id, uri).await?,
        None => None,
    };
    let status_id = match (by_id, status_uri) {
        (Some(id), _) => id,
        (None, Some(uri)) => match db::statuses::find_by_uri(&state.db, uri).await? {
            Some(s) => s.id,
            None => return Ok(false),
        },
        (None, None) => return Ok(false),
    };
    let Some(status) = db::statuses::find(&state.db, status_id).await? else {
        return Ok(false);
    };
    let mut tx = state.db.begin().await?;
    let removed = db::favourites::delete(&mut *tx, actor.id, status.id).await?;
    if removed {
        db::statuses::add_to_counter(&mut *tx, status.id, Counter::Favourites, -1).await?;
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
    Ok(removed)
}

/// The local status at `uri`; a boost stands for the status it boosts.
async fn local_status(state: &AppState, uri: &str) -> AppResult<Status> {
    let status = db::statuses::find_by_uri(&state.db, uri)
        .await?
        .filter(|s| s.local)
        .ok_or_else(AppError::not_found)?;
    match status.reblog_of_id {
        Some(original) => db::statuses::find(&state.db, original)
            .await?
            .ok_or_else(AppError::not_found),
        None => Ok(status),
    }
}
