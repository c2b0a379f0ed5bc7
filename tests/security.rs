//! Attack scenarios from the security catalogue that belong to the foundation:
//! S21 (input limits), S28 (existence oracles), S35 (escaping, CSP, cookie flags),
//! S37 (open redirects), S38 (CSRF), S46 (e-mail parsing), S48 (sessions after logout).

mod support;

use reqwest::StatusCode;
use support::{PASSWORD, TestApp, status_ids};

async fn status_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM statuses")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn s38_forms_without_the_right_token_or_from_another_site_change_nothing() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let before = status_count(&app).await;
    // Missing token.
    let res = alice
        .post_raw(
            "/statuses",
            &[("status", "forged"), ("visibility", "public")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.text()
            .contains("expired or did not come from this site"),
        "a readable page: {}",
        res.text()
    );
    // Wrong token.
    let res = alice
        .post_raw(
            "/statuses",
            &[("authenticity_token", "AAAA"), ("status", "forged")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The anonymous token of another browser does not work for a session.
    let other = app.client();
    let other_token = other.get("/auth/sign_in").await.csrf().unwrap();
    let res = alice
        .post_raw(
            "/statuses",
            &[("authenticity_token", &other_token), ("status", "forged")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Right token, but a cross-site request (Origin of another site / Sec-Fetch-Site).
    let token = alice.token().await;
    for (h, v) in [
        ("origin", "https://evil.test"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let r = alice
            .http
            .post(alice.url("/statuses"))
            .header(h, v)
            .form(&[("authenticity_token", token.as_str()), ("status", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{h}");
    }
    // Profile, password and log-out forms are protected the same way.
    for path in ["/settings/profile", "/settings/password", "/auth/sign_out"] {
        let r = alice.post_raw(path, &[("display_name", "pwned")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(status_count(&app).await, before);
    assert_eq!(
        alice.get("/home").await.status,
        StatusCode::OK,
        "still logged in"
    );
    assert_eq!(app.account("alice").await.display_name, "");
    // GET never changes state: there is no GET route for actions.
    let alice_id = app.account("alice").await.id.to_string();
    assert_ne!(
        alice
            .get(&format!("/accounts/{alice_id}/follow"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_ne!(
        alice.get("/auth/sign_out").await.status,
        StatusCode::SEE_OTHER
    );
    // The log-in form itself needs a token (login CSRF).
    let fresh = app.client();
    let r = fresh
        .post_raw(
            "/auth/sign_in",
            &[("login", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Pages forbid other sites from sending forms or framing them.
    let csp = alice
        .get("/home")
        .await
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
}

#[tokio::test]
async fn s48_a_session_cookie_stops_working_after_logout_and_password_changes() {
    let app = TestApp::start().await;
    app.create_user("alice").await;
    let web = app.client();
    let login = web.log_in("alice", PASSWORD).await;
    let cookie = login
        .set_cookie("_starling_session")
        .expect("session cookie");
    let replay = |c: String| {
        let app_base = app.base.clone();
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(format!("{app_base}/home"))
                .header("cookie", format!("_starling_session={c}"))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(replay(cookie.clone()).await, StatusCode::OK);
    web.log_out().await;
    assert_eq!(
        replay(cookie.clone()).await,
        StatusCode::SEE_OTHER,
        "the copied cookie is dead"
    );
    // A session deleted by a password reset from the CLI is dead too.
    let web2 = app.client();
    let cookie2 = web2
        .log_in("alice", PASSWORD)
        .await
        .set_cookie("_starling_session")
        .unwrap();
    starling::service::admin::reset_password(&app.state, "alice", Some("another password".into()))
        .await
        .unwrap();
    assert_eq!(replay(cookie2).await, StatusCode::SEE_OTHER);
    // A made-up cookie is simply logged out, and the browser is told to drop it.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/about", app.base))
        .header("cookie", "_starling_session=made-up")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        set.iter().any(|c| c.starts_with("_starling_session=;")
            || c.starts_with("_starling_session=\"\"")
            || (c.starts_with("_starling_session=") && c.contains("Max-Age=0"))),
        "{set:?}"
    );
}

#[tokio::test]
async fn s37_return_paths_never_leave_the_site() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    alice.post_status("hello", "public").await;
    let id = status_ids(&alice.get("/@alice").await.body, "alice")[0].clone();
    for evil in [
        "//evil.test",
        "https://evil.test/",
        "/\\evil.test",
        "\\\\evil.test",
        "/%2F%2Fevil.test",
        "javascript:alert(1)",
    ] {
        let res = alice
            .post(&format!("/statuses/{id}/favourite"), &[("return_to", evil)])
            .await;
        let loc = res.location().unwrap_or("");
        assert!(
            loc.starts_with('/') && !loc.starts_with("//") && !loc.starts_with("/\\"),
            "{evil:?} -> {loc:?}"
        );
        alice
            .post(&format!("/statuses/{id}/unfavourite"), &[])
            .await;
    }
    // Log-in return_to too.
    let visitor = app.client();
    app.create_user("bob").await;
    visitor.get("/auth/sign_in?return_to=//evil.test").await;
    let res = visitor
        .post(
            "/auth/sign_in",
            &[
                ("login", "bob"),
                ("password", PASSWORD),
                ("return_to", "//evil.test"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/home"));
    for path in [
        "/web/%2Fevil.test",
        "/%2F%2Fevil.test",
        "//evil.test",
        "/@mallory@evil.test",
        "/@mallory@evil.test/123",
    ] {
        let r = app.client().get(path).await;
        assert!(
            !r.status.is_redirection()
                || r.location()
                    .is_some_and(|l| l.starts_with('/') && !l.starts_with("//")),
            "{path}"
        );
    }
    // Visitors sent to log in keep only a local return path.
    let r = app.client().get("/home").await;
    assert_eq!(r.location(), Some("/auth/sign_in?return_to=%2Fhome"));
}

#[tokio::test]
async fn s35_user_text_is_escaped_and_pages_carry_a_strict_csp() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    alice.get("/settings/profile").await;
    let evil = r#"<img src=x onerror=alert(1)>"#;
    alice
        .post(
            "/settings/profile",
            &[
                ("display_name", "<script>x</script>"),
                (
                    "note",
                    r#"<script>alert(1)</script> <a href="javascript:alert(1)">x</a>"#,
                ),
                ("field_name_0", evil),
                ("field_value_0", r#""><svg onload=alert(1)>"#),
            ],
        )
        .await;
    alice
        .post(
            "/statuses",
            &[
                (
                    "status",
                    &format!("{evil} </title><script>alert(2)</script>"),
                ),
                ("spoiler_text", evil),
            ],
        )
        .await;
    for path in ["/@alice", "/home", "/public/local"] {
        let page = app.client().get(path).await;
        let page = if page.status == StatusCode::OK {
            page
        } else {
            alice.get(path).await
        };
        let b = &page.body;
        assert!(
            !b.contains("<script>x") && !b.contains("<script>alert"),
            "{path}: {b}"
        );
        assert!(!b.contains("<img src=x"), "{path}");
        assert!(!b.contains("<svg onload"), "{path}");
        assert!(!b.contains("href=\"javascript:"), "{path}");
        let csp = page
            .headers
            .get("content-security-policy")
            .expect("csp")
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(
            page.headers.get("x-content-type-options").unwrap(),
            "nosniff"
        );
    }
    let id = status_ids(&alice.get("/@alice").await.body, "alice")[0].clone();
    let status_page = app.client().get(&format!("/@alice/{id}")).await;
    let title = regex::Regex::new(r"(?s)<title>(.*?)</title>")
        .unwrap()
        .captures(&status_page.body)
        .unwrap()[1]
        .to_string();
    assert!(!title.contains('<'), "the title is escaped: {title}");
}

#[tokio::test]
async fn s21_long_input_is_refused_and_nothing_stored() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let before = status_count(&app).await;
    let huge = "y".repeat(100_000);
    assert_eq!(
        alice.post_status(&huge, "public").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mentions: String = (0..10_000).map(|i| format!("@u{i} ")).collect();
    assert_eq!(
        alice.post_status(&mentions, "public").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = alice
        .post("/statuses", &[("status", "ok"), ("spoiler_text", &huge)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_count(&app).await, before);
    // Sign-up fields.
    let web = app.client();
    web.get("/auth/sign_up").await;
    let r = web
        .post(
            "/auth",
            &[
                ("display_name", &huge),
                ("username", &huge),
                ("email", &format!("{huge}@x.test")),
                ("password", &huge),
                ("password_confirmation", &huge),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Bodies past the form limit are refused outright.
    let giant = "z".repeat(3 * 1024 * 1024);
    let r = alice.post("/statuses", &[("status", &giant)]).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(status_count(&app).await, before);
}

#[tokio::test]
async fn s46_only_plain_addresses_can_sign_up_and_no_mail_goes_elsewhere() {
    let app = TestApp::start().await;
    let web = app.client();
    web.get("/auth/sign_up").await;
    let bad = [
        "a@allowed.test@blocked.test",
        "a@blocked.test <a@allowed.test>",
        "a@allowed.test <a@blocked.test>",
        "\"a@blocked.test\"@allowed.test",
        "a@allowed.test(comment)",
        "a@blocked.test,b@allowed.test",
        "a@allowed.test\r\nBcc: x@blocked.test",
        "a%blocked.test@allowed.test",
        "a@blocked.test.",
    ];
    for (i, email) in bad.iter().enumerate() {
        let username = format!("user{i}");
        let r = web
            .post(
                "/auth",
                &[
                    ("username", &username),
                    ("email", email),
                    ("password", PASSWORD),
                    ("password_confirmation", PASSWORD),
                    ("agreement", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{email:?}");
        assert!(r.text().contains("E-mail address is invalid"), "{email:?}");
    }
    assert!(
        app.all_mail().await.is_empty(),
        "no mail was sent for any of them"
    );
    let ok = web
        .post(
            "/auth",
            &[
                ("username", "fine"),
                ("email", "Fine@Allowed.TEST"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
                ("agreement", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let mail = app
        .next_mail(std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(mail.to, vec!["Fine@allowed.test".to_string()]);
    assert!(!mail.raw.to_lowercase().contains("bcc"));
}

#[tokio::test]
async fn static_assets_are_cached_and_health_answers() {
    let app = TestApp::start().await;
    let page = app.client().get("/about").await;
    let css = regex::Regex::new(r#"href="(/static/starling\.css\?v=[0-9a-f]+)""#)
        .unwrap()
        .captures(&page.body)
        .expect("hashed css url")[1]
        .to_string();
    let r = app.client().get(&css).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        r.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(app.client().get("/health").await.status, StatusCode::OK);
    assert_eq!(
        app.client().get("/static/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
}
