//! Posting and reading through the client API: every parameter encoding, Mastodon's
//! errors, Idempotency-Key, boosts with their own id, favourites, deletes with the source
//! text, threads, timelines with Link paging — and snapshots of the Status shapes.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestApp;
use support::api::{self, get, send_form, send_json, user_token};

async fn post_json(app: &TestApp, token: &str, body: Value) -> api::JsonResponse {
    send_json(
        &app.base,
        Method::POST,
        "/api/v1/statuses",
        token,
        Some(body),
    )
    .await
}

fn redactor(app: &TestApp) -> snapshot::Redactor {
    let mut r = snapshot::Redactor::new();
    r.server(&app.base, "https://starling.example");
    r
}

#[tokio::test]
async fn the_same_post_in_every_encoding_gives_the_same_status() {
    let app = TestApp::start().await;
    let token = user_token(&app, "alice", "read write").await;
    let fields = [
        ("status", "Hello #rust"),
        ("visibility", "unlisted"),
        ("sensitive", "true"),
        ("spoiler_text", "cw"),
        ("language", "en"),
    ];
    let json_post = post_json(&app, &token, json!({"status": "Hello #rust", "visibility": "unlisted", "sensitive": true, "spoiler_text": "cw", "language": "en"})).await;
    let form_post = send_form(&app.base, "/api/v1/statuses", &token, &fields).await;
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let query_post = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses?{query}"),
        &token,
        None,
    )
    .await;
    let mut multipart = reqwest::multipart::Form::new();
    for (k, v) in fields {
        multipart = multipart.text(k, v);
    }
    let r = api::http()
        .post(app.url("/api/v1/statuses"))
        .bearer_auth(&token)
        .multipart(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let multipart_post: Value = r.json().await.unwrap();
    let shape = |v: &Value| {
        json!([
            v["content"],
            v["visibility"],
            v["sensitive"],
            v["spoiler_text"],
            v["language"],
            v["tags"]
        ])
    };
    for (name, res) in [
        ("json", &json_post),
        ("form", &form_post),
        ("query", &query_post),
    ] {
        assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.json);
        assert_eq!(shape(&res.json), shape(&json_post.json), "{name}");
    }
    assert_eq!(shape(&multipart_post), shape(&json_post.json));
    assert_eq!(json_post.json["visibility"], "unlisted");
    assert_eq!(json_post.json["tags"][0]["name"], "rust");
    let ids: Vec<&str> = [
        &json_post.json,
        &form_post.json,
        &query_post.json,
        &multipart_post,
    ]
    .iter()
    .map(|v| v["id"].as_str().unwrap())
    .collect();
    assert_eq!(
        ids.iter().collect::<std::collections::HashSet<_>>().len(),
        4,
        "four posts"
    );
}

