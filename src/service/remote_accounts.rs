//! Remote accounts: fetched (signed) from their origin, checked, sanitised and stored in
//! the same table as local ones. Nothing a remote server sends is trusted beyond what
//! its own host may speak for.

use crate::activitypub::fetch;
use crate::activitypub::parse::{RemoteActor, has_as_context};
use crate::db;
use crate::db::accounts::{Account, ProfileField, RemoteAccount};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;
use crate::text;
use crate::urls::authority;
use url::Url;

const NAME_MAX: usize = 100;
const NOTE_SOURCE_MAX: usize = 20_000;
const FIELD_MAX: usize = 2_000;
const ALIASES_MAX: usize = 20;

fn refuse(message: impl Into<String>) -> AppError {
    AppError::new(ErrorKind::Unavailable, message)
}

/// Keeps a URL only if it lives on the actor's own host (Misskey's rule for inboxes and
/// collections; Mastodon's for profile URLs).
pub(crate) fn same_host(candidate: Option<&str>, origin: &str) -> Option<String> {
    let url = Url::parse(candidate?).ok()?;
    (matches!(url.scheme(), "http" | "https") && authority(&url).as_deref() == Some(origin))
        .then(|| url.to_string())
}

fn valid_username(name: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    !name.is_empty()
        && name.len() <= 128
        && name.chars().all(ok_char)
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['-', '.'])
}

fn plain(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Fetches the actor at `uri` and stores (or refreshes) it. Refuses documents that are
/// not actors, lack an inbox or username, or speak for another host (S05, S07).
pub async fn fetch_and_store(state: &AppState, uri: &str) -> AppResult<Account> {
    let (doc, from) = fetch::fetch_object(state, uri).await?;
    let actor: RemoteActor =
        serde_json::from_value(doc).map_err(|_| refuse("That is not an actor"))?;
    store(state, &actor, &from).await
}

/// Checks and stores an actor fetched from `from`.
pub async fn store(state: &AppState, actor: &RemoteActor, from: &Url) -> AppResult<Account> {
    if !has_as_context(&actor.context) || !actor.is_actor_type() {
        return Err(refuse("That is not an actor"));
    }
    let origin = authority(from).ok_or_else(|| refuse("The actor has no host"))?;
    if state.urls.is_local(&actor.id) {
        return Err(refuse("A remote document cannot speak for a local account"));
    }
    let id = same_host(Some(&actor.id), &origin)
        .ok_or_else(|| refuse("The actor's id is on another host"))?;
    let inbox = same_host(actor.inbox.as_deref(), &origin)
        .ok_or_else(|| refuse("The actor has no inbox on its host"))?;
    let username = actor
        .preferred_username
        .as_deref()
        .filter(|u| valid_username(u))
        .ok_or_else(|| refuse("The actor has no usable username"))?;
    let key = actor.key();
    if let Some(k) = key {
        let owner_ok = k.owner.as_deref().is_none_or(|o| o == actor.id);
        let key_host_ok = same_host(Some(&k.id), &origin).is_some();
        if !owner_ok || !key_host_ok {
            return Err(refuse("The actor's key belongs to someone else"));
        }
    }
    let note_source: String = actor
        .summary
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(NOTE_SOURCE_MAX)
        .collect();
    let note = text::sanitize_remote_html(&note_source);
    let fields: Vec<ProfileField> = actor
        .fields()
        .into_iter()
        .map(|f| ProfileField {
            name: plain(&f.name, 255),
            value: text::html_to_plain(&f.value_html.chars().take(FIELD_MAX).collect::<String>()),
            value_html: text::sanitize_remote_html(
                &f.value_html.chars().take(FIELD_MAX).collect::<String>(),
            ),
            verified_at: None,
        })
        .collect();
    let kind = actor
        .kind
        .iter()
        .find(|t| {
            matches!(
                t.as_str(),
                "Person" | "Service" | "Group" | "Organization" | "Application"
            )
        })
        .cloned()
        .unwrap_or_else(|| "Person".into());
    let http_only = |u: Option<&str>| {
        u.filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(str::to_string)
    };
    let display_name = plain(actor.name.as_deref().unwrap_or(""), NAME_MAX);
    let url = same_host(actor.profile_url(), &origin);
    let outbox = same_host(actor.outbox.as_deref(), &origin);
    let shared_inbox = same_host(actor.shared_inbox(), &origin);
    let followers = same_host(actor.followers.as_deref(), &origin);
    let following = same_host(actor.following.as_deref(), &origin);
    let featured = same_host(actor.featured.as_deref(), &origin);
    let avatar = http_only(actor.icon_url());
    let aliases = aliases(actor);
    let account = RemoteAccount {
        username,
        domain: &origin,
        display_name: &display_name,
        note: &note,
        fields: &fields,
        uri: &id,
        url: url.as_deref(),
        actor_type: &kind,
        locked: actor.manually_approves_followers.unwrap_or(false),
        discoverable: actor.discoverable,
        indexable: actor.indexable.unwrap_or(false),
        inbox_url: &inbox,
        outbox_url: outbox.as_deref(),
        shared_inbox_url: shared_inbox.as_deref(),
        followers_url: followers.as_deref(),
        following_url: following.as_deref(),
        featured_url: featured.as_deref(),
        public_key_pem: key.map(|k| k.public_key_pem.as_str()),
        public_key_id: key.map(|k| k.id.as_str()),
        avatar_remote_url: avatar.as_deref(),
        header_remote_url: None,
        also_known_as: &aliases,
    };
    let stored = db::accounts::upsert_remote(&state.db, &account)
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e, "accounts_username_domain_key") {
                refuse("Another actor on that server already has this username")
            } else {
                e.into()
            }
        })?;
    db::accounts::find(&state.db, stored)
        .await?
        .ok_or_else(AppError::not_found)
}

