//! What templates show: plain structs built from domain values by the `from_*`
//! functions here, so templates never reach into database rows.

use crate::db::accounts::Account;
use crate::db::follows::Relationship;
use crate::db::statuses::Visibility;
use crate::service::notifications::{Kind, NotificationDetail};
use crate::service::timelines::StatusDetail;
use crate::urls::Urls;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A person as shown next to a post or in lists.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub id: String,
    pub username: String,
    /// `user@domain`, always with the domain (what people copy).
    pub handle: String,
    pub display_name: String,
    /// Path of the profile page on this server.
    pub path: String,
    /// Canonical profile URL (the remote one for remote accounts).
    pub url: String,
    pub is_local: bool,
    pub domain: String,
    pub locked: bool,
    pub bot: bool,
    /// The first letter of the name, for the generated avatar.
    pub initial: String,
    /// A hue (0–359) derived from the id, for the generated avatar's colour.
    pub hue: u32,
}

/// A full profile (header of the profile page).
#[derive(Debug, Clone)]
pub struct ProfileView {
    pub account: AccountView,
    /// Safe HTML.
    pub note_html: String,
    pub fields: Vec<FieldView>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    /// e.g. "Nov 2026".
    pub joined: String,
    pub joined_iso: String,
}

#[derive(Debug, Clone)]
pub struct FieldView {
    pub name: String,
    /// Safe HTML.
    pub value_html: String,
}

/// How the viewer stands to a profile, for the follow button.
#[derive(Debug, Clone, Copy, Default)]
pub struct RelationshipView {
    pub is_self: bool,
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
    pub blocking: bool,
}

/// One status card.
#[derive(Debug, Clone)]
pub struct StatusView {
    /// Id of the shown status (the original for a boost); used by action forms.
    pub id: String,
    /// Path of the status page on this server.
    pub path: String,
    /// Canonical URL (remote posts link to their origin).
    pub url: String,
    pub author: AccountView,
    /// Set when this card is a boost: who boosted.
    pub boosted_by: Option<AccountView>,
    /// Set when the status is a reply: whom it answers.
    pub reply_to: Option<AccountView>,
    /// Safe HTML (Mastodon's status HTML).
    pub content_html: String,
    /// Plain text content warning; empty when none.
    pub spoiler_text: String,
    pub visibility: &'static str,
    pub visibility_label: &'static str,
    pub created_iso: String,
    /// Absolute time for the title attribute, e.g. "27 Nov 2026, 14:05 UTC".
    pub created_full: String,
    /// Short time shown without JavaScript, e.g. "Nov 27".
    pub created_short: String,
    pub edited: bool,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub favourited: bool,
    pub reblogged: bool,
    /// Others may boost it (public or unlisted), or it is one's own.
    pub can_boost: bool,
    /// The viewer wrote it (may delete it).
    pub is_own: bool,
    /// Handles to prefill in a reply (`@a@x @b@y `), without the viewer's own.
    pub reply_prefill: String,
    pub attachments: Vec<AttachmentView>,
    pub poll: Option<PollView>,
}

/// A media attachment, shown from its remote URL until media are stored here.
#[derive(Debug, Clone)]
pub struct AttachmentView {
    /// image, gifv, video, audio or unknown.
    pub kind: String,
    pub url: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct PollView {
    pub options: Vec<PollOptionView>,
    pub multiple: bool,
    pub voters_count: Option<i64>,
    pub closed: bool,
    /// "Closes 27 Nov 2026, 14:05 UTC" / "Closed 27 Nov …"; empty when it never closes.
    pub ends: String,
}

#[derive(Debug, Clone)]
pub struct PollOptionView {
    pub title: String,
    pub votes: String,
    /// Share of the votes, 0–100.
    pub percent: i64,
}

fn poll(p: &crate::db::media::Poll) -> PollView {
    let total: i64 = if p.multiple {
        p.voters_count
            .unwrap_or_else(|| p.options.0.iter().filter_map(|o| o.votes_count).sum())
    } else {
        p.options.0.iter().filter_map(|o| o.votes_count).sum()
    };
    let closed = p.expires_at.is_some_and(|t| t <= OffsetDateTime::now_utc());
    PollView {
        options: p
            .options
            .0
            .iter()
            .map(|o| PollOptionView {
                title: o.title.clone(),
                votes: o.votes_count.map(|v| v.to_string()).unwrap_or_default(),
                percent: match (o.votes_count, total) {
                    (Some(v), t) if t > 0 => (v * 100 + t / 2) / t,
                    _ => 0,
                },
            })
            .collect(),
        multiple: p.multiple,
        voters_count: p.voters_count,
        closed,
        ends: match p.expires_at {
            Some(t) if closed => format!("Closed {}", full_time(t)),
            Some(t) => format!("Closes {}", full_time(t)),
            None => String::new(),
        },
    }
}

#[derive(Debug, Clone)]
pub struct NotificationView {
    pub id: String,
    /// mention, reblog, favourite, follow, follow_request
    pub kind: &'static str,
    /// e.g. "favourited your post", "replied to your post", "followed you".
    pub action: &'static str,
    pub from: AccountView,
    pub status: Option<StatusView>,
    pub unread: bool,
    pub created_iso: String,
    pub created_full: String,
    pub created_short: String,
}

pub fn visibility_label(v: Visibility) -> &'static str {
    match v {
        Visibility::Public => "Public",
        Visibility::Unlisted => "Unlisted",
        Visibility::Private => "Followers only",
        Visibility::Direct => "Mentioned people only",
    }
}

