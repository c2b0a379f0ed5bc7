//! S47: throttles keyed on what the client cannot forge. Client addresses come from the
//! connection (or, behind a configured trusted proxy, from the entry that proxy wrote),
//! never from `X-Forwarded-For` entries the client wrote, `Forwarded`, `X-Real-IP`,
//! `True-Client-IP` or `CF-Connecting-IP`. Log-ins are limited per address and per name,
//! mail-sending forms per address and per e-mail address, and the API per token, user
//! and address, with Mastodon's `X-RateLimit-*` headers.

mod support;

use reqwest::StatusCode;
use serde_json::Value;
use support::{PASSWORD, TestApp, Web};

/// Headers a client might use to pretend to be somewhere else, rotated per request.
fn spoofs(i: usize) -> Vec<(&'static str, String)> {
    let fake = format!("203.0.113.{}", i % 250 + 1);
    vec![
        ("x-forwarded-for", fake.clone()),
        ("forwarded", format!("for={fake}")),
        ("x-real-ip", fake.clone()),
        ("true-client-ip", fake.clone()),
        ("cf-connecting-ip", fake),
    ]
}

async fn post_form(
    web: &Web,
    path: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, String)],
) -> reqwest::Response {
    let token = web.token().await;
    let mut form: Vec<(&str, &str)> = vec![("authenticity_token", token.as_str())];
    form.extend_from_slice(fields);
    let mut req = web.http.post(web.url(path)).form(&form);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.expect("POST")
}

/// Where the first 429 came, over `tries` attempts (`None`: never).
async fn first_throttled<F, Fut>(tries: usize, mut attempt: F) -> Option<usize>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode>,
{
    for i in 0..tries {
        let status = attempt(i).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Some(i);
        }
        assert!(
            status.is_success() || status.is_redirection() || status.is_client_error(),
            "attempt {i}: {status}"
        );
    }
    None
}

#[tokio::test]
async fn failed_log_ins_are_throttled_whatever_address_headers_say() {
    // Reached directly: no proxy is trusted, so every header is the client's own claim.
    let app = TestApp::start_with(|c| c.http.trusted_proxies = Vec::new()).await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let web = app.client();
    web.get("/auth/sign_in").await;
    let at = first_throttled(100, |i| {
        let web = &web;
        async move {
            post_form(
                web,
                "/auth/sign_in",
                &[("login", "alice"), ("password", "wrong")],
                &spoofs(i),
            )
            .await
            .status()
        }
    })
    .await;
    assert_eq!(at, Some(25), "the 26th attempt from one address is refused");
    // The limit is the address's, not only alice's: bob cannot be tried either, and
    // even the right password waits.
    let res = post_form(
        &web,
        "/auth/sign_in",
        &[("login", "bob"), ("password", PASSWORD)],
        &spoofs(7),
    )
    .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let page = res.text().await.unwrap();
    assert!(page.contains("Slow down"), "a readable page: {page}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_only_the_proxys_entry_counts() {
    // The default configuration trusts a proxy on loopback, which is where the test
    // client connects from: this client plays the proxy.
    let app = TestApp::start().await;
    app.create_user("alice").await;
    let web = app.client();
    web.get("/auth/sign_in").await;
    // One real client rotates what it writes to the left of the proxy's entry.
    let at = first_throttled(60, |i| {
        let web = &web;
        async move {
            let xff = format!("203.0.113.{}, 198.51.100.7", i % 250 + 1);
            post_form(
                web,
                "/auth/sign_in",
                &[("login", "nobody"), ("password", "wrong")],
                &[("x-forwarded-for", xff)],
            )
            .await
            .status()
        }
    })
    .await;
    assert_eq!(
        at,
        Some(25),
        "left-hand entries are the client's and ignored"
    );
    // A different real client (as the proxy saw it) is not affected…
    let res = post_form(
        &web,
        "/auth/sign_in",
        &[("login", "nobody-else"), ("password", "wrong")],
        &[("x-forwarded-for", "198.51.100.8".into())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // …but one account guessed at from many addresses is throttled per account.
    let at = first_throttled(60, |i| {
        let web = &web;
        async move {
            let xff = format!("198.51.{}.{}", 10 + i / 200, i % 200 + 1);
            post_form(
                web,
                "/auth/sign_in",
                &[
                    ("login", if i % 2 == 0 { "alice" } else { " ALICE " }),
                    ("password", "wrong"),
                ],
                &[("x-forwarded-for", xff)],
            )
            .await
            .status()
        }
    })
    .await;
    assert_eq!(at, Some(25), "per account, however the name is typed");
}

#[tokio::test]
async fn mail_forms_send_at_most_five_mails_per_address() {
    let app = TestApp::start().await;
    app.create_user("alice").await;
    app.create_user_unconfirmed("carol").await;
    app.drain().await;
    app.smtp.try_all();
    let web = app.client();
    web.get("/auth/password/new").await;
    for i in 0..50 {
        // Rotating addresses as the trusted proxy reports them: a botnet.
        let xff = format!("198.51.100.{}", i + 1);
        let status = post_form(
            &web,
            "/auth/password",
            &[("email", "alice@example.test")],
            &[("x-forwarded-for", xff)],
        )
        .await
        .status();
        assert!(
            status == StatusCode::OK || status == StatusCode::TOO_MANY_REQUESTS,
            "{status}"
        );
    }
    for i in 0..50 {
        let xff = format!("198.51.101.{}", i + 1);
        post_form(
            &web,
            "/auth/confirmation",
            &[("email", "CAROL@example.test")],
            &[("x-forwarded-for", xff)],
        )
        .await;
    }
    let mail = app.all_mail().await;
    let to_alice = mail
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("alice@example.test")))
        .count();
    let to_carol = mail
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("carol@example.test")))
        .count();
    assert!((1..=5).contains(&to_alice), "{to_alice} reset mails");
    assert!((1..=5).contains(&to_carol), "{to_carol} confirmation mails");
}

