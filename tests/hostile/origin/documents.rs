//! Documents that speak for someone else: fetched actors and posts whose id, type,
//! domain or links claim another host or one of our own accounts.

use reqwest::StatusCode;
use serde_json::{Value, json};
use starling::db::statuses::Visibility;
use starling::service;

use crate::signed::get_ap;
use crate::support::TestApp;
use crate::support::queries::{count, post, refreshed, status_by_uri};
use crate::support::remote::{AP, AS, Remote, create, deliver, known, note};
use crate::tools::{
    Evil, Reply, accounts_on, accounts_with_uri, actor_at, fetch_actor, fetch_post, named_state,
    note_doc, public_key, search, statuses_under, vic_and_mallory,
};

/// S01: a document fetched from mallory's server that says it is vic (or vic's post) is
/// stored as neither, whether it is reached by search, by a reply's `inReplyTo` or by a
/// boost; vic keeps his name and key.
#[tokio::test]
async fn s01_a_document_claiming_another_hosts_id_is_stored_nowhere() {
    let vic = Remote::start_as("vic").await;
    let mallory = Remote::start_as("mallory").await;
    let evil = Evil::start().await;
    let app = TestApp::start_allowing(&[&vic.host, &mallory.host, &evil.host]).await;
    vic.set_actor_field("name", json!("Vic"));
    let vic_here = known(&app, &vic).await;
    let vic_key = public_key(&app, &vic_here).await;
    known(&app, &mallory).await;
    let mut posing = vic.actor_doc();
    posing["name"] = json!("PWNED");
    posing["publicKey"]["publicKeyPem"] = mallory.actor_doc()["publicKey"]["publicKeyPem"].clone();
    evil.serve("/x/actor", Reply::ap(&posing));
    let forged_uri = vic.url("/statuses/999");
    evil.serve(
        "/x/note",
        Reply::ap(&note_doc(&forged_uri, &vic.actor(), "<p>PWNED</p>")),
    );
    let carol = app.signed_in("carol").await;
    for path in ["/x/actor", "/x/note"] {
        let page = search(&carol, &evil.url(path)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text().contains("PWNED"), "{path}: {}", page.text());
    }
    let mut reply = note(&mallory, 1, "<p>re</p>");
    reply["inReplyTo"] = json!(evil.url("/x/note"));
    deliver(&app, &mallory, &create(&mallory, &reply)).await;
    let boost = mallory.activity("announces/1", "Announce", json!(evil.url("/x/note")));
    deliver(&app, &mallory, &boost).await;
    assert!(fetch_actor(&app, &evil.url("/x/actor")).await.is_err());
    assert!(fetch_post(&app, &evil.url("/x/note")).await.is_err());

    let vic_now = refreshed(&app, &vic_here).await;
    assert_eq!(vic_now.display_name, "Vic");
    assert_eq!(public_key(&app, &vic_now).await, vic_key);
    assert_eq!(accounts_with_uri(&app, &vic.actor()).await, 1);
    assert!(status_by_uri(&app, &forged_uri).await.is_none());
    assert_eq!(statuses_under(&app, &evil.base).await, 0);
    let stored_reply = status_by_uri(&app, &mallory.url("/notes/1"))
        .await
        .expect("the reply itself is mallory's own and fine");
    assert_eq!(
        stored_reply.in_reply_to_id, None,
        "threaded under nothing forged"
    );
    assert!(
        status_by_uri(&app, boost["id"].as_str().unwrap())
            .await
            .is_none()
    );
}

