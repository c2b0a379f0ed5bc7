//! `GET /api/v2/search`: local accounts and hashtags, and remote accounts resolved by URL
//! for signed-in people only (S31: visitors cannot make us fetch).

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::TestApp;
use support::api::{self, get, send_json, user_token};
use support::remote::Remote;

#[tokio::test]
async fn search_finds_accounts_tags_and_resolves_remote_ones() {
    let remote = Remote::start_as("rita").await;
    let app = TestApp::start_allowing(&[&remote.host]).await;
    let alice = user_token(&app, "alice", "read write").await;
    user_token(&app, "bob", "read").await;
    send_json(
        &app.base,
        reqwest::Method::POST,
        "/api/v1/statuses",
        &alice,
        Some(json!({"status": "#Rustaceans unite"})),
    )
    .await;

    let bob = get(&app.base, "/api/v2/search?q=bob&type=accounts", &alice).await;
    assert_eq!(bob.status, StatusCode::OK);
    assert_eq!(bob.json["accounts"][0]["username"], "bob");
    assert_eq!(bob.json["statuses"], json!([]));
    assert_eq!(bob.json["hashtags"], json!([]));
    let tags = get(&app.base, "/api/v2/search?q=%23rust", &alice).await;
    assert_eq!(tags.json["hashtags"][0]["name"], "Rustaceans");
    assert!(
        tags.json["hashtags"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/tags/rustaceans")
    );

    // A visitor's resolve=true looks nothing up.
    let q = url::form_urlencoded::byte_serialize(remote.actor().as_bytes()).collect::<String>();
    let anon = api::http()
        .get(app.url(&format!("/api/v2/search?q={q}&resolve=true")))
        .send()
        .await
        .unwrap();
    let anon: serde_json::Value = anon.json().await.unwrap();
    assert_eq!(anon["accounts"], json!([]));
    assert!(
        remote.peer.gets.lock().unwrap().is_empty(),
        "no fetch for a visitor"
    );
    let found = get(
        &app.base,
        &format!("/api/v2/search?q={q}&resolve=true"),
        &alice,
    )
    .await;
    assert_eq!(
        found.json["accounts"][0]["acct"],
        remote.acct(),
        "{}",
        found.json
    );
}

#[tokio::test]
async fn search_results_and_tags_have_mastodons_shape() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    let bob = user_token(&app, "bob", "read write").await;
    for (token, text) in [
        (&alice, "#Snapshots are nice"),
        (&bob, "#snapshots again"),
        (&bob, "#snapshots thrice"),
    ] {
        send_json(
            &app.base,
            reqwest::Method::POST,
            "/api/v1/statuses",
            token,
            Some(json!({"status": text})),
        )
        .await;
    }
    // A followers-only use is not counted in the public history.
    send_json(
        &app.base,
        reqwest::Method::POST,
        "/api/v1/statuses",
        &alice,
        Some(json!({"status": "#snapshots hidden", "visibility": "private"})),
    )
    .await;
    let res = get(&app.base, "/api/v2/search?q=%23snap", &alice).await;
    assert_eq!(res.status, StatusCode::OK);
    let tag = &res.json["hashtags"][0];
    assert_eq!(tag["name"], "Snapshots", "the first spelling");
    let history = tag["history"].as_array().unwrap();
    assert_eq!(history.len(), 7);
    let sum = |key: &str| -> i64 {
        history
            .iter()
            .map(|h| h[key].as_str().unwrap().parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(sum("uses"), 3, "three public uses this week");
    assert!((2..=3).contains(&sum("accounts")), "by two people");
    let days: Vec<i64> = history
        .iter()
        .map(|h| h["day"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(days[0] % 86_400, 0, "midnight UTC");
    assert!(
        days.windows(2).all(|w| w[0] - w[1] == 86_400),
        "today first"
    );
    assert_eq!(tag["following"], false);
    let mut redactor = snapshot::Redactor::new();
    redactor.server(&app.base, "https://starling.example");
    snapshot::assert_json_snapshot("api/search.json", &redactor, &res.json);
    snapshot::assert_json_snapshot("api/tag.json", &redactor, tag);
    // Visitors get no `following`.
    let anon = api::http()
        .get(app.url("/api/v2/search?q=snapshots&type=hashtags"))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(anon["hashtags"][0].get("following").is_none());
}
