//! `max_id` / `since_id` / `min_id` / `limit` and the `Link` header that pages on,
//! keeping the request's other parameters, as Mastodon does.

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use serde::Deserialize;

use crate::db::statuses::Page;
use crate::mastodon::params::lenient;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default, deserialize_with = "lenient::option_id")]
    pub max_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_id")]
    pub since_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_id")]
    pub min_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::limit")]
    pub limit: Option<u64>,
}

fn id(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|v| v.parse::<i64>().ok())
}

impl PageParams {
    /// The page asked for; `limit` defaults to `default` and is capped at `max`.
    pub fn page(&self, default: i64, max: i64) -> Page {
        let limit = self
            .limit
            .map(|l| (l.min(max as u64) as i64).max(1))
            .unwrap_or(default);
        Page {
            max_id: id(&self.max_id),
            since_id: id(&self.since_id),
            min_id: id(&self.min_id),
            limit,
        }
    }
}

/// This request's URL with `key=value` as its cursor, its other parameters kept.
fn page_url(state: &AppState, uri: &Uri, key: &str, value: &str) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if !matches!(k.as_ref(), "max_id" | "since_id" | "min_id") {
            q.append_pair(&k, &v);
        }
    }
    q.append_pair(key, value);
    format!(
        "{}{}?{}",
        state.urls.base().trim_end_matches('/'),
        uri.path(),
        q.finish()
    )
}

fn link(value: String) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(header::LINK, v);
    }
    headers
}

/// The `Link` header for a page whose newest item has id `first` and oldest `last`:
/// `next` (older, `max_id`) and `prev` (newer, `min_id`). Nothing on an empty page.
pub fn link_header(
    state: &AppState,
    uri: &Uri,
    first: Option<String>,
    last: Option<String>,
) -> HeaderMap {
    let (Some(first), Some(last)) = (first, last) else {
        return HeaderMap::new();
    };
    link(format!(
        "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
        page_url(state, uri, "max_id", &last),
        page_url(state, uri, "min_id", &first)
    ))
}

/// The `Link` header of lists paged by an internal cursor (followers, following):
/// `next` only, with the cursor of the last row when the page was full.
pub fn next_link(state: &AppState, uri: &Uri, next: Option<String>) -> HeaderMap {
    match next {
        Some(next) => link(format!(
            "<{}>; rel=\"next\"",
            page_url(state, uri, "max_id", &next)
        )),
        None => HeaderMap::new(),
    }
}
