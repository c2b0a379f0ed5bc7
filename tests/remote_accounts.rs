//! Fetching remote actors: signed GETs through the SSRF-safe client, origin checks, and
//! storage beside local accounts. One test fetches from a second real Starling; the
//! others use a scripted server that serves crafted documents.

mod support;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use support::TestApp;

#[derive(Clone, Default)]
struct Docs {
    served: Arc<Mutex<Vec<(String, String, Value)>>>,
    requests: Arc<Mutex<Vec<(String, HeaderMap)>>>,
}

async fn serve_doc(
    State(docs): State<Docs>,
    uri: Uri,
    headers: HeaderMap,
) -> axum::response::Response {
    docs.requests
        .lock()
        .unwrap()
        .push((uri.path().to_string(), headers));
    let found = docs
        .served
        .lock()
        .unwrap()
        .iter()
        .find(|(p, _, _)| p == uri.path())
        .cloned();
    match found {
        Some((_, ct, body)) => ([(header::CONTENT_TYPE, ct)], body.to_string()).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn doc_server() -> (String, Docs) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let docs = Docs::default();
    let app = Router::new().fallback(serve_doc).with_state(docs.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (host, docs)
}

fn actor_doc(base: &str, name: &str) -> Value {
    let id = format!("{base}/users/{name}");
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": name, "name": "Remote <b>Name</b>",
        "summary": "<p>Hi <script>alert(1)</script><a href=\"javascript:x\">x</a></p>",
        "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"), "followers": format!("{id}/followers"),
        "endpoints": {"sharedInbox": format!("{base}/inbox")},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"},
        "attachment": [{"type": "PropertyValue", "name": "Site", "value": "<a href=\"https://x.example\" onclick=\"evil()\">x.example</a>"}]
    })
}

const AP: &str = "application/activity+json";

#[tokio::test]
async fn an_actor_on_another_starling_is_fetched_signed_and_stored() {
    let remote = TestApp::start().await;
    remote.create_user("bob").await;
    let remote_host = remote.base.trim_start_matches("http://").to_string();
    let local =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![remote_host]).await;
    let uri = remote.url("/users/bob");
    let bob = starling::service::remote_accounts::fetch_and_store(&local.state, &uri)
        .await
        .expect("fetched");
    assert_eq!(bob.username, "bob");
    assert_eq!(
        bob.domain.as_deref(),
        Some(remote.base.trim_start_matches("http://"))
    );
    assert_eq!(bob.uri, uri);
    assert_eq!(
        bob.inbox_url.as_deref(),
        Some(format!("{uri}/inbox").as_str())
    );
    assert_eq!(
        bob.shared_inbox_url.as_deref(),
        Some(remote.url("/inbox").as_str())
    );
    let theirs =
        starling::db::accounts::public_key_pem(&remote.state.db, remote.account("bob").await.id)
            .await
            .unwrap();
    let ours = starling::db::accounts::public_key_pem(&local.state.db, bob.id)
        .await
        .unwrap();
    assert_eq!(ours, theirs, "the key is stored as published");
    // Fetching again refreshes the same row.
    let again = starling::service::remote_accounts::fetch_and_store(&local.state, &uri)
        .await
        .unwrap();
    assert_eq!(again.id, bob.id);
    // The remote profile now has a page here, marked with its server.
    let page = local
        .client()
        .get(&format!(
            "/@bob@{}",
            remote.base.trim_start_matches("http://")
        ))
        .await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn fetches_are_signed_as_the_instance_actor_and_remote_html_is_sanitised() {
    let (host, docs) = doc_server().await;
    let base = format!("http://{host}");
    docs.served
        .lock()
        .unwrap()
        .push(("/users/eve".into(), AP.into(), actor_doc(&base, "eve")));
    let allowed = host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    let eve = starling::service::remote_accounts::fetch_and_store(
        &app.state,
        &format!("{base}/users/eve"),
    )
    .await
    .unwrap();
    assert!(
        !eve.note.contains("<script") && !eve.note.contains("javascript:"),
        "{}",
        eve.note
    );
    assert!(!eve.fields.0[0].value_html.contains("onclick"));
    assert_eq!(
        eve.display_name, "Remote <b>Name</b>",
        "display names are plain text, escaped when shown"
    );
    let (path, headers) = docs.requests.lock().unwrap()[0].clone();
    assert_eq!(path, "/users/eve");
    assert!(
        headers["accept"]
            .to_str()
            .unwrap()
            .contains("application/activity+json")
    );
    let sig = starling::httpsig::IncomingSignature::parse(&headers).expect("signed GET");
    assert_eq!(sig.key_id(), app.url("/actor#main-key"));
    let actor = starling::service::instance::instance_actor(&app.state)
        .await
        .unwrap();
    let pem = starling::db::accounts::public_key_pem(&app.state.db, actor.id)
        .await
        .unwrap()
        .unwrap();
    let key = starling::httpsig::VerifyingKey::from_pem(&pem).unwrap();
    let parts = starling::httpsig::RequestParts::new("GET", "http", &host, &path, &headers);
    sig.verify(&parts, b"", &key, std::time::SystemTime::now())
        .expect("verifiable with the instance actor's key");
}

