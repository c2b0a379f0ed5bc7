//! Fetching remote posts by URL: from a second real Starling, and crafted ones from a
//! scripted server (author on another host, endless reply chains, mentions of our people).

mod support;

use axum::Router;
use axum::extract::State;
use axum::http::{Uri, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use support::{TestApp, status_ids};

const AP: &str = "application/activity+json";

type Served = Arc<Mutex<Vec<(String, Value)>>>;

async fn serve(State(docs): State<Served>, uri: Uri) -> axum::response::Response {
    match docs.lock().unwrap().iter().find(|(p, _)| p == uri.path()) {
        Some((_, body)) => ([(header::CONTENT_TYPE, AP)], body.to_string()).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn doc_server() -> (String, Served) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let docs: Served = Arc::default();
    let app = Router::new().fallback(serve).with_state(docs.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (host, docs)
}

fn actor(base: &str, name: &str) -> Value {
    let id = format!("{base}/users/{name}");
    json!({"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Person", "preferredUsername": name,
           "inbox": format!("{id}/inbox"), "followers": format!("{id}/followers")})
}

fn note(base: &str, n: usize, author: &str, reply_to: Option<String>, content: &str) -> Value {
    json!({"id": format!("{base}/notes/{n}"), "type": "Note", "attributedTo": author, "content": content,
           "inReplyTo": reply_to, "published": "2026-11-20T10:00:00Z",
           "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": []})
}

#[tokio::test]
async fn a_post_and_its_thread_come_from_another_starling() {
    let remote = TestApp::start().await;
    let bob = remote.signed_in("bob").await;
    bob.post_status("Hi from far away #far", "public").await;
    let first = status_ids(&bob.get("/@bob").await.body, "bob")[0].clone();
    bob.post(
        "/statuses",
        &[
            ("status", "and a follow-up"),
            ("in_reply_to_id", &first),
            ("visibility", "public"),
        ],
    )
    .await;
    let reply = status_ids(&bob.get("/@bob/with_replies").await.body, "bob")[0].clone();
    let remote_host = remote.base.trim_start_matches("http://").to_string();
    let allowed = remote_host.clone();
    let local =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    let me = local.signed_in("me").await;
    let page = me
        .get(&format!(
            "/search?q={}",
            remote.url(&format!("/users/bob/statuses/{reply}"))
        ))
        .await;
    assert!(page.text().contains("and a follow-up"), "{}", page.text());
    let rows: Vec<(String, Option<i64>, String, bool)> =
        sqlx::query_as("SELECT uri, in_reply_to_id, visibility, local FROM statuses ORDER BY id")
            .fetch_all(&local.state.db)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2, "the reply and the post it answers");
    assert!(rows.iter().all(|(_, _, v, l)| v == "public" && !l));
    let parent_id: i64 = sqlx::query_scalar("SELECT id FROM statuses WHERE uri = $1")
        .bind(remote.url(&format!("/users/bob/statuses/{first}")))
        .fetch_one(&local.state.db)
        .await
        .unwrap();
    let reply_row = rows
        .iter()
        .find(|(u, _, _, _)| u.ends_with(&reply))
        .unwrap();
    assert_eq!(reply_row.1, Some(parent_id), "threaded locally");
    // The thread has a page here under the author's remote handle.
    let local_reply_id: i64 =
        sqlx::query_scalar("SELECT id FROM statuses WHERE in_reply_to_id IS NOT NULL")
            .fetch_one(&local.state.db)
            .await
            .unwrap();
    let thread = me
        .get(&format!("/@bob@{remote_host}/{local_reply_id}"))
        .await;
    assert_eq!(thread.status, reqwest::StatusCode::OK);
    assert!(
        thread.text().contains("Hi from far away") && thread.text().contains("and a follow-up")
    );
    let tagged = me.get("/tags/far").await;
    assert!(
        tagged.text().contains("Hi from far away"),
        "remote hashtags link to our tag pages"
    );
}

#[tokio::test]
async fn crafted_posts_are_bounded_checked_and_sanitised() {
    let (host, docs) = doc_server().await;
    let base = format!("http://{host}");
    let allowed = host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    app.create_user("alice").await;
    let alice_uri = app.url("/users/alice");
    let author = format!("{base}/users/mallory");
    {
        let mut d = docs.lock().unwrap();
        d.push(("/users/mallory".into(), actor(&base, "mallory")));
        // A reply chain that never ends.
        for n in 1..=12 {
            let parent = (n < 12).then(|| format!("{base}/notes/{}", n + 1));
            d.push((
                format!("/notes/{n}"),
                note(&base, n, &author, parent, &format!("link {n}")),
            ));
        }
        // A post claiming an author on another host.
        d.push((
            "/notes/100".into(),
            note(
                &base,
                100,
                "https://victim.example/users/vic",
                None,
                "forged",
            ),
        ));
        // A post mentioning alice, with hostile HTML.
        let mut m = note(
            &base,
            200,
            &author,
            None,
            "<p>hi <a href=\"javascript:x\">alice</a><script>alert(1)</script></p>",
        );
        m["tag"] = json!({"type": "Mention", "href": alice_uri, "name": "@alice"});
        d.push(("/notes/200".into(), m));
    }
    starling::service::remote_statuses::fetch_and_store(&app.state, &format!("{base}/notes/1"))
        .await
        .unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM statuses")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        stored as usize,
        1 + starling::service::remote_statuses::MAX_PARENTS,
        "the chain is followed only so far"
    );
    assert!(
        starling::service::remote_statuses::fetch_and_store(
            &app.state,
            &format!("{base}/notes/100")
        )
        .await
        .is_err()
    );
    let s = starling::service::remote_statuses::fetch_and_store(
        &app.state,
        &format!("{base}/notes/200"),
    )
    .await
    .unwrap();
    assert!(
        !s.content.contains("<script") && !s.content.contains("javascript:"),
        "{}",
        s.content
    );
    let alice = app.account("alice").await;
    let notified: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE account_id = $1 AND type = 'mention'",
    )
    .bind(alice.id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(notified, 1, "alice is told she was mentioned");
    // Fetching again changes nothing.
    let again = starling::service::remote_statuses::fetch_and_store(
        &app.state,
        &format!("{base}/notes/200"),
    )
    .await
    .unwrap();
    assert_eq!(again.id, s.id);
    // Backdated ids keep remote posts where they belong in time.
    assert!(
        s.id.0 < starling::id::min_id_at(time::OffsetDateTime::now_utc() - time::Duration::days(1))
    );
}
