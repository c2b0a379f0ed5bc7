//! Rows to Mastodon entities. The one place that decides how an account, app or status
//! looks in the client API.

pub mod notification_groups;
pub mod notification_policies;

use time::OffsetDateTime;

use crate::db::accounts::Account as AccountRow;
use crate::db::oauth::Application as AppRow;
use crate::db::users::{Role as UserRole, User};
use crate::mastodon::entities::account::{
    Account, CredentialAccount, Field, Role, Source, SourceField,
};
use crate::mastodon::entities::application::{Application, CredentialApplication};
use crate::state::AppState;

/// A path on this server as an absolute URL; a URL stays as it is.
pub fn absolute(state: &AppState, path_or_url: String) -> String {
    if path_or_url.starts_with('/') {
        format!("{}{}", state.urls.base().trim_end_matches('/'), path_or_url)
    } else {
        path_or_url
    }
}

/// Mastodon shows account creation dates clamped to midnight UTC.
fn midnight(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(time::UtcOffset::UTC)
        .replace_time(time::Time::MIDNIGHT)
}

pub fn account(state: &AppState, a: &AccountRow) -> Account {
    let url = if a.is_local() {
        state.urls.profile_url(&a.username)
    } else {
        a.url.clone().unwrap_or_else(|| a.uri.clone())
    };
    let default_avatar = absolute(state, state.assets.url("avatar.png"));
    let default_header = absolute(state, state.assets.url("header.png"));
    let avatar = a.avatar_remote_url.clone().unwrap_or(default_avatar);
    let header = a.header_remote_url.clone().unwrap_or(default_header);
    let suspended = a.suspended_at.is_some();
    Account {
        id: a.id.to_string(),
        username: a.username.clone(),
        acct: a.acct(),
        // A suspended account shows nothing of itself, as in Mastodon.
        display_name: if suspended {
            String::new()
        } else {
            a.display_name.clone()
        },
        locked: a.locked,
        bot: a.is_bot(),
        discoverable: a.discoverable,
        indexable: a.discoverable.unwrap_or(false),
        group: a.actor_type == "Group",
        created_at: midnight(a.created_at),
        note: if suspended {
            String::new()
        } else {
            a.note.clone()
        },
        url,
        uri: a.uri.clone(),
        avatar_static: avatar.clone(),
        avatar,
        header_static: header.clone(),
        header,
        followers_count: a.followers_count.max(0),
        following_count: a.following_count.max(0),
        statuses_count: a.statuses_count.max(0),
        last_status_at: a.last_status_at.map(|t| {
            let d = t.to_offset(time::UtcOffset::UTC).date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        }),
        hide_collections: None,
        noindex: if a.is_local() { Some(false) } else { None },
        emojis: Vec::new(),
        roles: Vec::new(),
        fields: if suspended {
            Vec::new()
        } else {
            a.fields
                .0
                .iter()
                .map(|f| Field {
                    name: f.name.clone(),
                    value: f.value_html.clone(),
                    verified_at: None,
                })
                .collect()
        },
        moved: None,
        suspended: suspended.then_some(true),
        limited: None,
        memorial: a.memorial.then_some(true),
    }
}

/// The signed-in person's own account, with what they typed and their role.
pub fn credential_account(
    state: &AppState,
    a: &AccountRow,
    user: &User,
    follow_requests_count: i64,
) -> CredentialAccount {
    CredentialAccount {
        account: account(state, a),
        source: Source {
            privacy: user.default_visibility().as_str().into(),
            sensitive: user.settings.default_sensitive,
            language: user.posting_language(),
            note: a.note_source.clone(),
            fields: a
                .fields
                .0
                .iter()
                .map(|f| SourceField {
                    name: f.name.clone(),
                    value: f.value.clone(),
                    verified_at: None,
                })
                .collect(),
            follow_requests_count,
            hide_collections: None,
            discoverable: a.discoverable,
            indexable: a.discoverable.unwrap_or(false),
            attribution_domains: Vec::new(),
        },
        role: role(user.role()),
    }
}

/// Mastodon's default roles and permission bits (everyone: invite users, 1 << 16).
pub fn role(r: UserRole) -> Role {
    let (id, name, permissions, highlighted) = match r {
        UserRole::User => ("-99", "", 1u64 << 16, false),
        // view_dashboard, view_audit_log, manage_users, manage_reports, manage_taxonomies
        UserRole::Moderator => (
            "1",
            "Moderator",
            (1 << 3) | (1 << 2) | (1 << 10) | (1 << 4) | (1 << 8) | (1 << 16),
            true,
        ),
        // administrator and every other bit
        UserRole::Admin => ("3", "Owner", (1 << 20) - 1, true),
    };
    Role {
        id: id.into(),
        name: name.into(),
        permissions: permissions.to_string(),
        color: String::new(),
        highlighted,
    }
}