/// S01 (variant): a document whose `id` is another path on its own host is read again
/// from that path, and only that copy is kept; an id that leads on again is refused.
#[tokio::test]
async fn s01_a_document_naming_another_path_on_its_host_is_read_again_from_there() {
    let evil = Evil::start().await;
    let app = TestApp::start_allowing(&[&evil.host]).await;
    let mut alias = actor_at(&evil.base, "real");
    alias["name"] = json!("Alias copy");
    evil.serve("/x/alias", Reply::ap(&alias));
    let mut original = actor_at(&evil.base, "real");
    original["name"] = json!("Real copy");
    evil.serve("/users/real", Reply::ap(&original));
    let found = fetch_actor(&app, &evil.url("/x/alias"))
        .await
        .expect("read again from its id");
    assert_eq!(found.uri, evil.url("/users/real"));
    assert_eq!(
        found.display_name, "Real copy",
        "the copy at its id, not the alias"
    );

    evil.serve("/x/hop", Reply::ap(&actor_at(&evil.base, "hop1")));
    let mut onward = actor_at(&evil.base, "hop1");
    onward["id"] = json!(evil.url("/users/hop2"));
    evil.serve("/users/hop1", Reply::ap(&onward));
    evil.serve("/users/hop2", Reply::ap(&actor_at(&evil.base, "hop2")));
    assert!(fetch_actor(&app, &evil.url("/x/hop")).await.is_err());
    assert_eq!(evil.hits("/users/hop2"), 0, "one refetch by id, no chain");
    assert_eq!(accounts_on(&app, &evil.host).await, 1);
}

/// S02: a post served as anything but ActivityStreams JSON (the uploaded-file spoof) is
/// not ingested, through search or through a reply that names it; AS types are
/// accepted whatever their case and parameter order.
#[tokio::test]
async fn s02_posts_served_with_other_content_types_are_not_ingested() {
    let evil = Evil::start().await;
    let mallory = Remote::start_as("mallory").await;
    let app = TestApp::start_allowing(&[&evil.host, &mallory.host]).await;
    evil.serve_actor("boss");
    let carol = app.signed_in("carol").await;
    let serve_note = |n: usize, content_type: &str| {
        let url = evil.url(&format!("/u/f{n}.json"));
        let doc = note_doc(&url, &evil.url("/users/boss"), "<p>spoofed</p>");
        evil.serve(
            &format!("/u/f{n}.json"),
            Reply::typed(content_type, doc.to_string()),
        );
        url
    };
    let wrong = [
        "application/json",
        "text/plain",
        "application/octet-stream",
        "image/png",
        "text/html",
        "application/ld+json",
        "application/ld+json; profile=\"https://example.com/not-activitystreams\"",
    ];
    for (n, content_type) in wrong.iter().enumerate() {
        let url = serve_note(n, content_type);
        search(&carol, &url).await;
        let mut reply = note(&mallory, n as u32, "<p>re</p>");
        reply["inReplyTo"] = json!(url);
        deliver(&app, &mallory, &create(&mallory, &reply)).await;
        assert!(status_by_uri(&app, &url).await.is_none(), "{content_type}");
    }
    let right = [
        "Application/Activity+JSON; charset=utf-8",
        "application/ld+json; charset=utf-8; profile=\"https://www.w3.org/ns/activitystreams\"",
    ];
    for (n, content_type) in right.iter().enumerate() {
        let url = serve_note(100 + n, content_type);
        search(&carol, &url).await;
        assert!(status_by_uri(&app, &url).await.is_some(), "{content_type}");
    }
    evil.serve(
        "/users/json",
        Reply::typed("application/json", actor_at(&evil.base, "json").to_string()),
    );
    assert!(fetch_actor(&app, &evil.url("/users/json")).await.is_err());
}