#[tokio::test]
async fn bad_input_gets_mastodons_errors() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    let bob = user_token(&app, "bob", "read write").await;
    let long = "a".repeat(501);
    let r = post_json(&app, &alice, json!({"status": long})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json["error"],
        "Validation failed: Text character limit of 500 exceeded"
    );
    let r = post_json(&app, &alice, json!({"status": ""})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_json(
        &app,
        &alice,
        json!({"status": "x", "visibility": "everyone"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = get(&app.base, "/api/v1/statuses/123456789", &alice).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["error"], "Record not found");
    let r = get(&app.base, "/api/v1/statuses/not-a-number", &alice).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Someone else's private post does not exist for you (S28).
    let private = post_json(
        &app,
        &alice,
        json!({"status": "just followers", "visibility": "private"}),
    )
    .await;
    let id = private.json["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/statuses/{id}"),
        format!("/api/v1/statuses/{id}/context"),
    ] {
        let r = get(&app.base, &path, &bob).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.json["error"], "Record not found");
    }
    for action in ["favourite", "reblog"] {
        let r = send_json(
            &app.base,
            Method::POST,
            &format!("/api/v1/statuses/{id}/{action}"),
            &bob,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{action}");
    }
    let r = send_json(
        &app.base,
        Method::DELETE,
        &format!("/api/v1/statuses/{id}"),
        &bob,
        None,
    )
    .await;
    assert!(matches!(
        r.status,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
    // Malformed JSON and a missing scope.
    let r = api::http()
        .post(app.url("/api/v1/statuses"))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body("{\"status\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.json::<Value>().await.unwrap()["error"].is_string());
    let reader = user_token(&app, "carol", "read").await;
    let r = post_json(&app, &reader, json!({"status": "hi"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["error"],
        "This action is outside the authorized scopes"
    );
}

#[tokio::test]
async fn an_idempotency_key_posts_once() {
    let app = TestApp::start().await;
    let token = user_token(&app, "alice", "read write").await;
    let send = || async {
        let r = api::http()
            .post(app.url("/api/v1/statuses"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "abc-123")
            .json(&json!({"status": "only once"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()
    };
    let first = send().await;
    let second = send().await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.account("alice").await.statuses_count, 1);
}

#[tokio::test]
async fn boosts_favourites_replies_deletes_and_timelines() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write follow").await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let (a, b) = (app.account("alice").await, app.account("bob").await);
    support::queries::follow_directly(&app, &b, &a, None).await;
    let post = post_json(&app, &alice, json!({"status": "First post #hello"}))
        .await
        .json;
    let id = post["id"].as_str().unwrap().to_string();
    assert_eq!(post["favourited"], false);
    assert_eq!(post["reblogged"], false);
    assert_eq!(
        post["application"],
        json!({"name": "Test App", "website": "https://app.example/"}),
        "a post names the app it was written with"
    );
    assert_eq!(
        post["pinned"], false,
        "own posts say whether they are pinned"
    );
    assert!(
        post["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/@alice/{id}"))
    );

    let fav = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/favourite"),
        &bob,
        None,
    )
    .await;
    assert_eq!(fav.json["favourited"], true);
    assert_eq!(fav.json["favourites_count"], 1);
    let boost = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/reblog"),
        &bob,
        None,
    )
    .await;
    assert_eq!(boost.status, StatusCode::OK);
    assert_ne!(boost.json["id"], post["id"], "a boost has its own id");
    assert_eq!(boost.json["reblog"]["id"], post["id"]);
    assert_eq!(boost.json["reblog"]["reblogged"], true);
    assert_eq!(boost.json["content"], "");
    assert_eq!(
        boost.json["application"],
        Value::Null,
        "a boost names no app, as in Mastodon"
    );
    let reply = post_json(
        &app,
        &bob,
        json!({"status": "@alice welcome", "in_reply_to_id": id}),
    )
    .await
    .json;
    assert_eq!(reply["in_reply_to_id"], post["id"]);
    assert_eq!(reply["mentions"][0]["acct"], "alice");

    let context = get(&app.base, &format!("/api/v1/statuses/{id}/context"), &alice).await;
    assert_eq!(context.json["ancestors"], json!([]));
    assert_eq!(context.json["descendants"][0]["id"], reply["id"]);

    // Bob's home: his reply, his boost, alice's post — newest first, with Link paging.
    let home = get(&app.base, "/api/v1/timelines/home?limit=2", &bob).await;
    let items = home.json.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], reply["id"]);
    let link = home.headers["link"].to_str().unwrap().to_string();
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"prev\"") && link.contains("limit=2"),
        "{link}"
    );
    let next = link.split('<').nth(1).unwrap().split('>').next().unwrap();
    let older = get(&app.base, next.trim_start_matches(&app.base), &bob).await;
    assert_eq!(older.json.as_array().unwrap().len(), 1);
    assert_eq!(older.json[0]["id"], post["id"]);
    let newer = get(
        &app.base,
        &format!("/api/v1/timelines/home?min_id={id}"),
        &bob,
    )
    .await;
    assert_eq!(
        newer.json.as_array().unwrap().len(),
        2,
        "min_id pages forward, newest first"
    );
    assert_eq!(newer.json[0]["id"], reply["id"]);

    let public = api::http()
        .get(app.url("/api/v1/timelines/public?local=true"))
        .send()
        .await
        .unwrap();
    let public: Value = public.json().await.unwrap();
    assert_eq!(
        public.as_array().unwrap().len(),
        2,
        "originals only: the post and the reply"
    );
    assert!(
        public[0].get("favourited").is_none(),
        "no viewer, no viewer flags"
    );
    let remote = get(&app.base, "/api/v1/timelines/public?remote=true", &bob).await;
    assert_eq!(remote.json, json!([]));
    let tag = get(&app.base, "/api/v1/timelines/tag/Hello", &bob).await;
    assert_eq!(tag.json[0]["id"], post["id"]);
    let none = get(&app.base, "/api/v1/timelines/tag/hello?none[]=hello", &bob).await;
    assert_eq!(none.json, json!([]));

    let mut r = redactor(&app);
    r.replace(id.clone(), "[post id]");
    snapshot::assert_json_snapshot("api/status.json", &r, &fav.json);
    snapshot::assert_json_snapshot("api/status_boost.json", &r, &boost.json);
    snapshot::assert_json_snapshot("api/status_reply.json", &r, &reply);
    snapshot::assert_json_snapshot("api/context.json", &r, &context.json);

    let unboost = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/unreblog"),
        &bob,
        None,
    )
    .await;
    assert_eq!(unboost.json["id"], post["id"]);
    assert_eq!(unboost.json["reblogged"], false);
    let unfav = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/unfavourite"),
        &bob,
        None,
    )
    .await;
    assert_eq!(unfav.json["favourited"], false);

    let deleted = send_json(
        &app.base,
        Method::DELETE,
        &format!("/api/v1/statuses/{id}"),
        &alice,
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        deleted.json["text"], "First post #hello",
        "the source, for redraft"
    );
    assert_eq!(
        get(&app.base, &format!("/api/v1/statuses/{id}"), &alice)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_content_warning_post_snapshot() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    let cw = post_json(
        &app,
        &alice,
        json!({"status": "spoiler inside", "spoiler_text": "Film ending", "visibility": "private"}),
    )
    .await;
    assert_eq!(
        cw.json["sensitive"], true,
        "a content warning makes it sensitive"
    );
    snapshot::assert_json_snapshot("api/status_cw.json", &redactor(&app), &cw.json);
}

