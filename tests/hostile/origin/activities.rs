//! Activities that speak for someone else: a signer re-sending, or signing as, what
//! another actor owns.

use reqwest::StatusCode;
use serde_json::json;
use starling::db::statuses::Visibility;

use crate::signed::post_signed;
use crate::support::TestApp;
use crate::support::queries::{count, post, status_by_uri, statuses_of, unread, visible_to};
use crate::support::remote::{AS, PUBLIC, Remote, create, deliver, known, note};
use crate::tools::{
    Evil, Reply, accounts_with_uri, assert_untouched, followers_only_post, inbox_jobs, mention,
    public_key, vic_and_mallory,
};

/// S04: mallory re-sends vic's known followers-only post, and alice's, addressed to
/// carol (Create and Update, attributed to their authors or to herself): carol is not
/// notified and cannot see them; bob's view is unchanged.
#[tokio::test]
async fn s04_resending_someone_elses_post_to_more_people_changes_nothing() {
    let (vic, mallory, app) = vic_and_mallory().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let carol_user = app.create_user("carol").await;
    let (bob, carol) = (app.account("bob").await, app.account("carol").await);
    let (_, stored_v) = followers_only_post(&app, &vic, &bob).await;
    known(&app, &mallory).await;
    assert_eq!(stored_v.visibility(), Visibility::Private);
    let p_fo = post(&app, "alice", "alice's followers only", Visibility::Private).await;

    let widened = |id: &str, author: &str| {
        json!({"id": id, "type": "Note", "attributedTo": author, "content": "<p>leaked</p>",
               "published": "2026-11-21T10:00:00Z", "updated": "2026-11-22T10:00:00Z",
               "to": [carol.uri], "cc": [], "tag": [mention(&carol)]})
    };
    let attacks = [
        widened(&stored_v.uri, &vic.actor()),
        widened(&stored_v.uri, &mallory.actor()),
        widened(&p_fo.uri, &app.account("alice").await.uri),
        widened(&p_fo.uri, &mallory.actor()),
    ];
    for (n, object) in attacks.iter().enumerate() {
        let mut as_create = create(&mallory, object);
        as_create["id"] = json!(mallory.url(&format!("/creates/{n}")));
        deliver(&app, &mallory, &as_create).await;
        deliver(
            &app,
            &mallory,
            &mallory.activity(&format!("updates/{n}"), "Update", object.clone()),
        )
        .await;
    }
    assert_eq!(unread(&app, &carol_user).await, 0);
    assert!(!visible_to(&app, &stored_v, &carol).await);
    assert!(!visible_to(&app, &p_fo, &carol).await);
    assert!(visible_to(&app, &stored_v, &bob).await, "bob still sees it");
    let v_now = status_by_uri(&app, &stored_v.uri).await.unwrap();
    assert_eq!(v_now.content, stored_v.content);
    assert_eq!(v_now.visibility(), Visibility::Private);
    assert_eq!(count(&app, "SELECT count(*) FROM mentions m JOIN statuses s ON s.id = m.status_id WHERE s.uri = $1", &stored_v.uri).await, 0);
    assert_eq!(
        status_by_uri(&app, &p_fo.uri).await.unwrap().content,
        p_fo.content
    );
}

/// S07: mallory signs, with her own valid key, activities whose actor is vic: each is
/// refused before anything is processed or fetched, and nothing of vic's appears.
#[tokio::test]
async fn s07_mallorys_valid_signature_does_not_speak_for_vic() {
    let (vic, mallory, app) = vic_and_mallory().await;
    let alice_user = app.create_user("alice").await;
    let alice = app.account("alice").await;
    known(&app, &mallory).await;
    let hello = post(&app, "alice", "hello", Visibility::Public).await;
    let mut mentioning = note(&vic, 1, "<p>@alice hi</p>");
    mentioning["cc"] = json!([alice.uri]);
    mentioning["tag"] = json!([mention(&alice)]);
    let as_vic = [
        vic.activity("follows/1", "Follow", json!(alice.uri)),
        vic.activity("likes/1", "Like", json!(hello.uri)),
        vic.activity("announces/1", "Announce", json!(hello.uri)),
        create(&vic, &mentioning),
    ];
    for activity in &as_vic {
        for inbox in ["/inbox", "/users/alice/inbox"] {
            assert_eq!(
                mallory.post(&app.url(inbox), activity, true).await,
                StatusCode::UNAUTHORIZED,
                "{activity}"
            );
        }
    }
    app.drain().await;
    assert_eq!(inbox_jobs(&app).await, 0);
    assert!(
        vic.peer.gets.lock().unwrap().is_empty(),
        "nothing was fetched for these bodies"
    );
    assert_eq!(accounts_with_uri(&app, &vic.actor()).await, 0);
    assert_untouched(&app, &alice_user, &alice, &hello).await;
    assert!(status_by_uri(&app, &vic.url("/notes/1")).await.is_none());
}

