//! Edits of remote posts (Update of a Note, Question, Article or Page) by their author.
//! The history keeps every version, the original first, as Mastodon does.

use crate::activitypub::parse::RemoteNote;
use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Status, Version};
use crate::error::{AppError, AppResult};
use crate::service::remote_statuses::{self, Rendered};
use crate::state::AppState;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Applies an edit sent by `actor`. The post must be theirs (attributed to them, on
/// their host, and ours on record as theirs, S11) and known here; the edit must carry
/// `updated`, newer than what we have. Returns whether the post changed: a stale or
/// repeated edit, or one that changes nothing shown, changes nothing.
pub async fn edited(state: &AppState, actor: &Account, note: &RemoteNote) -> AppResult<bool> {
    if note.author() != Some(actor.uri.as_str()) {
        return Err(AppError::forbidden());
    }
    if !actor.is_on_host(&note.id) {
        return Err(AppError::forbidden());
    }
    let status = db::statuses::find_by_uri(&state.db, &note.id)
        .await?
        .filter(|s| s.reblog_of_id.is_none())
        .ok_or_else(AppError::not_found)?;
    if status.account_id != actor.id {
        return Err(AppError::forbidden());
    }
    // Vote counts of a poll change without the post being edited (no newer `updated`).
    if let Some((multiple, options)) = crate::service::remote_extras::poll_of(note) {
        crate::service::remote_extras::refresh_poll(
            state, status.id, actor, note, multiple, &options,
        )
        .await?;
    }
    let updated = note
        .updated
        .as_deref()
        .and_then(|u| OffsetDateTime::parse(u, &Rfc3339).ok())
        .ok_or_else(|| AppError::invalid("An edit needs a readable `updated` time"))?;
    let now = OffsetDateTime::now_utc();
    // As Mastodon: the first edit applies whenever it was made (times are whole seconds,
    // so an edit in the second of posting equals `published`); later ones must be newer.
    if status
        .edited_at
        .is_some_and(|last| !is_newer(updated, last, now))
    {
        return Ok(false);
    }
    let new = remote_statuses::render(note, &state.urls);
    if !changes_anything(&status, &new) {
        return Ok(false);
    }
    let edited_at = updated.min(now);
    let mut tx = state.db.begin().await?;
    if !db::statuses::has_edits(&mut *tx, status.id).await? {
        let original = Version {
            text: &status.text,
            content: &status.content,
            spoiler_text: &status.spoiler_text,
            sensitive: status.sensitive,
        };
        db::statuses::insert_edit(&mut *tx, &status, &original, status.created_at).await?;
    }
    let version = Version {
        text: &new.text,
        content: &new.content,
        spoiler_text: &new.spoiler_text,
        sensitive: new.sensitive,
    };
    db::statuses::insert_edit(&mut *tx, &status, &version, edited_at).await?;
    let language = note.language().filter(|l| l.len() <= 16);
    db::statuses::apply_edit(&mut *tx, status.id, &version, language, edited_at).await?;
    let mentioned =
        remote_statuses::record_mentions(&mut tx, status.id, actor.id, note, status.visibility())
            .await?;
    db::statuses::delete_mentions_except(&mut *tx, status.id, &mentioned).await?;
    db::tags::detach_all(&mut *tx, status.id).await?;
    remote_statuses::attach_tags(&mut tx, status.id, note).await?;
    crate::service::remote_extras::record(&mut tx, status.id, actor, note, false).await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether an edit made at `updated` is newer than the status as we have it (its last
/// edit, or its creation). Edits claiming to come from the future count as now.
fn is_newer(updated: OffsetDateTime, last_change: OffsetDateTime, now: OffsetDateTime) -> bool {
    updated.min(now) > last_change
}

fn changes_anything(status: &Status, new: &Rendered) -> bool {
    status.content != new.content
        || status.spoiler_text != new.spoiler_text
        || status.sensitive != new.sensitive
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_newer_edits_apply() {
        let last = datetime!(2026-11-26 10:00 UTC);
        let now = datetime!(2026-11-26 12:00 UTC);
        assert!(is_newer(datetime!(2026-11-26 10:00:01 UTC), last, now));
        assert!(!is_newer(last, last, now), "the same edit again");
        assert!(
            !is_newer(datetime!(2026-11-26 09:00 UTC), last, now),
            "stale"
        );
        assert!(is_newer(datetime!(2099-01-01 00:00 UTC), last, now));
        assert!(
            !is_newer(datetime!(2099-01-01 00:00 UTC), now, now),
            "a future date cannot outrank an edit made now"
        );
    }
}
