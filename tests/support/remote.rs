//! A scripted remote server on 127.0.0.1 with one actor who has a real RSA key: it
//! serves the actor's document (and any other documents a test adds), answers 410 for
//! paths marked gone, records every POST it receives, and signs the activities it sends
//! to our inboxes as its actor. Around it: the notes and Creates such a peer sends, and
//! delivering them to a `TestApp`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::IntoResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starling::db::accounts::Account;
use starling::httpsig::SigningKey;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::TestApp;

pub const AP: &str = "application/activity+json";
pub const AS: &str = "https://www.w3.org/ns/activitystreams";
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[derive(Clone, Default)]
pub struct Peer {
    pub docs: Arc<Mutex<Vec<(String, Value)>>>,
    pub gone: Arc<Mutex<Vec<String>>>,
    pub posts: Arc<Mutex<Vec<(String, HeaderMap, String)>>>,
    pub gets: Arc<Mutex<Vec<String>>>,
}

async fn handle(
    State(p): State<Peer>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    if method == Method::POST {
        p.posts.lock().unwrap().push((
            uri.path().to_string(),
            headers,
            String::from_utf8_lossy(&body).into_owned(),
        ));
        if p.gone.lock().unwrap().iter().any(|g| g == uri.path()) {
            return StatusCode::GONE.into_response();
        }
        return StatusCode::ACCEPTED.into_response();
    }
    p.gets.lock().unwrap().push(uri.path().to_string());
    if p.gone.lock().unwrap().iter().any(|g| g == uri.path()) {
        return StatusCode::GONE.into_response();
    }
    match p
        .docs
        .lock()
        .unwrap()
        .iter()
        .find(|(path, _)| path == uri.path())
    {
        Some((_, doc)) => ([(header::CONTENT_TYPE, AP)], doc.to_string()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub struct Remote {
    /// `127.0.0.1:PORT`, the domain its accounts get here.
    pub host: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub username: String,
    pub peer: Peer,
    pub key: SigningKey,
}

impl Remote {
    /// A peer whose actor is `rita`.
    pub async fn start() -> Remote {
        Self::start_as("rita").await
    }

    /// A peer whose actor is `username`.
    pub async fn start_as(username: &str) -> Remote {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let peer = Peer::default();
        let app = Router::new().fallback(handle).with_state(peer.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let keys = starling::service::secrets::generate_key_pair()
            .await
            .unwrap();
        let remote = Remote {
            key: SigningKey::from_pem(&keys.private_pem).unwrap(),
            base: format!("http://{host}"),
            host,
            username: username.to_string(),
            peer,
        };
        let actor = remote.actor();
        remote.serve(
            &format!("/users/{username}"),
            json!({"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                   "id": actor, "type": "Person", "preferredUsername": username,
                   "inbox": format!("{actor}/inbox"), "followers": format!("{actor}/followers"),
                   "featured": format!("{actor}/collections/featured"),
                   "publicKey": {"id": remote.key_id(), "owner": actor, "publicKeyPem": keys.public_pem}}),
        );
        remote
    }

    pub fn actor(&self) -> String {
        format!("{}/users/{}", self.base, self.username)
    }

    /// The id of the actor's key, as its signatures name it.
    pub fn key_id(&self) -> String {
        format!("{}#main-key", self.actor())
    }

    pub fn followers(&self) -> String {
        format!("{}/followers", self.actor())
    }

    pub fn featured(&self) -> String {
        format!("{}/collections/featured", self.actor())
    }

    /// `username@host`, the account's handle here.
    pub fn acct(&self) -> String {
        format!("{}@{}", self.username, self.host)
    }

    /// Serves `doc` at `path` (replacing what was there).
    pub fn serve(&self, path: &str, doc: Value) {
        let mut docs = self.peer.docs.lock().unwrap();
        docs.retain(|(p, _)| p != path);
        docs.push((path.to_string(), doc));
    }

    /// The actor document as served now.
    pub fn actor_doc(&self) -> Value {
        let path = format!("/users/{}", self.username);
        self.peer
            .docs
            .lock()
            .unwrap()
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, d)| d.clone())
            .unwrap()
    }

    /// Changes one field of the actor document.
    pub fn set_actor_field(&self, field: &str, value: Value) {
        let mut doc = self.actor_doc();
        doc[field] = value;
        self.serve(&format!("/users/{}", self.username), doc);
    }

    /// From now on `path` answers 410 Gone.
    pub fn gone(&self, path: &str) {
        self.peer.gone.lock().unwrap().push(path.to_string());
    }

    /// A full URL on this peer.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs `activity` to `inbox_url`, signed with the actor's key unless `sign` is false.
    pub async fn post(&self, inbox_url: &str, activity: &Value, sign: bool) -> StatusCode {
        let body = activity.to_string().into_bytes();
        if sign {
            return self.post_bytes(inbox_url, &body).await;
        }
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("content-type", AP.parse().unwrap());
        send(inbox_url, headers, body).await
    }

    /// POSTs `body` (any bytes at all) to `to`, signed with the actor's key.
    pub async fn post_bytes(&self, to: &str, body: &[u8]) -> StatusCode {
        post_signed_at(to, body, &self.key, &self.key_id(), SystemTime::now()).await
    }

    /// An activity by this actor with the given id suffix, type and object.
    pub fn activity(&self, id: &str, kind: &str, object: Value) -> Value {
        json!({"@context": "https://www.w3.org/ns/activitystreams",
               "id": format!("{}#{id}", self.actor()), "type": kind, "actor": self.actor(),
               "object": object})
    }
}

/// Headers of an ActivityStreams POST of `body` to `to`, signed as we sign our own
/// deliveries, with `key` under `key_id` at `date`.
pub fn signed_post_headers(
    to: &url::Url,
    body: &[u8],
    key: &SigningKey,
    key_id: &str,
    date: SystemTime,
) -> reqwest::header::HeaderMap {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("content-type", AP.parse().unwrap());
    starling::httpsig::sign_outgoing(
        &reqwest::Method::POST,
        to,
        &mut headers,
        Some(body),
        key,
        key_id,
        date,
    )
    .unwrap();
    headers
}

/// POSTs `body` to `to`, signed with `key` under `key_id` at `date`.
pub async fn post_signed_at(
    to: &str,
    body: &[u8],
    key: &SigningKey,
    key_id: &str,
    date: SystemTime,
) -> StatusCode {
    let headers = signed_post_headers(&url::Url::parse(to).unwrap(), body, key, key_id, date);
    send(to, headers, body.to_vec()).await
}

/// POSTs `body` to `to` with exactly these headers; returns the status.
pub async fn send(to: &str, headers: reqwest::header::HeaderMap, body: Vec<u8>) -> StatusCode {
    reqwest::Client::new()
        .post(to)
        .headers(headers)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
}

/// Delivers a signed activity to the shared inbox (it must be taken) and runs the queue.
pub async fn deliver(app: &TestApp, from: &Remote, activity: &Value) {
    assert_eq!(
        from.post(&app.url("/inbox"), activity, true).await,
        StatusCode::ACCEPTED,
        "{activity}"
    );
    app.drain().await;
}

/// The remote actor as `app` stores it, fetched the first time.
pub async fn known(app: &TestApp, remote: &Remote) -> Account {
    starling::service::remote_accounts::fetch_and_store(&app.state, &remote.actor())
        .await
        .unwrap()
}

/// A public note by the remote actor, as its server would embed it.
pub fn note(remote: &Remote, n: u32, content: &str) -> Value {
    json!({"id": remote.url(&format!("/notes/{n}")), "type": "Note", "attributedTo": remote.actor(),
           "content": content, "published": "2026-11-20T10:00:00Z",
           "to": [PUBLIC], "cc": [remote.followers()]})
}

/// The Create of `note` by the remote actor, addressed as the note is.
pub fn create(remote: &Remote, note: &Value) -> Value {
    json!({"@context": AS, "id": format!("{}/activity", note["id"].as_str().unwrap()), "type": "Create",
           "actor": remote.actor(), "object": note, "to": note["to"], "cc": note["cc"]})
}
