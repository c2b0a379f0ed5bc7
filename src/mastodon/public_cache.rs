//! Visitors' answers of the public and hashtag timelines, kept for a few seconds and
//! shared by every visitor asking the same thing.
//!
//! Mastodon marks these answers (to requests without a user) `Cache-Control: max-age=15,
//! public`, so a proxy in front of it serves them up to 15 seconds old; this is that
//! cache inside the process, for servers without such a proxy. Signed-in people always
//! get a fresh page: theirs carry their own favourites and boosts. Each process keeps its
//! own entries, bounded in total size, since the query string is the visitor's to choose.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What Mastodon sends with a visitor's timeline page (`cache_if_unauthenticated!`).
pub const VISITOR_CACHE_CONTROL: &str =
    "max-age=15, public, stale-while-revalidate=30, stale-if-error=86400";
/// Bytes of bodies kept at most; past it, stale entries go, then all of them.
const MAX_BYTES: usize = 16 * 1024 * 1024;

#[derive(Clone)]
struct Entry {
    stored: Instant,
    link: Option<HeaderValue>,
    body: Bytes,
}

pub struct PublicCache {
    ttl: Duration,
    entries: Mutex<(HashMap<String, Entry>, usize)>,
}

impl PublicCache {
    /// A cache keeping answers for `ttl`; zero keeps nothing.
    pub fn new(ttl: Duration) -> PublicCache {
        PublicCache {
            ttl,
            entries: Mutex::new((HashMap::new(), 0)),
        }
    }

    fn key(uri: &Uri) -> String {
        uri.path_and_query()
            .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string())
    }

    /// The kept answer to this request, if one is fresh enough.
    pub fn get(&self, uri: &Uri) -> Option<Response> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let entry = entries.0.get(&Self::key(uri))?;
        (entry.stored.elapsed() < self.ttl).then(|| respond(entry.link.clone(), entry.body.clone()))
    }

    /// Keeps a page of statuses (the `Link` header and the JSON body) and answers with it.
    pub fn store(&self, uri: &Uri, headers: HeaderMap, body: Vec<u8>) -> Response {
        let link = headers.get(header::LINK).cloned();
        let body = Bytes::from(body);
        if !self.ttl.is_zero()
            && body.len() <= MAX_BYTES / 8
            && let Ok(mut guard) = self.entries.lock()
        {
            let (entries, bytes) = &mut *guard;
            if *bytes + body.len() > MAX_BYTES {
                let ttl = self.ttl;
                entries.retain(|_, e| e.stored.elapsed() < ttl);
                *bytes = entries.values().map(|e| e.body.len()).sum();
                if *bytes + body.len() > MAX_BYTES {
                    entries.clear();
                    *bytes = 0;
                }
            }
            let entry = Entry {
                stored: Instant::now(),
                link: link.clone(),
                body: body.clone(),
            };
            *bytes += body.len();
            if let Some(old) = entries.insert(Self::key(uri), entry) {
                *bytes -= old.body.len();
            }
        }
        respond(link, body)
    }
}

fn respond(link: Option<HeaderValue>, body: Bytes) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(VISITOR_CACHE_CONTROL),
    );
    if let Some(link) = link {
        headers.insert(header::LINK, link);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        s.parse().unwrap()
    }

    async fn body(res: Response) -> Vec<u8> {
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[tokio::test]
    async fn keeps_answers_per_query_for_the_ttl_only() {
        let cache = PublicCache::new(Duration::from_millis(200));
        let a = uri("/api/v1/timelines/public?local=true");
        assert!(cache.get(&a).is_none());
        let mut headers = HeaderMap::new();
        headers.insert(header::LINK, HeaderValue::from_static("<x>; rel=\"next\""));
        let first = cache.store(&a, headers, b"[1]".to_vec());
        assert_eq!(
            first.headers()[header::CACHE_CONTROL],
            VISITOR_CACHE_CONTROL
        );
        let hit = cache.get(&a).expect("kept");
        assert_eq!(hit.headers()[header::LINK], "<x>; rel=\"next\"");
        assert_eq!(body(hit).await, b"[1]");
        assert!(
            cache.get(&uri("/api/v1/timelines/public")).is_none(),
            "another query is another answer"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(cache.get(&a).is_none(), "expired");
    }

    #[tokio::test]
    async fn zero_keeps_nothing_and_size_stays_bounded() {
        let off = PublicCache::new(Duration::ZERO);
        let a = uri("/api/v1/timelines/public");
        off.store(&a, HeaderMap::new(), b"[]".to_vec());
        assert!(off.get(&a).is_none());

        let cache = PublicCache::new(Duration::from_secs(60));
        let big = vec![b' '; MAX_BYTES / 8];
        for i in 0..20 {
            cache.store(
                &uri(&format!("/api/v1/timelines/public?max_id={i}")),
                HeaderMap::new(),
                big.clone(),
            );
        }
        {
            let (entries, bytes) = &*cache.entries.lock().unwrap();
            assert!(*bytes <= MAX_BYTES, "{bytes}");
            assert_eq!(
                *bytes,
                entries.values().map(|e| e.body.len()).sum::<usize>()
            );
        }
        assert!(
            cache
                .get(&uri("/api/v1/timelines/public?max_id=19"))
                .is_some(),
            "the newest answer stays"
        );
    }
}
