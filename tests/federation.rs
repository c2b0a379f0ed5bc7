//! Two Starling servers in one test process, each with its own database and its own
//! `http://localhost:PORT` instance URL, talking over real HTTP with real signatures.
//! Every step of the story asserts the state on both sides.

mod support;

use starling::db;
use starling::db::accounts::Account;
use starling::db::statuses::{Page, Status};
use starling::id::StatusId;
use starling::service::statuses::NewPost;
use starling::service::{favourites, follows, remote_accounts, statuses, timelines};
use support::TestApp;
use support::queries::publish;
use support::queries::status_by_uri as copy_of;

async fn server() -> TestApp {
    // Both servers live on loopback: private addresses allowed, as in development.
    TestApp::start_on_localhost(|c| c.federation.allowed_private_hosts = vec!["*".into()]).await
}

/// Runs both queues until neither has work left (a delivery on one side makes inbox
/// work on the other, which may answer with more deliveries).
async fn settle(servers: &[&TestApp]) {
    for _ in 0..20 {
        let mut ran = 0;
        for s in servers {
            ran += s.drain().await;
        }
        if ran == 0 {
            return;
        }
    }
    panic!("the queues did not settle");
}

fn domain(app: &TestApp) -> String {
    app.state.urls.domain().to_string()
}

async fn post(app: &TestApp, author: &Account, text: &str, reply_to: Option<StatusId>) -> Status {
    let new = NewPost {
        text: text.into(),
        in_reply_to: reply_to,
        ..Default::default()
    };
    publish(app, author, new).await
}

async fn notifications(app: &TestApp, account: &Account, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE account_id = $1 AND type = $2")
        .bind(account.id)
        .bind(kind)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

async fn home_uris(app: &TestApp, viewer: &Account) -> Vec<String> {
    timelines::home(&app.state, viewer, Page::older_than(None, 40))
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.status.uri)
        .collect()
}

