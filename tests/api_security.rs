//! The client-API attacks of the security catalogue (`security.md` S25–S28, S31–S33),
//! one test per scenario, its steps as comments. They run against the real router with
//! the catalogue's cast:
//! - `alice`: locked, with a public post `P_pub`, a followers-only post `P_fo` and a
//!   direct post `P_dm` to bob, each with words and a hashtag found nowhere else;
//! - `bob`: alice's approved follower;
//! - `carol`: no relation to anyone, the attacker; and visitors without a token.
//!
//! Each attack is checked over HTTP (status, body, what alice and bob see afterwards);
//! where "nothing changed" is the point, the database is read as well.
//!
//! Coverage that lives elsewhere: S26's signed Accept from someone else
//! (`inbox_activities::only_the_account_asked_can_accept_or_reject`), S28's log-in
//! timing (`timing.rs`), S29's ActivityPub and HTML side (`hostile/private.rs`), S44's
//! scopes (`api_scopes.rs`).

mod support;

#[path = "api_security/accounts.rs"]
mod accounts;
#[path = "api_security/hidden.rs"]
mod hidden;
#[path = "api_security/limits.rs"]
mod limits;
#[path = "api_security/locked.rs"]
mod locked;
#[path = "api_security/ownership.rs"]
mod ownership;
#[path = "api_security/search.rs"]
mod search;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestApp;
use support::api::{JsonResponse, user_token};

/// The cast, each with a token for "read write follow".
pub struct Rig {
    pub app: TestApp,
    pub alice: String,
    pub bob: String,
    pub carol: String,
    pub alice_id: String,
    pub bob_id: String,
    pub p_pub: String,
    pub p_fo: String,
    pub p_dm: String,
}

/// Words and tags that appear only in the private posts.
pub const FO_WORDS: &str = "secretfollowerwords";
pub const FO_TAG: &str = "hiddenfotag";
pub const DM_WORDS: &str = "secretdirectwords";
pub const DM_TAG: &str = "hiddendmtag";

impl Rig {
    pub async fn start() -> Rig {
        Self::with(TestApp::start().await).await
    }

    /// The cast on `app`: alice locked, bob following her (asked, then authorised),
    /// alice's three posts.
    pub async fn with(app: TestApp) -> Rig {
        let alice = user_token(&app, "alice", "read write follow").await;
        let bob = user_token(&app, "bob", "read write follow").await;
        let carol = user_token(&app, "carol", "read write follow").await;
        let alice_id = app.account("alice").await.id.to_string();
        let bob_id = app.account("bob").await.id.to_string();
        let locked = call(
            &app,
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice),
            Some(json!({"locked": true})),
        )
        .await;
        assert_eq!(locked.json["locked"], true, "{}", locked.json);
        let asked = call(
            &app,
            Method::POST,
            &format!("/api/v1/accounts/{alice_id}/follow"),
            Some(&bob),
            None,
        )
        .await;
        assert_eq!(asked.json["requested"], true, "{}", asked.json);
        let allowed = call(
            &app,
            Method::POST,
            &format!("/api/v1/follow_requests/{bob_id}/authorize"),
            Some(&alice),
            None,
        )
        .await;
        assert_eq!(allowed.json["followed_by"], true, "{}", allowed.json);
        let p_pub = post(&app, &alice, "public words #opentag", "public").await;
        let p_fo = post(&app, &alice, &format!("{FO_WORDS} #{FO_TAG}"), "private").await;
        let p_dm = post(
            &app,
            &alice,
            &format!("@bob {DM_WORDS} #{DM_TAG}"),
            "direct",
        )
        .await;
        Rig {
            app,
            alice,
            bob,
            carol,
            alice_id,
            bob_id,
            p_pub,
            p_fo,
            p_dm,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> JsonResponse {
        call(&self.app, method, path, token, body).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> JsonResponse {
        call(&self.app, Method::GET, path, token, None).await
    }
}

/// Any request, with a token or as a visitor, with an optional JSON body.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> JsonResponse {
    let mut req = support::api::http().request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    JsonResponse {
        status,
        headers,
        json: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// Posts through the API; returns the new status's id.
pub async fn post(app: &TestApp, token: &str, text: &str, visibility: &str) -> String {
    let r = call(
        app,
        Method::POST,
        "/api/v1/statuses",
        Some(token),
        Some(json!({"status": text, "visibility": visibility})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    r.json["id"].as_str().expect("id").to_string()
}

/// The ids in a JSON list of statuses or accounts.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a response carries any of the private posts' words or tags.
pub fn leaks(body: &Value) -> bool {
    let text = body.to_string();
    [FO_WORDS, FO_TAG, DM_WORDS, DM_TAG]
        .iter()
        .any(|w| text.contains(w))
}

/// `count(*)` of a query with one bigint parameter.
pub async fn count(app: &TestApp, sql: &str, id: &str) -> i64 {
    let id: i64 = id.parse().expect("numeric id");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .expect("count")
}