pub fn application(app: &AppRow) -> Application {
    Application {
        id: app.id.to_string(),
        name: app.name.clone(),
        website: app.website.clone(),
        scopes: app.scopes.split_whitespace().map(str::to_string).collect(),
        redirect_uri: app.redirect_uris.join("\n"),
        redirect_uris: app.redirect_uris.clone(),
        vapid_key: None,
    }
}

pub fn credential_application(app: &AppRow) -> CredentialApplication {
    CredentialApplication {
        application: application(app),
        client_id: app.client_id.clone(),
        client_secret: app.client_secret.clone(),
        client_secret_expires_at: 0,
    }
}

use crate::id::AccountId;
use crate::mastodon::entities::account::CustomEmoji;
use crate::mastodon::entities::status::{
    MediaAttachment, Mention, Poll, PollOption, Status, StatusApplication, StatusTag,
};
use crate::service::timelines::StatusDetail;

fn emoji(shortcode: &str, url: &str) -> CustomEmoji {
    CustomEmoji {
        shortcode: shortcode.to_string(),
        url: url.to_string(),
        static_url: url.to_string(),
        visible_in_picker: false,
        category: None,
    }
}

/// A status as `viewer` sees it (what they did to it came with the details).
pub fn status(state: &AppState, d: &StatusDetail, viewer: Option<AccountId>) -> Status {
    let s = &d.status;
    let url = if s.local && s.reblog_of_id.is_none() {
        Some(state.urls.status_url(&d.account.username, s.id))
    } else {
        s.url.clone().filter(|u| !u.is_empty())
    };
    let signed_in = viewer.is_some();
    let own = viewer == Some(s.account_id);
    let now = OffsetDateTime::now_utc();
    Status {
        id: s.id.to_string(),
        created_at: s.created_at,
        in_reply_to_id: s.in_reply_to_id.map(|i| i.to_string()),
        in_reply_to_account_id: s.in_reply_to_account_id.map(|i| i.to_string()),
        sensitive: s.sensitive,
        spoiler_text: s.spoiler_text.clone(),
        visibility: s.visibility().as_str(),
        language: s.language.clone(),
        uri: s.uri.clone(),
        url,
        replies_count: s.replies_count.max(0),
        reblogs_count: s.reblogs_count.max(0),
        favourites_count: s.favourites_count.max(0),
        edited_at: s.edited_at,
        content: s.content.clone(),
        reblog: d
            .reblog
            .as_ref()
            .map(|r| Box::new(status(state, r, viewer))),
        application: s.local.then(|| {
            d.application
                .as_ref()
                .map(|(name, website)| StatusApplication {
                    name: name.clone(),
                    website: website.clone(),
                })
        }),
        account: account(state, &d.account),
        media_attachments: d
            .attachments
            .iter()
            .filter_map(|a| {
                let url = a.remote_url.clone()?;
                let meta = match (a.width, a.height) {
                    (Some(w), Some(h)) if w > 0 && h > 0 => Some(serde_json::json!({
                        "original": {"width": w, "height": h, "size": format!("{w}x{h}"), "aspect": f64::from(w) / f64::from(h)}
                    })),
                    _ => None,
                };
                Some(MediaAttachment {
                    id: a.id.to_string(),
                    kind: a.kind.clone(),
                    preview_url: url.clone(),
                    url: url.clone(),
                    remote_url: Some(url),
                    meta,
                    description: Some(a.description.clone()).filter(|d| !d.is_empty()),
                    blurhash: a.blurhash.clone(),
                })
            })
            .collect(),
        mentions: d
            .mentions
            .iter()
            .map(|m| {
                let a = account(state, m);
                Mention {
                    id: a.id,
                    username: a.username,
                    url: a.url,
                    acct: a.acct,
                }
            })
            .collect(),
        tags: d
            .tags
            .iter()
            .map(|(_, name)| StatusTag {
                name: name.to_lowercase(),
                url: state.urls.tag_url(&name.to_lowercase()),
            })
            .collect(),
        emojis: d.emojis.iter().map(|(c, u)| emoji(c, u)).collect(),
        card: None,
        poll: d.poll.as_ref().map(|p| {
            let votes: i64 = p.options.0.iter().filter_map(|o| o.votes_count).sum();
            Poll {
                id: s.id.to_string(),
                expires_at: p.expires_at,
                expired: p.expires_at.is_some_and(|e| e <= now),
                multiple: p.multiple,
                votes_count: votes,
                voters_count: p.voters_count,
                options: p
                    .options
                    .0
                    .iter()
                    .map(|o| PollOption {
                        title: o.title.clone(),
                        votes_count: o.votes_count,
                    })
                    .collect(),
                emojis: Vec::new(),
                voted: signed_in.then_some(own),
                own_votes: signed_in.then(Vec::new),
            }
        }),
        text: None,
        favourited: signed_in.then_some(d.favourited),
        reblogged: signed_in.then_some(d.reblogged),
        muted: signed_in.then_some(d.muted),
        bookmarked: signed_in.then_some(d.bookmarked),
        pinned: own.then_some(d.pinned),
        filtered: signed_in.then(Vec::new),
    }
}