#[tokio::test]
async fn two_servers_follow_converse_and_part() {
    let (a, b) = (server().await, server().await);
    a.create_user("alice").await;
    b.create_user("bob").await;
    let alice = a.account("alice").await;
    let bob = b.account("bob").await;

    // WebFinger: alice's server finds bob by his handle, and bob's finds alice.
    let bob_at_a = remote_accounts::resolve_handle(&a.state, &format!("bob@{}", domain(&b)))
        .await
        .expect("bob is found by WebFinger");
    assert_eq!(bob_at_a.uri, bob.uri);
    assert_eq!(bob_at_a.domain.as_deref(), Some(domain(&b).as_str()));
    let alice_at_b = remote_accounts::resolve_handle(&b.state, &format!("alice@{}", domain(&a)))
        .await
        .expect("alice is found by WebFinger");
    assert_eq!(alice_at_b.uri, alice.uri);

    // Follow: a request until bob's server accepts, then a follow on both sides.
    let rel = follows::follow(&a.state, &alice, &bob_at_a).await.unwrap();
    assert!(rel.requested && !rel.following);
    settle(&[&a, &b]).await;
    let rel = db::follows::relationship(&a.state.db, alice.id, bob_at_a.id)
        .await
        .unwrap();
    assert!(rel.following && !rel.requested, "accepted: {rel:?}");
    assert_eq!(b.account("bob").await.followers_count, 1);
    assert_eq!(a.account("alice").await.following_count, 1);
    assert_eq!(notifications(&b, &bob, "follow").await, 1);

    // Post: bob's public post reaches alice's home timeline.
    let hello = post(&b, &bob, "Hello from the other server #greetings", None).await;
    settle(&[&a, &b]).await;
    let hello_at_a = copy_of(&a, &hello.uri).await.expect("delivered to alice");
    assert!(hello_at_a.content.contains("Hello from the other server"));
    assert!(home_uris(&a, &alice).await.contains(&hello.uri));

    // Reply across servers: it threads under bob's post there, and bob is notified.
    let reply = post(&a, &alice, "Hello back!", Some(hello_at_a.id)).await;
    settle(&[&a, &b]).await;
    let reply_at_b = copy_of(&b, &reply.uri).await.expect("reply delivered");
    assert_eq!(reply_at_b.in_reply_to_id, Some(hello.id));
    assert_eq!(
        db::statuses::find(&b.state.db, hello.id)
            .await
            .unwrap()
            .unwrap()
            .replies_count,
        1
    );
    assert_eq!(notifications(&b, &bob, "mention").await, 1);

    // Mention by handle, resolved when posting.
    let mention = post(
        &a,
        &alice,
        &format!("@bob@{} are you there?", domain(&b)),
        None,
    )
    .await;
    assert!(mention.content.contains(&bob.uri) || mention.content.contains("/@bob"));
    settle(&[&a, &b]).await;
    assert!(copy_of(&b, &mention.uri).await.is_some());
    assert_eq!(notifications(&b, &bob, "mention").await, 2);

    // Boost and favourite of bob's post, counted and notified on his side.
    statuses::reblog(&a.state, &alice, hello_at_a.id)
        .await
        .unwrap();
    favourites::favourite(&a.state, &alice, hello_at_a.id)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    let hello_now = db::statuses::find(&b.state.db, hello.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hello_now.reblogs_count, 1);
    assert_eq!(hello_now.favourites_count, 1);
    assert_eq!(notifications(&b, &bob, "reblog").await, 1);
    assert_eq!(notifications(&b, &bob, "favourite").await, 1);
    // And withdrawn again.
    statuses::unreblog(&a.state, &alice, hello_at_a.id)
        .await
        .unwrap();
    favourites::unfavourite(&a.state, &alice, hello_at_a.id)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    let hello_now = db::statuses::find(&b.state.db, hello.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (hello_now.reblogs_count, hello_now.favourites_count),
        (0, 0)
    );

    // Edit: bob's correction replaces alice's copy, which keeps the history.
    statuses::edit(
        &b.state,
        &bob,
        hello.id,
        &NewPost {
            text: "Hello from the other server (edited) #greetings".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    settle(&[&a, &b]).await;
    let edited = copy_of(&a, &hello.uri).await.unwrap();
    assert!(edited.content.contains("(edited)"), "{}", edited.content);
    assert!(edited.edited_at.is_some());
    let versions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM status_edits WHERE status_id = $1")
            .bind(edited.id)
            .fetch_one(&a.state.db)
            .await
            .unwrap();
    assert_eq!(versions, 2, "the original and the edit");

    // Delete: bob's post disappears from alice's server, with a tombstone.
    statuses::delete(&b.state, &bob, false, hello.id)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    assert!(copy_of(&a, &hello.uri).await.is_none(), "deleted there too");
    assert!(
        db::statuses::is_tombstoned(&a.state.db, &hello.uri)
            .await
            .unwrap()
    );

    // Unfollow: bob loses his follower.
    follows::unfollow(&a.state, &alice, &bob_at_a)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    assert_eq!(b.account("bob").await.followers_count, 0);
    assert_eq!(a.account("alice").await.following_count, 0);
    // Bob's next post no longer reaches alice's server.
    let later = post(&b, &bob, "Anyone still here?", None).await;
    settle(&[&a, &b]).await;
    assert!(copy_of(&a, &later.uri).await.is_none());
}

#[tokio::test]
async fn a_locked_account_answers_a_remote_request() {
    let (a, b) = (server().await, server().await);
    a.create_user("alice").await;
    let carol_web = b.signed_in("carol").await;
    carol_web.get("/settings/profile").await;
    sqlx::query("UPDATE accounts SET locked = true WHERE username = 'carol'")
        .execute(&b.state.db)
        .await
        .unwrap();
    let alice = a.account("alice").await;
    let carol = b.account("carol").await;
    let carol_at_a = remote_accounts::fetch_and_store(&a.state, &carol.uri)
        .await
        .unwrap();
    assert!(
        carol_at_a.locked,
        "the actor says manuallyApprovesFollowers"
    );

    follows::follow(&a.state, &alice, &carol_at_a)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    // Carol has a request; alice is still waiting.
    assert_eq!(notifications(&b, &carol, "follow_request").await, 1);
    assert_eq!(b.account("carol").await.followers_count, 0);
    let rel = db::follows::relationship(&a.state.db, alice.id, carol_at_a.id)
        .await
        .unwrap();
    assert!(rel.requested && !rel.following);

    // Carol's followers-only post does not reach alice yet.
    let private = statuses::post(
        &b.state,
        &carol,
        &NewPost {
            text: "for my followers".into(),
            visibility: Some(db::statuses::Visibility::Private),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let private_uri = db::statuses::find(&b.state.db, private)
        .await
        .unwrap()
        .unwrap()
        .uri;
    settle(&[&a, &b]).await;
    assert!(copy_of(&a, &private_uri).await.is_none());

    // She accepts: alice follows her on both sides.
    let alice_at_b = b.account_by_uri(&alice.uri).await;
    follows::authorize(&b.state, &carol, &alice_at_b)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    assert_eq!(b.account("carol").await.followers_count, 1);
    let rel = db::follows::relationship(&a.state.db, alice.id, carol_at_a.id)
        .await
        .unwrap();
    assert!(rel.following && !rel.requested, "{rel:?}");

    // Now her followers-only posts arrive, as followers-only.
    let second = post_private(&b, &carol, "welcome, followers").await;
    settle(&[&a, &b]).await;
    let copy = copy_of(&a, &second).await.expect("delivered to a follower");
    assert_eq!(copy.visibility(), db::statuses::Visibility::Private);
}

#[tokio::test]
async fn a_rejected_request_leaves_nothing_behind() {
    let (a, b) = (server().await, server().await);
    a.create_user("alice").await;
    b.create_user("carol").await;
    sqlx::query("UPDATE accounts SET locked = true WHERE username = 'carol'")
        .execute(&b.state.db)
        .await
        .unwrap();
    let alice = a.account("alice").await;
    let carol = b.account("carol").await;
    let carol_at_a = remote_accounts::fetch_and_store(&a.state, &carol.uri)
        .await
        .unwrap();
    follows::follow(&a.state, &alice, &carol_at_a)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    let alice_at_b = b.account_by_uri(&alice.uri).await;
    follows::reject(&b.state, &carol, &alice_at_b)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    let rel = db::follows::relationship(&a.state.db, alice.id, carol_at_a.id)
        .await
        .unwrap();
    assert!(!rel.following && !rel.requested, "{rel:?}");
    assert_eq!(b.account("carol").await.followers_count, 0);
}

async fn post_private(app: &TestApp, author: &Account, text: &str) -> String {
    let id = statuses::post(
        &app.state,
        author,
        &NewPost {
            text: text.into(),
            visibility: Some(db::statuses::Visibility::Private),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    db::statuses::find(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
        .uri
}

#[tokio::test]
async fn a_looked_up_profile_shows_its_recent_public_posts() {
    let (a, b) = (server().await, server().await);
    a.create_user("alice").await;
    b.create_user("bob").await;
    let bob = b.account("bob").await;
    let first = post(&b, &bob, "An older public post", None).await;
    let second = post(&b, &bob, "A newer public post", None).await;
    let private = post_private(&b, &bob, "only for followers").await;

    let found = starling::service::search::search(
        &a.state,
        &format!("@bob@{}", domain(&b)),
        true,
        starling::service::search::Window::first(20),
    )
    .await
    .unwrap();
    assert_eq!(found.accounts.len(), 1);
    settle(&[&a, &b]).await;
    assert!(copy_of(&a, &first.uri).await.is_some());
    assert!(copy_of(&a, &second.uri).await.is_some());
    assert!(
        copy_of(&a, &private).await.is_none(),
        "the outbox holds public posts only"
    );
    let bob_at_a = a.account_by_uri(&bob.uri).await;
    let shown = timelines::account(&a.state, &bob_at_a, None, false, Page::older_than(None, 20))
        .await
        .unwrap();
    assert_eq!(shown.len(), 2);
}

#[tokio::test]
async fn a_block_ends_follows_on_both_servers() {
    let (a, b) = (server().await, server().await);
    a.create_user("alice").await;
    b.create_user("bob").await;
    let alice = a.account("alice").await;
    let bob = b.account("bob").await;
    let bob_at_a = remote_accounts::fetch_and_store(&a.state, &bob.uri)
        .await
        .unwrap();
    follows::follow(&a.state, &alice, &bob_at_a).await.unwrap();
    settle(&[&a, &b]).await;
    let alice_at_b = b.account_by_uri(&alice.uri).await;
    follows::follow(&b.state, &bob, &alice_at_b).await.unwrap();
    settle(&[&a, &b]).await;
    assert_eq!(b.account("bob").await.followers_count, 1);
    assert_eq!(a.account("alice").await.followers_count, 1);

    // Bob blocks alice: no follows left either way, on either server.
    starling::service::blocks::block_by_local(&b.state, &bob, &alice_at_b)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    let at_b = db::follows::relationship(&b.state.db, bob.id, alice_at_b.id)
        .await
        .unwrap();
    assert!(
        at_b.blocking && !at_b.following && !at_b.followed_by,
        "{at_b:?}"
    );
    let at_a = db::follows::relationship(&a.state.db, alice.id, bob_at_a.id)
        .await
        .unwrap();
    assert!(
        at_a.blocked_by && !at_a.following && !at_a.followed_by,
        "{at_a:?}"
    );
    assert_eq!(a.account("alice").await.followers_count, 0);
    assert_eq!(a.account("alice").await.following_count, 0);
    // Alice cannot follow him again while blocked.
    assert!(follows::follow(&a.state, &alice, &bob_at_a).await.is_err());

    // Unblocked, the block is gone there too.
    starling::service::blocks::unblock_by_local(&b.state, &bob, &alice_at_b)
        .await
        .unwrap();
    settle(&[&a, &b]).await;
    let at_a = db::follows::relationship(&a.state.db, alice.id, bob_at_a.id)
        .await
        .unwrap();
    assert!(!at_a.blocked_by, "{at_a:?}");
}

#[tokio::test]
async fn an_inbox_answering_410_marks_its_actor_gone() {
    let remote = support::remote::Remote::start().await;
    let allowed = remote.host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let follow = serde_json::json!({"@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", remote.actor()), "type": "Follow",
        "actor": remote.actor(), "object": alice.uri});
    // The follower's server already forgot it: its inbox answers 410 to our Accept.
    remote.gone(&format!("/users/{}/inbox", remote.username));
    assert_eq!(
        remote.post(&app.url("/inbox"), &follow, true).await,
        reqwest::StatusCode::ACCEPTED
    );
    settle(&[&app]).await;
    let rita = app.account_by_uri(&remote.actor()).await;
    let gone: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT gone_at FROM accounts WHERE id = $1")
            .bind(rita.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let jobs: Vec<(String, Option<String>, serde_json::Value)> =
        sqlx::query_as("SELECT kind, last_error, payload FROM jobs ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert!(
        gone.is_some(),
        "a 410 from an actor's inbox marks the actor gone: {jobs:?} {:?}",
        rita.inbox_url
    );
    // Nothing more is sent there: alice's next post fans out to no one.
    post(&app, &alice, "hello?", None).await;
    settle(&[&app]).await;
    let deliveries: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'deliver'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(deliveries, 1, "only the Accept was ever delivered");
    // Fetching the actor afresh (it answers again) clears the mark.
    remote_accounts::fetch_and_store(&app.state, &remote.actor())
        .await
        .unwrap();
    let gone: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT gone_at FROM accounts WHERE id = $1")
            .bind(rita.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(gone.is_none());
}
