//! Grouped notifications (Mastodon 4.3's `/api/v2/notifications`). Favourites and boosts
//! of one post, and follows, share a group key when they come within a 12-hour span of
//! the group's start: `favourite-<status id>-<hour>`, `reblog-<status id>-<hour>`,
//! `follow-<hour>`, where `<hour>` is the hour (since the epoch) the group began. Every
//! other notification is its own group, `ungrouped-<id>`.

use std::collections::HashMap;

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::db;
use crate::db::accounts::Account;
use crate::db::notification_groups::{GroupHead, GroupSummary, Members};
use crate::db::notifications::{Notification, NotificationFilter};
use crate::db::statuses::Page;
use crate::db::users::User;
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, NotificationId, StatusId};
use crate::service::notifications::Kind;
use crate::service::timelines::{self, StatusDetail};
use crate::state::AppState;

/// The kinds Mastodon 4.3 groups.
pub const GROUPABLE: [Kind; 3] = [Kind::Favourite, Kind::Reblog, Kind::Follow];
/// A group takes in new notifications for this many hours after it began.
const MAX_GROUP_SPAN_HOURS: i64 = 12;
/// How many of a group's newest senders are shown with it.
pub const SAMPLE_ACCOUNTS: i64 = 8;

/// What a group key starts with: the kind, and for favourites and boosts the post.
fn key_prefix(kind: Kind, status: Option<StatusId>) -> Option<String> {
    match (kind, status) {
        (Kind::Favourite | Kind::Reblog, Some(s)) => Some(format!("{}-{s}", kind.as_str())),
        (Kind::Follow, _) => Some(kind.as_str().to_string()),
        _ => None,
    }
}

/// The keys a notification made in hour `hour` may join: those of groups that began in
/// the last 12 hours (at most one of them is in use: a new group only begins once the
/// previous one is 12 hours old).
fn joinable_keys(prefix: &str, hour: i64) -> Vec<String> {
    (0..MAX_GROUP_SPAN_HOURS)
        .map(|back| format!("{prefix}-{}", hour - back))
        .collect()
}

/// The group key for a new notification to `recipient`: the running group's, or a new
/// one beginning this hour. `None` for kinds that are not grouped.
pub async fn new_key(
    tx: &mut PgConnection,
    recipient: AccountId,
    kind: Kind,
    status: Option<StatusId>,
) -> AppResult<Option<String>> {
    let Some(prefix) = key_prefix(kind, status) else {
        return Ok(None);
    };
    let hour = OffsetDateTime::now_utc().unix_timestamp().div_euclid(3600);
    let keys = joinable_keys(&prefix, hour);
    let running = db::notification_groups::first_in_use(&mut *tx, recipient, &keys).await?;
    Ok(Some(running.unwrap_or_else(|| format!("{prefix}-{hour}"))))
}

/// Which kinds a page groups: the groupable ones among those asked for (all of them
/// when the client does not say).
pub fn grouped_types(asked: Option<&[String]>) -> Vec<String> {
    GROUPABLE
        .iter()
        .map(|k| k.as_str().to_string())
        .filter(|k| asked.is_none_or(|a| a.contains(k)))
        .collect()
}

/// Where the notifications a page shows of a group lie.
#[derive(Debug, Clone, Copy)]
pub struct PageSpan {
    pub min_id: NotificationId,
    pub latest_at: OffsetDateTime,
}

/// A group as shown: its kind, size, newest senders and post.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    pub kind: String,
    pub notifications_count: i64,
    pub most_recent_id: NotificationId,
    /// Only on pages of groups (not when one group is asked for).
    pub page: Option<PageSpan>,
    pub sample_accounts: Vec<Account>,
    pub status: Option<StatusDetail>,
}

/// A page of groups, and the ids of the newest and oldest notifications the page walked
/// (for its `Link` header).
#[derive(Debug, Clone, Default)]
pub struct GroupPage {
    pub groups: Vec<Group>,
    pub newest: Option<NotificationId>,
    pub oldest: Option<NotificationId>,
}

