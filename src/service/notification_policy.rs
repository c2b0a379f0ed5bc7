//! Notification policies (Mastodon 4.3): what happens to a notification from someone the
//! recipient does not follow, who does not follow them, whose account is new, who
//! mentions them privately out of the blue, or whom a moderator limited. Each is
//! accepted, filtered (kept aside in a notification request) or dropped (never stored).

use sqlx::PgConnection;
use time::{Duration, OffsetDateTime};

use crate::db;
use crate::db::notification_policies::{PolicyRow, SenderFacts};
use crate::db::users::Role;
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, StatusId};
use crate::service::notifications::Kind;
use crate::state::AppState;

/// Younger accounts are "new accounts".
const NEW_ACCOUNT_THRESHOLD: Duration = Duration::days(30);
/// Followers of less time than this still count as "not followers".
const NEW_FOLLOWER_THRESHOLD: Duration = Duration::days(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Accept,
    Filter,
    Drop,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Filter => "filter",
            Action::Drop => "drop",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [Action::Accept, Action::Filter, Action::Drop]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub for_not_following: Action,
    pub for_not_followers: Action,
    pub for_new_accounts: Action,
    pub for_private_mentions: Action,
    /// Limiting accounts is not built yet, so nobody is limited; the setting is kept and
    /// applies to any account whose `silenced_at` is set.
    pub for_limited_accounts: Action,
}

impl Default for Policy {
    /// Mastodon 4.3's defaults.
    fn default() -> Policy {
        Policy {
            for_not_following: Action::Accept,
            for_not_followers: Action::Accept,
            for_new_accounts: Action::Accept,
            for_private_mentions: Action::Filter,
            for_limited_accounts: Action::Filter,
        }
    }
}

fn action_or(stored: Option<&str>, default: Action) -> Action {
    stored.and_then(Action::parse).unwrap_or(default)
}

impl Policy {
    fn from_stored(
        not_following: Option<&str>,
        not_followers: Option<&str>,
        new_accounts: Option<&str>,
        private_mentions: Option<&str>,
        limited_accounts: Option<&str>,
    ) -> Policy {
        let d = Policy::default();
        Policy {
            for_not_following: action_or(not_following, d.for_not_following),
            for_not_followers: action_or(not_followers, d.for_not_followers),
            for_new_accounts: action_or(new_accounts, d.for_new_accounts),
            for_private_mentions: action_or(private_mentions, d.for_private_mentions),
            for_limited_accounts: action_or(limited_accounts, d.for_limited_accounts),
        }
    }

    fn of_row(r: Option<&PolicyRow>) -> Policy {
        match r {
            None => Policy::default(),
            Some(r) => Policy::from_stored(
                Some(&r.for_not_following),
                Some(&r.for_not_followers),
                Some(&r.for_new_accounts),
                Some(&r.for_private_mentions),
                Some(&r.for_limited_accounts),
            ),
        }
    }

    fn to_row(self) -> PolicyRow {
        PolicyRow {
            for_not_following: self.for_not_following.as_str().into(),
            for_not_followers: self.for_not_followers.as_str().into(),
            for_new_accounts: self.for_new_accounts.as_str().into(),
            for_private_mentions: self.for_private_mentions.as_str().into(),
            for_limited_accounts: self.for_limited_accounts.as_str().into(),
        }
    }
}

/// The pending requests (capped at 100) and the filtered mentions they hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

/// A change to some of the policy's settings; `None` leaves one as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyChange {
    pub for_not_following: Option<Action>,
    pub for_not_followers: Option<Action>,
    pub for_new_accounts: Option<Action>,
    pub for_private_mentions: Option<Action>,
    pub for_limited_accounts: Option<Action>,
}

impl PolicyChange {
    fn apply(self, p: Policy) -> Policy {
        Policy {
            for_not_following: self.for_not_following.unwrap_or(p.for_not_following),
            for_not_followers: self.for_not_followers.unwrap_or(p.for_not_followers),
            for_new_accounts: self.for_new_accounts.unwrap_or(p.for_new_accounts),
            for_private_mentions: self.for_private_mentions.unwrap_or(p.for_private_mentions),
            for_limited_accounts: self.for_limited_accounts.unwrap_or(p.for_limited_accounts),
        }
    }
}

/// Reads one setting as the API sends it: `accept`, `filter` or `drop`.
pub fn parse_setting(field: &'static str, value: Option<&str>) -> AppResult<Option<Action>> {
    match value {
        None => Ok(None),
        Some(v) => Action::parse(v).map(Some).ok_or_else(|| {
            AppError::validation(vec![(
                field,
                format!("{} is not included in the list", human(field)),
            )])
        }),
    }
}

