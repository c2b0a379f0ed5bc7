//! Interop with an independent ActivityPub implementation: a Fedify 1.5 peer
//! (tests/peers/fedify, Node) and Starling on `http://localhost:PORT`, over real HTTP with
//! real signatures in both directions. What the peer reports as received, Fedify verified.
//!
//! Skipped, loudly, only when `node` is missing. The peer's packages must be installed
//! (`npm ci --prefix tests/peers/fedify`; `.ci/run` does it).

#[path = "support/fedify.rs"]
mod fedify_peer;
mod support;

use std::future::Future;
use std::time::{Duration, Instant};

use fedify_peer::FedifyPeer;
use serde_json::json;
use starling::db;
use starling::db::accounts::Account;
use starling::db::statuses::Visibility;
use starling::service::statuses::NewPost;
use starling::service::{follows, remote_accounts, statuses};
use support::TestApp;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// The peer answers within milliseconds; this only bounds a failing run.
const PATIENCE: Duration = Duration::from_secs(20);

/// The peer, and a Starling on localhost allowed to reach it, with `alice`.
async fn start() -> Option<(FedifyPeer, TestApp)> {
    let peer = FedifyPeer::start()?;
    let allowed = peer.host();
    let app =
        TestApp::start_on_localhost(move |c| c.federation.allowed_private_hosts = vec![allowed])
            .await;
    app.create_user("alice").await;
    Some((peer, app))
}

