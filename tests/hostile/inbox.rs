//! B. Signatures, authorship and moderation in the inbox.
//!
//! Elsewhere: tests/httpsig.rs `replays_and_weak_signatures_are_refused` and
//! `rfc9421_double_knock_verifies_and_weak_coverage_is_refused` (S09, the verifier on its
//! own); tests/inbox_activities.rs `only_the_account_asked_can_accept_or_reject`,
//! `likes_count_notify_and_can_be_undone_only_by_their_author`,
//! `boosts_reach_the_boosters_followers_and_only_the_booster_can_undo_them`,
//! `edits_keep_their_history_and_stale_or_foreign_updates_change_nothing`,
//! `profile_updates_are_read_from_the_actors_own_server`,
//! `a_block_severs_follows_both_ways_and_only_its_author_lifts_it`,
//! `a_move_is_recorded_only_when_the_new_account_names_the_old_one`,
//! `pins_come_only_from_the_actors_own_featured_collection_and_posts` (S11), and
//! `likes_need_a_post_the_actor_may_see` (S10, a blocked actor's Like).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;
use starling::db;
use starling::db::accounts::Account;
use starling::db::statuses::Visibility;
use starling::service;

use crate::signed::HandSigned;
use crate::support::TestApp;
use crate::support::queries::{
    count, follow_directly, post, refreshed, status_by_uri, statuses_of, unread, visible_to,
};
use crate::support::remote::{AS, PUBLIC, Remote, create, deliver, known, note, send};
use crate::tools::{
    assert_no_likes_or_boosts, assert_untouched, for_followers, home, inbox_jobs, mention,
    rita_known, vic_and_mallory,
};