/// S03: prefix, suffix, case and look-alike domains are stored under the host of the
/// actor's verified id, never as the domain they imitate; handles carrying separators
/// are refused; a WebFinger link through another name or with credentials is not taken.
/// (No domain blocks exist yet, so "a block on victim.test also matches VICTIM.TEST."
/// cannot be tested.)
#[tokio::test]
async fn s03_lookalike_domains_keep_their_own_names() {
    let evil = Evil::start().await;
    let app = TestApp::start().await;
    let state = named_state(&app, &[&evil.host]);
    let p = evil.port;
    evil.generate(move |host, path| {
        let name = host.split(':').next().unwrap_or_default().to_string();
        match path {
            "/users/vic" => Some(Reply::ap(&json!({
                "@context": AS, "id": format!("http://{host}/users/vic"), "type": "Person",
                "preferredUsername": "vic", "name": format!("Vic of {name}"),
                "inbox": format!("http://{host}/users/vic/inbox")}))),
            "/.well-known/webfinger" => {
                let href = match name.as_str() {
                    "pointer.tes" => format!("http://victim.test:{p}/users/vic"),
                    "userinfo.tes" => format!("http://victim.test:{p}@userinfo.tes:{p}/users/vic"),
                    _ => format!("http://{host}/users/vic"),
                };
                Some(Reply::typed(
                    "application/jrd+json",
                    json!({"subject": "acct:vic@victim.tes/t",
                           "links": [{"rel": "self", "type": AP, "href": href}]})
                    .to_string(),
                ))
            }
            _ => None,
        }
    });
    let resolve = |handle: String| {
        let state = state.clone();
        async move {
            service::remote_accounts::resolve_handle(&state, &handle)
                .await
                .map_err(|e| e.message().to_string())
        }
    };
    let honest = resolve(format!("vic@victim.test:{p}"))
        .await
        .expect("the real vic");
    assert_eq!(honest.domain, Some(format!("victim.test:{p}")));
    for lookalike in ["victim.tes", "victim.test.evil.test"] {
        let other = resolve(format!("vic@{lookalike}:{p}"))
            .await
            .expect(lookalike);
        assert_eq!(other.domain, Some(format!("{lookalike}:{p}")));
        assert_ne!(other.id, honest.id);
    }
    let asked = evil.requests().len();
    let upper = resolve(format!("vic@VICTIM.TEST:{p}"))
        .await
        .expect("case folds");
    assert_eq!(upper.id, honest.id);
    assert_eq!(evil.requests().len(), asked, "known, so nobody was asked");
    assert!(
        resolve(format!("vic@pointer.tes:{p}")).await.is_err(),
        "handle names another host"
    );
    assert!(
        resolve(format!("vic@userinfo.tes:{p}")).await.is_err(),
        "link with credentials"
    );
    // A homoglyph (Cyrillic і) is its own punycode domain, if it is stored at all.
    let _ = resolve(format!("vic@v\u{456}ctim.test:{p}")).await;
    for bad in [
        format!("vic@victim.tes/t:{p}"),
        format!("vic@victim.tes%2Ft:{p}"),
        format!("vic@victim.tes#t:{p}"),
        format!("vic@victim.tes t:{p}"),
        format!("vic@victim.test@victim.tes:{p}"),
        format!("vic@victim.tes\\t:{p}"),
    ] {
        assert!(resolve(bad.clone()).await.is_err(), "{bad}");
    }
    assert_eq!(accounts_on(&app, &format!("victim.test:{p}")).await, 1);
    assert_eq!(
        refreshed(&app, &honest).await.display_name,
        "Vic of victim.test"
    );
    let domains: Vec<String> =
        sqlx::query_scalar("SELECT domain FROM accounts WHERE domain IS NOT NULL")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    for d in &domains {
        assert!(
            d.is_ascii() && *d == d.to_ascii_lowercase() && !d.contains(['/', '\\', '@', '#', ' ']),
            "stored domain {d:?} is not a normalised host"
        );
        assert!(
            !d.starts_with("victim.test")
                || *d == format!("victim.test:{p}")
                || d.starts_with("victim.test.evil.test"),
            "{d:?} poses as victim.test"
        );
    }
}