#[tokio::test]
async fn edits_keep_history_and_the_rest_of_the_status_endpoints() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    let bob = user_token(&app, "bob", "read write").await;
    let post = post_json(&app, &alice, json!({"status": "frist post"}))
        .await
        .json;
    let id = post["id"].as_str().unwrap().to_string();
    let one = get(&app.base, &format!("/api/v1/statuses/{id}/history"), &alice).await;
    assert_eq!(
        one.json.as_array().unwrap().len(),
        1,
        "an unedited post has one version"
    );

    let edited = send_json(
        &app.base,
        Method::PUT,
        &format!("/api/v1/statuses/{id}"),
        &alice,
        Some(json!({"status": "first post", "spoiler_text": "typo"})),
    )
    .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.json);
    assert_eq!(edited.json["id"], id.as_str());
    assert!(edited.json["edited_at"].is_string());
    assert_eq!(edited.json["spoiler_text"], "typo");
    let history = get(&app.base, &format!("/api/v1/statuses/{id}/history"), &alice).await;
    let versions = history.json.as_array().unwrap();
    assert_eq!(versions.len(), 2, "{}", history.json);
    assert!(versions[0]["content"].as_str().unwrap().contains("frist"));
    assert!(
        versions[1]["content"]
            .as_str()
            .unwrap()
            .contains("first post")
    );
    let source = get(&app.base, &format!("/api/v1/statuses/{id}/source"), &alice).await;
    assert_eq!(
        source.json,
        json!({"id": id, "text": "first post", "spoiler_text": "typo"})
    );
    assert_eq!(
        get(&app.base, &format!("/api/v1/statuses/{id}/source"), &bob)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let theirs = send_json(
        &app.base,
        Method::PUT,
        &format!("/api/v1/statuses/{id}"),
        &bob,
        Some(json!({"status": "mine now"})),
    )
    .await;
    assert!(
        matches!(theirs.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        theirs.status
    );
    let mut r = redactor(&app);
    r.replace(id.clone(), "[post id]");
    snapshot::assert_json_snapshot("api/status_edited.json", &r, &edited.json);

    let pinned = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/pin"),
        &alice,
        None,
    )
    .await;
    assert_eq!(pinned.json["pinned"], true);
    let a_id = app.account("alice").await.id.to_string();
    let pins = get(
        &app.base,
        &format!("/api/v1/accounts/{a_id}/statuses?pinned=true"),
        &bob,
    )
    .await;
    assert_eq!(pins.json[0]["id"], id.as_str());
    let unpinned = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/unpin"),
        &alice,
        None,
    )
    .await;
    assert_eq!(unpinned.json["pinned"], false);

    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/favourite"),
        &bob,
        None,
    )
    .await;
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{id}/reblog"),
        &bob,
        None,
    )
    .await;
    let favs = get(
        &app.base,
        &format!("/api/v1/statuses/{id}/favourited_by"),
        &alice,
    )
    .await;
    assert_eq!(favs.json[0]["username"], "bob");
    let boosts = get(
        &app.base,
        &format!("/api/v1/statuses/{id}/reblogged_by"),
        &alice,
    )
    .await;
    assert_eq!(boosts.json[0]["username"], "bob");

    let private = post_json(
        &app,
        &alice,
        json!({"status": "hidden", "visibility": "private"}),
    )
    .await
    .json;
    let many = get(
        &app.base,
        &format!(
            "/api/v1/statuses?id[]={id}&id[]={}&id[]=1",
            private["id"].as_str().unwrap()
        ),
        &bob,
    )
    .await;
    assert_eq!(
        many.json.as_array().unwrap().len(),
        1,
        "only what bob may see"
    );
    assert_eq!(many.json[0]["id"], id.as_str());
    // Asking twice for one status counts once; more than 20 distinct ids is refused.
    let twice: String = (0..25).map(|_| format!("id[]={id}&")).collect();
    let same = get(&app.base, &format!("/api/v1/statuses?{twice}"), &bob).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.json);
    assert_eq!(same.json.as_array().unwrap().len(), 1);
    let too_many: String = (1..=21).map(|n| format!("id[]={n}&")).collect();
    let refused = get(&app.base, &format!("/api/v1/statuses?{too_many}"), &bob).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json, json!({"error": "Mastodon::ValidationError"}));
}