/// S09 through our real inbox: a request signed for another server, inbox or query,
/// with a stale or future date, a swapped body, or a signature that leaves out what it
/// must cover, is 401 and queues nothing; the untouched request is accepted.
#[tokio::test]
async fn s09_retargeted_stale_and_weakly_signed_requests_are_refused_by_our_inbox() {
    let (rita, app) = rita_known().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = app.account("alice").await;
    let inbox = app.url("/users/alice/inbox");
    let body = rita
        .activity("follows/1", "Follow", json!(alice.uri))
        .to_string()
        .into_bytes();
    let other_body = rita
        .activity("follows/2", "Follow", json!(alice.uri))
        .to_string()
        .into_bytes();
    let sign = HandSigned::new(&rita, &inbox, &body);
    let hour = Duration::from_secs(3600);
    let mut twice = sign.usual();
    let first = twice["signature"].clone();
    twice.append("signature", first);
    let mut hmac = sign.usual();
    let weak_algorithm = hmac["signature"]
        .to_str()
        .unwrap()
        .replace("rsa-sha256", "hmac-sha256");
    hmac.insert("signature", HeaderValue::from_str(&weak_algorithm).unwrap());
    let mut cases: Vec<(&str, String, HeaderMap, &[u8])> = vec![
        (
            "signed without the query it is sent with",
            format!("{inbox}?x=1"),
            sign.usual(),
            &body,
        ),
        ("a swapped body", inbox.clone(), sign.usual(), &other_body),
    ];
    // The rest are sent to alice's inbox with the body they were signed for.
    let refused = [
        (
            "signed for another server",
            sign.for_target("http://127.0.0.1:9/users/alice/inbox"),
        ),
        (
            "signed for bob's inbox",
            sign.for_target(&app.url("/users/bob/inbox")),
        ),
        ("three hours old", sign.dated(sign.now - 3 * hour)),
        ("an hour ahead", sign.dated(sign.now + hour)),
        (
            "digest not covered",
            sign.covering(&["(request-target)", "host", "date", "content-type"]),
        ),
        (
            "host not covered",
            sign.covering(&["(request-target)", "date", "digest"]),
        ),
        (
            "target not covered",
            sign.covering(&["host", "date", "digest"]),
        ),
        (
            "date not covered",
            sign.covering(&["(request-target)", "host", "digest"]),
        ),
        ("two Signature headers", twice),
        ("hmac-sha256", hmac),
        (
            "RFC 9421 without @method",
            sign.rfc9421(&["@target-uri", "content-digest"]),
        ),
        (
            "RFC 9421 without the target",
            sign.rfc9421(&["@method", "@authority", "content-digest"]),
        ),
        (
            "RFC 9421 without content-digest",
            sign.rfc9421(&["@method", "@target-uri"]),
        ),
    ];
    let to_inbox = |(what, headers)| (what, inbox.clone(), headers, body.as_slice());
    cases.extend(refused.into_iter().map(to_inbox));
    let mut accepted = Vec::new();
    for (what, to, headers, sent) in cases {
        let status = send(&to, headers, sent.to_vec()).await;
        if status != StatusCode::UNAUTHORIZED {
            accepted.push(format!("{what}: {status}"));
        }
    }
    assert!(accepted.is_empty(), "not refused: {accepted:#?}");
    assert_eq!(inbox_jobs(&app).await, 0);
    let control = sign.usual();
    assert_eq!(
        send(&inbox, control, body.clone()).await,
        StatusCode::ACCEPTED
    );
    let modern = sign.rfc9421(&["@method", "@target-uri", "content-digest"]);
    assert_eq!(
        send(&inbox, modern, body.clone()).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    assert_eq!(app.account("alice").await.followers_count, 1);
}

/// mallory, and rita whom bob follows, with an app that may reach both; mallory's
/// `/notes/1` saying `content` is delivered already. Returns bob's account last.
async fn mallory_posted_and_bob_follows_rita(content: &str) -> (Remote, Remote, TestApp, Account) {
    let mallory = Remote::start_as("mallory").await;
    let rita = Remote::start().await;
    let app = TestApp::start_allowing(&[&mallory.host, &rita.host]).await;
    app.create_user("bob").await;
    let bob = app.account("bob").await;
    let rita_here = known(&app, &rita).await;
    follow_directly(&app, &bob, &rita_here, None).await;
    deliver(
        &app,
        &mallory,
        &create(&mallory, &note(&mallory, 1, content)),
    )
    .await;
    (mallory, rita, app, bob)
}

/// S10: a suspended sender gets nothing through, neither directly (Follow, Like, Create,
/// Announce) nor through someone else's boost of a post it wrote before. (There is no
/// admin action to suspend yet; the test sets the state the inbox and services check.)
#[tokio::test]
async fn s10_a_suspended_sender_changes_nothing_directly_or_through_a_boost() {
    let (mallory, rita, app, bob) =
        mallory_posted_and_bob_follows_rita("<p>written before</p>").await;
    let alice_user = app.create_user("alice").await;
    let alice = app.account("alice").await;
    let old = status_by_uri(&app, &mallory.url("/notes/1")).await.unwrap();
    let hello = post(&app, "alice", "hello", Visibility::Public).await;
    sqlx::query("UPDATE accounts SET suspended_at = now() WHERE uri = $1")
        .bind(mallory.actor())
        .execute(&app.state.db)
        .await
        .unwrap();
    let mut mentioning = note(&mallory, 2, "<p>@alice hi</p>");
    mentioning["tag"] = json!([mention(&alice)]);
    for activity in [
        mallory.activity("follows/1", "Follow", json!(alice.uri)),
        mallory.activity("likes/1", "Like", json!(hello.uri)),
        mallory.activity("announces/1", "Announce", json!(hello.uri)),
        create(&mallory, &mentioning),
    ] {
        mallory.post(&app.url("/inbox"), &activity, true).await;
        app.drain().await;
    }
    deliver(
        &app,
        &rita,
        &rita.activity("announces/1", "Announce", json!(old.uri)),
    )
    .await;
    assert_untouched(&app, &alice_user, &alice, &hello).await;
    assert!(
        status_by_uri(&app, &mallory.url("/notes/2"))
            .await
            .is_none()
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM statuses WHERE reblog_of_id IS NOT NULL AND uri <> $1",
            ""
        )
        .await,
        0
    );
    assert!(
        home(&app, &bob).await.is_empty(),
        "no boost of mallory in bob's home"
    );
}

/// S10: an account that deleted itself is gone for good: its posts do not come back
/// when someone else boosts a post of it we never had, or replies to one.
#[tokio::test]
async fn s10_a_deleted_actors_new_posts_do_not_come_back_through_others() {
    let (mallory, rita, app, bob) = mallory_posted_and_bob_follows_rita("<p>before</p>").await;
    let delete = json!({"@context": AS, "id": format!("{}#delete", mallory.actor()), "type": "Delete",
                        "actor": mallory.actor(), "object": mallory.actor(), "to": [PUBLIC]});
    deliver(&app, &mallory, &delete).await;
    assert_eq!(statuses_of(&app, &mallory).await, 0);
    // mallory's server keeps serving posts of the deleted account.
    mallory.serve(
        "/notes/5",
        note(&mallory, 5, "<p>boosted after deletion</p>"),
    );
    mallory.serve(
        "/notes/6",
        note(&mallory, 6, "<p>replied to after deletion</p>"),
    );
    let mut boost = rita.activity("announces/1", "Announce", json!(mallory.url("/notes/5")));
    boost["to"] = json!([PUBLIC]);
    deliver(&app, &rita, &boost).await;
    let mut reply = note(&rita, 1, "<p>re</p>");
    reply["inReplyTo"] = json!(mallory.url("/notes/6"));
    deliver(&app, &rita, &create(&rita, &reply)).await;
    assert_eq!(
        statuses_of(&app, &mallory).await,
        0,
        "posts of a deleted account were stored again"
    );
    let shown: Vec<String> = home(&app, &bob)
        .await
        .iter()
        .map(|d| d.shown().status.content.clone())
        .collect();
    assert!(
        shown.iter().all(|c| !c.contains("after deletion")),
        "{shown:?}"
    );
}