/// The actor's `alsoKnownAs`: http(s) URLs only, a bounded number of bounded length.
fn aliases(actor: &RemoteActor) -> Vec<String> {
    let Some(list) = &actor.also_known_as else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for alias in list.iter().take(ALIASES_MAX * 4) {
        let usable = alias.len() <= 2048
            && Url::parse(alias).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if usable && !out.contains(alias) && out.len() < ALIASES_MAX {
            out.push(alias.clone());
        }
    }
    out
}

/// Refetches a known remote actor from its origin (on `Update` of the actor): what we
/// store always comes from the actor's own server, never from the activity's copy.
pub async fn refresh(state: &AppState, account: &Account) -> AppResult<Account> {
    if account.is_local() {
        return Err(AppError::invalid("Local accounts are not refreshed"));
    }
    let fresh = fetch_and_store(state, &account.uri).await?;
    if fresh.id != account.id {
        return Err(AppError::invalid(
            "The actor's document names another actor",
        ));
    }
    Ok(fresh)
}

/// A Move of `account` to `target_uri`: recorded only when the target, fetched afresh
/// from its origin (or ours, when local), lists the account among its `alsoKnownAs`,
/// as Mastodon requires. Returns whether the move was newly recorded. Followers are not
/// carried over yet.
pub async fn record_move(state: &AppState, account: &Account, target_uri: &str) -> AppResult<bool> {
    if target_uri == account.uri {
        return Err(AppError::invalid("An account cannot move to itself"));
    }
    let target = if state.urls.is_local(target_uri) {
        db::accounts::find_by_uri(&state.db, target_uri)
            .await?
            .filter(|a| a.is_local())
            .ok_or_else(AppError::not_found)?
    } else {
        fetch_and_store(state, target_uri).await?
    };
    if target.suspended_at.is_some() || target.moved_to_account_id.is_some() {
        return Err(AppError::invalid("The move target cannot be moved to"));
    }
    let aliases = db::accounts::also_known_as(&state.db, target.id).await?;
    if !aliases.iter().any(|a| a == &account.uri) {
        return Err(AppError::invalid(
            "The move target does not list the account among its aliases",
        ));
    }
    Ok(db::accounts::set_moved_to(&state.db, account.id, target.id).await?)
}

