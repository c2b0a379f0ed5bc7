//! Fetches without end, or on a stranger's word: reply chains and loops that must stop,
//! and requests that must not make us fetch anything.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::signed::HandSigned;
use crate::support::TestApp;
use crate::support::queries::{count, status_by_uri};
use crate::support::remote::{AS, Remote, create, deliver, known, note, send};
use crate::tools::{
    Evil, Reply, accounts_on, actor_at, drain_with, named_state, reply_doc, search, statuses_under,
    vic_and_mallory,
};

/// S23 (i): a reply chain that never ends, each post on a new host, is followed only a
/// few levels for one delivered reply, and the queue is empty afterwards.
#[tokio::test]
async fn s23_an_endless_reply_chain_across_new_hosts_is_followed_only_so_far() {
    let evil = Evil::start().await;
    let rita = Remote::start().await;
    let app = TestApp::start_allowing(&[&rita.host]).await;
    let state = named_state(&app, &[&evil.host, &rita.host]);
    let p = evil.port;
    evil.generate(move |host, path| {
        let n: u64 = host.strip_prefix('n')?.split('.').next()?.parse().ok()?;
        let base = format!("http://{host}");
        match path {
            "/users/m" => Some(Reply::ap(&actor_at(&base, "m"))),
            "/notes/1" => Some(Reply::ap(&reply_doc(
                &format!("{base}/notes/1"),
                &format!("{base}/users/m"),
                &format!("<p>level {n}</p>"),
                &format!("http://n{}.chain.test:{p}/notes/1", n + 1),
            ))),
            _ => None,
        }
    });
    let mut leaf = note(&rita, 1, "<p>the leaf</p>");
    leaf["inReplyTo"] = json!(format!("http://n1.chain.test:{p}/notes/1"));
    assert_eq!(
        rita.post(&app.url("/inbox"), &create(&rita, &leaf), true)
            .await,
        StatusCode::ACCEPTED
    );
    drain_with(&state).await;
    let max = starling::service::remote_statuses::MAX_PARENTS;
    let hosts: std::collections::HashSet<String> =
        evil.requests().into_iter().map(|s| s.host).collect();
    assert!(
        hosts.len() <= max,
        "{} hosts contacted: {hosts:?}",
        hosts.len()
    );
    assert!(
        evil.hits("/notes/") <= max,
        "{} posts fetched",
        evil.hits("/notes/")
    );
    let stored = count(&app, "SELECT count(*) FROM statuses WHERE uri <> $1", "").await;
    assert!(stored as usize <= 1 + max, "{stored} posts stored");
    assert!(status_by_uri(&app, &rita.url("/notes/1")).await.is_some());
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM jobs WHERE state IN ('pending', 'running') AND lane <> $1",
            ""
        )
        .await,
        0
    );
}