#[tokio::test]
async fn muting_a_conversation_silences_its_notifications() {
    let app = TestApp::start().await;
    let alice = user_token(&app, "alice", "read write").await;
    let bob = user_token(&app, "bob", "read write").await;
    let carol = user_token(&app, "carol", "read write").await;
    let root = post_json(&app, &alice, json!({"status": "A thread"}))
        .await
        .json;
    let root_id = root["id"].as_str().unwrap().to_string();
    assert_eq!(root["muted"], false);
    let reply = post_json(
        &app,
        &bob,
        json!({"status": "@alice a reply", "in_reply_to_id": root_id}),
    )
    .await
    .json;
    let reply_id = reply["id"].as_str().unwrap().to_string();
    let count = |token: String| {
        let base = app.base.clone();
        async move {
            get(&base, "/api/v1/notifications", &token)
                .await
                .json
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(alice.clone()).await, 1, "bob's mention");

    // Muting any status of the conversation mutes all of it.
    let muted = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{reply_id}/mute"),
        &alice,
        None,
    )
    .await;
    assert_eq!(muted.status, StatusCode::OK, "{}", muted.json);
    assert_eq!(muted.json["muted"], true);
    let shown = get(&app.base, &format!("/api/v1/statuses/{root_id}"), &alice).await;
    assert_eq!(shown.json["muted"], true);
    let others = get(&app.base, &format!("/api/v1/statuses/{root_id}"), &bob).await;
    assert_eq!(others.json["muted"], false, "only for alice");

    // A deeper reply mentioning her, a favourite and a boost: nothing arrives.
    post_json(
        &app,
        &carol,
        json!({"status": "@alice deeper", "in_reply_to_id": reply_id}),
    )
    .await;
    for action in ["favourite", "reblog"] {
        send_json(
            &app.base,
            Method::POST,
            &format!("/api/v1/statuses/{root_id}/{action}"),
            &carol,
            None,
        )
        .await;
    }
    assert_eq!(count(alice.clone()).await, 1);
    // Other conversations still notify.
    post_json(&app, &carol, json!({"status": "@alice elsewhere"})).await;
    assert_eq!(count(alice.clone()).await, 2);

    let unmuted = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{root_id}/unmute"),
        &alice,
        None,
    )
    .await;
    assert_eq!(unmuted.json["muted"], false);
    send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{root_id}/favourite"),
        &bob,
        None,
    )
    .await;
    assert_eq!(count(alice.clone()).await, 3);

    // Someone else's private post cannot be muted (S27).
    let hidden = post_json(
        &app,
        &bob,
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await
    .json;
    let res = send_json(
        &app.base,
        Method::POST,
        &format!("/api/v1/statuses/{}/mute", hidden["id"].as_str().unwrap()),
        &carol,
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.json.to_string().contains("for followers"));
}