/// `user@domain` (with or without a leading `@`) to an account: ours directly; others by
/// WebFinger, then a signed fetch of the actor, whose handle must match what was asked
/// (so one server cannot claim another's users).
pub async fn resolve_handle(state: &AppState, handle: &str) -> AppResult<Account> {
    let handle = handle.trim().trim_start_matches('@');
    let (user, domain) = handle
        .split_once('@')
        .ok_or_else(|| AppError::invalid("Expected user@domain"))?;
    let domain = domain.to_ascii_lowercase();
    if user.is_empty()
        || !valid_username(user)
        || domain.is_empty()
        || domain.len() > 253
        || domain.contains(['/', '?', '#', '@'])
    {
        return Err(AppError::invalid("Expected user@domain"));
    }
    if domain == state.urls.domain().to_ascii_lowercase() {
        return db::accounts::find_local(&state.db, user)
            .await?
            .ok_or_else(AppError::not_found);
    }
    let known =
        db::accounts::find_by_handles(&state.db, &[(user.to_lowercase(), Some(domain.clone()))])
            .await?;
    if let Some(account) = known.into_iter().next() {
        return Ok(account);
    }
    // Plain http only when this server itself runs on http (development and tests).
    let scheme = if state.urls.is_https() {
        "https"
    } else {
        "http"
    };
    let mut url = Url::parse(&format!("{scheme}://{domain}/.well-known/webfinger"))
        .map_err(|_| AppError::invalid("Expected user@domain"))?;
    url.query_pairs_mut()
        .append_pair("resource", &format!("acct:{user}@{domain}"));
    let mut request = crate::outbound::OutboundRequest::get(url);
    request.headers.insert(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("application/jrd+json, application/json"),
    );
    let res = state
        .outbound
        .send(request)
        .await
        .map_err(|e| refuse(format!("Remote data could not be fetched: {e}")))?;
    if res.status == 404 || res.status == 410 {
        return Err(AppError::not_found());
    }
    if res.status != 200 {
        return Err(refuse(format!(
            "Remote data could not be fetched (HTTP {})",
            res.status
        )));
    }
    let jrd: crate::webfinger::Jrd =
        serde_json::from_slice(&res.body).map_err(|_| refuse("The WebFinger answer is not JRD"))?;
    let href = jrd
        .links
        .iter()
        .filter(|l| l.rel == "self")
        .filter(|l| {
            l.kind
                .as_deref()
                .is_some_and(crate::activitypub::fetch::is_activity_json)
        })
        .find_map(|l| l.href.clone())
        .ok_or_else(|| refuse("The account has no ActivityPub actor"))?;
    let account = fetch_and_store(state, &href).await?;
    let matches = account.username.eq_ignore_ascii_case(user)
        && account.domain.as_deref() == Some(domain.as_str());
    if !matches {
        return Err(refuse("The actor does not belong to that handle"));
    }
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_other_servers_accept() {
        assert!(valid_username("bob"));
        assert!(valid_username("bob.smith-2"));
        assert!(!valid_username(".bob"));
        assert!(!valid_username("bob-"));
        assert!(!valid_username("bob smith"));
        assert!(!valid_username("böb"));
        assert!(!valid_username(""));
    }

    #[test]
    fn aliases_are_urls_deduplicated_and_bounded() {
        let mut actor: RemoteActor = serde_json::from_value(serde_json::json!({
            "id": "https://a.example/users/x", "type": "Person",
            "alsoKnownAs": ["https://b.example/users/x", "javascript:alert(1)", "not a url",
                            "https://b.example/users/x", "http://c.example/u/x"]
        }))
        .unwrap();
        assert_eq!(
            aliases(&actor),
            vec!["https://b.example/users/x", "http://c.example/u/x"]
        );
        actor.also_known_as = Some(crate::activitypub::parse::OneOrMany::One(
            "https://d.example/@x".into(),
        ));
        assert_eq!(aliases(&actor), vec!["https://d.example/@x"]);
        actor.also_known_as = Some(crate::activitypub::parse::OneOrMany::Many(
            (0..100).map(|i| format!("https://e.example/{i}")).collect(),
        ));
        assert_eq!(aliases(&actor).len(), ALIASES_MAX);
        actor.also_known_as = None;
        assert!(aliases(&actor).is_empty());
    }

    #[test]
    fn only_same_host_urls_are_kept() {
        assert_eq!(
            same_host(Some("https://a.example/inbox"), "a.example").as_deref(),
            Some("https://a.example/inbox")
        );
        assert_eq!(
            same_host(Some("https://b.example/inbox"), "a.example"),
            None
        );
        assert_eq!(
            same_host(Some("https://a.example.evil.test/inbox"), "a.example"),
            None
        );
        assert_eq!(
            same_host(Some("http://a.example:8080/x"), "a.example:8080").as_deref(),
            Some("http://a.example:8080/x")
        );
        assert_eq!(same_host(Some("javascript:alert(1)"), "a.example"), None);
    }
}