/// S23: self-references end: a post replying to itself, an Announce of an Announce of
/// it, and an outbox whose page names itself as the next one, with a thousand items
/// whose posts reply to each other, cost a bounded number of fetches.
#[tokio::test]
async fn s23_self_references_announce_loops_and_endless_outboxes_end() {
    let evil = Evil::start().await;
    let rita = Remote::start().await;
    let app = TestApp::start_allowing(&[&evil.host, &rita.host]).await;
    let base = evil.base.clone();
    let outbox = evil.url("/users/m/outbox");
    let page = evil.url("/users/m/outbox/page");
    let mut m = actor_at(&base, "m");
    m["outbox"] = json!(outbox);
    evil.serve("/users/m", Reply::ap(&m));
    evil.serve(
        "/users/m/outbox",
        Reply::ap(
            &json!({"@context": AS, "id": outbox, "type": "OrderedCollection",
        "totalItems": 1_000_000, "first": page}),
        ),
    );
    let items: Vec<Value> = (0..1000)
        .map(|i| json!({"id": format!("{base}/creates/{i}"), "type": "Create", "actor": format!("{base}/users/m"),
                        "object": format!("{base}/notes/{i}")}))
        .collect();
    evil.serve(
        "/users/m/outbox/page",
        Reply::ap(
            &json!({"@context": AS, "id": page, "type": "OrderedCollectionPage",
        "partOf": outbox, "next": page, "orderedItems": items}),
        ),
    );
    let generated = base.clone();
    evil.generate(move |_, path| {
        let n: u64 = path.strip_prefix("/notes/")?.parse().ok()?;
        Some(Reply::ap(&reply_doc(
            &format!("{generated}/notes/{n}"),
            &format!("{generated}/users/m"),
            &format!("<p>{n}</p>"),
            &format!("{generated}/notes/{}", n + 1),
        )))
    });
    let self_reply = evil.url("/notes/self");
    evil.serve(
        "/notes/self",
        Reply::ap(&reply_doc(
            &self_reply,
            &evil.url("/users/s"),
            "<p>me again</p>",
            &self_reply,
        )),
    );
    for (n, object) in [(1, 2), (2, 1)] {
        evil.serve(&format!("/announces/{n}"), Reply::ap(&json!({"@context": AS, "id": evil.url(&format!("/announces/{n}")),
            "type": "Announce", "actor": evil.url("/users/s"), "object": evil.url(&format!("/announces/{object}"))})));
    }
    evil.serve_actor("s");
    let mut reply = note(&rita, 1, "<p>re</p>");
    reply["inReplyTo"] = json!(evil.url("/notes/self"));
    deliver(&app, &rita, &create(&rita, &reply)).await;
    let max = starling::service::remote_statuses::MAX_PARENTS;
    assert!(
        evil.hits("/notes/self") <= max + 1,
        "{} fetches of a self-reply",
        evil.hits("/notes/self")
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM statuses WHERE uri = $1",
            &evil.url("/notes/self")
        )
        .await,
        1
    );
    deliver(
        &app,
        &rita,
        &rita.activity("announces/1", "Announce", json!(evil.url("/announces/1"))),
    )
    .await;
    assert!(
        evil.hits("/announces/") <= 2,
        "{} fetches of announces",
        evil.hits("/announces/")
    );
    let alice = app.signed_in("alice").await;
    search(&alice, &evil.url("/users/m")).await;
    app.drain().await;
    let fetched = evil.requests().len();
    let bound = 10 + starling::service::remote_outbox::BACKFILL_MAX * (1 + max);
    assert!(
        fetched <= bound,
        "{fetched} requests to evil (bound {bound})"
    );
    assert_eq!(
        evil.hits("/users/m/outbox/page"),
        1,
        "a page naming itself is read once"
    );
    let stored = statuses_under(&app, &evil.base).await;
    assert!(stored as usize <= bound, "{stored} posts stored");
}

/// S25: visitors who are not signed in cannot make us fetch anything (search by URL or
/// handle, remote profile pages); unsigned, oversized and unparseable inbox requests
/// cause no fetch either.
#[tokio::test]
async fn s25_visitors_and_unsigned_requests_make_us_fetch_nothing() {
    let rita = Remote::start().await;
    let app = TestApp::start_allowing(&[&rita.host]).await;
    app.create_user("alice").await;
    let visitor = app.client();
    for q in [
        rita.actor(),
        format!("@rita@{}", rita.host),
        rita.url("/notes/1"),
    ] {
        let page = search(&visitor, &q).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
    }
    assert_eq!(
        visitor.get(&format!("/@rita@{}", rita.host)).await.status,
        StatusCode::NOT_FOUND
    );
    let follow = rita.activity("follows/1", "Follow", json!(app.url("/users/alice")));
    assert_eq!(
        rita.post(&app.url("/inbox"), &follow, false).await,
        StatusCode::UNAUTHORIZED
    );
    let huge = json!({"type": "Follow", "actor": rita.actor(), "content": "x".repeat(2_000_000)});
    assert!(
        rita.post(&app.url("/inbox"), &huge, true)
            .await
            .is_client_error()
    );
    let mut garbage = reqwest::header::HeaderMap::new();
    garbage.insert(
        "signature",
        HeaderValue::from_static("this is not a signature"),
    );
    assert_eq!(
        send(&app.url("/inbox"), garbage, follow.to_string().into_bytes()).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        rita.peer.gets.lock().unwrap().is_empty(),
        "{:?}",
        rita.peer.gets.lock().unwrap()
    );
    assert_eq!(accounts_on(&app, &rita.host).await, 0);
}