/// The notification ids a page's group counts are taken between, as Mastodon bounds
/// them: the page's own notifications, stretched to the page's bounds on the last page.
fn page_bounds(heads: &[GroupHead], page: &Page) -> (Option<i64>, Option<i64>) {
    let (Some(newest), Some(oldest)) = (heads.first(), heads.last()) else {
        return (None, None);
    };
    let (newest, oldest) = (newest.notification.id.0, oldest.notification.id.0);
    if (heads.len() as i64) >= page.limit {
        (Some(oldest), Some(newest))
    } else if page.min_id.is_some() {
        (Some(oldest), page.max_id.map(|m| m - 1))
    } else {
        (page.since_id.map(|s| s + 1), Some(newest))
    }
}

/// A page of the viewer's notification groups.
pub async fn page(
    state: &AppState,
    viewer: &Account,
    filter: &NotificationFilter,
    grouped: &[String],
    page: &Page,
) -> AppResult<GroupPage> {
    let heads =
        db::notification_groups::page_heads(&state.db, viewer.id, filter, grouped, page).await?;
    let (lower, upper) = page_bounds(&heads, page);
    let keys: Vec<String> = heads
        .iter()
        .filter(|h| h.notification.group_key.as_deref() == Some(h.page_group_key.as_str()))
        .map(|h| h.page_group_key.clone())
        .collect();
    let summaries = db::notification_groups::summaries(
        &state.db,
        viewer.id,
        &keys,
        lower,
        upper,
        SAMPLE_ACCOUNTS,
    )
    .await?;
    let newest = heads.first().map(|h| h.notification.id);
    let oldest = heads.last().map(|h| h.notification.id);
    let heads: Vec<(Notification, String)> = heads
        .into_iter()
        .map(|h| (h.notification, h.page_group_key))
        .collect();
    let groups = assemble(state, viewer, heads, summaries, true).await?;
    Ok(GroupPage {
        groups,
        newest,
        oldest,
    })
}

/// One of the viewer's groups by its key.
pub async fn one(state: &AppState, viewer: &Account, key: &str) -> AppResult<Group> {
    let members = Members::of(key).ok_or_else(AppError::not_found)?;
    let head = db::notification_groups::newest_in(&state.db, viewer.id, members)
        .await?
        .ok_or_else(AppError::not_found)?;
    let summaries = match members {
        Members::Keyed(k) => {
            let keys = [k.to_string()];
            db::notification_groups::summaries(
                &state.db,
                viewer.id,
                &keys,
                None,
                None,
                SAMPLE_ACCOUNTS,
            )
            .await?
        }
        Members::One(_) => Vec::new(),
    };
    let key = key.to_string();
    assemble(state, viewer, vec![(head, key)], summaries, false)
        .await?
        .into_iter()
        .next()
        .ok_or_else(AppError::not_found)
}

