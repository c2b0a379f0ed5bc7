//! HTTP signatures through the public `httpsig` API, on requests shaped like those other
//! servers send (federation.md §1.3 and §1.6) and the replay matrix of security.md S09.
//! Pure: no server, no database.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use starling::httpsig::{
    IncomingSignature, RequestParts, SignatureError, SigningKey, cavage, rfc9421, sign_outgoing,
    sign_outgoing_rfc9421,
};
use url::Url;

const NOW: u64 = 1_700_000_000;
const HOST: &str = "starling.test";
const KEY_ID: &str = "https://remote.test/users/bob#main-key";
const BODY: &[u8] = br#"{"type":"Follow","actor":"https://remote.test/users/bob"}"#;
const ACTIVITY_JSON: &str = "application/activity+json";

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = rsa::PrivateKey::new(&mut rand::rng(), 2048).expect("key generation");
        SigningKey::from_rsa(key).expect("2048 bits")
    })
}

fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

fn date(unix: u64) -> String {
    httpdate::fmt_http_date(at(unix))
}

fn set(headers: &mut HeaderMap, name: &str, value: &str) {
    headers.insert(
        HeaderName::from_bytes(name.as_bytes()).unwrap(),
        HeaderValue::from_str(value).unwrap(),
    );
}

/// A request as our inbox would see it.
struct Inbound {
    method: &'static str,
    target: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Inbound {
    /// Parses whichever scheme the request uses and verifies it as `starling.test` at `NOW`.
    fn verify(&self) -> Result<String, SignatureError> {
        self.verify_at(NOW)
    }

    fn verify_at(&self, now: u64) -> Result<String, SignatureError> {
        let parts = RequestParts::new(self.method, "https", HOST, &self.target, &self.headers);
        let signature = IncomingSignature::parse(&self.headers)?;
        signature.verify(&parts, &self.body, &key().verifying_key(), at(now))?;
        Ok(signature.key_id().to_owned())
    }
}

/// What our own delivery sends: a Mastodon-shaped signed POST.
fn delivered_post(target: &str, body: &[u8]) -> Inbound {
    let url = Url::parse(&format!("https://{HOST}{target}")).unwrap();
    let mut headers = HeaderMap::new();
    set(&mut headers, "content-type", ACTIVITY_JSON);
    sign_outgoing(
        &Method::POST,
        &url,
        &mut headers,
        Some(body),
        key(),
        KEY_ID,
        at(NOW),
    )
    .unwrap();
    Inbound {
        method: "POST",
        target: target.to_owned(),
        headers,
        body: body.to_vec(),
    }
}

/// A request signed in any shape: `template` is a `Signature` value whose signature is
/// `"AAAA"`; it is signed as `signed_target` and delivered to `target`.
fn forged(
    method: &'static str,
    signed_target: &str,
    target: &str,
    mut headers: HeaderMap,
    body: &[u8],
    template: &str,
) -> Inbound {
    let params = cavage::parse_signature_value(template).unwrap();
    let string = {
        let parts = RequestParts::new(method, "https", HOST, signed_target, &headers);
        cavage::signing_string(&parts, &params).unwrap()
    };
    let signature =
        base64::engine::general_purpose::STANDARD.encode(key().sign_sha256(&string).unwrap());
    let value = template.replace("\"AAAA\"", &format!("\"{signature}\""));
    let name = if value.starts_with("Signature ") {
        "authorization"
    } else {
        "signature"
    };
    set(&mut headers, name, &value);
    Inbound {
        method,
        target: target.to_owned(),
        headers,
        body: body.to_vec(),
    }
}

/// The headers a remote puts on a POST before signing: Host, Date, Digest, Content-Type.
fn post_headers(date_unix: u64, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    set(&mut headers, "host", HOST);
    set(&mut headers, "date", &date(date_unix));
    set(
        &mut headers,
        "digest",
        &starling::httpsig::digest::digest_header_value(body),
    );
    set(&mut headers, "content-type", ACTIVITY_JSON);
    headers
}

fn get_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    set(&mut headers, "host", HOST);
    set(&mut headers, "date", &date(NOW));
    set(&mut headers, "accept", ACTIVITY_JSON);
    headers
}

const INBOX: &str = "/users/alice/inbox";

fn template(algorithm: &str, headers: &str) -> String {
    format!("keyId=\"{KEY_ID}\",algorithm=\"{algorithm}\",headers=\"{headers}\",signature=\"AAAA\"")
}

