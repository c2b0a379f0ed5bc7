//! Programmable HTTP receivers on 127.0.0.1 for delivery tests: each records what it
//! receives and answers from a script (status and headers per request), or never answers.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Answer from the script (default 202 once it runs out).
    Answer,
    /// Accept the connection and never answer.
    Hang,
}

/// A scripted answer: status and extra headers.
type Answer = (u16, Vec<(String, String)>);

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Answer>>,
    mode: Mutex<Option<Mode>>,
    delay: Mutex<Duration>,
    connections: AtomicUsize,
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("addr");
        let inner = Arc::new(Inner::default());
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let counted = inner.clone();
        let listener = listener.tap_io(move |_| {
            counted.connections.fetch_add(1, Ordering::SeqCst);
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, inner }
    }

    /// `host:port` for the allowed-private-hosts list.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Answers the next requests with these statuses (and headers), in order.
    pub fn script(&self, answers: &[(u16, &[(&str, &str)])]) {
        let mut s = self.inner.script.lock().unwrap();
        for (status, headers) in answers {
            s.push_back((
                *status,
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ));
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap() = Some(mode);
    }

    pub fn set_delay(&self, d: Duration) {
        *self.inner.delay.lock().unwrap() = d;
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// TCP connections accepted so far (also those never answered).
    pub fn connections(&self) -> usize {
        self.inner.connections.load(Ordering::SeqCst)
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mode = inner.mode.lock().unwrap().unwrap_or(Mode::Answer);
    if mode == Mode::Hang {
        std::future::pending::<()>().await;
    }
    let delay = *inner.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    inner.received.lock().unwrap().push(Received {
        path: uri.path().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let (status, extra) = inner
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or((202, Vec::new()));
    let mut res = StatusCode::from_u16(status)
        .unwrap_or(StatusCode::OK)
        .into_response();
    for (k, v) in extra {
        if let (Ok(k), Ok(v)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            axum::http::HeaderValue::from_str(&v),
        ) {
            res.headers_mut().insert(k, v);
        }
    }
    res
}
