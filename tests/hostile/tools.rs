//! The hostile side of the rig, shared by every scenario: `Evil`, a server that answers
//! any path with whatever a test scripts or makes up and records every request; `Canary`,
//! a listener nobody may reach; a test resolver that sends every name to loopback; and
//! the small steps and checks that the scenarios repeat.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};
use starling::db;
use starling::db::accounts::Account;
use starling::db::statuses::Status;
use starling::outbound::{BoxFuture, NameResolver, OutboundClient};
use starling::service::{self, timelines};
use starling::state::AppState;

use crate::support::queries::{count, follow_directly, refreshed, status, status_by_uri, unread};
use crate::support::remote::{AP, AS, PUBLIC, Remote, create, deliver, known, note};
use crate::support::{Response as Page, TestApp, Web};

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    pub fn typed(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type", content_type.to_string())],
            body: body.into(),
        }
    }

    pub fn ap(doc: &Value) -> Reply {
        Reply::typed(AP, doc.to_string())
    }

    pub fn redirect(to: &str) -> Reply {
        Reply {
            status: 302,
            headers: vec![("location", to.to_string())],
            body: Vec::new(),
        }
    }
}

/// Makes up an answer from the `Host` a request was sent as and its path.
type Generator = dyn Fn(&str, &str) -> Option<Reply> + Send + Sync;

/// A request the hostile server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub host: String,
    pub target: String,
}

