//! Notifications: creating them for local recipients, listing, unread counts.

use crate::db;
use crate::db::accounts::Account;
use crate::db::notifications::Notification;
use crate::db::users::User;
use crate::error::AppResult;
use crate::id::{AccountId, NotificationId, StatusId};
use crate::service::notification_groups;
use crate::service::notification_policy::{self, Action};
use crate::service::timelines::{self, StatusDetail};
use crate::state::AppState;
use sqlx::PgConnection;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Mention,
    Reblog,
    Favourite,
    Follow,
    FollowRequest,
    /// Someone whose posts one asked to be notified of (`notify` on the follow) posted.
    Status,
}

impl Kind {
    /// Mastodon's notification type names.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mention => "mention",
            Kind::Reblog => "reblog",
            Kind::Favourite => "favourite",
            Kind::Follow => "follow",
            Kind::FollowRequest => "follow_request",
            Kind::Status => "status",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Mention,
            Kind::Reblog,
            Kind::Favourite,
            Kind::Follow,
            Kind::FollowRequest,
            Kind::Status,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Records a notification for a local recipient; remote accounts get none here. The
/// recipient's blocks, mutes and notification policy decide whether it is stored, and
/// whether it is filtered (a filtered mention opens or updates the sender's notification
/// request); one that is not filtered joins its running group, if its kind groups.
pub async fn notify(
    tx: &mut PgConnection,
    recipient: &Account,
    from: AccountId,
    kind: Kind,
    status: Option<StatusId>,
) -> AppResult<()> {
    if !recipient.is_local() || recipient.id == from {
        return Ok(());
    }
    let blocked: bool = db::follows::relationship(&mut *tx, recipient.id, from)
        .await?
        .blocking;
    if blocked || db::mutes::hides_notifications(&mut *tx, recipient.id, from).await? {
        return Ok(());
    }
    // Nothing from a conversation the recipient muted.
    if let Some(s) = status
        && db::conversation_mutes::mutes_status(&mut *tx, recipient.id, s).await?
    {
        return Ok(());
    }
    let filtered = match notification_policy::verdict(tx, recipient.id, from, kind, status).await? {
        Action::Drop => return Ok(()),
        Action::Filter => true,
        Action::Accept => false,
    };
    let group_key = match filtered {
        true => None,
        false => notification_groups::new_key(tx, recipient.id, kind, status).await?,
    };
    let new = db::notifications::NewNotification {
        recipient: recipient.id,
        from,
        kind: kind.as_str(),
        status,
        group_key: group_key.as_deref(),
        filtered,
    };
    let inserted = db::notifications::insert(&mut *tx, &new).await?;
    if filtered && inserted.is_some() && kind == Kind::Mention {
        db::notification_requests::upsert(&mut *tx, recipient.id, from, status).await?;
    }
    Ok(())
}

pub struct NotificationDetail {
    pub notification: Notification,
    pub from: Account,
    pub status: Option<StatusDetail>,
    pub unread: bool,
}

impl NotificationDetail {
    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(&self.notification.kind)
    }
}

/// A page of notifications with their accounts and statuses loaded in a few queries.
pub async fn page(
    state: &AppState,
    user: &User,
    viewer: &Account,
    types: Option<&[String]>,
    max_id: Option<i64>,
    limit: i64,
) -> AppResult<Vec<NotificationDetail>> {
    let rows = db::notifications::list(&state.db, viewer.id, types, max_id, limit).await?;
    hydrate(state, user, viewer, rows).await
}

/// A page as the client API filters it (types, excluded types, from one account, and
/// `max_id`/`since_id`/`min_id`).
pub async fn api_page(
    state: &AppState,
    user: &User,
    viewer: &Account,
    filter: &db::notifications::NotificationFilter,
    page: &db::statuses::Page,
) -> AppResult<Vec<NotificationDetail>> {
    let rows = db::notifications::list_filtered(&state.db, viewer.id, filter, page).await?;
    hydrate(state, user, viewer, rows).await
}

async fn hydrate(
    state: &AppState,
    user: &User,
    viewer: &Account,
    rows: Vec<Notification>,
) -> AppResult<Vec<NotificationDetail>> {
    let last_read = db::markers::last_read(&state.db, user.id, "notifications").await?;
    let account_ids: Vec<AccountId> = rows.iter().map(|n| n.from_account_id).collect();
    let accounts: HashMap<AccountId, Account> = db::accounts::find_many(&state.db, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let status_ids: Vec<StatusId> = rows.iter().filter_map(|n| n.status_id).collect();
    // Only statuses the recipient may still see: a follower removed since, or someone
    // blocked since, no longer reads a followers-only post through its notification.
    let statuses: HashMap<StatusId, StatusDetail> =
        timelines::visible_details(state, &status_ids, Some(viewer.id))
            .await?
            .into_iter()
            .map(|d| (d.status.id, d))
            .collect();
    let mut out = Vec::with_capacity(rows.len());
    for n in rows {
        let Some(from) = accounts.get(&n.from_account_id).cloned() else {
            continue;
        };
        let status = n.status_id.and_then(|id| statuses.get(&id).cloned());
        if n.status_id.is_some() && status.is_none() {
            continue; // the status is gone or no longer visible
        }
        out.push(NotificationDetail {
            unread: n.id.0 > last_read,
            notification: n,
            from,
            status,
        });
    }
    Ok(out)
}

/// One of the viewer's notifications, filtered or not.
pub async fn one(
    state: &AppState,
    user: &User,
    viewer: &Account,
    id: NotificationId,
) -> AppResult<Option<NotificationDetail>> {
    let rows: Vec<Notification> = db::notifications::find(&state.db, viewer.id, id)
        .await?
        .into_iter()
        .collect();
    Ok(hydrate(state, user, viewer, rows).await?.into_iter().next())
}

/// The unread notifications (newer than the read marker) of the web UI's badge.
pub async fn unread_count(state: &AppState, user: &User) -> AppResult<i64> {
    unread_count_of(
        state,
        user,
        &db::notifications::NotificationFilter::default(),
        100,
    )
    .await
}

/// The unread notifications `filter` selects, counting at most `cap`.
pub async fn unread_count_of(
    state: &AppState,
    user: &User,
    filter: &db::notifications::NotificationFilter,
    cap: i64,
) -> AppResult<i64> {
    let last_read = db::markers::last_read(&state.db, user.id, "notifications").await?;
    Ok(
        db::notifications::count_newer_than(&state.db, user.account_id, filter, last_read, cap)
            .await?,
    )
}

/// Marks everything up to the newest notification as read.
pub async fn mark_all_read(state: &AppState, user: &User) -> AppResult<()> {
    if let Some(newest) = db::notifications::newest_id(&state.db, user.account_id).await? {
        db::markers::advance(&state.db, user.id, "notifications", newest).await?;
    }
    Ok(())
}
