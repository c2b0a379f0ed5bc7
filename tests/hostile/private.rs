//! E. Private data through ActivityPub and HTML endpoints.

use reqwest::StatusCode;
use serde_json::json;
use starling::db::statuses::Visibility;
use starling::service;

use crate::signed::get_ap;
use crate::support::TestApp;
use crate::support::queries::{post, post_reply, status, visible_to};
use crate::support::remote::{Remote, create, deliver, known, note};
use crate::tools::for_followers;

/// S29: alice's followers-only and direct posts are served to nobody but those who may
/// read them: not as Notes or activities (unsigned, or signed by a non-follower), not in
/// her outbox or featured collection, not on her pages, tag pages or reply threads, to
/// visitors or to carol. bob, her follower, sees them on the web. (Followers-only posts
/// are never served over ActivityPub, even to followers' signed fetches, and there are no
/// RSS feeds, embeds or hidden follower lists yet.)
#[tokio::test]
async fn s29_followers_only_and_direct_posts_are_served_to_nobody_else() {
    let mallory = Remote::start_as("mallory").await;
    let app = TestApp::start_allowing(&[&mallory.host]).await;
    let bob_web = app.signed_in("bob").await;
    let carol_web = app.signed_in("carol").await;
    app.create_user("alice").await;
    let (alice, bob) = (app.account("alice").await, app.account("bob").await);
    let mallory_here = known(&app, &mallory).await;
    service::follows::follow(&app.state, &bob, &alice)
        .await
        .unwrap();
    let public = post(&app, "alice", "public words #opentag", Visibility::Public).await;
    let private = post(
        &app,
        "alice",
        "secret for followers #hiddentag",
        Visibility::Private,
    )
    .await;
    let direct = post(
        &app,
        "alice",
        "@bob secret direct words",
        Visibility::Direct,
    )
    .await;
    let bobs_reply = post_reply(
        &app,
        "bob",
        "secret reply words",
        Visibility::Private,
        Some(&public),
    )
    .await;
    let visitor = app.client();
    let mut leaks = Vec::new();
    for s in [&private, &direct] {
        for path in [
            format!("/users/alice/statuses/{}", s.id),
            format!("/users/alice/statuses/{}/activity", s.id),
            format!("/users/alice/statuses/{}/replies", s.id),
            format!("/@alice/{}", s.id),
        ] {
            for signer in [None, Some(&mallory)] {
                let (status, body) = get_ap(&app, &path, signer).await;
                if (status != StatusCode::NOT_FOUND && status != StatusCode::UNAUTHORIZED)
                    || body.contains("secret")
                {
                    leaks.push(format!(
                        "AP {path} (signed: {}): {status}",
                        signer.is_some()
                    ));
                }
            }
        }
        for (who, web) in [("visitor", &visitor), ("carol", &carol_web)] {
            let page = web.get(&format!("/@alice/{}", s.id)).await;
            if page.status != StatusCode::NOT_FOUND || page.body.contains("secret") {
                leaks.push(format!("{who}: /@alice/{} {}", s.id, page.status));
            }
        }
    }
    for path in [
        "/users/alice/outbox",
        "/users/alice/outbox?page=true",
        "/users/alice/collections/featured",
        "/users/bob/outbox?page=true",
        &format!("/users/alice/statuses/{}", public.id),
        &format!("/users/alice/statuses/{}/activity", public.id),
    ] {
        let (status, body) = get_ap(&app, path, Some(&mallory)).await;
        if body.contains("secret") || body.contains(&private.uri) || body.contains(&direct.uri) {
            leaks.push(format!("AP {path}: {status}"));
        }
    }
    let (_, outbox) = get_ap(&app, "/users/alice/outbox?page=true", None).await;
    assert!(
        outbox.contains(&public.uri),
        "the outbox lists the public post"
    );
    for (who, web) in [("visitor", &visitor), ("carol", &carol_web)] {
        for path in [
            "/@alice".to_string(),
            "/@alice/with_replies".to_string(),
            format!("/@alice/{}", public.id),
            "/@bob".to_string(),
            "/@bob/with_replies".to_string(),
            format!("/@bob/{}", bobs_reply.id),
            "/tags/hiddentag".to_string(),
            "/tags/opentag".to_string(),
            "/public/local".to_string(),
        ] {
            let page = web.get(&path).await;
            if page.body.contains("secret") {
                leaks.push(format!("{who}: {path} {}", page.status));
            }
        }
    }
    assert!(leaks.is_empty(), "private posts served: {leaks:#?}");
    let mine = bob_web.get(&format!("/@alice/{}", private.id)).await;
    assert_eq!(mine.status, StatusCode::OK, "bob follows alice");
    assert!(mine.text().contains("secret for followers"));
    assert!(!visible_to(&app, &private, &mallory_here).await);
}

/// S29: the reply count shown with a public post counts only replies everyone may see;
/// followers-only and direct replies must not reveal that a hidden conversation exists.
#[tokio::test]
async fn s29_private_replies_do_not_show_in_a_public_posts_reply_count() {
    let rita = Remote::start().await;
    let app = TestApp::start_allowing(&[&rita.host]).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let public = post(&app, "alice", "public words", Visibility::Public).await;
    post_reply(
        &app,
        "bob",
        "@alice followers-only reply",
        Visibility::Private,
        Some(&public),
    )
    .await;
    post_reply(
        &app,
        "bob",
        "@alice direct reply",
        Visibility::Direct,
        Some(&public),
    )
    .await;
    let mut remote_reply = for_followers(&rita, note(&rita, 1, "<p>private remote reply</p>"));
    remote_reply["inReplyTo"] = json!(public.uri);
    deliver(&app, &rita, &create(&rita, &remote_reply)).await;
    let page = app.client().get(&format!("/@alice/{}", public.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let stored = status(&app, public.id).await;
    assert!(
        page.text().contains("0 replies") && stored.replies_count == 0,
        "a visitor is told of {} hidden replies: {}",
        stored.replies_count,
        page.text()
    );
    post_reply(
        &app,
        "bob",
        "@alice a public reply",
        Visibility::Public,
        Some(&public),
    )
    .await;
    let stored = status(&app, public.id).await;
    assert_eq!(stored.replies_count, 1, "public replies count");
}