/// `for_not_following` → "For not following", as Rails names attributes in messages.
fn human(field: &str) -> String {
    let spaced = field.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub async fn policy(state: &AppState, account: AccountId) -> AppResult<(Policy, Summary)> {
    let row = db::notification_policies::find(&state.db, account).await?;
    Ok((Policy::of_row(row.as_ref()), summary(state, account).await?))
}

pub async fn update(
    state: &AppState,
    account: AccountId,
    change: PolicyChange,
) -> AppResult<(Policy, Summary)> {
    let mut tx = state.db.begin().await?;
    let row = db::notification_policies::find(&mut *tx, account).await?;
    let policy = change.apply(Policy::of_row(row.as_ref()));
    db::notification_policies::upsert(&mut *tx, account, &policy.to_row()).await?;
    tx.commit().await?;
    Ok((policy, summary(state, account).await?))
}

async fn summary(state: &AppState, account: AccountId) -> AppResult<Summary> {
    let (requests, notifications) = db::notification_requests::summary(&state.db, account).await?;
    Ok(Summary {
        pending_requests_count: requests,
        pending_notifications_count: notifications,
    })
}

/// Mastodon's filterable kinds: everything a stranger can cause.
fn filterable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Mention | Kind::Reblog | Kind::Follow | Kind::FollowRequest | Kind::Favourite
    )
}

/// What the decision looks at, read from the database.
#[derive(Debug, Clone)]
struct Facts {
    policy: Policy,
    permitted: bool,
    recipient_follows: bool,
    follower_since: Option<OffsetDateTime>,
    sender_created_at: OffsetDateTime,
    sender_limited: bool,
    /// A local moderator or admin who outranks the recipient.
    from_staff: bool,
    unsolicited_private_mention: bool,
}

/// The policy's verdict on a notification of `kind` from a sender with `facts`.
fn decide(kind: Kind, f: &Facts, now: OffsetDateTime) -> Action {
    if !filterable(kind) || f.permitted || (kind == Kind::Mention && f.from_staff) {
        return Action::Accept;
    }
    let p = &f.policy;
    let not_following = !f.recipient_follows;
    let not_follower = f
        .follower_since
        .is_none_or(|since| since > now - NEW_FOLLOWER_THRESHOLD);
    let new_account = f.sender_created_at > now - NEW_ACCOUNT_THRESHOLD;
    [
        (p.for_limited_accounts, f.sender_limited && not_following),
        (p.for_not_following, not_following),
        (p.for_not_followers, not_follower),
        (p.for_new_accounts, new_account && not_following),
        (
            p.for_private_mentions,
            not_following && f.unsolicited_private_mention,
        ),
    ]
    .into_iter()
    .filter(|(_, applies)| *applies)
    .map(|(action, _)| action)
    .max()
    .unwrap_or(Action::Accept)
}

fn role(s: Option<&str>) -> Option<Role> {
    s.and_then(|r| r.parse().ok())
}

/// Whether a mention of `kind` about `status` (with the facts' visibility and parent) is
/// a private mention that answers nothing of the recipient's.
async fn unsolicited_private_mention(
    tx: &mut PgConnection,
    kind: Kind,
    facts: &SenderFacts,
    recipient: AccountId,
    sender: AccountId,
) -> AppResult<bool> {
    if kind != Kind::Mention || facts.status_visibility.as_deref() != Some("direct") {
        return Ok(false);
    }
    let Some(parent) = facts.status_in_reply_to else {
        return Ok(true);
    };
    let answered =
        db::notification_policies::thread_has_private_mention(&mut *tx, parent, recipient, sender)
            .await?;
    Ok(!answered)
}