/// Drains our queue until `check` holds: the peer delivers asynchronously and our
/// inbox processes in the worker. On timeout, panics with both sides' state.
async fn eventually<F, Fut>(app: &TestApp, peer: &FedifyPeer, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        app.drain().await;
        if check().await {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out waiting until {what}\n--- our jobs ---\n{}\n{}",
                jobs(app).await,
                peer.diagnostics().await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One row of our job queue, for failure messages.
#[derive(sqlx::FromRow)]
struct JobRow {
    kind: String,
    state: String,
    attempts: i32,
    host: Option<String>,
    last_error: Option<String>,
}

/// Our queue, one line per job: what it was, how it ended, the last error.
async fn jobs(app: &TestApp) -> String {
    let rows: Vec<JobRow> =
        sqlx::query_as("SELECT kind, state, attempts, host, last_error FROM jobs ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap_or_default();
    rows.iter()
        .map(|j| {
            format!(
                "{} → {} [{}, {} attempt(s)] {}",
                j.kind,
                j.host.as_deref().unwrap_or("-"),
                j.state,
                j.attempts,
                j.last_error.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn remote_account(app: &TestApp, uri: &str) -> Option<Account> {
    db::accounts::find_by_uri(&app.state.db, uri)
        .await
        .expect("query")
}

/// fern follows alice through the peer, and waits until the peer has our Accept.
async fn fern_follows_alice(app: &TestApp, peer: &FedifyPeer) -> String {
    let alice_uri = app.url("/users/alice");
    let follow_id = peer.follow(&alice_uri).await;
    eventually(app, peer, "fern's follow of alice is accepted", || async {
        peer.following().await.get(&alice_uri) == Some(&json!("accepted"))
    })
    .await;
    follow_id
}

#[tokio::test]
async fn fern_follows_alice_and_fedify_verifies_our_accept() {
    let Some((peer, app)) = start().await else {
        return;
    };
    let alice_uri = app.url("/users/alice");
    // The control route answers once fern has dereferenced our actor and our inbox took
    // the signed Follow (202); a refusal panics with the peer's log.
    let follow_id = fern_follows_alice(&app, &peer).await;

    let fern = remote_account(&app, &peer.actor())
        .await
        .expect("we stored fern when verifying the Follow");
    assert_eq!(fern.username, "fern");
    let alice = app.account("alice").await;
    let rel = db::follows::relationship(&app.state.db, fern.id, alice.id)
        .await
        .unwrap();
    assert!(rel.following, "fern follows alice here: {rel:?}");

    let accepts = peer.received_of("Accept").await;
    assert_eq!(accepts.len(), 1, "{accepts:#?}");
    let accept = &accepts[0];
    assert_eq!(accept["actor"], alice_uri.as_str());
    assert_eq!(accept["object"]["type"], "Follow");
    assert_eq!(accept["object"]["id"], follow_id.as_str());
    assert_eq!(accept["object"]["actor"], peer.actor().as_str());
    assert_eq!(accept["object"]["object"], alice_uri.as_str());
}

/// Our sending side: a local post fanned out to a remote follower, signed by alice.
#[tokio::test]
async fn alices_public_post_reaches_fern_signed() {
    let Some((peer, app)) = start().await else {
        return;
    };
    fern_follows_alice(&app, &peer).await;
    let alice = app.account("alice").await;
    let id = statuses::post(
        &app.state,
        &alice,
        &NewPost {
            text: "Hello, Fedify! #interop".into(),
            visibility: Some(Visibility::Public),
            ..Default::default()
        },
    )
    .await
    .expect("post");
    let status = db::statuses::find(&app.state.db, id)
        .await
        .unwrap()
        .expect("status");

    let create_of_status = || async {
        peer.received_of("Create")
            .await
            .into_iter()
            .find(|a| a["object"]["id"] == status.uri.as_str())
    };
    eventually(&app, &peer, "the peer has alice's Create(Note)", || async {
        create_of_status().await.is_some()
    })
    .await;
    let create = create_of_status().await.unwrap_or_default();
    let alice_uri = app.url("/users/alice");
    assert_eq!(create["actor"], alice_uri.as_str());
    let note = &create["object"];
    assert_eq!(note["type"], "Note");
    assert_eq!(note["attributedTo"], alice_uri.as_str());
    assert!(
        note["content"]
            .as_str()
            .is_some_and(|c| c.contains("Hello, Fedify!")),
        "{note:#}"
    );
    assert!(
        note["to"].as_array().unwrap().contains(&json!(PUBLIC)),
        "{note:#}"
    );
    assert!(
        note["cc"]
            .as_array()
            .unwrap()
            .contains(&json!(app.url("/users/alice/followers"))),
        "{note:#}"
    );
}

#[tokio::test]
async fn a_mention_from_fern_is_stored_and_notifies_alice() {
    let Some((peer, app)) = start().await else {
        return;
    };
    let alice_uri = app.url("/users/alice");
    let content = format!(
        "<p><span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>alice</span></a></span> \
         hello from Fedify</p>",
        app.url("/@alice")
    );
    let sent = peer
        .note(json!({
            "to": [PUBLIC],
            "cc": [alice_uri],
            "content": content,
            "mention": alice_uri,
        }))
        .await;
    let note_uri = sent["note"].as_str().expect("note id").to_string();

    eventually(&app, &peer, "we stored fern's note", || async {
        db::statuses::find_by_uri(&app.state.db, &note_uri)
            .await
            .unwrap()
            .is_some()
    })
    .await;
    let status = db::statuses::find_by_uri(&app.state.db, &note_uri)
        .await
        .unwrap()
        .unwrap();
    assert!(status.content.contains("hello from Fedify"), "{status:?}");
    assert_eq!(status.visibility(), Visibility::Public);
    let fern = remote_account(&app, &peer.actor())
        .await
        .expect("fern stored");
    assert_eq!(status.account_id, fern.id);

    let alice = app.account("alice").await;
    let mentions = db::notifications::list(
        &app.state.db,
        alice.id,
        Some(&["mention".to_string()]),
        None,
        10,
    )
    .await
    .unwrap();
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    assert_eq!(mentions[0].from_account_id, fern.id);
    assert_eq!(mentions[0].status_id, Some(status.id));
}

/// Our sending side: a remote follow, its signed Follow and the Accept coming back.
#[tokio::test]
async fn alice_follows_fern_and_fedify_accepts() {
    let Some((peer, app)) = start().await else {
        return;
    };
    let alice_uri = app.url("/users/alice");
    let alice = app.account("alice").await;
    let fern = remote_accounts::fetch_and_store(&app.state, &peer.actor())
        .await
        .expect("fern's actor is fetched and stored");
    assert_eq!(fern.username, "fern");
    follows::follow(&app.state, &alice, &fern)
        .await
        .expect("alice follows fern");

    eventually(&app, &peer, "our follow of fern is established", || async {
        db::follows::relationship(&app.state.db, alice.id, fern.id)
            .await
            .unwrap()
            .following
    })
    .await;
    let follows = peer.received_of("Follow").await;
    assert_eq!(follows.len(), 1, "{follows:#?}");
    assert_eq!(follows[0]["actor"], alice_uri.as_str());
    assert_eq!(follows[0]["object"]["id"], peer.actor().as_str());
    assert_eq!(peer.followers().await, vec![alice_uri]);
}