#[test]
fn our_delivery_is_signed_like_mastodon_and_verifies() {
    let post = delivered_post(INBOX, BODY);
    let signature = post.headers["signature"].to_str().unwrap();
    let expected_start = format!(
        "keyId=\"{KEY_ID}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest content-type\",signature=\""
    );
    assert!(signature.starts_with(&expected_start), "{signature}");
    assert_eq!(post.headers["host"], HOST);
    assert_eq!(post.headers["date"], date(NOW).as_str());
    let digest = post.headers["digest"].to_str().unwrap();
    assert!(digest.starts_with("SHA-256="), "{digest}");
    assert_eq!(post.verify(), Ok(KEY_ID.to_owned()));
}

#[test]
fn our_signed_get_covers_accept_and_the_query() {
    let url = Url::parse("https://starling.test/users/alice/outbox?page=true").unwrap();
    let mut headers = HeaderMap::new();
    set(&mut headers, "accept", ACTIVITY_JSON);
    sign_outgoing(
        &Method::GET,
        &url,
        &mut headers,
        None,
        key(),
        KEY_ID,
        at(NOW),
    )
    .unwrap();
    let signature = headers["signature"].to_str().unwrap();
    assert!(signature.contains("headers=\"(request-target) host date accept\""));
    let get = Inbound {
        method: "GET",
        target: "/users/alice/outbox?page=true".to_owned(),
        headers,
        body: Vec::new(),
    };
    assert_eq!(get.verify(), Ok(KEY_ID.to_owned()));
}

#[test]
fn other_servers_shapes_verify() {
    let gts_key = "https://remote.test/users/bob/main-key";
    let shapes = [
        // GoToSocial: hs2019, a key id without fragment.
        format!(
            "keyId=\"{gts_key}\",algorithm=\"hs2019\",headers=\"(request-target) host date digest\",signature=\"AAAA\""
        ),
        // Akkoma / Pleroma: content-length signed too.
        template(
            "rsa-sha256",
            "(request-target) host date digest content-length",
        ),
        // Lemmy: hs2019, alphabetical.
        template("hs2019", "(request-target) content-type date digest host"),
        // Misskey: date before host.
        template("rsa-sha256", "(request-target) date host digest"),
        // Pixelfed: many headers, user-agent included.
        template(
            "rsa-sha256",
            "(request-target) date host accept content-type user-agent digest",
        ),
    ];
    for shape in shapes {
        let mut headers = post_headers(NOW, BODY);
        set(&mut headers, "content-length", &BODY.len().to_string());
        set(&mut headers, "accept", ACTIVITY_JSON);
        set(
            &mut headers,
            "user-agent",
            "Pixelfed/0.12 (+https://remote.test)",
        );
        let post = forged("POST", INBOX, INBOX, headers, BODY, &shape);
        assert!(post.verify().is_ok(), "{shape}: {:?}", post.verify());
    }
    // GoToSocial's GET: (request-target) host date.
    let get = forged(
        "GET",
        "/users/alice",
        "/users/alice",
        get_headers(),
        b"",
        &format!(
            "keyId=\"{gts_key}\",algorithm=\"hs2019\",headers=\"(request-target) host date\",signature=\"AAAA\""
        ),
    );
    assert_eq!(get.verify(), Ok(gts_key.to_owned()));
}

#[test]
fn created_and_expires_are_accepted_with_hs2019_only() {
    // activitypub-federation-rust without compat mode: no Date signed at all.
    let mut headers = post_headers(NOW, BODY);
    headers.remove("date");
    let hs2019 = format!(
        "keyId=\"{KEY_ID}\",algorithm=\"hs2019\",created={},expires={},headers=\"(request-target) (created) (expires) content-type digest host\",signature=\"AAAA\"",
        NOW - 10,
        NOW + 3600
    );
    let post = forged("POST", INBOX, INBOX, headers.clone(), BODY, &hs2019);
    assert_eq!(post.verify(), Ok(KEY_ID.to_owned()));
    assert_eq!(post.verify_at(NOW + 3601), Err(SignatureError::Expired));

    let rsa = hs2019.replace("hs2019", "rsa-sha256");
    assert!(matches!(
        cavage::parse_signature_value(&rsa),
        Err(SignatureError::Malformed(_))
    ));
}

