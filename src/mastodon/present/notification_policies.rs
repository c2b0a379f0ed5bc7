//! Notification policies (v1 and v2) and notification requests.

use crate::db::accounts::Account as AccountRow;
use crate::mastodon::entities::notification_policy::{
    NotificationPolicy, NotificationRequest, PolicySummary, V1NotificationPolicy,
};
use crate::mastodon::present::{account, status};
use crate::service::notification_policy::{Action, Policy, Summary};
use crate::service::notification_requests::RequestDetail;
use crate::state::AppState;

fn summary(s: Summary) -> PolicySummary {
    PolicySummary {
        pending_requests_count: s.pending_requests_count,
        pending_notifications_count: s.pending_notifications_count,
    }
}

pub fn policy(p: &Policy, s: Summary) -> NotificationPolicy {
    NotificationPolicy {
        for_not_following: p.for_not_following.as_str(),
        for_not_followers: p.for_not_followers.as_str(),
        for_new_accounts: p.for_new_accounts.as_str(),
        for_private_mentions: p.for_private_mentions.as_str(),
        for_limited_accounts: p.for_limited_accounts.as_str(),
        summary: summary(s),
    }
}

pub fn v1_policy(p: &Policy, s: Summary) -> V1NotificationPolicy {
    V1NotificationPolicy {
        filter_not_following: p.for_not_following != Action::Accept,
        filter_not_followers: p.for_not_followers != Action::Accept,
        filter_new_accounts: p.for_new_accounts != Action::Accept,
        filter_private_mentions: p.for_private_mentions != Action::Accept,
        summary: summary(s),
    }
}

/// Requests with their senders and last statuses.
pub fn requests(
    state: &AppState,
    items: &[RequestDetail],
    viewer: &AccountRow,
) -> Vec<NotificationRequest> {
    items
        .iter()
        .map(|r| NotificationRequest {
            id: r.request.id.to_string(),
            created_at: r.request.created_at,
            updated_at: r.request.updated_at,
            notifications_count: r.request.notifications_count.to_string(),
            account: account(state, &r.from),
            last_status: r
                .last_status
                .as_ref()
                .map(|d| status(state, d, Some(viewer.id))),
        })
        .collect()
}