#[derive(Clone)]
pub struct Evil {
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub port: u16,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    generator: Arc<Mutex<Option<Arc<Generator>>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn evil_answer(State(evil): State<Evil>, uri: Uri, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    evil.seen.lock().unwrap().push(Seen {
        host: host.clone(),
        target: target.clone(),
    });
    let scripted = {
        let routes = evil.routes.lock().unwrap();
        routes
            .get(&target)
            .or_else(|| routes.get(uri.path()))
            .cloned()
    };
    let generator = evil.generator.lock().unwrap().clone();
    let reply = scripted.or_else(|| generator.and_then(|g| g(&host, uri.path())));
    let Some(reply) = reply else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut res = (
        StatusCode::from_u16(reply.status).unwrap(),
        reply.body.clone(),
    )
        .into_response();
    for (name, value) in &reply.headers {
        res.headers_mut()
            .insert(*name, HeaderValue::from_str(value).unwrap());
    }
    res
}

impl Evil {
    pub async fn start() -> Evil {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let evil = Evil {
            host: addr.to_string(),
            base: format!("http://{addr}"),
            port: addr.port(),
            routes: Arc::default(),
            generator: Arc::default(),
            seen: Arc::default(),
        };
        let app = Router::new().fallback(evil_answer).with_state(evil.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        evil
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers `path` (or `path?query`) with `reply` from now on.
    pub fn serve(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_string(), reply);
    }

    /// Answers what no scripted route answers with `g(host, path)`.
    pub fn generate(&self, g: impl Fn(&str, &str) -> Option<Reply> + Send + Sync + 'static) {
        *self.generator.lock().unwrap() = Some(Arc::new(g));
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests had a target starting with `prefix`.
    pub fn hits(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|s| s.target.starts_with(prefix))
            .count()
    }

    /// Serves a keyless actor `name` at `/users/{name}`.
    pub fn serve_actor(&self, name: &str) {
        self.serve(
            &format!("/users/{name}"),
            Reply::ap(&actor_at(&self.base, name)),
        );
    }
}

/// A listener nobody may reach: on every address of a free port ([::] takes IPv4 too).
pub struct Canary {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl Canary {
    pub async fn start() -> Canary {
        let listener = match tokio::net::TcpListener::bind("[::]:0").await {
            Ok(l) => l,
            Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        };
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        // The canary must hear what it guards: 127.0.0.1 reaches it.
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("the canary listens on 127.0.0.1");
        for _ in 0..100 {
            if hits.load(Ordering::SeqCst) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(hits.swap(0, Ordering::SeqCst), 1, "canary self-check");
        Canary { port, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn assert_untouched(&self) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            self.hits.load(Ordering::SeqCst),
            0,
            "something connected to the canary"
        );
    }
}

/// Test DNS for names: every name is 127.0.0.1, where `Evil` answers for all of them.
struct EveryNameIsLoopback;

impl NameResolver for EveryNameIsLoopback {
    fn resolve(&self, _host: &str, port: u16) -> BoxFuture<'_, io::Result<Vec<SocketAddr>>> {
        Box::pin(std::future::ready(Ok(vec![SocketAddr::new(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            port,
        )])))
    }
}

/// The app's state with an outbound client that resolves every name to loopback and
/// may reach exactly `allowed` there (as the app's own client is configured for IPs).
pub fn named_state(app: &TestApp, allowed: &[&str]) -> AppState {
    let mut state = app.state.clone();
    let mut settings = starling::outbound_settings(&state.config);
    settings.allowed_private_hosts = allowed.iter().map(|h| h.to_string()).collect();
    state.outbound = OutboundClient::with_resolver(settings, Arc::new(EveryNameIsLoopback))
        .expect("client builds");
    state
}

/// Runs the queue with `state` (and so with its outbound client).
pub async fn drain_with(state: &AppState) -> usize {
    let options = starling::delivery::WorkerOptions::from_config(&state.config.worker);
    starling::delivery::Worker::new(state.clone(), options)
        .run_once()
        .await
}

// ---------------------------------------------------------------------------------------
// The steps and checks the scenarios repeat.

/// vic, the honest third party, and mallory, the attacker, with an app that may reach
/// both.
pub async fn vic_and_mallory() -> (Remote, Remote, TestApp) {
    let vic = Remote::start_as("vic").await;
    let mallory = Remote::start_as("mallory").await;
    let app = TestApp::start_allowing(&[&vic.host, &mallory.host]).await;
    (vic, mallory, app)
}

/// rita, an honest peer, and an app that may reach her and knows her already.
pub async fn rita_known() -> (Remote, TestApp) {
    let rita = Remote::start().await;
    let app = TestApp::start_allowing(&[&rita.host]).await;
    known(&app, &rita).await;
    (rita, app)
}

/// A followers-only post by `remote`, delivered here because `follower` follows it:
/// the note as it was sent, and the status we stored.
pub async fn followers_only_post(
    app: &TestApp,
    remote: &Remote,
    follower: &Account,
) -> (Value, Status) {
    let remote_here = known(app, remote).await;
    follow_directly(app, follower, &remote_here, None).await;
    let sent = for_followers(remote, note(remote, 1, "<p>for my followers</p>"));
    deliver(app, remote, &create(remote, &sent)).await;
    let stored = status_by_uri(app, sent["id"].as_str().unwrap())
        .await
        .unwrap();
    (sent, stored)
}

/// Searches as `web` would from the search box (a URL or handle is looked up).
pub async fn search(web: &Web, q: &str) -> Page {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    web.get(&format!("/search?q={q}")).await
}

pub async fn fetch_actor(app: &TestApp, url: &str) -> Result<Account, String> {
    service::remote_accounts::fetch_and_store(&app.state, url)
        .await
        .map_err(|e| e.message().to_string())
}

pub async fn fetch_post(app: &TestApp, url: &str) -> Result<Status, String> {
    service::remote_statuses::fetch_and_store(&app.state, url)
        .await
        .map_err(|e| e.message().to_string())
}

pub async fn public_key(app: &TestApp, account: &Account) -> Option<String> {
    db::accounts::public_key_pem(&app.state.db, account.id)
        .await
        .unwrap()
}

pub async fn home(app: &TestApp, viewer: &Account) -> Vec<timelines::StatusDetail> {
    timelines::home(&app.state, viewer, db::statuses::Page::older_than(None, 40))
        .await
        .unwrap()
}

/// An actor document on the server at `base` (no key: fetching needs none).
pub fn actor_at(base: &str, name: &str) -> Value {
    let id = format!("{base}/users/{name}");
    json!({"@context": [AS, "https://w3id.org/security/v1"], "id": id, "type": "Person",
           "preferredUsername": name, "name": format!("{name} at {base}"),
           "inbox": format!("{id}/inbox"), "followers": format!("{id}/followers")})
}

/// A public Note document with this id and author, as a server serves it.
pub fn note_doc(id: &str, author: &str, content: &str) -> Value {
    json!({"@context": AS, "id": id, "type": "Note", "attributedTo": author,
           "content": content, "to": [PUBLIC]})
}

/// A public Note document replying to `in_reply_to`.
pub fn reply_doc(id: &str, author: &str, content: &str, in_reply_to: &str) -> Value {
    let mut doc = note_doc(id, author, content);
    doc["inReplyTo"] = json!(in_reply_to);
    doc
}

/// The note addressed to the remote actor's followers alone.
pub fn for_followers(remote: &Remote, mut note: Value) -> Value {
    note["to"] = json!([remote.followers()]);
    note["cc"] = json!([]);
    note
}

pub fn mention(account: &Account) -> Value {
    json!({"type": "Mention", "href": account.uri, "name": format!("@{}", account.username)})
}

/// Accounts stored with this id.
pub async fn accounts_with_uri(app: &TestApp, uri: &str) -> i64 {
    count(app, "SELECT count(*) FROM accounts WHERE uri = $1", uri).await
}

/// Accounts stored under this domain.
pub async fn accounts_on(app: &TestApp, domain: &str) -> i64 {
    count(
        app,
        "SELECT count(*) FROM accounts WHERE domain = $1",
        domain,
    )
    .await
}

/// Statuses whose id starts with `prefix`.
pub async fn statuses_under(app: &TestApp, prefix: &str) -> i64 {
    count(
        app,
        "SELECT count(*) FROM statuses WHERE uri LIKE $1 || '%'",
        prefix,
    )
    .await
}

/// Inbox jobs ever queued (finished or not).
pub async fn inbox_jobs(app: &TestApp) -> i64 {
    count(app, "SELECT count(*) FROM jobs WHERE lane = $1", "inbox").await
}

/// Inbox jobs that are not finished for good (waiting for a retry, or dead).
pub async fn unfinished_inbox_jobs(app: &TestApp) -> Vec<(String, Option<String>)> {
    sqlx::query_as("SELECT state, last_error FROM jobs WHERE lane = 'inbox' AND state <> 'done'")
        .fetch_all(&app.state.db)
        .await
        .unwrap()
}

pub async fn assert_inbox_jobs_finished(app: &TestApp) {
    let unfinished = unfinished_inbox_jobs(app).await;
    assert!(unfinished.is_empty(), "{unfinished:?}");
}

/// Nobody follows `account` (the local `user`) or asked to, `post` has no likes or
/// boosts, and `user` was told of nothing.
pub async fn assert_untouched(
    app: &TestApp,
    user: &db::users::User,
    account: &Account,
    post: &Status,
) {
    let now = refreshed(app, account).await;
    assert_eq!(now.followers_count, 0);
    assert_eq!(
        count(
            app,
            "SELECT count(*) FROM follow_requests WHERE target_account_id = (SELECT id FROM accounts WHERE uri = $1)",
            &account.uri
        )
        .await,
        0
    );
    assert_no_likes_or_boosts(app, post).await;
    assert_eq!(unread(app, user).await, 0);
}

pub async fn assert_no_likes_or_boosts(app: &TestApp, post: &Status) {
    let now = status(app, post.id).await;
    assert_eq!((now.favourites_count, now.reblogs_count), (0, 0));
}

/// Notes in `slow` that the step `what`, started at `started`, took longer than `limit`.
pub fn note_if_slow(slow: &mut Vec<String>, what: &str, started: Instant, limit: Duration) {
    if started.elapsed() > limit {
        slow.push(format!("{what}: {:?}", started.elapsed()));
    }
}