/// Groups from their newest notifications and (for shared keys) summaries, with their
/// accounts and posts loaded for all at once. A group whose post the viewer cannot see
/// (any more) is left out.
async fn assemble(
    state: &AppState,
    viewer: &Account,
    heads: Vec<(Notification, String)>,
    summaries: Vec<GroupSummary>,
    paged: bool,
) -> AppResult<Vec<Group>> {
    let summaries: HashMap<String, GroupSummary> = summaries
        .into_iter()
        .map(|s| (s.group_key.clone(), s))
        .collect();
    let mut account_ids: Vec<AccountId> = heads.iter().map(|(n, _)| n.from_account_id).collect();
    account_ids.extend(
        summaries
            .values()
            .flat_map(|s| s.sample_account_ids.iter().copied()),
    );
    let accounts: HashMap<AccountId, Account> = db::accounts::find_many(&state.db, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let status_ids: Vec<StatusId> = heads.iter().filter_map(|(n, _)| n.status_id).collect();
    let statuses: HashMap<StatusId, StatusDetail> =
        timelines::details(state, &status_ids, Some(viewer.id))
            .await?
            .into_iter()
            .map(|d| (d.status.id, d))
            .collect();
    let mut out = Vec::with_capacity(heads.len());
    for (n, key) in heads {
        let status = n.status_id.and_then(|id| statuses.get(&id).cloned());
        if n.status_id.is_some() && status.is_none() {
            continue;
        }
        let group = match summaries.get(&key) {
            Some(s) => Group {
                notifications_count: s.notifications_count,
                most_recent_id: s.most_recent_id.unwrap_or(n.id),
                page: paged.then(|| PageSpan {
                    min_id: s.page_min_id.unwrap_or(n.id),
                    latest_at: s.latest_at.unwrap_or(n.created_at),
                }),
                sample_accounts: s
                    .sample_account_ids
                    .iter()
                    .filter_map(|id| accounts.get(id).cloned())
                    .collect(),
                key,
                kind: n.kind,
                status,
            },
            None => Group {
                notifications_count: 1,
                most_recent_id: n.id,
                page: paged.then_some(PageSpan {
                    min_id: n.id,
                    latest_at: n.created_at,
                }),
                sample_accounts: accounts
                    .get(&n.from_account_id)
                    .cloned()
                    .into_iter()
                    .collect(),
                key,
                kind: n.kind,
                status,
            },
        };
        out.push(group);
    }
    Ok(out)
}

/// A page of the senders in one of the viewer's groups, newest first, with the ids of
/// the newest and oldest notifications of the page.
pub async fn accounts(
    state: &AppState,
    viewer: &Account,
    key: &str,
    page: &Page,
) -> AppResult<(Vec<Account>, Option<NotificationId>, Option<NotificationId>)> {
    let Some(members) = Members::of(key) else {
        return Ok((Vec::new(), None, None));
    };
    let rows = db::notification_groups::members(&state.db, viewer.id, members, page).await?;
    let ids: Vec<AccountId> = rows.iter().map(|n| n.from_account_id).collect();
    let found: HashMap<AccountId, Account> = db::accounts::find_many(&state.db, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let accounts = ids.iter().filter_map(|id| found.get(id).cloned()).collect();
    Ok((
        accounts,
        rows.first().map(|n| n.id),
        rows.last().map(|n| n.id),
    ))
}

/// Dismisses every notification of one of the viewer's groups (none is fine, as in
/// Mastodon: the group may have been dismissed elsewhere already).
pub async fn dismiss(state: &AppState, viewer: &Account, key: &str) -> AppResult<()> {
    if let Some(members) = Members::of(key) {
        db::notification_groups::dismiss(&state.db, viewer.id, members).await?;
    }
    Ok(())
}

/// How many groups the notifications newer than the read marker make, up to `cap`.
pub async fn unread_count(
    state: &AppState,
    user: &User,
    filter: &NotificationFilter,
    grouped: &[String],
    cap: i64,
) -> AppResult<i64> {
    let last_read = db::markers::last_read(&state.db, user.id, "notifications").await?;
    let page = Page {
        min_id: Some(last_read),
        limit: cap,
        ..Default::default()
    };
    let heads =
        db::notification_groups::page_heads(&state.db, user.account_id, filter, grouped, &page)
            .await?;
    Ok(heads.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_kind_the_post_and_the_hour() {
        assert_eq!(
            key_prefix(Kind::Favourite, Some(StatusId(42))).as_deref(),
            Some("favourite-42")
        );
        assert_eq!(
            key_prefix(Kind::Reblog, Some(StatusId(42))).as_deref(),
            Some("reblog-42")
        );
        assert_eq!(key_prefix(Kind::Follow, None).as_deref(), Some("follow"));
        assert_eq!(key_prefix(Kind::Mention, Some(StatusId(42))), None);
        assert_eq!(key_prefix(Kind::FollowRequest, None), None);
        assert_eq!(key_prefix(Kind::Status, Some(StatusId(42))), None);
    }

    #[test]
    fn a_group_takes_in_notifications_for_twelve_hours() {
        let keys = joinable_keys("follow", 1000);
        assert_eq!(keys.len(), 12);
        assert!(keys.contains(&"follow-1000".to_string()));
        assert!(keys.contains(&"follow-989".to_string()), "11 hours back");
        assert!(!keys.contains(&"follow-988".to_string()), "12 hours back");
        assert!(!keys.contains(&"follow-1001".to_string()));
    }

    #[test]
    fn grouped_types_are_the_groupable_ones_asked_for() {
        assert_eq!(grouped_types(None), ["favourite", "reblog", "follow"]);
        let asked = ["follow".to_string(), "mention".to_string()];
        assert_eq!(grouped_types(Some(&asked)), ["follow"]);
        assert!(grouped_types(Some(&[])).is_empty());
    }
}