#[tokio::test]
async fn visitors_share_a_briefly_kept_public_page_and_users_get_fresh_ones() {
    let app = TestApp::start_with(|c| c.http.public_cache_seconds = 2).await;
    let alice = user_token(&app, "alice", "read write").await;
    post_json(&app, &alice, json!({"status": "first #kept"})).await;
    let visitor = |path: &'static str| {
        let base = app.base.clone();
        async move {
            let r = api::http()
                .get(format!("{base}{path}"))
                .send()
                .await
                .expect("GET");
            api::wrap(r).await
        }
    };
    let contents = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["content"].as_str().unwrap().to_string())
            .collect()
    };
    let seen = visitor("/api/v1/timelines/public?local=true").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(
        seen.headers["cache-control"],
        "max-age=15, public, stale-while-revalidate=30, stale-if-error=86400",
        "as Mastodon marks visitors' timelines"
    );
    assert_eq!(seen.headers["content-type"], "application/json");
    assert!(seen.headers.get("link").is_some());
    let tag_seen = visitor("/api/v1/timelines/tag/kept").await;
    assert_eq!(contents(&tag_seen.json).len(), 1);

    post_json(&app, &alice, json!({"status": "second #kept"})).await;
    let again = visitor("/api/v1/timelines/public?local=true").await;
    assert_eq!(again.json, seen.json, "the kept page, for a moment");
    assert_eq!(again.headers.get("link"), seen.headers.get("link"));
    assert_eq!(
        contents(&visitor("/api/v1/timelines/tag/kept").await.json).len(),
        1
    );
    let other_query = visitor("/api/v1/timelines/public?local=true&limit=5").await;
    assert_eq!(
        contents(&other_query.json).len(),
        2,
        "another question, a fresh page"
    );
    let signed_in = get(&app.base, "/api/v1/timelines/public?local=true", &alice).await;
    assert_eq!(
        contents(&signed_in.json).len(),
        2,
        "signed in: always fresh"
    );
    assert_eq!(signed_in.json[0]["favourited"], false);
    assert_eq!(signed_in.headers["cache-control"], "private, no-store");

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let later = visitor("/api/v1/timelines/public?local=true").await;
    assert_eq!(
        contents(&later.json).len(),
        2,
        "kept only for the configured time"
    );
    assert_eq!(
        contents(&visitor("/api/v1/timelines/tag/kept").await.json).len(),
        2
    );
}