pub fn account(a: &Account, urls: &Urls) -> AccountView {
    let domain = a
        .domain
        .clone()
        .unwrap_or_else(|| urls.domain().to_string());
    let handle = format!("{}@{}", a.username, domain);
    let path = if a.is_local() {
        format!("/@{}", a.username)
    } else {
        format!("/@{handle}")
    };
    let initial = a
        .shown_name()
        .chars()
        .find(|c| c.is_alphanumeric())
        .unwrap_or('?')
        .to_uppercase()
        .to_string();
    AccountView {
        id: a.id.to_string(),
        username: a.username.clone(),
        display_name: a.shown_name().to_string(),
        url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
        is_local: a.is_local(),
        locked: a.locked,
        bot: a.is_bot(),
        hue: ((a.id.0 >> 16) as u64 % 360) as u32,
        handle,
        path,
        domain,
        initial,
    }
}

pub fn profile(a: &Account, urls: &Urls) -> ProfileView {
    ProfileView {
        account: account(a, urls),
        note_html: a.note.clone(),
        fields: a
            .fields
            .0
            .iter()
            .map(|f| FieldView {
                name: f.name.clone(),
                value_html: f.value_html.clone(),
            })
            .collect(),
        statuses_count: a.statuses_count,
        followers_count: a.followers_count,
        following_count: a.following_count,
        joined: a
            .created_at
            .format(time::macros::format_description!(
                "[month repr:short] [year]"
            ))
            .unwrap_or_default(),
        joined_iso: iso(a.created_at),
    }
}

pub fn relationship(rel: Relationship, is_self: bool) -> RelationshipView {
    RelationshipView {
        is_self,
        following: rel.following,
        requested: rel.requested,
        followed_by: rel.followed_by,
        blocking: rel.blocking,
    }
}

pub fn iso(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn full_time(t: OffsetDateTime) -> String {
    t.format(time::macros::format_description!(
        "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
    ))
    .unwrap_or_default()
}

pub fn short_time(t: OffsetDateTime) -> String {
    t.format(time::macros::format_description!(
        "[month repr:short] [day padding:none]"
    ))
    .unwrap_or_default()
}

pub fn status(d: &StatusDetail, viewer: Option<&Account>, urls: &Urls) -> StatusView {
    let shown = d.shown();
    let s = &shown.status;
    let author = account(&shown.account, urls);
    let is_own = viewer.is_some_and(|v| v.id == s.account_id);
    let mut prefill: Vec<String> = Vec::new();
    let mut add = |a: &Account| {
        let h = format!(
            "@{}",
            if a.is_local() {
                a.username.clone()
            } else {
                a.acct()
            }
        );
        if viewer.is_none_or(|v| v.id != a.id) && !prefill.contains(&h) {
            prefill.push(h);
        }
    };
    add(&shown.account);
    shown.mentions.iter().for_each(&mut add);
    let reply_prefill = if prefill.is_empty() {
        String::new()
    } else {
        format!("{} ", prefill.join(" "))
    };
    StatusView {
        id: s.id.to_string(),
        path: format!("{}/{}", author.path, s.id),
        url: s.url.clone().unwrap_or_else(|| s.uri.clone()),
        boosted_by: d.reblog.as_ref().map(|_| account(&d.account, urls)),
        reply_to: shown.in_reply_to_account.as_ref().map(|a| account(a, urls)),
        content_html: crate::text::emojify(&s.content, &shown.emojis),
        spoiler_text: s.spoiler_text.clone(),
        visibility: s.visibility().as_str(),
        visibility_label: visibility_label(s.visibility()),
        created_iso: iso(s.created_at),
        created_full: full_time(s.created_at),
        created_short: short_time(s.created_at),
        edited: s.edited_at.is_some(),
        replies_count: s.replies_count,
        reblogs_count: s.reblogs_count,
        favourites_count: s.favourites_count,
        favourited: shown.favourited,
        reblogged: shown.reblogged,
        can_boost: s.visibility().is_boostable()
            || (is_own && s.visibility() == Visibility::Private),
        is_own,
        reply_prefill,
        author,
        attachments: shown
            .attachments
            .iter()
            .filter_map(|a| {
                Some(AttachmentView {
                    kind: a.kind.clone(),
                    url: a.remote_url.clone()?,
                    description: a.description.clone(),
                })
            })
            .collect(),
        poll: shown.poll.as_ref().map(poll),
    }
}

pub fn notification(n: &NotificationDetail, viewer: &Account, urls: &Urls) -> NotificationView {
    let (kind, action) = match n.kind() {
        Some(Kind::Mention) => {
            let is_reply = n
                .status
                .as_ref()
                .is_some_and(|s| s.status.in_reply_to_account_id == Some(viewer.id));
            (
                "mention",
                if is_reply {
                    "replied to your post"
                } else {
                    "mentioned you"
                },
            )
        }
        Some(Kind::Reblog) => ("reblog", "boosted your post"),
        Some(Kind::Favourite) => ("favourite", "favourited your post"),
        Some(Kind::Follow) => ("follow", "followed you"),
        Some(Kind::FollowRequest) => ("follow_request", "asked to follow you"),
        Some(Kind::Status) => ("status", "posted"),
        None => ("other", "did something"),
    };
    let t = n.notification.created_at;
    NotificationView {
        id: n.notification.id.to_string(),
        kind,
        action,
        from: account(&n.from, urls),
        status: n.status.as_ref().map(|s| status(s, Some(viewer), urls)),
        unread: n.unread,
        created_iso: iso(t),
        created_full: full_time(t),
        created_short: short_time(t),
    }
}
