//! Rows to Mastodon entities. The one place that decides how an account, app or status
//! looks in the client API.

use time::OffsetDateTime;

use crate::db::accounts::Account as AccountRow;
use crate::db::oauth::Application as AppRow;
use crate::db::users::{Role as UserRole, User};
use crate::mastodon::entities::account::{
    Account, CredentialAccount, Field, Role, Source, SourceField,
};
use crate::mastodon::entities::application::{Application, CredentialApplication};
use crate::state::AppState;

fn absolute(state: &AppState, path_or_url: String) -> String {
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
            privacy: "public".into(),
            sensitive: false,
            language: None,
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
