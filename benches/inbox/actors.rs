//! The remote actors: keys, the loopback servers that publish their documents, and
//! what RSA costs in this process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use starling::httpsig::{SigningKey, VerifyingKey};

use crate::{AP, BenchResult, bind, port_of};

/// One remote actor: its key and where it lives.
pub struct RemoteActor {
    pub host: String,
    pub uri: String,
    pub key_id: String,
    pub key: SigningKey,
    pub public_pem: String,
}

/// The actors, each served on a loopback port of its own, and how often their documents
/// were fetched.
pub struct RemoteActors {
    pub actors: Vec<RemoteActor>,
    pub fetches: Arc<AtomicU64>,
    pub unsigned_fetches: Arc<AtomicU64>,
}

#[derive(Clone)]
pub struct ActorServer {
    pub path: String,
    pub doc: Arc<String>,
    pub fetches: Arc<AtomicU64>,
    pub unsigned_fetches: Arc<AtomicU64>,
}

impl RemoteActors {
    /// Generates the keys (in parallel) and starts one server per actor.
    pub async fn start(n: usize) -> BenchResult<RemoteActors> {
        let mut keys = tokio::task::JoinSet::new();
        for _ in 0..n {
            keys.spawn(starling::service::secrets::generate_key_pair());
        }
        let mut pairs = Vec::with_capacity(n);
        while let Some(res) = keys.join_next().await {
            let pair = res
                .map_err(|e| format!("key generation: {e}"))?
                .map_err(|e| format!("key generation: {e}"))?;
            pairs.push(pair);
            if pairs.len().is_multiple_of(20) {
                eprintln!("inbox bench: {}/{n} actor keys", pairs.len());
            }
        }
        let fetches = Arc::new(AtomicU64::new(0));
        let unsigned_fetches = Arc::new(AtomicU64::new(0));
        let mut actors = Vec::with_capacity(n);
        for (i, pair) in pairs.into_iter().enumerate() {
            let listener = bind().await?;
            let host = format!("127.0.0.1:{}", port_of(&listener)?);
            let path = format!("/users/actor{i}");
            let uri = format!("http://{host}{path}");
            let key_id = format!("{uri}#main-key");
            let doc = serde_json::json!({
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": uri,
                "type": "Person",
                "preferredUsername": format!("actor{i}"),
                "name": format!("Actor {i}"),
                "inbox": format!("{uri}/inbox"),
                "outbox": format!("{uri}/outbox"),
                "followers": format!("{uri}/followers"),
                "following": format!("{uri}/following"),
                "endpoints": {"sharedInbox": format!("http://{host}/inbox")},
                "publicKey": {"id": key_id, "owner": uri, "publicKeyPem": pair.public_pem}
            });
            let server = ActorServer {
                path,
                doc: Arc::new(doc.to_string()),
                fetches: fetches.clone(),
                unsigned_fetches: unsigned_fetches.clone(),
            };
            let app = Router::new().fallback(serve_actor).with_state(server);
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            });
            let key =
                SigningKey::from_pem(&pair.private_pem).map_err(|e| format!("actor key: {e}"))?;
            actors.push(RemoteActor {
                host,
                uri,
                key_id,
                key,
                public_pem: pair.public_pem,
            });
        }
        Ok(RemoteActors {
            actors,
            fetches,
            unsigned_fetches,
        })
    }

    pub fn hosts(&self) -> Vec<String> {
        self.actors.iter().map(|a| a.host.clone()).collect()
    }
}

/// GET of the actor document (counted); POSTs are accepted and dropped.
pub async fn serve_actor(
    State(server): State<ActorServer>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method == Method::POST {
        return StatusCode::ACCEPTED.into_response();
    }
    if method != Method::GET || uri.path() != server.path {
        return StatusCode::NOT_FOUND.into_response();
    }
    server.fetches.fetch_add(1, Ordering::Relaxed);
    if !headers.contains_key("signature") {
        server.unsigned_fetches.fetch_add(1, Ordering::Relaxed);
    }
    ([(header::CONTENT_TYPE, AP)], server.doc.to_string()).into_response()
}

/// What parsing, verifying and signing cost in this process (RSA-2048, rsa-sha256).
pub struct CryptoCosts {
    pub parse_us: f64,
    pub verify_us: f64,
    pub sign_us: f64,
}

pub async fn crypto_costs(actor: &RemoteActor) -> BenchResult<CryptoCosts> {
    let pem = actor.public_pem.clone();
    let key = actor.key.clone();
    tokio::task::spawn_blocking(move || {
        let message = vec![b'x'; 300];
        let signature = key
            .sign_sha256(&message)
            .map_err(|e| format!("signing: {e}"))?;
        let rounds = 200;
        let t = Instant::now();
        let mut parsed = None;
        for _ in 0..rounds {
            parsed = Some(VerifyingKey::from_pem(&pem).map_err(|e| format!("parse: {e}"))?);
        }
        let parse_us = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
        let verifying = parsed.ok_or("no key")?;
        let t = Instant::now();
        for _ in 0..rounds {
            if !verifying.verify_sha256(&message, &signature) {
                return Err("a signature did not verify".to_string());
            }
        }
        let verify_us = t.elapsed().as_secs_f64() * 1e6 / rounds as f64;
        let sign_rounds = 20;
        let t = Instant::now();
        for _ in 0..sign_rounds {
            key.sign_sha256(&message)
                .map_err(|e| format!("signing: {e}"))?;
        }
        let sign_us = t.elapsed().as_secs_f64() * 1e6 / sign_rounds as f64;
        Ok(CryptoCosts {
            parse_us,
            verify_us,
            sign_us,
        })
    })
    .await
    .map_err(|e| format!("crypto costs: {e}"))?
}
