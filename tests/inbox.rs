//! Inboxes: signed activities from a scripted remote actor (with a real key) are
//! verified, queued and processed; unsigned, mis-signed or mis-attributed ones are 401
//! with nothing stored.

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use starling::httpsig::{IncomingSignature, RequestParts, VerifyingKey};
use support::TestApp;
use support::remote::{AP, Remote};

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_follow_is_accepted_and_answered_with_a_signed_accept() {
    let remote = Remote::start().await;
    let allowed = remote.host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let follow = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}#follows/1", remote.actor()),
                        "type": "Follow", "actor": remote.actor(), "object": alice.uri});
    assert_eq!(
        remote
            .post(&app.url("/users/alice/inbox"), &follow, true)
            .await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(app.account("alice").await.followers_count, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notifications WHERE type = 'follow'"
        )
        .await,
        1
    );
    // The same Follow again changes nothing but is accepted again.
    assert_eq!(
        remote.post(&app.url("/inbox"), &follow, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(app.account("alice").await.followers_count, 1);
    let posts = remote.peer.posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 2, "an Accept for each Follow");
    let (path, headers, body) = &posts[0];
    assert_eq!(path, "/users/rita/inbox");
    let accept: Value = serde_json::from_str(body).unwrap();
    assert_eq!(accept["type"], "Accept");
    assert_eq!(accept["actor"], alice.uri);
    assert_eq!(accept["object"]["id"], follow["id"]);
    assert_eq!(accept["object"]["actor"], remote.actor());
    let sig = IncomingSignature::parse(headers).unwrap();
    let pem = starling::db::accounts::public_key_pem(&app.state.db, alice.id)
        .await
        .unwrap()
        .unwrap();
    let parts = RequestParts::new("POST", "http", &remote.host, path, headers);
    sig.verify(
        &parts,
        body.as_bytes(),
        &VerifyingKey::from_pem(&pem).unwrap(),
        std::time::SystemTime::now(),
    )
    .expect("the Accept is signed by alice");
    // Undo removes the follow.
    let undo = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}#follows/1/undo", remote.actor()),
                      "type": "Undo", "actor": remote.actor(), "object": follow});
    assert_eq!(
        remote.post(&app.url("/inbox"), &undo, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(app.account("alice").await.followers_count, 0);
}

#[tokio::test]
async fn a_locked_account_gets_a_request() {
    let remote = Remote::start().await;
    let allowed = remote.host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    let alice = app.signed_in("alice").await;
    alice.get("/settings/profile").await;
    alice.post("/settings/profile", &[("locked", "1")]).await;
    let uri = app.account("alice").await.uri;
    let follow = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}#follows/2", remote.actor()),
                        "type": "Follow", "actor": remote.actor(), "object": uri});
    assert_eq!(
        remote.post(&app.url("/inbox"), &follow, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(count(&app, "SELECT count(*) FROM follow_requests").await, 1);
    assert_eq!(app.account("alice").await.followers_count, 0);
    assert!(alice.get("/follow_requests").await.text().contains("rita"));
    assert!(
        remote.peer.posts.lock().unwrap().is_empty(),
        "no Accept before the owner decides"
    );
}

#[tokio::test]
async fn activities_that_cannot_be_verified_are_refused_with_nothing_stored() {
    let remote = Remote::start().await;
    let allowed = remote.host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let follow = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}#follows/3", remote.actor()),
                        "type": "Follow", "actor": remote.actor(), "object": alice.uri});
    // Unsigned.
    assert_eq!(
        remote.post(&app.url("/inbox"), &follow, false).await,
        StatusCode::UNAUTHORIZED
    );
    // Signed by rita, claiming to be someone else (S07).
    let mut impostor = follow.clone();
    impostor["actor"] = json!("https://victim.example/users/vic");
    assert_eq!(
        remote.post(&app.url("/inbox"), &impostor, true).await,
        StatusCode::UNAUTHORIZED
    );
    // A body changed after signing (digest mismatch).
    let body = follow.to_string();
    let url = url::Url::parse(&app.url("/inbox")).unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("content-type", AP.parse().unwrap());
    starling::httpsig::sign_outgoing(
        &reqwest::Method::POST,
        &url,
        &mut headers,
        Some(body.as_bytes()),
        &remote.key,
        &format!("{}#main-key", remote.actor()),
        std::time::SystemTime::now(),
    )
    .unwrap();
    let tampered = body.replace("follows/3", "follows/4");
    let status = reqwest::Client::new()
        .post(url)
        .headers(headers)
        .body(tampered)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Oversized.
    let big = json!({"type": "Note", "content": "x".repeat(1_100_000)});
    assert!(
        remote
            .post(&app.url("/inbox"), &big, true)
            .await
            .is_client_error()
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM jobs").await,
        0,
        "nothing was queued"
    );
    assert_eq!(app.account("alice").await.followers_count, 0);
}

#[tokio::test]
async fn created_posts_appear_notify_the_mentioned_and_deletes_stick() {
    let remote = Remote::start().await;
    let allowed = remote.host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let note_id = format!("{}/notes/1", remote.base);
    let note = json!({"id": note_id, "type": "Note", "attributedTo": remote.actor(),
        "content": "<p>hello <a href=\"x\" class=\"u-url mention\">@alice</a><script>x()</script></p>",
        "published": "2026-11-26T09:00:00Z", "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [alice.uri],
        "tag": [{"type": "Mention", "href": alice.uri, "name": "@alice"}]});
    let create = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{note_id}/activity"),
        "type": "Create", "actor": remote.actor(), "object": note, "to": note["to"], "cc": note["cc"]});
    assert_eq!(
        remote.post(&app.url("/inbox"), &create, true).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        remote.post(&app.url("/inbox"), &create, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM statuses").await,
        1,
        "delivered twice, stored once"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM notifications WHERE type = 'mention'"
        )
        .await,
        1
    );
    let content: String = sqlx::query_scalar("SELECT content FROM statuses")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(!content.contains("<script"));
    // A Create of someone else's post (S04) is not stored.
    let mut forged = create.clone();
    forged["object"]["id"] = json!(format!("{}/notes/2", remote.base));
    forged["object"]["attributedTo"] = json!("https://victim.example/users/vic");
    assert_eq!(
        remote.post(&app.url("/inbox"), &forged, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(count(&app, "SELECT count(*) FROM statuses").await, 1);
    // Delete by the author removes it and a replayed Create does not bring it back.
    let delete = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": format!("{note_id}#delete"),
        "type": "Delete", "actor": remote.actor(), "object": {"id": note_id, "type": "Tombstone"}});
    assert_eq!(
        remote.post(&app.url("/inbox"), &delete, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(count(&app, "SELECT count(*) FROM statuses").await, 0);
    assert_eq!(
        count(&app, "SELECT count(*) FROM notifications").await,
        0,
        "its notification went with it"
    );
    assert_eq!(
        remote.post(&app.url("/inbox"), &create, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM statuses").await,
        0,
        "tombstones keep it deleted"
    );
}