/// S10: someone bob blocked does not reach bob's home through a boost by someone bob
/// follows.
#[tokio::test]
async fn s10_a_boost_by_a_followee_does_not_bring_back_whom_bob_blocked() {
    let (mallory, rita, app, bob) =
        mallory_posted_and_bob_follows_rita("<p>blocked words</p>").await;
    let mallory_here = known(&app, &mallory).await;
    service::blocks::block(&app.state, &bob, &mallory_here, None)
        .await
        .unwrap();
    let mut boost = rita.activity("announces/1", "Announce", json!(mallory.url("/notes/1")));
    boost["to"] = json!([PUBLIC]);
    deliver(&app, &rita, &boost).await;
    let shown: Vec<String> = home(&app, &bob)
        .await
        .iter()
        .map(|d| d.shown().account.uri.clone())
        .collect();
    assert!(
        !shown.contains(&mallory.actor()),
        "a boost put the blocked account's post into bob's home: {shown:?}"
    );
}

/// S10: someone bob blocked cannot follow him, or notify him by mentions, replies,
/// likes or boosts.
#[tokio::test]
async fn s10_someone_bob_blocked_cannot_follow_or_notify_him() {
    let mallory = Remote::start_as("mallory").await;
    let app = TestApp::start_allowing(&[&mallory.host]).await;
    let bob_user = app.create_user("bob").await;
    let bob = app.account("bob").await;
    let mallory_here = known(&app, &mallory).await;
    let bobs = post(&app, "bob", "bob's post", Visibility::Public).await;
    service::blocks::block(&app.state, &bob, &mallory_here, None)
        .await
        .unwrap();
    let mut mentioning = note(&mallory, 1, "<p>@bob hey</p>");
    mentioning["cc"] = json!([bob.uri]);
    mentioning["tag"] = json!([mention(&bob)]);
    let mut reply = note(&mallory, 2, "<p>@bob re</p>");
    reply["inReplyTo"] = json!(bobs.uri);
    reply["tag"] = json!([mention(&bob)]);
    for activity in [
        mallory.activity("follows/1", "Follow", json!(bob.uri)),
        create(&mallory, &mentioning),
        create(&mallory, &reply),
        mallory.activity("likes/1", "Like", json!(bobs.uri)),
        mallory.activity("announces/1", "Announce", json!(bobs.uri)),
    ] {
        deliver(&app, &mallory, &activity).await;
    }
    let rel = db::follows::relationship(&app.state.db, mallory_here.id, bob.id)
        .await
        .unwrap();
    assert!(!rel.following && !rel.requested);
    assert_eq!(app.account("bob").await.followers_count, 0);
    assert_eq!(unread(&app, &bob_user).await, 0);
    assert_no_likes_or_boosts(&app, &bobs).await;
}