#[tokio::test]
async fn documents_that_speak_for_others_are_refused() {
    let (host, docs) = doc_server().await;
    let base = format!("http://{host}");
    let mut other_host = actor_doc(&base, "a");
    other_host["id"] = json!("https://victim.example/users/a");
    let mut foreign_key = actor_doc(&base, "b");
    foreign_key["publicKey"]["owner"] = json!(format!("{base}/users/someone-else"));
    let mut foreign_inbox = actor_doc(&base, "c");
    foreign_inbox["inbox"] = json!("https://victim.example/inbox");
    let mut no_name = actor_doc(&base, "d");
    no_name.as_object_mut().unwrap().remove("preferredUsername");
    let mut not_actor = actor_doc(&base, "e");
    not_actor["type"] = json!("Note");
    {
        let mut served = docs.served.lock().unwrap();
        served.push(("/users/a".into(), AP.into(), other_host));
        served.push(("/users/b".into(), AP.into(), foreign_key));
        served.push(("/users/c".into(), AP.into(), foreign_inbox));
        served.push(("/users/d".into(), AP.into(), no_name));
        served.push(("/users/e".into(), AP.into(), not_actor));
        served.push(("/users/f".into(), "text/html".into(), actor_doc(&base, "f")));
    }
    let allowed = host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    for name in ["a", "b", "c", "d", "e", "f", "missing"] {
        let r = starling::service::remote_accounts::fetch_and_store(
            &app.state,
            &format!("{base}/users/{name}"),
        )
        .await;
        assert!(r.is_err(), "{name} must be refused");
    }
    // A document posing as one of our own accounts is refused too (S06).
    let local = app.url("/users/alice");
    assert!(
        starling::service::remote_accounts::fetch_and_store(&app.state, &local)
            .await
            .is_err()
    );
    let remote_accounts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM accounts WHERE domain IS NOT NULL")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(remote_accounts, 0, "nothing stored");
    // And private addresses that are not allowed are never fetched.
    let blocked = TestApp::start().await;
    assert!(
        starling::service::remote_accounts::fetch_and_store(
            &blocked.state,
            &format!("{base}/users/eve")
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn handles_resolve_by_webfinger_and_must_match_the_actor() {
    let remote = TestApp::start().await;
    remote.create_user("carol").await;
    let remote_host = remote.base.trim_start_matches("http://").to_string();
    let (evil_host, docs) = doc_server().await;
    let evil = format!("http://{evil_host}");
    // evil.test claims "mallory@evil" but points at an actor named "carol".
    docs.served.lock().unwrap().push((
        "/.well-known/webfinger".into(),
        "application/jrd+json".into(),
        json!({"subject": format!("acct:mallory@{evil_host}"), "links": [{"rel": "self", "type": AP, "href": format!("{evil}/users/carol")}]}),
    ));
    docs.served
        .lock()
        .unwrap()
        .push(("/users/carol".into(), AP.into(), actor_doc(&evil, "carol")));
    let hosts = vec![remote_host.clone(), evil_host.clone()];
    let local = TestApp::start_with(move |c| c.federation.allowed_private_hosts = hosts).await;
    let carol = starling::service::remote_accounts::resolve_handle(
        &local.state,
        &format!("@carol@{remote_host}"),
    )
    .await
    .unwrap();
    assert_eq!(carol.uri, remote.url("/users/carol"));
    let again = starling::service::remote_accounts::resolve_handle(
        &local.state,
        &format!("carol@{}", remote_host.to_uppercase()),
    )
    .await
    .unwrap();
    assert_eq!(
        again.id, carol.id,
        "known accounts are found without asking again"
    );
    assert!(
        starling::service::remote_accounts::resolve_handle(
            &local.state,
            &format!("mallory@{evil_host}")
        )
        .await
        .is_err()
    );
    assert!(
        starling::service::remote_accounts::resolve_handle(
            &local.state,
            &format!("nobody@{remote_host}")
        )
        .await
        .is_err()
    );
    for bad in [
        "",
        "carol",
        "@carol@",
        "ca rol@x.test",
        "carol@x.test/evil",
        "carol@x.test?a",
    ] {
        assert!(
            starling::service::remote_accounts::resolve_handle(&local.state, bad)
                .await
                .is_err(),
            "{bad:?}"
        );
    }
    local.create_user("dana").await;
    let local_host = local.base.trim_start_matches("http://").to_string();
    let dana = starling::service::remote_accounts::resolve_handle(
        &local.state,
        &format!("dana@{local_host}"),
    )
    .await
    .unwrap();
    assert!(dana.is_local());
}

#[tokio::test]
async fn people_search_finds_local_names_and_remote_handles() {
    let remote = TestApp::start().await;
    remote.create_user("zed").await;
    let remote_host = remote.base.trim_start_matches("http://").to_string();
    let allowed = remote_host.clone();
    let local =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    local.create_user("zelda").await;
    let visitor = local.client();
    // Visitors search names here, but do not make us fetch from elsewhere.
    let page = visitor.get("/search?q=zel").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.body.contains("href=\"/@zelda\""));
    let page = visitor
        .get(&format!("/search?q=%40zed%40{remote_host}"))
        .await;
    assert!(page.text().contains("No accounts found"), "{}", page.text());
    assert!(
        page.text()
            .contains("Log in to look up people on other servers")
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts WHERE domain IS NOT NULL")
        .fetch_one(&local.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // Signed in, the handle is looked up and the remote profile can be opened here.
    let me = local.signed_in("me").await;
    let page = me.get(&format!("/search?q=%40zed%40{remote_host}")).await;
    assert!(
        page.body.contains(&format!("href=\"/@zed@{remote_host}\"")),
        "{}",
        page.text()
    );
    let profile = me.get(&format!("/@zed@{remote_host}")).await;
    assert_eq!(profile.status, reqwest::StatusCode::OK);
    assert!(profile.text().contains(&format!("zed@{remote_host}")));
    // A profile URL works too, and a bad handle is a readable message, not an error page.
    let page = me
        .get(&format!("/search?q={}", remote.url("/users/zed")))
        .await;
    assert!(page.body.contains(&format!("href=\"/@zed@{remote_host}\"")));
    let page = me.get("/search?q=%40nobody%40nowhere.invalid").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.text().contains("Nothing found"));
}