/// S25: a signature that fails a check needing no key (its date, its digest, what it
/// covers, the host it names) is refused before we fetch the key: otherwise anyone can
/// make us send signed GETs to any server by posting junk.
#[tokio::test]
async fn s25_a_signature_failing_cheap_checks_makes_us_fetch_no_key() {
    let stranger = Remote::start_as("stranger").await;
    let app = TestApp::start_allowing(&[&stranger.host]).await;
    app.create_user("alice").await;
    let inbox = app.url("/users/alice/inbox");
    let body = stranger
        .activity("follows/1", "Follow", json!(app.url("/users/alice")))
        .to_string()
        .into_bytes();
    let sign = HandSigned::new(&stranger, &inbox, &body);
    let hour = Duration::from_secs(3600);
    let mismatched = b"{\"type\":\"Follow\"}".to_vec();
    let cases: Vec<(&str, HeaderMap, Vec<u8>)> = vec![
        (
            "three hours old",
            sign.dated(sign.now - 3 * hour),
            body.clone(),
        ),
        (
            "a day ahead",
            sign.dated(sign.now + 24 * hour),
            body.clone(),
        ),
        (
            "a body that does not match its digest",
            sign.usual(),
            mismatched,
        ),
        (
            "digest not covered",
            sign.covering(&["(request-target)", "host", "date"]),
            body.clone(),
        ),
        (
            "signed for another server",
            sign.for_target("http://127.0.0.1:9/users/alice/inbox"),
            body.clone(),
        ),
        (
            "RFC 9421 without content-digest",
            sign.rfc9421(&["@method", "@target-uri"]),
            body.clone(),
        ),
    ];
    let mut fetched_for = Vec::new();
    for (what, headers, sent) in cases {
        let status = send(&inbox, headers, sent).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        let gets = std::mem::take(&mut *stranger.peer.gets.lock().unwrap());
        if !gets.is_empty() {
            fetched_for.push(format!("{what}: GET {gets:?}"));
        }
        // Forget the key again, so each case starts from an unknown signer.
        sqlx::query("DELETE FROM accounts WHERE uri = $1")
            .bind(stranger.actor())
            .execute(&app.state.db)
            .await
            .unwrap();
    }
    assert!(
        fetched_for.is_empty(),
        "key fetched before cheap checks: {fetched_for:#?}"
    );
    let control = sign.usual();
    assert_eq!(
        send(&inbox, control, body.clone()).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        stranger.peer.gets.lock().unwrap().len(),
        1,
        "a good signature costs one key fetch"
    );
}

/// S25: an Update naming its object by IRI is read from the sender's own server only;
/// naming someone else's post must not make us fetch it from theirs.
#[tokio::test]
async fn s25_an_update_by_reference_is_fetched_only_from_the_senders_server() {
    let (vic, mallory, app) = vic_and_mallory().await;
    known(&app, &mallory).await;
    vic.serve("/notes/1", note(&vic, 1, "<p>vic's words</p>"));
    let gets_before = vic.peer.gets.lock().unwrap().len();
    deliver(
        &app,
        &mallory,
        &mallory.activity("updates/1", "Update", json!(vic.url("/notes/1"))),
    )
    .await;
    let asked: Vec<String> = vic.peer.gets.lock().unwrap()[gets_before..].to_vec();
    assert!(
        asked.is_empty(),
        "mallory's Update made us fetch {asked:?} from vic"
    );
    assert!(status_by_uri(&app, &vic.url("/notes/1")).await.is_none());
}