#[test]
fn parsing_is_tolerant_of_form() {
    let shapes = [
        // Any order, spaces around separators, unknown parameters, a comma inside quotes.
        format!(
            "signature=\"AAAA\" , headers = \"(request-target) host date digest\", foo=bar, keyId=\"{KEY_ID}\", algorithm=rsa-sha256, note=\"a, b\""
        ),
        // The Authorization scheme.
        format!(
            "Signature {}",
            template("rsa-sha256", "(request-target) host date digest")
        ),
        // No algorithm: hs2019.
        format!(
            "keyId=\"{KEY_ID}\",headers=\"(request-target) host date digest\",signature=\"AAAA\""
        ),
        // Upper-case names in headers=.
        template("rsa-sha256", "(Request-Target) Host Date Digest"),
    ];
    for shape in shapes {
        let post = forged("POST", INBOX, INBOX, post_headers(NOW, BODY), BODY, &shape);
        assert_eq!(post.verify(), Ok(KEY_ID.to_owned()), "{shape}");
    }
}

#[test]
fn lower_case_digest_algorithms_are_read() {
    let mut headers = post_headers(NOW, BODY);
    let upper = headers["digest"].to_str().unwrap().to_owned();
    set(&mut headers, "digest", &upper.replace("SHA-256", "sha-256"));
    let post = forged(
        "POST",
        INBOX,
        INBOX,
        headers,
        BODY,
        &template("rsa-sha256", "(request-target) host date digest"),
    );
    assert_eq!(post.verify(), Ok(KEY_ID.to_owned()));
}

#[test]
fn a_get_signed_without_its_query_is_accepted_but_a_post_is_not() {
    // Mastodon before 4.3 and Fedify 1.5 signed the bare path.
    let get = forged(
        "GET",
        "/users/alice/outbox",
        "/users/alice/outbox?page=true",
        get_headers(),
        b"",
        &template("rsa-sha256", "(request-target) host date accept"),
    );
    assert_eq!(get.verify(), Ok(KEY_ID.to_owned()));
    // S09 (4): the same trick on an inbox POST is refused.
    let post = forged(
        "POST",
        INBOX,
        "/users/alice/inbox?x=1",
        post_headers(NOW, BODY),
        BODY,
        &template("rsa-sha256", "(request-target) host date digest"),
    );
    assert_eq!(post.verify(), Err(SignatureError::BadSignature));
}

/// security.md S09: each case is refused; the untouched request is the positive control.
#[test]
fn replays_and_weak_signatures_are_refused() {
    let full = template(
        "rsa-sha256",
        "(request-target) host date digest content-type",
    );
    let post = |headers: HeaderMap, body: &[u8], template: &str| {
        forged("POST", INBOX, INBOX, headers, body, template)
    };
    assert_eq!(
        post(post_headers(NOW, BODY), BODY, &full).verify(),
        Ok(KEY_ID.to_owned())
    );

    // (1) A request signed for another server, replayed to us byte for byte.
    let mut elsewhere = post_headers(NOW, BODY);
    set(&mut elsewhere, "host", "evil.test");
    let replay = post(elsewhere, BODY, &full);
    assert_eq!(replay.verify(), Err(SignatureError::WrongHost));

    // (2) The same signature with another body.
    let mut swapped = post(post_headers(NOW, BODY), BODY, &full);
    swapped.body = br#"{"type":"Delete"}"#.to_vec();
    assert_eq!(swapped.verify(), Err(SignatureError::DigestMismatch));

    // (3) Coverage missing.
    let cases = [
        ("(request-target) host date content-type", "digest"),
        ("(request-target) date digest", "host"),
        ("host date digest", "(request-target)"),
        ("(request-target) host digest", "date"),
    ];
    for (headers, missing) in cases {
        let weak = post(
            post_headers(NOW, BODY),
            BODY,
            &template("rsa-sha256", headers),
        );
        assert_eq!(
            weak.verify(),
            Err(SignatureError::HeaderNotSigned(missing)),
            "{headers}"
        );
    }

    // (4) Signed for bob's inbox, delivered to alice's.
    let moved = forged(
        "POST",
        "/users/bob/inbox",
        INBOX,
        post_headers(NOW, BODY),
        BODY,
        &full,
    );
    assert_eq!(moved.verify(), Err(SignatureError::BadSignature));

    // (5) Stale and future dates.
    for (offset, ahead) in [
        (3 * 3600, false),
        (2 * 3600, false),
        (3600, true),
        (2 * 3600, true),
    ] {
        let when = if ahead { NOW + offset } else { NOW - offset };
        let dated = post(post_headers(when, BODY), BODY, &full);
        assert_eq!(
            dated.verify(),
            Err(SignatureError::DateOutOfWindow),
            "{offset} {ahead}"
        );
    }

    // (6) Two Signature headers, or a repeated parameter.
    let mut twice = post(post_headers(NOW, BODY), BODY, &full);
    let first = twice.headers["signature"].clone();
    twice.headers.append("signature", first);
    assert!(matches!(twice.verify(), Err(SignatureError::Malformed(_))));
    let repeated = format!("{full},keyId=\"https://evil.test/actor#main-key\"");
    assert!(matches!(
        cavage::parse_signature_value(&repeated),
        Err(SignatureError::Malformed(_))
    ));

    // (7) An algorithm we do not verify.
    assert_eq!(
        cavage::parse_signature_value(&full.replace("rsa-sha256", "hmac-sha256")),
        Err(SignatureError::UnsupportedAlgorithm(
            "hmac-sha256".to_owned()
        ))
    );

    // A digest we cannot check.
    let mut md5 = post_headers(NOW, BODY);
    set(&mut md5, "digest", "MD5=Sd/dVLAcvNLSq16eXua5uQ==");
    assert_eq!(
        post(md5, BODY, &full).verify(),
        Err(SignatureError::DigestMissing)
    );
}

