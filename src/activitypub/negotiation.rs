//! Whether a request asks for ActivityStreams JSON rather than a web page.

use axum::http::{HeaderMap, header};

/// True for `application/activity+json` and for `application/ld+json` with the
/// ActivityStreams profile (the two types Mastodon and others send when fetching).
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|accept| {
            accept.split(',').any(|part| {
                let part = part.trim().to_ascii_lowercase();
                part.starts_with("application/activity+json")
                    || (part.starts_with("application/ld+json")
                        && part.contains("https://www.w3.org/ns/activitystreams"))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn recognises_what_servers_send() {
        assert!(wants_activity_json(&accept("application/activity+json")));
        assert!(wants_activity_json(&accept(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        )));
        assert!(wants_activity_json(&accept(
            "application/activity+json, application/ld+json"
        )));
        assert!(!wants_activity_json(&accept(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!wants_activity_json(&accept("application/ld+json")));
        assert!(!wants_activity_json(&HeaderMap::new()));
    }
}
