//! Pages put together from kept renderings (`mastodon::rendered`) are exactly what
//! rendering every status afresh gives, for every viewer, and stay so as counts, edits,
//! profiles, media and polls change.

mod support;

use serde_json::{Value, json};
use starling::db;
use starling::id::{AccountId, StatusId};
use starling::mastodon::{present, rendered};
use starling::service::timelines;
use support::TestApp;
use support::api::{send_form, send_form_as, send_json, user_token};

async fn post(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> StatusId {
    let r = send_form(&app.base, "/api/v1/statuses", token, fields).await;
    assert_eq!(r.status, 200, "{}", r.json);
    StatusId(r.json["id"].as_str().unwrap().parse().unwrap())
}

async fn call(app: &TestApp, token: &str, path: &str) {
    let r = send_form(&app.base, path, token, &[]).await;
    assert_eq!(r.status, 200, "{path}: {}", r.json);
}

/// The page of `ids` for each viewer, kept and afresh, must be equal.
async fn same(app: &TestApp, ids: &[StatusId], viewers: &[Option<AccountId>]) {
    for &viewer in viewers {
        // Twice: the first may render and keep, the second reuses.
        for round in 0..2 {
            let page = rendered::page(&app.state, ids, viewer).await.unwrap();
            let kept: Value = serde_json::from_slice(&page.json).expect("valid JSON");
            let details = timelines::details(&app.state, ids, viewer).await.unwrap();
            let viewer_row = match viewer {
                Some(v) => db::accounts::find(&app.state.db, v).await.unwrap(),
                None => None,
            };
            let fresh =
                serde_json::to_value(present::statuses(&app.state, &details, viewer_row.as_ref()))
                    .unwrap();
            assert_eq!(kept, fresh, "viewer {viewer:?}, round {round}");
            assert_eq!(
                page.first.map(|i| i.to_string()).as_deref(),
                fresh[0]["id"].as_str()
            );
            // Several lists at once (a thread's ancestors and descendants): each as
            // its own page would be.
            let (older, newer) = ids.split_at(ids.len() / 2);
            let lists = rendered::pages(&app.state, [older, newer], viewer)
                .await
                .unwrap();
            assert_eq!(lists.len(), 2);
            for (list, part) in lists.iter().zip([older, newer]) {
                let kept: Value = serde_json::from_slice(&list.json).expect("valid JSON");
                let details = timelines::details(&app.state, part, viewer).await.unwrap();
                let fresh = serde_json::to_value(present::statuses(
                    &app.state,
                    &details,
                    viewer_row.as_ref(),
                ))
                .unwrap();
                assert_eq!(kept, fresh, "viewer {viewer:?}, round {round}, lists");
            }
        }
    }
}

#[tokio::test]
async fn kept_renderings_equal_fresh_ones() {
    let app = TestApp::start().await;
    let alice_t = user_token(&app, "alice", "read write follow").await;
    let bob_t = user_token(&app, "bob", "read write follow").await;
    let alice = Some(app.account("alice").await.id);
    let bob_id = app.account("bob").await.id;
    let bob = Some(bob_id);
    let viewers = [alice, bob, None];

    let plain = post(&app, &alice_t, &[("status", "plain #tag")]).await;
    let mention = post(&app, &bob_t, &[("status", "hi @alice")]).await;
    let reply = post(
        &app,
        &alice_t,
        &[
            ("status", "@bob yes"),
            ("in_reply_to_id", &mention.to_string()),
        ],
    )
    .await;
    let cw = post(
        &app,
        &bob_t,
        &[
            ("status", "behind"),
            ("spoiler_text", "cw"),
            ("visibility", "unlisted"),
        ],
    )
    .await;
    let with_media = post(&app, &bob_t, &[("status", "picture")]).await;
    let with_poll = post(&app, &bob_t, &[("status", "vote")]).await;
    db::media::insert_remote_attachments(
        &app.state.db,
        with_media,
        bob_id,
        &[db::media::NewAttachment {
            kind: "image",
            remote_url: "https://files.example/a.png",
            media_type: Some("image/png"),
            description: "a picture",
            blurhash: None,
            width: Some(4),
            height: Some(3),
        }],
    )
    .await
    .unwrap();
    let option = |title: &str, votes: i64| -> db::media::PollOption {
        serde_json::from_value(json!({"title": title, "votes_count": votes})).unwrap()
    };
    db::media::upsert_poll(
        &app.state.db,
        with_poll,
        bob_id,
        false,
        &[option("yes", 1), option("no", 0)],
        Some(1),
        None,
    )
    .await
    .unwrap();
    // Alice boosts Bob's post, favourites, bookmarks and pins her own.
    let r = send_form(
        &app.base,
        &format!("/api/v1/statuses/{cw}/reblog"),
        &alice_t,
        &[],
    )
    .await;
    let boost = StatusId(r.json["id"].as_str().unwrap().parse().unwrap());
    call(
        &app,
        &alice_t,
        &format!("/api/v1/statuses/{mention}/favourite"),
    )
    .await;
    call(
        &app,
        &alice_t,
        &format!("/api/v1/statuses/{mention}/bookmark"),
    )
    .await;
    call(&app, &alice_t, &format!("/api/v1/statuses/{plain}/pin")).await;
    call(&app, &alice_t, &format!("/api/v1/statuses/{reply}/mute")).await;

    let ids = [boost, with_poll, with_media, cw, reply, mention, plain];
    same(&app, &ids, &viewers).await;

    // Counts, edits, profiles and media change: the kept renderings follow.
    call(&app, &bob_t, &format!("/api/v1/statuses/{plain}/favourite")).await;
    same(&app, &ids, &viewers).await;
    let r = send_form_as(
        &app.base,
        reqwest::Method::PUT,
        &format!("/api/v1/statuses/{plain}"),
        &alice_t,
        &[("status", "plain, edited")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    same(&app, &ids, &viewers).await;
    let r = send_form_as(
        &app.base,
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice_t,
        &[("display_name", "Alice Renamed")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    same(&app, &ids, &viewers).await;
    sqlx::query("UPDATE media_attachments SET description = 'another picture'")
        .execute(&app.state.db)
        .await
        .unwrap();
    db::media::upsert_poll(
        &app.state.db,
        with_poll,
        bob_id,
        false,
        &[option("yes", 1), option("no", 5)],
        Some(6),
        None,
    )
    .await
    .unwrap();
    same(&app, &ids, &viewers).await;
    let page = rendered::page(&app.state, &ids, alice).await.unwrap();
    let text = String::from_utf8(page.json).unwrap();
    assert!(text.contains("Alice Renamed") && text.contains("another picture"));

    // A status deleted after the ids were listed is left out; so is a boost of it.
    let r = send_json(
        &app.base,
        reqwest::Method::DELETE,
        &format!("/api/v1/statuses/{cw}"),
        &bob_t,
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    same(&app, &ids, &viewers).await;
    let page = rendered::page(&app.state, &ids, alice).await.unwrap();
    let shown: Value = serde_json::from_slice(&page.json).unwrap();
    assert_eq!(shown.as_array().map(Vec::len), Some(ids.len() - 2));
    assert_eq!(page.first, Some(with_poll));
    assert_eq!(page.last, Some(plain));
}