#[test]
fn rfc9421_double_knock_verifies_and_weak_coverage_is_refused() {
    let url = Url::parse(&format!("https://{HOST}{INBOX}")).unwrap();
    let mut headers = HeaderMap::new();
    set(&mut headers, "content-type", ACTIVITY_JSON);
    sign_outgoing_rfc9421(
        &Method::POST,
        &url,
        &mut headers,
        Some(BODY),
        key(),
        KEY_ID,
        at(NOW),
    )
    .unwrap();
    let input = headers["signature-input"].to_str().unwrap();
    assert!(
        input.starts_with("sig1=(\"@method\" \"@target-uri\" \"content-digest\" \"content-type\");created=1700000000;keyid="),
        "{input}"
    );
    let post = Inbound {
        method: "POST",
        target: INBOX.to_owned(),
        headers,
        body: BODY.to_vec(),
    };
    assert_eq!(post.verify(), Ok(KEY_ID.to_owned()));

    // Fedify's first knock, with its own parameter order.
    let fedify = format!(
        "sig1=(\"@method\" \"@target-uri\" \"@authority\" \"host\" \"date\" \"content-digest\");alg=\"rsa-v1_5-sha256\";keyid=\"{KEY_ID}\";created={NOW}"
    );
    assert_eq!(rfc9421_post(&fedify).verify(), Ok(KEY_ID.to_owned()));

    // S09 (8): method, target and digest must be covered.
    let weak = [
        ("(\"@target-uri\" \"content-digest\")", "@method"),
        ("(\"@method\" \"@path\" \"content-digest\")", "@target-uri"),
        (
            "(\"@method\" \"@authority\" \"content-digest\")",
            "@target-uri",
        ),
        ("(\"@method\" \"@target-uri\")", "content-digest"),
    ];
    for (components, missing) in weak {
        let input = format!("sig1={components};keyid=\"{KEY_ID}\";created={NOW}");
        assert_eq!(
            rfc9421_post(&input).verify(),
            Err(SignatureError::HeaderNotSigned(missing)),
            "{components}"
        );
    }
}

/// A POST signed with RFC 9421 under an arbitrary `Signature-Input` value.
fn rfc9421_post(input: &str) -> Inbound {
    let mut headers = post_headers(NOW, BODY);
    headers.remove("digest");
    set(
        &mut headers,
        "content-digest",
        &starling::httpsig::digest::content_digest_header_value(BODY),
    );
    let parsed = rfc9421::parse_fields(input, "sig1=:AAAA:").unwrap();
    let base = {
        let parts = RequestParts::new("POST", "https", HOST, INBOX, &headers);
        rfc9421::signature_base(&parts, &parsed).unwrap()
    };
    let signature =
        base64::engine::general_purpose::STANDARD.encode(key().sign_sha256(&base).unwrap());
    set(&mut headers, "signature-input", input);
    set(&mut headers, "signature", &format!("sig1=:{signature}:"));
    Inbound {
        method: "POST",
        target: INBOX.to_owned(),
        headers,
        body: BODY.to_vec(),
    }
}

#[test]
fn a_rotated_key_fails_in_a_way_that_asks_for_a_refetch() {
    let post = delivered_post(INBOX, BODY);
    let parts = RequestParts::new("POST", "https", HOST, INBOX, &post.headers);
    let params = cavage::parse_signature(&post.headers).unwrap();
    let other = SigningKey::from_rsa(rsa::PrivateKey::new(&mut rand::rng(), 1024).unwrap())
        .unwrap()
        .verifying_key();
    let error = cavage::verify(&parts, BODY, &params, &other, at(NOW)).unwrap_err();
    assert_eq!(error, SignatureError::BadSignature);
    assert!(error.may_pass_with_fresh_key());
    assert!(!SignatureError::DateOutOfWindow.may_pass_with_fresh_key());
}