/// S11: mallory, signing as herself, deletes, undoes and rejects what is vic's, bob's
/// and alice's; vic's own Delete forwarded by mallory is not vic's word either. Nothing
/// changes. (Quote approvals, FEP-044f, are not implemented.)
#[tokio::test]
async fn s11_deletes_undos_and_rejects_of_what_others_own_change_nothing() {
    let (vic, mallory, app) = vic_and_mallory().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let bob = app.account("bob").await;
    let vic_here = known(&app, &vic).await;
    known(&app, &mallory).await;
    deliver(
        &app,
        &vic,
        &create(&vic, &note(&vic, 1, "<p>vic's words</p>")),
    )
    .await;
    let v = status_by_uri(&app, &vic.url("/notes/1")).await.unwrap();
    let follow_id = format!("{}#follows/1", bob.uri);
    follow_directly(&app, &bob, &vic_here, Some(&follow_id)).await;
    let hello = post(&app, "alice", "hello", Visibility::Public).await;
    let bobs_follow =
        json!({"id": follow_id, "type": "Follow", "actor": bob.uri, "object": vic.actor()});
    let attacks = [
        mallory.activity("deletes/1", "Delete", json!(v.uri)),
        mallory.activity(
            "deletes/2",
            "Delete",
            json!({"id": v.uri, "type": "Tombstone"}),
        ),
        mallory.activity("deletes/3", "Delete", json!(hello.uri)),
        mallory.activity("undos/1", "Undo", bobs_follow.clone()),
        mallory.activity("undos/2", "Undo", json!(follow_id)),
        mallory.activity("rejects/1", "Reject", bobs_follow.clone()),
        mallory.activity("rejects/2", "Reject", json!(follow_id)),
    ];
    for attack in &attacks {
        deliver(&app, &mallory, attack).await;
    }
    let forwarded = vic.activity(
        "deletes/1",
        "Delete",
        json!({"id": v.uri, "type": "Tombstone"}),
    );
    assert_eq!(
        mallory.post(&app.url("/inbox"), &forwarded, true).await,
        StatusCode::UNAUTHORIZED
    );
    app.drain().await;
    assert!(
        status_by_uri(&app, &v.uri).await.is_some(),
        "vic's post stays"
    );
    assert!(
        !db::statuses::is_tombstoned(&app.state.db, &v.uri)
            .await
            .unwrap()
    );
    assert!(
        db::statuses::find(&app.state.db, hello.id)
            .await
            .unwrap()
            .is_some()
    );
    let rel = db::follows::relationship(&app.state.db, bob.id, vic_here.id)
        .await
        .unwrap();
    assert!(rel.following, "bob still follows vic");
    assert_eq!(refreshed(&app, &vic_here).await.followers_count, 1);
    assert_eq!(app.account("bob").await.following_count, 1);
}

/// S12 beyond tests/inbox_activities.rs `a_mention_tag_alone_does_not_reveal_a_followers_only_post`:
/// a Mention tag for carol in a direct post to alice, or added to a followers-only post by
/// a later edit, neither notifies carol nor lets her see the post; alice, addressed, is
/// told.
#[tokio::test]
async fn s12_a_mention_tag_in_a_direct_post_or_an_edit_does_not_reach_the_unaddressed() {
    let vic = Remote::start_as("vic").await;
    let app = TestApp::start_allowing(&[&vic.host]).await;
    let alice_user = app.create_user("alice").await;
    let carol_user = app.create_user("carol").await;
    let (alice, carol) = (app.account("alice").await, app.account("carol").await);
    let mut to_alice = note(&vic, 1, "<p>@alice @carol for alice only</p>");
    to_alice["to"] = json!([alice.uri]);
    to_alice["cc"] = json!([]);
    to_alice["tag"] = json!([mention(&alice), mention(&carol)]);
    deliver(&app, &vic, &create(&vic, &to_alice)).await;
    let to_followers = for_followers(&vic, note(&vic, 2, "<p>psst</p>"));
    deliver(&app, &vic, &create(&vic, &to_followers)).await;
    let mut edited = to_followers.clone();
    edited["content"] = json!("<p>@carol psst, edited</p>");
    edited["updated"] = json!("2026-11-21T10:00:00Z");
    edited["tag"] = json!([mention(&carol)]);
    deliver(&app, &vic, &vic.activity("updates/1", "Update", edited)).await;
    let direct = status_by_uri(&app, &vic.url("/notes/1")).await.unwrap();
    let private = status_by_uri(&app, &vic.url("/notes/2")).await.unwrap();
    assert_eq!(direct.visibility(), Visibility::Direct);
    assert_eq!(
        private.content, "<p>@carol psst, edited</p>",
        "the edit applied"
    );
    assert_eq!(unread(&app, &carol_user).await, 0);
    assert!(!visible_to(&app, &direct, &carol).await);
    assert!(!visible_to(&app, &private, &carol).await);
    assert_eq!(
        count(&app, "SELECT count(*) FROM mentions WHERE account_id = (SELECT id FROM accounts WHERE uri = $1)", &carol.uri).await,
        0
    );
    // alice was addressed: she has the notification, filtered into a request as
    // Mastodon 4.3's default policy does with a stranger's private mention.
    assert_eq!(
        count(&app, "SELECT count(*) FROM notifications WHERE filtered AND account_id = (SELECT id FROM accounts WHERE uri = $1)", &alice.uri).await,
        1,
        "alice was addressed"
    );
    assert_eq!(
        unread(&app, &alice_user).await,
        0,
        "filtered until she accepts"
    );
    assert!(visible_to(&app, &direct, &alice).await);
}