/// S07: a key that its document files under someone else's id or owner is never bound
/// to them: mallory's actor claiming vic's key id is refused, her key under vic's key id
/// fails before and after vic's own genuine request, and a key document whose id is
/// another key is refused.
#[tokio::test]
async fn s07_a_key_naming_another_id_or_owner_is_never_bound_to_them() {
    let vic = Remote::start_as("vic").await;
    let mallory = Remote::start_as("mallory").await;
    let evil = Evil::start().await;
    let app = TestApp::start_allowing(&[&vic.host, &mallory.host, &evil.host]).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let mallory_pem = mallory.actor_doc()["publicKey"]["publicKeyPem"].clone();
    mallory.set_actor_field(
        "publicKey",
        json!({"id": vic.key_id(), "owner": vic.actor(), "publicKeyPem": mallory_pem}),
    );
    let follow = mallory.activity("follows/1", "Follow", json!(alice.uri));
    assert_eq!(
        mallory.post(&app.url("/inbox"), &follow, true).await,
        StatusCode::UNAUTHORIZED
    );
    let as_vic = vic.activity("follows/x", "Follow", json!(alice.uri));
    let inbox = app.url("/inbox");
    assert_eq!(
        post_signed(&inbox, &as_vic, &mallory.key, &vic.key_id()).await,
        StatusCode::UNAUTHORIZED
    );
    deliver(
        &app,
        &vic,
        &vic.activity("follows/1", "Follow", json!(alice.uri)),
    )
    .await;
    assert_eq!(
        app.account("alice").await.followers_count,
        1,
        "vic's own request works"
    );
    assert_eq!(
        post_signed(&inbox, &as_vic, &mallory.key, &vic.key_id()).await,
        StatusCode::UNAUTHORIZED
    );
    let vic_here = app.account_by_uri(&vic.actor()).await;
    assert_eq!(
        public_key(&app, &vic_here).await.as_deref(),
        vic.actor_doc()["publicKey"]["publicKeyPem"].as_str()
    );
    // A key document that says it is another key.
    let key_doc = json!({"@context": [AS, "https://w3id.org/security/v1"], "id": evil.url("/keys/2"), "type": "Key",
                         "owner": evil.url("/users/k"), "publicKeyPem": mallory_pem});
    evil.serve("/keys/1", Reply::ap(&key_doc));
    evil.serve("/keys/2", Reply::ap(&key_doc));
    let as_k = json!({"@context": AS, "id": evil.url("/follows/1"), "type": "Follow",
                      "actor": evil.url("/users/k"), "object": alice.uri});
    assert_eq!(
        post_signed(&inbox, &as_k, &mallory.key, &evil.url("/keys/1")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.account("alice").await.followers_count, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM accounts WHERE public_key_id = $1",
            &vic.key_id()
        )
        .await,
        1,
        "vic's key id belongs to vic alone"
    );
}

/// S08: embedded Linked-Data signatures are never trusted in place of the sender's own
/// HTTP signature: vic's signed activities relayed by mallory, altered, wrapped in
/// `@graph`, or sent with no HTTP signature at all, change nothing.
#[tokio::test]
async fn s08_linked_data_signatures_never_stand_in_for_the_senders_own() {
    let (vic, mallory, app) = vic_and_mallory().await;
    app.create_user("bob").await;
    app.create_user("carol").await;
    let (bob, carol) = (app.account("bob").await, app.account("carol").await);
    let (v, stored_v) = followers_only_post(&app, &vic, &bob).await;
    known(&app, &mallory).await;
    let ld = json!({"type": "RsaSignature2017", "creator": vic.key_id(),
                    "created": "2026-11-20T10:00:00Z", "signatureValue": "c2lnbmVkIGJ5IHZpYw=="});
    let inbox = app.url("/inbox");
    let mut relayed = create(&vic, &note(&vic, 2, "<p>genuine</p>"));
    relayed["signature"] = ld.clone();
    assert_eq!(
        mallory.post(&inbox, &relayed, true).await,
        StatusCode::UNAUTHORIZED
    );
    let mut widened = create(&vic, &v);
    widened["object"]["to"] = json!([PUBLIC, carol.uri]);
    widened["object"]["as:to"] = json!(PUBLIC);
    widened["object"]["content"] = json!("<p>changed</p>");
    widened["unmappedTerm"] = json!("dropped by normalisation");
    widened["signature"] = ld.clone();
    assert_eq!(
        mallory.post(&inbox, &widened, true).await,
        StatusCode::UNAUTHORIZED
    );
    let graph = json!({"@context": AS, "id": mallory.url("/graph/1"), "type": "Create", "actor": mallory.actor(),
                       "object": {"@graph": [widened["object"]]}, "signature": ld});
    deliver(&app, &mallory, &graph).await;
    let forwarded = json!({"@context": AS, "id": format!("{}#delete/1", vic.actor()), "type": "Delete",
                           "actor": vic.actor(), "object": {"id": stored_v.uri, "type": "Tombstone"}, "signature": ld});
    assert_eq!(
        mallory.post(&inbox, &forwarded, true).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        vic.post(&inbox, &relayed, false).await,
        StatusCode::UNAUTHORIZED,
        "no HTTP signature"
    );
    assert_eq!(
        vic.post(&inbox, &forwarded, false).await,
        StatusCode::UNAUTHORIZED
    );
    app.drain().await;
    assert!(status_by_uri(&app, &vic.url("/notes/2")).await.is_none());
    let v_now = status_by_uri(&app, &stored_v.uri)
        .await
        .expect("not deleted");
    assert_eq!(v_now.content, stored_v.content);
    assert_eq!(v_now.visibility(), Visibility::Private);
    assert!(!visible_to(&app, &v_now, &carol).await);
    assert!(visible_to(&app, &v_now, &bob).await);
    assert_eq!(statuses_of(&app, &vic).await, 1);
}
