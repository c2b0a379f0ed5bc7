//! Reports for our moderators: filed by local people (later) or received from other
//! servers (Flag). Only local accounts and statuses can be reported here.

use crate::db;
use crate::db::accounts::Account;
use crate::db::reports::NewReport;
use crate::error::{AppError, AppResult};
use crate::id::{ReportId, StatusId};
use crate::state::AppState;

/// Mastodon truncates report comments at 5000 characters.
pub const COMMENT_MAX: usize = 5000;
/// How many objects of one Flag are looked at, and statuses kept per report.
pub const OBJECTS_MAX: usize = 100;

/// A Flag from `reporter`, with id `uri`, naming `objects` (account and status IRIs).
/// The reported account is the first local account named, else the author of the first
/// local status; the statuses kept are that account's. Returns whether a report was
/// filed (false for a repeated Flag).
pub async fn flagged(
    state: &AppState,
    reporter: &Account,
    uri: &str,
    objects: &[&str],
    comment: &str,
) -> AppResult<bool> {
    let mut target: Option<Account> = None;
    let mut statuses: Vec<(StatusId, crate::id::AccountId)> = Vec::new();
    for iri in objects.iter().take(OBJECTS_MAX) {
        if !state.urls.is_local(iri) {
            continue;
        }
        if let Some(status) = db::statuses::find_by_uri(&state.db, iri).await? {
            if status.local && !statuses.iter().any(|(s, _)| *s == status.id) {
                statuses.push((status.id, status.account_id));
            }
        } else if target.is_none()
            && let Some(account) = db::accounts::find_by_uri(&state.db, iri).await?
        {
            target = Some(account).filter(Account::is_local);
        }
    }
    let target = match target {
        Some(t) => t,
        None => {
            let (_, author) = statuses
                .first()
                .ok_or_else(|| AppError::invalid("The report names nobody here"))?;
            db::accounts::find(&state.db, *author)
                .await?
                .ok_or_else(AppError::not_found)?
        }
    };
    let status_ids: Vec<StatusId> = statuses
        .iter()
        .filter(|(_, author)| *author == target.id)
        .map(|(s, _)| *s)
        .collect();
    let comment = clean_comment(comment);
    let filed = file(
        state,
        reporter,
        &target,
        &status_ids,
        &comment,
        Some(uri),
        false,
    )
    .await?;
    Ok(filed.is_some())
}

/// Files a report; `None` when one with the same activity id exists already.
pub async fn file(
    state: &AppState,
    reporter: &Account,
    target: &Account,
    status_ids: &[StatusId],
    comment: &str,
    uri: Option<&str>,
    forwarded: bool,
) -> AppResult<Option<ReportId>> {
    let comment = clean_comment(comment);
    Ok(db::reports::insert(
        &state.db,
        &NewReport {
            reporter: reporter.id,
            target: target.id,
            status_ids,
            comment: &comment,
            uri,
            forwarded,
        },
    )
    .await?)
}

/// A comment as stored: no control characters but line breaks and tabs, at most
/// [`COMMENT_MAX`] characters.
pub fn clean_comment(comment: &str) -> String {
    comment
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .take(COMMENT_MAX)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_bounded_and_clean() {
        assert_eq!(clean_comment("spam\u{0}\u{7}\nmore\tx"), "spam\nmore\tx");
        assert_eq!(
            clean_comment(&"é".repeat(6000)).chars().count(),
            COMMENT_MAX
        );
        assert_eq!(clean_comment(""), "");
    }
}