/// The recipient's policy's verdict on a new notification from `sender`.
pub async fn verdict(
    tx: &mut PgConnection,
    recipient: AccountId,
    sender: AccountId,
    kind: Kind,
    status: Option<StatusId>,
) -> AppResult<Action> {
    if !filterable(kind) {
        return Ok(Action::Accept);
    }
    let Some(s) =
        db::notification_policies::sender_facts(&mut *tx, recipient, sender, status).await?
    else {
        return Ok(Action::Accept);
    };
    let recipient_role = role(s.recipient_role.as_deref()).unwrap_or(Role::User);
    let from_staff =
        role(s.sender_role.as_deref()).is_some_and(|r| r.is_staff() && r > recipient_role);
    let policy = Policy::from_stored(
        s.for_not_following.as_deref(),
        s.for_not_followers.as_deref(),
        s.for_new_accounts.as_deref(),
        s.for_private_mentions.as_deref(),
        s.for_limited_accounts.as_deref(),
    );
    // The thread is only read when the answer could matter.
    let unsolicited = policy.for_private_mentions != Action::Accept
        && !s.recipient_follows
        && unsolicited_private_mention(tx, kind, &s, recipient, sender).await?;
    let facts = Facts {
        policy,
        permitted: s.permitted,
        recipient_follows: s.recipient_follows,
        follower_since: s.follower_since,
        sender_created_at: s.sender_created_at,
        sender_limited: s.sender_limited,
        from_staff,
        unsolicited_private_mention: unsolicited,
    };
    Ok(decide(kind, &facts, OffsetDateTime::now_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap()
    }

    /// An old account that follows the recipient (for long) and is followed back.
    fn friend() -> Facts {
        Facts {
            policy: Policy::default(),
            permitted: false,
            recipient_follows: true,
            follower_since: Some(now() - Duration::days(100)),
            sender_created_at: now() - Duration::days(365),
            sender_limited: false,
            from_staff: false,
            unsolicited_private_mention: false,
        }
    }

    fn with(policy: impl FnOnce(&mut Policy), facts: impl FnOnce(&mut Facts)) -> Facts {
        let mut f = friend();
        policy(&mut f.policy);
        facts(&mut f);
        f
    }

    #[test]
    fn defaults_accept_friends_and_filter_unsolicited_private_mentions() {
        assert_eq!(decide(Kind::Mention, &friend(), now()), Action::Accept);
        let stranger_dm = with(
            |_| {},
            |f| {
                f.recipient_follows = false;
                f.unsolicited_private_mention = true;
            },
        );
        assert_eq!(decide(Kind::Mention, &stranger_dm, now()), Action::Filter);
        // Someone the recipient follows may write privately.
        let followed_dm = with(|_| {}, |f| f.unsolicited_private_mention = true);
        assert_eq!(decide(Kind::Mention, &followed_dm, now()), Action::Accept);
    }

    #[test]
    fn not_following_and_not_followers() {
        let stranger = with(
            |p| p.for_not_following = Action::Drop,
            |f| f.recipient_follows = false,
        );
        assert_eq!(decide(Kind::Favourite, &stranger, now()), Action::Drop);
        // A follower of two days is still "not a follower"; of four days, one.
        let recent = with(
            |p| p.for_not_followers = Action::Filter,
            |f| f.follower_since = Some(now() - Duration::days(2)),
        );
        assert_eq!(decide(Kind::Reblog, &recent, now()), Action::Filter);
        let settled = with(
            |p| p.for_not_followers = Action::Filter,
            |f| f.follower_since = Some(now() - Duration::days(4)),
        );
        assert_eq!(decide(Kind::Reblog, &settled, now()), Action::Accept);
        let none = with(
            |p| p.for_not_followers = Action::Filter,
            |f| f.follower_since = None,
        );
        assert_eq!(decide(Kind::Follow, &none, now()), Action::Filter);
    }

    #[test]
    fn new_accounts_unless_followed() {
        let young = |follows: bool| {
            with(
                |p| p.for_new_accounts = Action::Filter,
                |f| {
                    f.sender_created_at = now() - Duration::days(10);
                    f.recipient_follows = follows;
                },
            )
        };
        assert_eq!(decide(Kind::Mention, &young(false), now()), Action::Filter);
        assert_eq!(decide(Kind::Mention, &young(true), now()), Action::Accept);
    }

    #[test]
    fn the_strictest_applicable_setting_wins() {
        let f = with(
            |p| {
                p.for_not_following = Action::Filter;
                p.for_not_followers = Action::Drop;
            },
            |f| {
                f.recipient_follows = false;
                f.follower_since = None;
            },
        );
        assert_eq!(decide(Kind::Mention, &f, now()), Action::Drop);
    }

    #[test]
    fn limited_accounts_unless_followed() {
        let limited = |follows: bool| {
            with(
                |_| {},
                |f| {
                    f.sender_limited = true;
                    f.recipient_follows = follows;
                },
            )
        };
        assert_eq!(
            decide(Kind::Favourite, &limited(false), now()),
            Action::Filter
        );
        assert_eq!(
            decide(Kind::Favourite, &limited(true), now()),
            Action::Accept
        );
    }

    #[test]
    fn permissions_staff_and_unfilterable_kinds_pass() {
        let strict = |f: &mut Facts| f.recipient_follows = false;
        let drop_all = |p: &mut Policy| p.for_not_following = Action::Drop;
        assert_eq!(
            decide(Kind::Status, &with(drop_all, strict), now()),
            Action::Accept
        );
        let permitted = with(drop_all, |f| {
            strict(f);
            f.permitted = true;
        });
        assert_eq!(decide(Kind::Mention, &permitted, now()), Action::Accept);
        let staff = with(drop_all, |f| {
            strict(f);
            f.from_staff = true;
        });
        assert_eq!(decide(Kind::Mention, &staff, now()), Action::Accept);
        assert_eq!(
            decide(Kind::Favourite, &staff, now()),
            Action::Drop,
            "only staff messages pass"
        );
    }

    #[test]
    fn settings_parse_and_name_their_field() {
        assert_eq!(
            parse_setting("for_new_accounts", Some("drop")).ok(),
            Some(Some(Action::Drop))
        );
        assert_eq!(parse_setting("for_new_accounts", None).ok(), Some(None));
        let e = parse_setting("for_new_accounts", Some("ignore"))
            .err()
            .unwrap();
        assert_eq!(
            e.message(),
            "Validation failed: For new accounts is not included in the list"
        );
    }
}