/// A page of statuses, in order.
pub fn statuses(
    state: &AppState,
    details: &[StatusDetail],
    viewer: Option<&AccountRow>,
) -> Vec<Status> {
    let viewer = viewer.map(|v| v.id);
    details.iter().map(|d| status(state, d, viewer)).collect()
}

pub fn relationship(
    r: &crate::db::follows::FullRelationship,
) -> crate::mastodon::entities::account::Relationship {
    crate::mastodon::entities::account::Relationship {
        id: r.id.to_string(),
        following: r.following,
        showing_reblogs: r.showing_reblogs,
        notifying: r.notifying,
        languages: r.languages.clone(),
        followed_by: r.followed_by,
        blocking: r.blocking,
        blocked_by: r.blocked_by,
        muting: r.muting,
        muting_notifications: r.muting_notifications,
        muting_expires_at: r.muting_expires_at,
        requested: r.requested,
        requested_by: r.requested_by,
        // Domain blocks by users and endorsements come with later issues; until then
        // nobody has any.
        domain_blocking: false,
        endorsed: false,
        note: r.note.clone(),
    }
}

/// A page of notifications, their statuses presented together.
pub fn notifications(
    state: &AppState,
    items: &[crate::service::notifications::NotificationDetail],
    viewer: &AccountRow,
) -> Vec<crate::mastodon::entities::notification::Notification> {
    items
        .iter()
        .map(|n| crate::mastodon::entities::notification::Notification {
            id: n.notification.id.to_string(),
            kind: n.notification.kind.clone(),
            created_at: n.notification.created_at,
            group_key: n.notification.shown_group_key(),
            filtered: n.notification.filtered.then_some(true),
            account: account(state, &n.from),
            status: n.status.as_ref().map(|d| status(state, d, Some(viewer.id))),
        })
        .collect()
}

/// Hashtags with their last seven days of use (today first).
pub async fn tags(
    state: &AppState,
    tags: &[crate::db::tags::Tag],
    signed_in: bool,
) -> crate::error::AppResult<Vec<crate::mastodon::entities::tag::Tag>> {
    use crate::mastodon::entities::tag::{Tag, TagHistory};
    let today = time::OffsetDateTime::now_utc()
        .date()
        .midnight()
        .assume_utc();
    let since = today - time::Duration::days(6);
    let ids: Vec<crate::id::TagId> = tags.iter().map(|t| t.id).collect();
    let rows = crate::db::tags::daily_use(&state.db, &ids, since).await?;
    let used: std::collections::HashMap<(crate::id::TagId, i64), (i64, i64)> = rows
        .into_iter()
        .map(|(tag, day, uses, accounts)| ((tag, day), (uses, accounts)))
        .collect();
    Ok(tags
        .iter()
        .map(|t| Tag {
            id: t.id.to_string(),
            url: state.urls.tag_url(&t.name.to_lowercase()),
            name: t.name.clone(),
            history: (0..7)
                .map(|back| {
                    let day = (today - time::Duration::days(back)).unix_timestamp();
                    let (uses, accounts) = used.get(&(t.id, day)).copied().unwrap_or((0, 0));
                    TagHistory {
                        day: day.to_string(),
                        uses: uses.to_string(),
                        accounts: accounts.to_string(),
                    }
                })
                .collect(),
            following: signed_in.then_some(false),
        })
        .collect())
}
