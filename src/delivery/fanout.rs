//! Fan-out: one delivery job per distinct inbox of an activity's audience. Followers on
//! one server share its shared inbox, so a post to 10,000 followers on 300 servers is
//! 300 deliveries.

use crate::db;
use crate::delivery::queue::{Job, enqueue};
use crate::error::AppResult;
use crate::id::AccountId;
use crate::state::AppState;

/// Jobs inserted per statement, so a huge audience does not build one giant query.
const BATCH: usize = 500;

/// Enqueues deliveries of `body` (signed as `sender` at send time) to the remote
/// followers of `sender` (when `followers`) and to the remote `accounts`; returns how
/// many inboxes it reaches. All or nothing: one transaction.
pub async fn expand(
    state: &AppState,
    sender: AccountId,
    body: &str,
    followers: bool,
    accounts: &[AccountId],
) -> AppResult<usize> {
    let mut tx = state.db.begin().await?;
    let inboxes = db::audiences::inboxes(&mut *tx, sender, followers, accounts).await?;
    let reached = inboxes.len();
    let jobs: Vec<Job> = inboxes
        .into_iter()
        .map(|inbox| Job::Deliver {
            inbox,
            body: body.to_string(),
            sender: Some(sender),
        })
        .collect();
    for chunk in jobs.chunks(BATCH) {
        enqueue(&mut tx, chunk).await?;
    }
    tx.commit().await?;
    Ok(reached)
}
