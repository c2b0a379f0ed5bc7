//! Notification requests: the mentions a recipient's policy filtered, one request per
//! sender. Accepting one moves its notifications into the list and lets the sender's
//! future notifications through; dismissing one deletes them.

use std::collections::HashMap;

use crate::db;
use crate::db::accounts::Account;
use crate::db::notification_requests::NotificationRequest;
use crate::db::statuses::Page;
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, NotificationRequestId, StatusId};
use crate::service::timelines::{self, StatusDetail};
use crate::state::AppState;

pub struct RequestDetail {
    pub request: NotificationRequest,
    pub from: Account,
    /// The newest filtered mention's post, if the viewer can still see it.
    pub last_status: Option<StatusDetail>,
}

/// A page of the viewer's requests, newest first.
pub async fn page(
    state: &AppState,
    viewer: &Account,
    page: &Page,
) -> AppResult<Vec<RequestDetail>> {
    let rows = db::notification_requests::page(&state.db, viewer.id, page).await?;
    hydrate(state, viewer, rows).await
}

/// One of the viewer's requests.
pub async fn one(
    state: &AppState,
    viewer: &Account,
    id: NotificationRequestId,
) -> AppResult<RequestDetail> {
    let rows = db::notification_requests::find_many(&state.db, viewer.id, &[id]).await?;
    hydrate(state, viewer, rows)
        .await?
        .into_iter()
        .next()
        .ok_or_else(AppError::not_found)
}

async fn hydrate(
    state: &AppState,
    viewer: &Account,
    rows: Vec<NotificationRequest>,
) -> AppResult<Vec<RequestDetail>> {
    let senders: Vec<AccountId> = rows.iter().map(|r| r.from_account_id).collect();
    let accounts: HashMap<AccountId, Account> = db::accounts::find_many(&state.db, &senders)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let status_ids: Vec<StatusId> = rows.iter().filter_map(|r| r.last_status_id).collect();
    let statuses: HashMap<StatusId, StatusDetail> =
        timelines::details(state, &status_ids, Some(viewer.id))
            .await?
            .into_iter()
            .map(|d| (d.status.id, d))
            .collect();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let from = accounts.get(&r.from_account_id)?.clone();
            let last_status = r.last_status_id.and_then(|id| statuses.get(&id).cloned());
            Some(RequestDetail {
                request: r,
                from,
                last_status,
            })
        })
        .collect())
}

/// What to do with requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Move the sender's filtered notifications into the list and let theirs through
    /// from now on.
    Accept,
    /// Delete the sender's filtered notifications.
    Dismiss,
}

/// Accepts or dismisses those of `ids` that are the viewer's requests (others are
/// ignored); how many there were. The notifications move in the same transaction, so
/// they are merged as soon as this returns.
pub async fn decide(
    state: &AppState,
    viewer: &Account,
    ids: &[NotificationRequestId],
    decision: Decision,
) -> AppResult<usize> {
    let mut tx = state.db.begin().await?;
    let requests = db::notification_requests::find_many(&mut *tx, viewer.id, ids).await?;
    for r in &requests {
        match decision {
            Decision::Accept => {
                db::notification_requests::permit(&mut *tx, viewer.id, r.from_account_id).await?;
                db::notification_requests::unfilter(&mut *tx, viewer.id, r.from_account_id).await?;
            }
            Decision::Dismiss => {
                db::notification_requests::delete_filtered(&mut *tx, viewer.id, r.from_account_id)
                    .await?;
            }
        }
        db::notification_requests::delete(&mut *tx, r.id).await?;
    }
    tx.commit().await?;
    Ok(requests.len())
}

/// Accepts or dismisses one of the viewer's requests; 404 when it is not theirs.
pub async fn decide_one(
    state: &AppState,
    viewer: &Account,
    id: NotificationRequestId,
    decision: Decision,
) -> AppResult<()> {
    match decide(state, viewer, &[id], decision).await? {
        0 => Err(AppError::not_found()),
        _ => Ok(()),
    }
}

/// Whether the notifications of every request the viewer accepted are in their list.
pub async fn all_merged(state: &AppState, viewer: &Account) -> AppResult<bool> {
    Ok(!db::notification_requests::any_unmerged(&state.db, viewer.id).await?)
}
