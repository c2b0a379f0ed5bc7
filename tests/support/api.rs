//! A Mastodon API client for tests: registers apps, walks the OAuth consent flow with a
//! signed-in browser stand-in, and calls endpoints with a bearer token.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::Web;

pub const REDIRECT: &str = "icecubesapp://";

/// A registered app's credentials.
#[derive(Debug, Clone)]
pub struct App {
    pub client_id: String,
    pub client_secret: String,
    pub json: Value,
}

pub struct JsonResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn wrap(r: reqwest::Response) -> JsonResponse {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    JsonResponse {
        status,
        headers,
        json,
    }
}

/// `POST /api/v1/apps` as JSON.
pub async fn register_app(base: &str, redirect_uris: &str, scopes: &str) -> App {
    let r = http()
        .post(format!("{base}/api/v1/apps"))
        .json(&serde_json::json!({
            "client_name": "Test App",
            "redirect_uris": redirect_uris,
            "scopes": scopes,
            "website": "https://app.example/"
        }))
        .send()
        .await
        .expect("POST /api/v1/apps");
    let res = wrap(r).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.json);
    App {
        client_id: res.json["client_id"]
            .as_str()
            .expect("client_id")
            .to_string(),
        client_secret: res.json["client_secret"]
            .as_str()
            .expect("secret")
            .to_string(),
        json: res.json,
    }
}

/// The authorize URL for `app` with `extra` query parameters.
pub fn authorize_path(
    app: &App,
    redirect_uri: &str,
    scope: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", scope);
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("/oauth/authorize?{}", q.finish())
}

/// Opens the consent page as `web` and approves; returns where the app is sent (the
/// Location of the redirect).
pub async fn consent(web: &Web, path: &str, decision: &str) -> super::Response {
    let page = web.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "consent page: {}", page.text());
    let hidden = hidden_fields(&page.body);
    let mut fields: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fields.push(("decision", decision));
    web.post("/oauth/authorize", &fields).await
}

/// The hidden inputs of the consent form (other than the CSRF token).
pub fn hidden_fields(body: &str) -> Vec<(String, String)> {
    let re = regex::Regex::new(r#"<input type="hidden" name="([^"]+)" value="([^"]*)">"#)
        .expect("regex");
    re.captures_iter(body)
        .filter(|c| &c[1] != "authenticity_token" && &c[1] != "return_to")
        .map(|c| (c[1].to_string(), html_unescape(&c[2])))
        .collect()
}

fn html_unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `code` (and `state`) in a redirect Location.
pub fn code_of(location: &str) -> (String, Option<String>) {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut code = String::new();
    let mut state = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "code" => code = v.into_owned(),
            "state" => state = Some(v.into_owned()),
            _ => {}
        }
    }
    (code, state)
}

/// `POST /oauth/token` with form fields.
pub async fn token_request(base: &str, fields: &[(&str, &str)]) -> JsonResponse {
    let r = http()
        .post(format!("{base}/oauth/token"))
        .form(fields)
        .send()
        .await
        .expect("POST /oauth/token");
    wrap(r).await
}

/// The whole flow: consent as `web`, code for a token; returns the access token.
pub async fn log_in_app(base: &str, web: &Web, app: &App, scope: &str) -> String {
    let res = consent(web, &authorize_path(app, REDIRECT, scope, &[]), "approve").await;
    let location = res.location().expect("redirect with the code").to_string();
    let (code, _) = code_of(&location);
    let token = token_request(
        base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.json);
    token.json["access_token"]
        .as_str()
        .expect("token")
        .to_string()
}

pub async fn get(base: &str, path: &str, token: &str) -> JsonResponse {
    let r = http()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    wrap(r).await
}

/// A request with a bearer token, any method, JSON body.
pub async fn send_json(
    base: &str,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> JsonResponse {
    let mut req = http()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    wrap(req.send().await.expect("request")).await
}

/// A request with a bearer token and a form body.
pub async fn send_form(
    base: &str,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> JsonResponse {
    let r = http()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .form(fields)
        .send()
        .await
        .expect("POST");
    wrap(r).await
}

/// A signed-in user `name` with a token of `scope` for a fresh app.
pub async fn user_token(app: &super::TestApp, name: &str, scope: &str) -> String {
    let web = app.signed_in(name).await;
    let client = register_app(&app.base, REDIRECT, "read write follow push").await;
    log_in_app(&app.base, &web, &client, scope).await
}

/// A form-encoded request with any method (`PATCH` for update_credentials, …).
pub async fn send_form_as(
    base: &str,
    method: Method,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> JsonResponse {
    let r = http()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token)
        .form(fields)
        .send()
        .await
        .expect("request");
    wrap(r).await
}
