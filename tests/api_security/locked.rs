//! S26: following a locked account is a request until the account answers; until then
//! the requester sees nothing more than anyone else — here for a locked local account,
//! and for a locked account on another server whose followers-only post reaches us.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::TestApp;
use crate::support::api::{JsonResponse, user_token};
use crate::support::queries::status_by_uri;
use crate::support::remote::{Remote, deliver, known};
use crate::{FO_WORDS, Rig, ids, leaks, post};
use starling::db::accounts::Account;

#[tokio::test]
async fn s26_a_pending_follower_of_a_locked_local_account_sees_nothing_until_authorized() {
    let rig = Rig::start().await;
    let (alice, carol) = (&rig.alice, &rig.carol);
    let fo = rig.p_fo.clone();
    // alice also answered her public post followers-only, in the same thread.
    let thread_reply = rig
        .call(
            Method::POST,
            "/api/v1/statuses",
            Some(alice),
            Some(
                json!({"status": format!("{FO_WORDS} in the thread"), "visibility": "private",
                        "in_reply_to_id": rig.p_pub}),
            ),
        )
        .await
        .json["id"]
        .as_str()
        .unwrap()
        .to_string();

    // carol follows locked alice through the API: a request, not a follow.
    let asked = rig
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", rig.alice_id),
            Some(carol),
            None,
        )
        .await;
    assert_eq!(asked.json["requested"], true, "{}", asked.json);
    assert_eq!(asked.json["following"], false);
    let carol_id = rig.app.account("carol").await.id.to_string();
    let waiting = rig.get("/api/v1/follow_requests", Some(alice)).await;
    assert!(ids(&waiting.json).contains(&carol_id));

    // While it waits, the followers-only posts stay out of every view carol has.
    let hidden = [fo.as_str(), thread_reply.as_str()];
    assert_eq!(
        views_showing(&rig, carol, hidden).await,
        Vec::<String>::new()
    );
    assert_eq!(
        views_showing(&rig, &rig.bob, hidden).await.len(),
        9,
        "bob, an approved follower, sees all of it (the check can fail)"
    );

    // alice authorises: now carol sees them, in the same places.
    let ok = rig
        .call(
            Method::POST,
            &format!("/api/v1/follow_requests/{carol_id}/authorize"),
            Some(alice),
            None,
        )
        .await;
    assert_eq!(ok.json["followed_by"], true, "{}", ok.json);
    assert_eq!(
        rig.get(&format!("/api/v1/statuses/{fo}"), Some(carol))
            .await
            .status,
        StatusCode::OK
    );
    let context = rig
        .get(
            &format!("/api/v1/statuses/{}/context", rig.p_pub),
            Some(carol),
        )
        .await;
    assert_eq!(
        ids(&context.json["descendants"]),
        vec![thread_reply.clone()]
    );
    assert!(ids(&rig.get("/api/v1/timelines/home", Some(carol)).await.json).contains(&fo));

    // dave asks too and alice rejects: the request is gone, nothing became visible.
    let dave = user_token(&rig.app, "dave", "read write follow").await;
    let dave_id = rig.app.account("dave").await.id.to_string();
    rig.call(
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", rig.alice_id),
        Some(&dave),
        None,
    )
    .await;
    let no = rig
        .call(
            Method::POST,
            &format!("/api/v1/follow_requests/{dave_id}/reject"),
            Some(alice),
            None,
        )
        .await;
    assert_eq!(no.status, StatusCode::OK);
    let rel = rig
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", rig.alice_id),
            Some(&dave),
        )
        .await;
    assert_eq!(
        (
            rel.json[0]["requested"].clone(),
            rel.json[0]["following"].clone()
        ),
        (json!(false), json!(false))
    );
    assert!(!ids(&rig.get("/api/v1/follow_requests", Some(alice)).await.json).contains(&dave_id));
    assert_eq!(
        rig.get(&format!("/api/v1/statuses/{fo}"), Some(&dave))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // carol asks to be told of alice's posts and gets one; then alice removes her from
    // her followers. The post is hidden again, in its notification as well.
    rig.call(
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", rig.alice_id),
        Some(carol),
        Some(json!({"notify": true})),
    )
    .await;
    let later = post(&rig.app, alice, &format!("{FO_WORDS} later"), "private").await;
    let told = rig
        .get("/api/v1/notifications?types[]=status", Some(carol))
        .await;
    assert_eq!(
        told.json[0]["status"]["id"],
        later.as_str(),
        "{}",
        told.json
    );
    rig.call(
        Method::POST,
        &format!("/api/v1/accounts/{carol_id}/remove_from_followers"),
        Some(alice),
        None,
    )
    .await;
    assert_eq!(
        rig.get(&format!("/api/v1/statuses/{later}"), Some(carol))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let told = rig.get("/api/v1/notifications", Some(carol)).await;
    assert!(!leaks(&told.json), "{}", told.json);
}

#[tokio::test]
async fn s26_a_remote_locked_accounts_followers_only_post_stays_hidden_from_pending_followers() {
    let vic = Remote::start_as("vic").await;
    vic.set_actor_field("manuallyApprovesFollowers", json!(true));
    let app = TestApp::start_allowing(&[&vic.host]).await;
    let bob = user_token(&app, "bob", "read write follow").await;
    let carol = user_token(&app, "carol", "read write follow").await;
    let dave = user_token(&app, "dave", "read write follow").await;
    let vic_here = known(&app, &vic).await;
    let vic_id = vic_here.id.to_string();
    // carol and bob follow locked vic: both wait for vic's answer.
    for token in [&carol, &bob] {
        let r = api(
            &app,
            Method::POST,
            &format!("/api/v1/accounts/{vic_id}/follow"),
            token,
        )
        .await;
        assert_eq!(r.json["requested"], true, "{}", r.json);
        assert_eq!(r.json["following"], false);
    }
    app.drain().await;
    // vic accepts bob only.
    let bobs = follow_uri(&app, "bob", &vic_here).await;
    deliver(
        &app,
        &vic,
        &vic.activity("accepts/1", "Accept", json!(bobs)),
    )
    .await;
    let rel = api(
        &app,
        Method::GET,
        &format!("/api/v1/accounts/relationships?id[]={vic_id}"),
        &bob,
    )
    .await;
    assert_eq!(rel.json[0]["following"], true, "{}", rel.json);

    // vic posts followers-only; it is delivered here because bob follows.
    let note = json!({
        "id": vic.url("/notes/secret"), "type": "Note", "attributedTo": vic.actor(),
        "content": format!("<p>{FO_WORDS} #vicsecret</p>"), "published": "2026-11-20T10:00:00Z",
        "to": [vic.followers()], "cc": [],
        "tag": [{"type": "Hashtag", "name": "#vicsecret", "href": vic.url("/tags/vicsecret")}]
    });
    let create = json!({"@context": "https://www.w3.org/ns/activitystreams",
        "id": vic.url("/notes/secret/activity"), "type": "Create", "actor": vic.actor(),
        "object": note, "to": [vic.followers()], "cc": []});
    deliver(&app, &vic, &create).await;
    let v = status_by_uri(&app, &vic.url("/notes/secret"))
        .await
        .expect("stored for bob")
        .id
        .to_string();

    // bob reads it; carol (pending), dave (no relation) and visitors do not, anywhere.
    assert_eq!(
        api(&app, Method::GET, &format!("/api/v1/statuses/{v}"), &bob)
            .await
            .status,
        StatusCode::OK
    );
    for token in [&carol, &dave] {
        assert_eq!(
            api(&app, Method::GET, &format!("/api/v1/statuses/{v}"), token)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        for path in [
            format!("/api/v1/accounts/{vic_id}/statuses"),
            "/api/v1/timelines/home".to_string(),
            "/api/v1/timelines/public".to_string(),
            "/api/v1/timelines/public?remote=true".to_string(),
            "/api/v1/timelines/tag/vicsecret".to_string(),
            format!("/api/v2/search?q={}&resolve=true", vic.url("/notes/secret")),
            format!("/api/v1/statuses?id[]={v}"),
        ] {
            let r = api(&app, Method::GET, &path, token).await;
            assert!(!leaks(&r.json), "{path}: {}", r.json);
        }
    }
    let visitor = crate::call(
        &app,
        Method::GET,
        &format!("/api/v1/statuses/{v}"),
        None,
        None,
    )
    .await;
    assert_eq!(visitor.status, StatusCode::NOT_FOUND);

    // vic rejects carol: the request is gone, and still nothing is visible.
    let carols = follow_uri(&app, "carol", &vic_here).await;
    deliver(
        &app,
        &vic,
        &vic.activity("rejects/1", "Reject", json!(carols)),
    )
    .await;
    let rel = api(
        &app,
        Method::GET,
        &format!("/api/v1/accounts/relationships?id[]={vic_id}"),
        &carol,
    )
    .await;
    assert_eq!(
        (
            rel.json[0]["requested"].clone(),
            rel.json[0]["following"].clone()
        ),
        (json!(false), json!(false)),
        "{}",
        rel.json
    );
    assert_eq!(
        api(&app, Method::GET, &format!("/api/v1/statuses/{v}"), &carol)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn api(app: &TestApp, method: Method, path: &str, token: &str) -> JsonResponse {
    crate::call(app, method, path, Some(token), None).await
}

/// The id of `who`'s pending Follow of `target`, as our server sent it.
async fn follow_uri(app: &TestApp, who: &str, target: &Account) -> String {
    let account = app.account(who).await;
    sqlx::query_scalar(
        "SELECT uri FROM follow_requests WHERE account_id = $1 AND target_account_id = $2",
    )
    .bind(account.id)
    .bind(target.id)
    .fetch_one(&app.state.db)
    .await
    .expect("a pending follow with its id")
}

/// Where `token`'s holder reads or acts on the followers-only `posts` (`[post, reply to
/// P_pub]`): the single views, the listings, favourite, boost and bookmark.
async fn views_showing(rig: &Rig, token: &str, posts: [&str; 2]) -> Vec<String> {
    let [fo, thread_reply] = posts;
    let mut seen = Vec::new();
    for path in [
        format!("/api/v1/statuses/{fo}"),
        format!("/api/v1/statuses/{thread_reply}"),
    ] {
        if rig.get(&path, Some(token)).await.status != StatusCode::NOT_FOUND {
            seen.push(path);
        }
    }
    for path in [
        format!("/api/v1/accounts/{}/statuses", rig.alice_id),
        format!("/api/v1/statuses/{}/context", rig.p_pub),
        "/api/v1/timelines/home".to_string(),
        format!("/api/v1/statuses?id[]={fo}&id[]={thread_reply}"),
    ] {
        if leaks(&rig.get(&path, Some(token)).await.json) {
            seen.push(path);
        }
    }
    for action in ["favourite", "reblog", "bookmark"] {
        let r = rig
            .call(
                Method::POST,
                &format!("/api/v1/statuses/{fo}/{action}"),
                Some(token),
                None,
            )
            .await;
        if r.status != StatusCode::NOT_FOUND {
            seen.push(action.to_string());
        }
    }
    seen
}
