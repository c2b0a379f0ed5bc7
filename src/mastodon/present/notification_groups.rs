//! Notification groups to GroupedNotificationsResults.

use std::collections::HashSet;

use crate::db::accounts::Account as AccountRow;
use crate::id::{AccountId, StatusId};
use crate::mastodon::entities::notification_group::{
    GroupedNotificationsResults, NotificationGroup, PartialAccountWithAvatar,
};
use crate::mastodon::present::{account, status};
use crate::service::notification_groups::Group;
use crate::service::timelines::StatusDetail;
use crate::state::AppState;

fn group(g: &Group) -> NotificationGroup {
    NotificationGroup {
        group_key: g.key.clone(),
        notifications_count: g.notifications_count,
        kind: g.kind.clone(),
        most_recent_notification_id: g.most_recent_id.to_string(),
        page_min_id: g.page.map(|p| p.min_id.to_string()),
        page_max_id: g.page.map(|_| g.most_recent_id.to_string()),
        latest_page_notification_at: g.page.map(|p| p.latest_at),
        sample_account_ids: g.sample_accounts.iter().map(|a| a.id.to_string()).collect(),
        status_id: g.status.as_ref().map(|s| s.status.id.to_string()),
    }
}

fn partial_account(state: &AppState, a: &AccountRow) -> PartialAccountWithAvatar {
    let full = account(state, a);
    PartialAccountWithAvatar {
        id: full.id,
        acct: full.acct,
        url: full.url,
        avatar: full.avatar,
        avatar_static: full.avatar_static,
        locked: full.locked,
        bot: full.bot,
    }
}

/// The accounts a page shows in full and, for `partial_avatars`, those it shows only as
/// avatars: each group's newest sender in full, its other samples partly (each account
/// once, in full if anywhere).
fn split_accounts(groups: &[Group], partial: bool) -> (Vec<&AccountRow>, Vec<&AccountRow>) {
    let mut seen: HashSet<AccountId> = HashSet::new();
    let in_full = |position: usize| !partial || position == 0;
    let mut pick = |full: bool| -> Vec<&AccountRow> {
        groups
            .iter()
            .flat_map(|g| g.sample_accounts.iter().enumerate())
            .filter(|(position, a)| in_full(*position) == full && seen.insert(a.id))
            .map(|(_, a)| a)
            .collect()
    };
    let full = pick(true);
    let partly = pick(false);
    (full, partly)
}

/// Groups with the accounts and statuses they refer to; with `partial_avatars`, only
/// each group's newest sender in full.
pub fn grouped_notifications(
    state: &AppState,
    groups: &[Group],
    viewer: &AccountRow,
    partial_avatars: bool,
) -> GroupedNotificationsResults {
    let mut seen: HashSet<StatusId> = HashSet::new();
    let details: Vec<StatusDetail> = groups
        .iter()
        .filter_map(|g| g.status.clone())
        .filter(|d| seen.insert(d.status.id))
        .collect();
    let (full, partly) = split_accounts(groups, partial_avatars);
    GroupedNotificationsResults {
        accounts: full.into_iter().map(|a| account(state, a)).collect(),
        partial_accounts: partial_avatars.then(|| {
            partly
                .into_iter()
                .map(|a| partial_account(state, a))
                .collect()
        }),
        statuses: details
            .iter()
            .map(|d| status(state, d, Some(viewer.id)))
            .collect(),
        notification_groups: groups.iter().map(group).collect(),
    }
}
