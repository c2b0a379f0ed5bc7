//! Reports for moderators.

use super::Executor;
use crate::id::{AccountId, ReportId, StatusId};
use time::OffsetDateTime;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Report {
    pub id: ReportId,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub status_ids: Vec<i64>,
    pub comment: String,
    pub uri: Option<String>,
    pub forwarded: bool,
    pub action_taken_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

impl Report {
    pub fn statuses(&self) -> Vec<StatusId> {
        self.status_ids.iter().copied().map(StatusId).collect()
    }
}

pub struct NewReport<'a> {
    pub reporter: AccountId,
    pub target: AccountId,
    pub status_ids: &'a [StatusId],
    pub comment: &'a str,
    pub uri: Option<&'a str>,
    pub forwarded: bool,
}

/// Files a report; `None` when one with the same activity id exists (a repeated Flag).
pub async fn insert(db: impl Executor<'_>, r: &NewReport<'_>) -> sqlx::Result<Option<ReportId>> {
    let statuses: Vec<i64> = r.status_ids.iter().map(|s| s.0).collect();
    sqlx::query_scalar(
        "INSERT INTO reports (account_id, target_account_id, status_ids, comment, uri, forwarded) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uri) DO NOTHING RETURNING id",
    )
    .bind(r.reporter)
    .bind(r.target)
    .bind(statuses)
    .bind(r.comment)
    .bind(r.uri)
    .bind(r.forwarded)
    .fetch_optional(db)
    .await
}

/// Reports nobody has acted on yet, newest first.
pub async fn open(db: impl Executor<'_>, limit: i64) -> sqlx::Result<Vec<Report>> {
    sqlx::query_as(
        "SELECT id, account_id, target_account_id, status_ids, comment, uri, forwarded, action_taken_at, created_at \
         FROM reports WHERE action_taken_at IS NULL ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}
