//! Notifications through the client API: what others do shows up with its account and
//! status, filtered by type or account, paged, dismissed, cleared and counted.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::TestApp;
use support::api::{get, send_json, user_token};

#[tokio::test]
async fn follows_favourites_mentions_and_boosts_notify() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let a_id = app.account("alice").await.id.to_string();
    let b_id = app.account("bob").await.id.to_string();
    let post = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &alice,
        Some(json!({"status": "notice me"})),
    )
    .await
    .json;
    let pid = post["id"].as_str().unwrap();
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{a_id}/follow"),
        &bob,
        None,
    )
    .await;
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{pid}/favourite"),
        &bob,
        None,
    )
    .await;
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{pid}/reblog"),
        &bob,
        None,
    )
    .await;
    send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "@alice hello"})),
    )
    .await;

    let all = get(&app.base, "/api/v1/notifications", &alice).await;
    assert_eq!(all.status, StatusCode::OK);
    let kinds: Vec<&str> = all
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["mention", "reblog", "favourite", "follow"],
        "newest first"
    );
    assert_eq!(all.json[0]["account"]["id"], b_id.as_str());
    assert_eq!(all.json[2]["status"]["id"], pid);
    assert!(
        all.json[3].get("status").is_none(),
        "a follow has no status"
    );
    assert!(
        all.json[0]["group_key"]
            .as_str()
            .unwrap()
            .starts_with("ungrouped-")
    );
    // Favourites of one post share a group key: the post and the hour the group began.
    let key = all.json[2]["group_key"].as_str().unwrap();
    assert!(key.starts_with(&format!("favourite-{pid}-")), "{key}");
    let mut r = snapshot::Redactor::new();
    r.server(&app.base, "https://starling.example");
    r.replace(key, format!("favourite-{pid}-[hour]"));
    snapshot::assert_json_snapshot(
        "api/notification.json",
        &r,
        &snapshot::without_days(&all.json[2]),
    );

    let only = get(
        &app.base,
        "/api/v1/notifications?types[]=favourite&types[]=follow",
        &alice,
    )
    .await;
    assert_eq!(only.json.as_array().unwrap().len(), 2);
    let without = get(
        &app.base,
        "/api/v1/notifications?exclude_types[]=mention",
        &alice,
    )
    .await;
    assert_eq!(without.json.as_array().unwrap().len(), 3);
    let from_nobody = get(
        &app.base,
        &format!("/api/v1/notifications?account_id={a_id}"),
        &alice,
    )
    .await;
    assert_eq!(from_nobody.json, json!([]));
    let paged = get(&app.base, "/api/v1/notifications?limit=1", &alice).await;
    assert!(paged.headers["link"].to_str().unwrap().contains("max_id="));

    let count = get(&app.base, "/api/v1/notifications/unread_count", &alice).await;
    assert_eq!(count.json, json!({"count": 4}));
    let first_id = all.json[0]["id"].as_str().unwrap();
    let one = get(
        &app.base,
        &format!("/api/v1/notifications/{first_id}"),
        &alice,
    )
    .await;
    assert_eq!(one.json["type"], "mention");
    assert_eq!(
        get(
            &app.base,
            &format!("/api/v1/notifications/{first_id}"),
            &bob
        )
        .await
        .status,
        StatusCode::NOT_FOUND,
        "not yours"
    );
    let dismissed = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/notifications/{first_id}/dismiss"),
        &bob,
        None,
    )
    .await;
    assert_eq!(dismissed.status, StatusCode::NOT_FOUND);
    let dismissed = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/notifications/{first_id}/dismiss"),
        &alice,
        None,
    )
    .await;
    assert_eq!(dismissed.status, StatusCode::OK);
    assert_eq!(
        get(&app.base, "/api/v1/notifications", &alice)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        3
    );
    send_json(
        &app.base,
        Method::POST,
        "/api/v1/notifications/clear",
        &alice,
        None,
    )
    .await;
    assert_eq!(
        get(&app.base, "/api/v1/notifications", &alice).await.json,
        json!([])
    );

    let no_scope = user_token(&app, "carol", "write").await;
    assert_eq!(
        get(&app.base, "/api/v1/notifications", &no_scope)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
