//! Boosts from other servers (Announce): stored as a reblog status of the remote
//! booster, so they reach the home timelines of the booster's local followers.

use crate::activitypub::parse::visibility;
use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Counter, NewStatus, Status, Visibility};
use crate::error::{AppError, AppResult};
use crate::id::StatusId;
use crate::service::notifications::{self, Kind};
use crate::service::remote_statuses;
use crate::state::AppState;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What an Announce says.
#[derive(Debug, Clone, Default)]
pub struct Announce<'a> {
    /// The Announce's id: the boost's URI here.
    pub uri: &'a str,
    /// The boosted post.
    pub object: &'a str,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub published: Option<&'a str>,
}

/// Stores a boost by `actor`. The boosted post is looked up, or fetched from its origin
/// (an embedded copy is never trusted); only public and unlisted posts (and one's own
/// followers-only posts) may be boosted, and only by someone who may see them. Returns
/// whether a boost was stored (false when it was known already).
pub async fn announced(state: &AppState, actor: &Account, a: &Announce<'_>) -> AppResult<bool> {
    if !actor.is_on_host(a.uri) {
        return Err(AppError::invalid(
            "The boost's id is not on the actor's host",
        ));
    }
    if let Some(existing) = db::statuses::find_by_uri(&state.db, a.uri).await? {
        return match existing.reblog_of_id {
            Some(_) if existing.account_id == actor.id => Ok(false),
            _ => Err(AppError::forbidden()),
        };
    }
    if db::statuses::is_tombstoned(&state.db, a.uri).await? {
        return Ok(false);
    }
    let original = boosted_post(state, a.object).await?;
    let author = db::accounts::find(&state.db, original.account_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if author.suspended_at.is_some() {
        return Err(AppError::invalid("The boosted post's author is suspended"));
    }
    let own = original.account_id == actor.id;
    let boostable = original.visibility().is_boostable()
        || (own && original.visibility() == Visibility::Private);
    if !boostable {
        return Err(AppError::invalid("This post cannot be boosted"));
    }
    if db::statuses::find_visible(&state.db, original.id, Some(actor.id))
        .await?
        .is_none()
    {
        return Err(AppError::not_found());
    }
    if db::statuses::find_reblog(&state.db, actor.id, original.id)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    // A boost is never shown more widely than the post it boosts.
    let vis = visibility(&a.to, &a.cc, actor.followers_url.as_deref()).max(original.visibility());
    let created_at = boost_time(a.published, original.created_at, OffsetDateTime::now_utc());
    let mut tx = state.db.begin().await?;
    let mut stored = false;
    for _ in 0..10 {
        let status = NewStatus {
            id: StatusId(crate::id::id_at(created_at)),
            uri: a.uri,
            url: None,
            account_id: actor.id,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            in_reply_to_uri: None,
            reblog_of_id: Some(original.id),
            text: "",
            content: "",
            spoiler_text: "",
            sensitive: false,
            visibility: vis,
            language: None,
            local: false,
            application_id: None,
        };
        if db::statuses::insert_remote(&mut *tx, &status, created_at)
            .await?
            .is_some()
        {
            stored = true;
            break;
        }
        // Taken by a concurrent delivery of the same boost, undone before it arrived, or
        // only the id collided.
        if db::statuses::find_by_uri(&mut *tx, a.uri).await?.is_some()
            || db::statuses::is_tombstoned(&mut *tx, a.uri).await?
            || db::statuses::find_reblog(&mut *tx, actor.id, original.id)
                .await?
                .is_some()
        {
            return Ok(false);
        }
    }
    if !stored {
        return Err(AppError::internal("no free id for a remote boost"));
    }
    db::statuses::add_to_counter(&mut *tx, original.id, Counter::Reblogs, 1).await?;
    notifications::notify(&mut tx, &author, actor.id, Kind::Reblog, Some(original.id)).await?;
    tx.commit().await?;
    Ok(true)
}

/// Undo of a boost by the booster: found by the Announce's id, else by the boosted post.
/// Someone else's boost is refused. An Undo that arrives before its Announce leaves a
/// tombstone, so the late Announce is not stored. Returns whether a boost went.
pub async fn unannounced(
    state: &AppState,
    actor: &Account,
    uri: Option<&str>,
    object: Option<&str>,
) -> AppResult<bool> {
    let by_uri = match uri {
        Some(u) => db::statuses::find_by_uri(&state.db, u).await?,
        None => None,
    };
    let reblog = match (by_uri, object) {
        (Some(s), _) => Some(s),
        (None, Some(o)) => match db::statuses::find_by_uri(&state.db, o).await? {
            Some(original) => db::statuses::find_reblog(&state.db, actor.id, original.id).await?,
            None => None,
        },
        (None, None) => None,
    };
    let Some(reblog) = reblog else {
        if let Some(u) = uri.filter(|u| actor.is_on_host(u)) {
            db::statuses::insert_tombstone(&state.db, u, actor.id).await?;
        }
        return Ok(false);
    };
    if reblog.account_id != actor.id {
        return Err(AppError::forbidden());
    }
    let Some(original_id) = reblog.reblog_of_id else {
        return Err(AppError::invalid("That is not a boost"));
    };
    let mut tx = state.db.begin().await?;
    db::statuses::delete_with_tombstone(&mut tx, &reblog).await?;
    db::statuses::add_to_counter(&mut *tx, original_id, Counter::Reblogs, -1).await?;
    if let Some(original) = db::statuses::find(&mut *tx, original_id).await? {
        db::notifications::delete_matching(
            &mut *tx,
            original.account_id,
            actor.id,
            Kind::Reblog.as_str(),
            Some(original.id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The post a boost is of: ours or known, else fetched; a boost of a boost stands for
/// the boost's original.
async fn boosted_post(state: &AppState, uri: &str) -> AppResult<Status> {
    let status = match db::statuses::find_by_uri(&state.db, uri).await? {
        Some(s) => s,
        None if state.urls.is_local(uri) => return Err(AppError::not_found()),
        None => remote_statuses::fetch_and_store(state, uri).await?,
    };
    match status.reblog_of_id {
        Some(original) => db::statuses::find(&state.db, original)
            .await?
            .ok_or_else(AppError::not_found),
        None => Ok(status),
    }
}

/// When a boost happened: its `published`, unless missing, unreadable, in the future or
/// before the boosted post was written; then now.
pub fn boost_time(
    published: Option<&str>,
    original_created: OffsetDateTime,
    now: OffsetDateTime,
) -> OffsetDateTime {
    published
        .and_then(|p| OffsetDateTime::parse(p, &Rfc3339).ok())
        .filter(|t| *t <= now + time::Duration::minutes(5) && *t >= original_created)
        .map(|t| t.min(now))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn boost_times_must_be_sane() {
        let now = datetime!(2026-11-26 12:00 UTC);
        let original = datetime!(2026-11-20 12:00 UTC);
        let at = |p: Option<&str>| boost_time(p, original, now);
        assert_eq!(
            at(Some("2026-11-22T12:00:00.000Z")),
            datetime!(2026-11-22 12:00 UTC)
        );
        assert_eq!(at(None), now);
        assert_eq!(at(Some("yesterday")), now);
        assert_eq!(at(Some("2030-01-01T00:00:00Z")), now, "future");
        assert_eq!(at(Some("2026-11-26T12:03:00Z")), now, "slight skew clamps");
        assert_eq!(at(Some("2020-01-01T00:00:00Z")), now, "before the post");
    }
}
