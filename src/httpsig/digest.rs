//! Body digests: the legacy `Digest: SHA-256=<base64>` (RFC 3230) that cavage signatures
//! cover, and RFC 9530's `Content-Digest: sha-256=:<base64>:` that RFC 9421 ones cover.
//! SHA-256 and SHA-512 are recognised; other algorithms are ignored. We emit `SHA-256`
//! upper case (Threads refused lower case, federation.md §1.3) and read any case.

use base64::Engine;
use reqwest::header::HeaderMap;
use sha2::{Digest as _, Sha256, Sha512};

use super::SignatureError;
use super::keys::lenient_base64;

/// Header names, lower case.
pub const DIGEST: &str = "digest";
pub const CONTENT_DIGEST: &str = "content-digest";

/// The `Digest` header value for `body`: `SHA-256=<base64>`.
pub fn digest_header_value(body: &[u8]) -> String {
    format!("SHA-256={}", base64_of(&Sha256::digest(body)))
}

/// The `Content-Digest` header value for `body`: `sha-256=:<base64>:`.
pub fn content_digest_header_value(body: &[u8]) -> String {
    format!("sha-256=:{}:", base64_of(&Sha256::digest(body)))
}

/// Checks every recognised digest in `Digest` and `Content-Digest` against `body`: any
/// mismatch fails, and a non-empty body needs at least one recognised digest.
pub fn verify_body_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let legacy = check_field(headers, DIGEST, body)?;
    let modern = check_field(headers, CONTENT_DIGEST, body)?;
    if body.is_empty() || legacy == Found::Matched || modern == Found::Matched {
        Ok(())
    } else {
        Err(SignatureError::DigestMissing)
    }
}

/// What a digest field held for the body, when nothing in it mismatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// At least one recognised digest, all matching.
    Matched,
    /// No recognised digest (field absent, or only other algorithms).
    Nothing,
}

/// Checks the digest field `name` (`digest` or `content-digest`) against `body`.
pub(crate) fn check_field(
    headers: &HeaderMap,
    name: &str,
    body: &[u8],
) -> Result<Found, SignatureError> {
    let mut value = String::new();
    for (i, line) in headers.get_all(name).iter().enumerate() {
        let line = line
            .to_str()
            .map_err(|_| SignatureError::malformed(format!("{name} is not ASCII")))?;
        if i > 0 {
            value.push_str(", ");
        }
        value.push_str(line);
    }
    if value.trim().is_empty() {
        return Ok(Found::Nothing);
    }
    if name == CONTENT_DIGEST {
        check_content_digest(&value, body)
    } else {
        check_legacy_digest(&value, body)
    }
}

/// `SHA-256=<b64>, SHA-512=<b64>` with algorithm tokens in any case.
fn check_legacy_digest(value: &str, body: &[u8]) -> Result<Found, SignatureError> {
    let mut found = Found::Nothing;
    for member in value.split(',').map(str::trim).filter(|m| !m.is_empty()) {
        let Some((algorithm, encoded)) = member.split_once('=') else {
            return Err(SignatureError::malformed("Digest member without '='"));
        };
        let Some(expected) = hash_by_name(algorithm.trim(), body) else {
            continue;
        };
        let given = lenient_base64()
            .decode(encoded.trim())
            .map_err(|_| SignatureError::malformed("Digest value is not base64"))?;
        compare(&given, &expected)?;
        found = Found::Matched;
    }
    Ok(found)
}

/// An RFC 8941 dictionary of byte sequences keyed by lower-case algorithm names.
fn check_content_digest(value: &str, body: &[u8]) -> Result<Found, SignatureError> {
    let dictionary: sfv::Dictionary = sfv::Parser::new(value)
        .parse()
        .map_err(|e| SignatureError::malformed(format!("Content-Digest: {e}")))?;
    let mut found = Found::Nothing;
    for (key, entry) in &dictionary {
        let Some(expected) = hash_by_name(key.as_str(), body) else {
            continue;
        };
        let given = match entry {
            sfv::ListEntry::Item(item) => item.bare_item.as_byte_sequence(),
            sfv::ListEntry::InnerList(_) => None,
        }
        .ok_or_else(|| SignatureError::malformed("Content-Digest value is not a byte sequence"))?;
        compare(given, &expected)?;
        found = Found::Matched;
    }
    Ok(found)
}

/// The body's hash for a recognised algorithm name (any case), or `None`.
fn hash_by_name(algorithm: &str, body: &[u8]) -> Option<Vec<u8>> {
    if algorithm.eq_ignore_ascii_case("sha-256") {
        Some(Sha256::digest(body).to_vec())
    } else if algorithm.eq_ignore_ascii_case("sha-512") {
        Some(Sha512::digest(body).to_vec())
    } else {
        None
    }
}

fn compare(given: &[u8], expected: &[u8]) -> Result<(), SignatureError> {
    if given == expected {
        Ok(())
    } else {
        Err(SignatureError::DigestMismatch)
    }
}

fn base64_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const BODY: &[u8] = br#"{"hello": "world"}"#;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn published_digests_of_the_test_body_are_reproduced() {
        // draft-cavage-12 §3.1 / Appendix C and RFC 9421 Appendix B.2 use this body.
        assert_eq!(
            digest_header_value(BODY),
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
        );
        assert_eq!(
            content_digest_header_value(BODY),
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
        );
        let sha512 = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";
        assert_eq!(
            check_field(
                &headers(&[("content-digest", sha512)]),
                CONTENT_DIGEST,
                BODY
            ),
            Ok(Found::Matched)
        );
    }

    #[test]
    fn algorithm_names_are_read_in_any_case() {
        for name in ["SHA-256", "sha-256", "Sha-256"] {
            let value = format!("{name}=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=");
            assert_eq!(
                verify_body_digest(&headers(&[("digest", &value)]), BODY),
                Ok(())
            );
        }
    }

    #[test]
    fn any_mismatch_fails_and_a_body_needs_a_recognised_digest() {
        let good = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";
        let bad = "SHA-256=Y48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";
        assert_eq!(
            verify_body_digest(&headers(&[("digest", bad)]), BODY),
            Err(SignatureError::DigestMismatch)
        );
        assert_eq!(
            verify_body_digest(
                &headers(&[("digest", good), ("content-digest", "sha-256=:AAAA:")]),
                BODY
            ),
            Err(SignatureError::DigestMismatch)
        );
        assert_eq!(
            verify_body_digest(
                &headers(&[("digest", "MD5=Sd/dVLAcvNLSq16eXua5uQ==")]),
                BODY
            ),
            Err(SignatureError::DigestMissing)
        );
        assert_eq!(
            verify_body_digest(&HeaderMap::new(), BODY),
            Err(SignatureError::DigestMissing)
        );
        assert_eq!(verify_body_digest(&HeaderMap::new(), b""), Ok(()));
        assert!(matches!(
            verify_body_digest(&headers(&[("digest", "SHA-256=!!")]), BODY),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            verify_body_digest(&headers(&[("content-digest", "sha-256=\"x\"")]), BODY),
            Err(SignatureError::Malformed(_))
        ));
    }

    #[test]
    fn several_members_and_lines_are_all_checked() {
        let both = "SHA-512=WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==, SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=";
        assert_eq!(
            verify_body_digest(&headers(&[("digest", both)]), BODY),
            Ok(())
        );
        let lines = headers(&[
            ("content-digest", "unixsum=:AAAA:"),
            (
                "content-digest",
                "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
            ),
        ]);
        assert_eq!(verify_body_digest(&lines, BODY), Ok(()));
    }
}
