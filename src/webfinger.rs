//! WebFinger (`/.well-known/webfinger`) and host-meta: how other servers and apps turn
//! `@alice@our.domain` into the actor URL.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::urls::Urls;

pub const JRD: &str = "application/jrd+json; charset=utf-8";
pub const AP_JSON: &str = "application/activity+json";

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Jrd {
    pub subject: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub links: Vec<JrdLink>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct JrdLink {
    pub rel: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// Who a WebFinger resource names, if it names one of ours.
#[derive(Debug, PartialEq)]
pub enum Resource {
    Local(String),
    InstanceActor,
}

/// Reads `acct:user@domain` (with or without `acct:`, a leading `@`, any case of the
/// domain), or one of our actor or profile URLs. Anything on another domain is not ours.
pub fn parse_resource(raw: &str, urls: &Urls) -> Option<Resource> {
    let raw = raw.trim();
    if raw.starts_with("http://") || raw.starts_with("https://") {
        if raw == urls.instance_actor_uri() {
            return Some(Resource::InstanceActor);
        }
        let path = raw.strip_prefix(urls.base())?;
        let name = path
            .strip_prefix("/users/")
            .or_else(|| path.strip_prefix("/@"))?;
        return valid_local(name).map(Resource::Local);
    }
    let acct = raw
        .strip_prefix("acct:")
        .unwrap_or(raw)
        .trim_start_matches('@');
    let (user, domain) = acct.rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(urls.domain()) {
        return None;
    }
    if user.eq_ignore_ascii_case(urls.domain()) {
        return Some(Resource::InstanceActor);
    }
    valid_local(user).map(Resource::Local)
}

fn valid_local(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then(|| name.to_string())
}

pub fn jrd_for_account(account: &Account, urls: &Urls) -> Jrd {
    let profile = urls.profile_url(&account.username);
    Jrd {
        subject: format!("acct:{}@{}", account.username, urls.domain()),
        aliases: vec![profile.clone(), account.uri.clone()],
        links: vec![
            JrdLink {
                rel: "http://webfinger.net/rel/profile-page".into(),
                kind: Some("text/html".into()),
                href: Some(profile),
                template: None,
            },
            JrdLink {
                rel: "self".into(),
                kind: Some(AP_JSON.into()),
                href: Some(account.uri.clone()),
                template: None,
            },
            JrdLink {
                rel: "http://ostatus.org/schema/1.0/subscribe".into(),
                kind: None,
                href: None,
                template: Some(urls.path("/authorize_interaction?uri={uri}")),
            },
        ],
    }
}

pub fn jrd_for_instance_actor(urls: &Urls) -> Jrd {
    let uri = urls.instance_actor_uri();
    Jrd {
        subject: format!("acct:{0}@{0}", urls.domain()),
        aliases: vec![uri.clone()],
        links: vec![
            JrdLink {
                rel: "http://webfinger.net/rel/profile-page".into(),
                kind: Some("text/html".into()),
                href: Some(urls.path("/about")),
                template: None,
            },
            JrdLink {
                rel: "self".into(),
                kind: Some(AP_JSON.into()),
                href: Some(uri),
                template: None,
            },
        ],
    }
}

/// The JRD for a resource, or "not found" for anything that is not one of ours (and
/// for suspended accounts, like Mastodon).
pub async fn lookup(state: &AppState, resource: &str) -> AppResult<Jrd> {
    match parse_resource(resource, &state.urls) {
        Some(Resource::InstanceActor) => Ok(jrd_for_instance_actor(&state.urls)),
        Some(Resource::Local(name)) => {
            let account = db::accounts::find_local(&state.db, &name)
                .await?
                .filter(Account::is_addressable)
                .ok_or_else(AppError::not_found)?;
            Ok(jrd_for_account(&account, &state.urls))
        }
        None => Err(AppError::not_found()),
    }
}

#[derive(Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

pub async fn webfinger(State(state): State<AppState>, Query(q): Query<WebfingerQuery>) -> Response {
    let Some(resource) = q.resource.filter(|r| !r.trim().is_empty()) else {
        return with_cors(
            AppError::bad_request("The resource parameter is required").into_response(),
        );
    };
    let res = match lookup(&state, &resource).await {
        Ok(jrd) => match serde_json::to_vec(&jrd) {
            Ok(body) => ([(header::CONTENT_TYPE, JRD)], body).into_response(),
            Err(e) => AppError::internal(e).into_response(),
        },
        Err(e) => e.into_response(),
    };
    with_cors(res)
}

pub async fn host_meta(State(state): State<AppState>) -> Response {
    let template =
        crate::text::escape_html(&state.urls.path("/.well-known/webfinger?resource={uri}"));
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{template}\"/>\n</XRD>\n"
    );
    with_cors(
        (
            [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
            body,
        )
            .into_response(),
    )
}

fn with_cors(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if res.status() == StatusCode::OK {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=259200, public"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_in_every_shape_servers_send() {
        let urls = Urls::new("https://Starling.Example").unwrap();
        let alice = Some(Resource::Local("alice".into()));
        assert_eq!(parse_resource("acct:alice@starling.example", &urls), alice);
        assert_eq!(parse_resource("acct:alice@STARLING.example", &urls), alice);
        assert_eq!(parse_resource("@alice@starling.example", &urls), alice);
        assert_eq!(parse_resource("alice@starling.example", &urls), alice);
        assert_eq!(
            parse_resource("https://starling.example/users/alice", &urls),
            alice
        );
        assert_eq!(
            parse_resource("https://starling.example/@alice", &urls),
            alice
        );
        assert_eq!(
            parse_resource("acct:starling.example@starling.example", &urls),
            Some(Resource::InstanceActor)
        );
        assert_eq!(
            parse_resource("https://starling.example/actor", &urls),
            Some(Resource::InstanceActor)
        );
        assert_eq!(parse_resource("acct:alice@elsewhere.example", &urls), None);
        assert_eq!(
            parse_resource("https://elsewhere.example/users/alice", &urls),
            None
        );
        assert_eq!(
            parse_resource("https://starling.example.evil.test/users/alice", &urls),
            None
        );
        assert_eq!(parse_resource("acct:al/ice@starling.example", &urls), None);
        assert_eq!(parse_resource("acct:alice", &urls), None);
        assert_eq!(parse_resource("", &urls), None);
    }
}