/// S05: an actor whose `url`, shared inbox, collections point at vic's server keeps none
/// of them; what alice sends to it goes to its own server, never to vic's.
#[tokio::test]
async fn s05_an_actors_links_to_other_hosts_are_dropped_and_deliveries_stay_with_it() {
    let (vic, mallory, app) = vic_and_mallory().await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    mallory.set_actor_field("url", json!(vic.url("/@vic")));
    mallory.set_actor_field("endpoints", json!({"sharedInbox": vic.url("/inbox")}));
    mallory.set_actor_field("sharedInbox", json!(vic.url("/inbox")));
    mallory.set_actor_field("followers", json!(vic.followers()));
    mallory.set_actor_field("following", json!(vic.url("/users/vic/following")));
    mallory.set_actor_field("outbox", json!(vic.url("/users/vic/outbox")));
    mallory.set_actor_field("featured", json!(vic.featured()));
    deliver(
        &app,
        &mallory,
        &mallory.activity("follows/1", "Follow", json!(alice.uri)),
    )
    .await;
    let m = app.account_by_uri(&mallory.actor()).await;
    assert_eq!(m.domain.as_deref(), Some(mallory.host.as_str()));
    assert!(
        m.url
            .as_deref()
            .is_none_or(|u| u.starts_with(&mallory.base)),
        "{:?}",
        m.url
    );
    assert_eq!(m.shared_inbox_url, None);
    assert_eq!(m.followers_url, None);
    assert_eq!(m.outbox_url, None);
    let (following, featured): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT following_url, featured_url FROM accounts WHERE id = $1")
            .bind(m.id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!((following, featured), (None, None));
    assert_eq!(app.account("alice").await.followers_count, 1);
    post(&app, "alice", "for my followers", Visibility::Private).await;
    post(
        &app,
        "alice",
        &format!("hello @mallory@{}", mallory.host),
        Visibility::Public,
    )
    .await;
    app.drain().await;
    assert!(
        vic.peer.posts.lock().unwrap().is_empty(),
        "nothing went to vic"
    );
    assert!(
        vic.peer.gets.lock().unwrap().is_empty(),
        "vic was not even asked"
    );
    let to_mallory = mallory.peer.posts.lock().unwrap().clone();
    assert!(
        to_mallory
            .iter()
            .any(|(_, _, b)| b.contains("for my followers"))
    );
}

/// S05: a post whose `url` is on another server (or not http at all) does not keep it:
/// links to "the original" must not lead to a page the author's server does not own.
#[tokio::test]
async fn s05_a_posts_url_on_another_host_is_not_kept() {
    let vic = Remote::start_as("vic").await;
    let rita = Remote::start().await;
    let app = TestApp::start_allowing(&[&vic.host, &rita.host]).await;
    let foreign = [
        json!(vic.url("/@vic/1")),
        json!({"type": "Link", "mediaType": "text/html", "href": vic.url("/@vic/2")}),
        json!("javascript:alert(1)"),
    ];
    let mut bad = Vec::new();
    for (n, url) in foreign.iter().enumerate() {
        let mut n_ = note(&rita, n as u32 + 1, "<p>look</p>");
        n_["url"] = url.clone();
        deliver(&app, &rita, &create(&rita, &n_)).await;
        let s = status_by_uri(&app, n_["id"].as_str().unwrap())
            .await
            .expect("the post is fine");
        if !s.url.as_deref().is_none_or(|u| u.starts_with(&rita.base)) {
            bad.push(format!("{url} kept as {:?}", s.url));
        }
        let page = app
            .client()
            .get(&format!("/@rita@{}/{}", rita.host, s.id))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        if page.body.contains(&vic.base) || page.body.contains("javascript:") {
            bad.push(format!("{url} shown on the post's page"));
        }
    }
    let mut own = note(&rita, 9, "<p>mine</p>");
    own["url"] = json!(rita.url("/@rita/9"));
    deliver(&app, &rita, &create(&rita, &own)).await;
    let s = status_by_uri(&app, own["id"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(
        s.url.as_deref(),
        Some(rita.url("/@rita/9").as_str()),
        "own-host urls stay"
    );
    assert!(bad.is_empty(), "foreign post urls kept: {bad:#?}");
}

/// S05/S23: an outbox read when someone looks an account up is the account's own posts:
/// Creates that name posts on other servers make us fetch nothing from those servers.
#[tokio::test]
async fn s05_an_outbox_listing_other_servers_posts_makes_us_fetch_none() {
    let (vic, mallory, app) = vic_and_mallory().await;
    vic.serve("/notes/1", note(&vic, 1, "<p>vic's own</p>"));
    mallory.serve("/notes/1", note(&mallory, 1, "<p>mallory's own</p>"));
    let outbox = mallory.url("/users/mallory/outbox");
    let item = |object: String| json!({"id": format!("{object}/activity"), "type": "Create", "actor": mallory.actor(), "object": object});
    mallory.serve(
        "/users/mallory/outbox",
        json!({"@context": AS, "id": outbox, "type": "OrderedCollection", "totalItems": 2,
               "orderedItems": [item(vic.url("/notes/1")), item(mallory.url("/notes/1"))]}),
    );
    mallory.set_actor_field("outbox", json!(outbox));
    let alice = app.signed_in("alice").await;
    search(&alice, &mallory.actor()).await;
    app.drain().await;
    assert!(
        status_by_uri(&app, &mallory.url("/notes/1"))
            .await
            .is_some(),
        "the account's own post is read"
    );
    let asked_vic = vic.peer.gets.lock().unwrap().clone();
    assert!(
        asked_vic.is_empty(),
        "vic's server was asked for {asked_vic:?}"
    );
    assert!(status_by_uri(&app, &vic.url("/notes/1")).await.is_none());
}

/// S06: documents on mallory's server that claim one of our accounts (by id, by
/// redirect, without a host), and mallory's Update or Delete of alice, change nothing:
/// there is one alice, with her own profile and key.
#[tokio::test]
async fn s06_remote_documents_cannot_become_or_change_a_local_account() {
    let evil = Evil::start().await;
    let mallory = Remote::start_as("mallory").await;
    let (evil_host, mallory_host) = (evil.host.clone(), mallory.host.clone());
    let app = TestApp::start_with(move |c| {
        // As in production, where our own public address is one we may fetch from.
        let own = c.instance.url.trim_start_matches("http://").to_string();
        c.federation.allowed_private_hosts = vec![evil_host, mallory_host, own];
    })
    .await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let key_before = public_key(&app, &alice).await;
    known(&app, &mallory).await;
    let mut posing = actor_at(&evil.base, "alice");
    posing["id"] = json!(alice.uri);
    posing["name"] = json!("PWNED");
    posing["publicKey"] = json!({"id": format!("{}#main-key", alice.uri), "owner": alice.uri,
                                 "publicKeyPem": mallory.actor_doc()["publicKey"]["publicKeyPem"]});
    evil.serve("/users/alice", Reply::ap(&posing));
    evil.serve("/r", Reply::redirect(&alice.uri));
    let mut hostless = posing.clone();
    hostless["id"] = json!("/users/alice");
    evil.serve("/nohost", Reply::ap(&hostless));
    let carol = app.signed_in("carol").await;
    for path in ["/users/alice", "/r", "/nohost"] {
        let page = search(&carol, &evil.url(path)).await;
        assert!(!page.text().contains("PWNED"), "{path}");
        let found = fetch_actor(&app, &evil.url(path)).await;
        assert!(
            found.as_ref().map_or(true, |a| a.id == alice.id),
            "{path}: {found:?}"
        );
    }
    assert!(
        fetch_actor(&app, &alice.uri).await.is_err(),
        "we never dereference ourselves"
    );
    deliver(
        &app,
        &mallory,
        &mallory.activity("updates/1", "Update", posing.clone()),
    )
    .await;
    deliver(
        &app,
        &mallory,
        &mallory.activity("deletes/1", "Delete", json!(alice.uri)),
    )
    .await;
    let now = app.account("alice").await;
    assert_eq!(now.display_name, "");
    assert!(now.suspended_at.is_none());
    assert_eq!(now.domain, None);
    assert_eq!(public_key(&app, &now).await, key_before);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM accounts WHERE lower(username) = $1",
            "alice"
        )
        .await,
        1
    );
    let ours = app.base.trim_start_matches("http://").to_string();
    assert_eq!(accounts_on(&app, &ours).await, 0);
    let (_, actor) = get_ap(&app, "/users/alice", None).await;
    let actor: Value = serde_json::from_str(&actor).unwrap();
    assert_eq!(actor["name"], "");
    assert_eq!(
        actor["publicKey"]["publicKeyPem"].as_str(),
        key_before.as_deref()
    );
}
