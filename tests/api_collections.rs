//! Bookmarks, favourites, blocks, follow requests and markers through the client API.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::TestApp;
use support::api::{get, send_json, user_token};

#[tokio::test]
async fn bookmarks_favourites_and_blocks_are_listed_and_paged() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let p = send_json(
            &app.base,
            Method::POST,
            "/api/v1/statuses",
            &bob,
            Some(json!({"status": format!("post {n}")})),
        )
        .await
        .json;
        ids.push(p["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        let b = send_json(
            &app.base,
            Method::POST,
            &format!("/api/v1/statuses/{id}/bookmark"),
            &alice,
            None,
        )
        .await;
        assert_eq!(b.json["bookmarked"], true);
        send_json(
            &app.base,
            Method::POST,
            &format!("/api/v1/statuses/{id}/favourite"),
            &alice,
            None,
        )
        .await;
    }
    let page = get(&app.base, "/api/v1/bookmarks?limit=2", &alice).await;
    assert_eq!(page.json.as_array().unwrap().len(), 2);
    assert_eq!(page.json[0]["id"], ids[2].as_str(), "newest bookmark first");
    let link = page.headers["link"].to_str().unwrap().to_string();
    let next = link
        .split('<')
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .trim_start_matches(&app.base)
        .to_string();
    let rest = get(&app.base, &next, &alice).await;
    assert_eq!(rest.json.as_array().unwrap().len(), 1);
    assert_eq!(rest.json[0]["id"], ids[0].as_str());
    let favs = get(&app.base, "/api/v1/favourites", &alice).await;
    assert_eq!(favs.json.as_array().unwrap().len(), 3);
    let un = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{}/unbookmark", ids[0]),
        &alice,
        None,
    )
    .await;
    assert_eq!(un.json["bookmarked"], false);
    assert_eq!(
        get(&app.base, "/api/v1/bookmarks", &alice)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Someone else's private post cannot be bookmarked (S27).
    let private = send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        &bob,
        Some(json!({"status": "mine", "visibility": "private"})),
    )
    .await
    .json;
    let r = send_json(
        &app.base,
        Method::POST,
        &format!(
            "/api/v1/statuses/{}/bookmark",
            private["id"].as_str().unwrap()
        ),
        &alice,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let b_id = app.account("bob").await.id.to_string();
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/accounts/{b_id}/block"),
        &alice,
        None,
    )
    .await;
    let blocks = get(&app.base, "/api/v1/blocks", &alice).await;
    assert_eq!(blocks.json[0]["username"], "bob");
    let no_scope = user_token(&app, "carol", "read:statuses").await;
    assert_eq!(
        get(&app.base, "/api/v1/bookmarks", &no_scope).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn follow_requests_are_authorized_or_rejected() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let carol = user_token(&app, "carol", "read write follow").await;
    sqlx::query("UPDATE accounts SET locked = true WHERE username = 'alice'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let a_id = app.account("alice").await.id.to_string();
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
        &format!("/api/v1/accounts/{a_id}/follow"),
        &carol,
        None,
    )
    .await;
    let requests = get(&app.base, "/api/v1/follow_requests", &alice).await;
    let names: Vec<&str> = requests
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carol", "bob"]);
    let b_id = app.account("bob").await.id.to_string();
    let c_id = app.account("carol").await.id.to_string();
    let ok = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/follow_requests/{b_id}/authorize"),
        &alice,
        None,
    )
    .await;
    assert_eq!(ok.json["followed_by"], true);
    let no = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/follow_requests/{c_id}/reject"),
        &alice,
        None,
    )
    .await;
    assert_eq!(no.json["followed_by"], false);
    assert_eq!(no.json["requested_by"], false);
    assert_eq!(
        get(&app.base, "/api/v1/follow_requests", &alice).await.json,
        json!([])
    );
}

#[tokio::test]
async fn markers_are_kept_per_timeline() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    let empty = get(
        &app.base,
        "/api/v1/markers?timeline[]=home&timeline[]=notifications",
        &alice,
    )
    .await;
    assert_eq!(empty.json, json!({}));
    let set = send_json(
        &app.base,
        Method::POST,
        "/api/v1/markers",
        &alice,
        Some(json!({"home": {"last_read_id": "103"}})),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.json);
    assert_eq!(set.json["home"]["last_read_id"], "103");
    let form = support::api::send_form(
        &app.base,
        "/api/v1/markers",
        &alice,
        &[
            ("home[last_read_id]", "99"),
            ("notifications[last_read_id]", "7"),
        ],
    )
    .await;
    assert_eq!(form.json["home"]["version"], 1);
    let both = get(
        &app.base,
        "/api/v1/markers?timeline[]=home&timeline[]=notifications",
        &alice,
    )
    .await;
    assert_eq!(both.json["home"]["last_read_id"], "99");
    assert_eq!(both.json["notifications"]["last_read_id"], "7");
    let mut r = snapshot::Redactor::new();
    r.server(&app.base, "https://starling.example");
    snapshot::assert_json_snapshot("api/marker.json", &r, &both.json);
}
