//! `GET /api/v2/search`: local accounts and hashtags, and remote accounts resolved by URL
//! for signed-in people only (S31: visitors cannot make us fetch).

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
