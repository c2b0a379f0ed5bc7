//! Redirects, followed by hand (security.md S15). reqwest's own following is off; the
//! client's send loop re-checks every hop (scheme, credentials, address), signs it again and
//! counts it against `max_redirects`.
//!
//! Only GET and HEAD are followed, with the same method and no body. Any other method gets
//! its 3xx response back unfollowed: a delivery must not be re-sent somewhere else.

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, LOCATION, PROXY_AUTHORIZATION};
use reqwest::{Method, StatusCode};
use url::Url;

use super::error::OutboundError;

/// Whether `status` is a redirect we know how to follow.
pub(super) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Whether a request with `method` follows redirects at all.
pub(super) fn may_follow(method: &Method) -> bool {
    *method == Method::GET || *method == Method::HEAD
}

/// The next hop from `Location`, resolved against the current URL; `None` without a
/// `Location` (the response is then handed back as it is). Only http(s) is followed.
pub(super) fn next_url(current: &Url, headers: &HeaderMap) -> Result<Option<Url>, OutboundError> {
    let Some(value) = headers.get(LOCATION) else {
        return Ok(None);
    };
    let text = std::str::from_utf8(value.as_bytes())
        .map_err(|_| OutboundError::Refused("redirect Location is not UTF-8".to_owned()))?;
    let next = current
        .join(text.trim())
        .map_err(|e| OutboundError::Refused(format!("redirect Location {text:?}: {e}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(OutboundError::Refused(format!(
            "redirect to a {} URL",
            next.scheme()
        )));
    }
    Ok(Some(next))
}

/// Credentials meant for one origin are not carried to another.
pub(super) fn drop_credentials_across_origins(headers: &mut HeaderMap, from: &Url, to: &Url) {
    if from.origin() != to.origin() {
        for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION] {
            headers.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn location(current: &str, value: &'static str) -> Result<Option<Url>, OutboundError> {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_static(value));
        let current = Url::parse(current).expect("test URL parses");
        next_url(&current, &headers)
    }

    #[test]
    fn relative_locations_resolve_against_the_current_url() {
        let next = location("https://a.test/x/y", "../z?q=1")
            .expect("ok")
            .expect("some");
        assert_eq!(next.as_str(), "https://a.test/z?q=1");
        let next = location("https://a.test/x", "//b.test/p")
            .expect("ok")
            .expect("some");
        assert_eq!(next.as_str(), "https://b.test/p");
    }

    #[test]
    fn other_schemes_are_refused() {
        for value in [
            "file:///etc/passwd",
            "gopher://a.test/",
            "data:,x",
            "ftp://a.test/",
        ] {
            assert!(
                matches!(
                    location("https://a.test/", value),
                    Err(OutboundError::Refused(_))
                ),
                "{value} followed"
            );
        }
    }

    #[test]
    fn no_location_means_no_redirect() {
        let current = Url::parse("https://a.test/").expect("test URL parses");
        assert!(matches!(next_url(&current, &HeaderMap::new()), Ok(None)));
    }

    #[test]
    fn credentials_stay_with_their_origin() {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        let a = Url::parse("https://a.test/1").expect("parses");
        let a2 = Url::parse("https://a.test/2").expect("parses");
        let b = Url::parse("https://b.test/").expect("parses");
        drop_credentials_across_origins(&mut headers, &a, &a2);
        assert!(headers.contains_key(AUTHORIZATION));
        drop_credentials_across_origins(&mut headers, &a, &b);
        assert!(!headers.contains_key(AUTHORIZATION));
    }
}