#[tokio::test]
async fn sign_ups_and_token_requests_are_throttled() {
    let app = TestApp::start_with(|c| c.http.trusted_proxies = Vec::new()).await;
    let web = app.client();
    web.get("/auth/sign_up").await;
    let at = first_throttled(40, |i| {
        let web = &web;
        async move {
            let name = format!("newbie{i}");
            let email = format!("newbie{i}@example.test");
            post_form(
                web,
                "/auth",
                &[
                    ("display_name", "New"),
                    ("username", &name),
                    ("email", &email),
                    ("password", "a long enough password"),
                    ("password_confirmation", "a long enough password"),
                    ("agreement", "1"),
                ],
                &spoofs(i),
            )
            .await
            .status()
        }
    })
    .await;
    assert_eq!(at, Some(25));
    let http = reqwest::Client::new();
    let at = first_throttled(400, |i| {
        let http = &http;
        let url = app.url("/oauth/token");
        async move {
            let mut req = http.post(url).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "nope"),
                ("client_secret", "nope"),
            ]);
            for (k, v) in spoofs(i) {
                req = req.header(k, v);
            }
            req.send().await.unwrap().status()
        }
    })
    .await;
    assert_eq!(at, Some(300));
}

#[tokio::test]
async fn the_api_sends_rate_limit_headers_and_429s() {
    let app = TestApp::start_with(|c| c.http.trusted_proxies = Vec::new()).await;
    let web = app.signed_in("alice").await;
    let client = support::api::register_app(&app.base, support::api::REDIRECT, "read write").await;
    let token = support::api::log_in_app(&app.base, &web, &client, "read write").await;
    let http = reqwest::Client::new();

    // A token's budget: 300 per 5 minutes, counted down.
    let first = http
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let h = first.headers();
    assert_eq!(h["x-ratelimit-limit"], "300");
    assert_eq!(h["x-ratelimit-remaining"], "299");
    let reset = h["x-ratelimit-reset"].to_str().unwrap();
    let reset = time::OffsetDateTime::parse(reset, &time::format_description::well_known::Rfc3339)
        .expect("ISO 8601 reset time");
    let now = time::OffsetDateTime::now_utc();
    assert!(reset > now && reset <= now + time::Duration::minutes(5));
    let second = http
        .get(app.url("/api/v1/timelines/home"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.headers()["x-ratelimit-remaining"], "298");
    // CORS lets browser apps read them.
    let cors = http
        .get(app.url("/api/v1/instance"))
        .header("origin", "https://elk.example")
        .send()
        .await
        .unwrap();
    let exposed = cors.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("x-ratelimit-remaining"));

    // Anonymous callers share their address's budget, whatever headers they send.
    let mut throttled = None;
    for i in 0..320 {
        let mut req = http.get(app.url("/api/v1/instance"));
        for (k, v) in spoofs(i) {
            req = req.header(k, v);
        }
        let res = req.send().await.unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(res.headers()["x-ratelimit-remaining"], "0");
            assert!(res.headers().contains_key("retry-after"));
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["error"], "Too many requests");
            throttled = Some(i);
            break;
        }
    }
    // Two anonymous calls came first: registering the app and the CORS check.
    assert_eq!(throttled.map(|i| i + 2), Some(300));
    // A user's token is not in the anonymous budget.
    let res = http
        .get(app.url("/api/v1/instance"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Nor is an invalid token a way around it.
    let res = http
        .get(app.url("/api/v1/instance"))
        .bearer_auth("made-up")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn deleting_is_limited_to_30_per_half_hour() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let client = support::api::register_app(&app.base, support::api::REDIRECT, "read write").await;
    let token = support::api::log_in_app(&app.base, &web, &client, "read write").await;
    let mut ids = Vec::new();
    for i in 0..31 {
        let s = support::api::send_json(
            &app.base,
            reqwest::Method::POST,
            "/api/v1/statuses",
            &token,
            Some(serde_json::json!({"status": format!("post {i}")})),
        )
        .await;
        ids.push(s.json["id"].as_str().unwrap().to_string());
    }
    for (i, id) in ids.iter().enumerate() {
        let res = support::api::send_json(
            &app.base,
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{id}"),
            &token,
            None,
        )
        .await;
        if i < 30 {
            assert_eq!(res.status, StatusCode::OK, "deletion {i}");
        } else {
            assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    // The last one is still there.
    let res = support::api::get(&app.base, &format!("/api/v1/statuses/{}", ids[30]), &token).await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn throttles_can_be_turned_off() {
    let app = TestApp::start_with(|c| c.http.rate_limits = false).await;
    let http = reqwest::Client::new();
    for _ in 0..310 {
        let res = http.get(app.url("/api/v1/instance")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(!res.headers().contains_key("x-ratelimit-limit"));
    }
}
