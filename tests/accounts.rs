//! Signing up, confirming by e-mail, logging in and out, resetting passwords.

mod support;

use reqwest::StatusCode;
use std::time::Duration;
use support::{PASSWORD, TestApp, smtp::extract_link};

async fn count_accounts(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

fn sign_up_fields<'a>(
    username: &'a str,
    email: &'a str,
    password: &'a str,
    confirmation: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("display_name", "Alice Liddell"),
        ("username", username),
        ("email", email),
        ("password", password),
        ("password_confirmation", confirmation),
        ("agreement", "1"),
    ]
}

#[tokio::test]
async fn sign_up_confirm_by_mail_then_log_in() {
    let app = TestApp::start().await;
    let web = app.client();
    let form = web.get("/auth/sign_up").await;
    assert_eq!(form.status, StatusCode::OK);
    let res = web
        .post(
            "/auth",
            &sign_up_fields("alice", "alice@example.test", PASSWORD, PASSWORD),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.text().contains("Check your inbox"));

    // Unconfirmed: the right password is told to confirm first.
    web.get("/auth/sign_in").await;
    let early = web
        .post(
            "/auth/sign_in",
            &[("login", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNAUTHORIZED);
    assert!(
        early.text().contains("confirm your e-mail address"),
        "{}",
        early.text()
    );

    let mail = app
        .mail_to("alice@example.test", Duration::from_secs(10))
        .await
        .expect("confirmation mail");
    assert!(mail.subject.contains("confirm"), "{}", mail.subject);
    let link = extract_link(&mail.text, "/auth/confirmation").expect("link in mail");
    assert!(link.starts_with(&app.base));
    let confirmed = web.get(&link).await;
    assert_eq!(confirmed.status, StatusCode::OK);
    assert!(confirmed.text().contains("confirmed"));
    // The link works once.
    assert_eq!(
        web.get(&link).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    web.log_in("alice@example.test", PASSWORD).await;
    let home = web.get("/home").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains("Alice Liddell"));
}

#[tokio::test]
async fn sign_up_errors_are_shown_per_field_and_store_nothing() {
    let app = TestApp::start().await;
    app.create_user("taken").await;
    let before = count_accounts(&app).await;
    let web = app.client();
    web.get("/auth/sign_up").await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            sign_up_fields("TAKEN", "new@example.test", PASSWORD, PASSWORD),
            "Username has already been taken",
        ),
        (
            sign_up_fields("admin", "new@example.test", PASSWORD, PASSWORD),
            "Username is reserved",
        ),
        (
            sign_up_fields("bad name!", "new@example.test", PASSWORD, PASSWORD),
            "only letters, numbers and underscores",
        ),
        (
            sign_up_fields("newbie", "not-an-email", PASSWORD, PASSWORD),
            "E-mail address is invalid",
        ),
        (
            sign_up_fields("newbie", "taken@EXAMPLE.test", PASSWORD, PASSWORD),
            "E-mail address has already been taken",
        ),
        (
            sign_up_fields("newbie", "new@example.test", "short", "short"),
            "Password is too short",
        ),
        (
            sign_up_fields("newbie", "new@example.test", PASSWORD, "something else"),
            "doesn't match",
        ),
    ];
    for (fields, message) in cases {
        let res = web.post("/auth", &fields).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(
            res.text().contains(message),
            "expected {message:?} in {}",
            res.text()
        );
        // The error is tied to its field for assistive technology.
        assert!(res.body.contains("aria-invalid=\"true\""), "{message}");
    }
    // Rules must be accepted.
    let mut no_agreement = sign_up_fields("newbie", "new@example.test", PASSWORD, PASSWORD);
    no_agreement.retain(|(k, _)| *k != "agreement");
    let res = web.post("/auth", &no_agreement).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().contains("accept the server rules"));
    // Entered values are kept after an error (but never the password).
    assert!(res.body.contains("value=\"newbie\""));
    assert!(!res.body.contains(PASSWORD));
    assert_eq!(count_accounts(&app).await, before);
    assert!(
        app.all_mail().await.is_empty(),
        "no mail for failed sign-ups"
    );
}

#[tokio::test]
async fn confirmation_mail_can_be_requested_again() {
    let app = TestApp::start().await;
    let web = app.client();
    web.get("/auth/sign_up").await;
    web.post(
        "/auth",
        &sign_up_fields("bob", "bob@example.test", PASSWORD, PASSWORD),
    )
    .await;
    app.mail_to("bob@example.test", Duration::from_secs(10))
        .await
        .expect("first mail");
    web.get("/auth/confirmation/new").await;
    let res = web
        .post("/auth/confirmation", &[("email", "bob@example.test")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let again = app
        .mail_to("bob@example.test", Duration::from_secs(10))
        .await
        .expect("second mail");
    let link = extract_link(&again.text, "/auth/confirmation").unwrap();
    assert_eq!(web.get(&link).await.status, StatusCode::OK);
    // Unknown addresses get the same answer and no mail.
    let res2 = web
        .post("/auth/confirmation", &[("email", "nobody@example.test")])
        .await;
    assert_eq!(res2.status, StatusCode::OK);
    assert_eq!(res.text(), res2.text());
    assert!(app.next_mail(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn forgotten_password_is_reset_through_an_expiring_link() {
    let app = TestApp::start().await;
    app.create_user("carol").await;
    let other_session = app.signed_in_again("carol").await;
    let web = app.client();
    web.get("/auth/password/new").await;
    let res = web
        .post("/auth/password", &[("email", "carol@example.test")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let mail = app
        .mail_to("carol@example.test", Duration::from_secs(10))
        .await
        .expect("reset mail");
    let link = extract_link(&mail.text, "/auth/password/edit").expect("reset link");
    let token = link
        .split("reset_password_token=")
        .nth(1)
        .unwrap()
        .to_string();
    let form = web.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    // Mismatched confirmation is refused, the link still works.
    let bad = web
        .post(
            "/auth/password/edit",
            &[
                ("reset_password_token", &token),
                ("password", "new password 1"),
                ("password_confirmation", "nope"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = web
        .post(
            "/auth/password/edit",
            &[
                ("reset_password_token", &token),
                ("password", "new password 1"),
                ("password_confirmation", "new password 1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    // Used up, and every session ended.
    assert_eq!(
        web.get(&link).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        other_session.get("/home").await.status,
        StatusCode::SEE_OTHER
    );
    web.log_in("carol", "new password 1").await;

    // A link older than the configured lifetime is refused.
    web.log_out().await;
    web.get("/auth/password/new").await;
    web.post("/auth/password", &[("email", "carol@example.test")])
        .await;
    let mail = app
        .mail_to("carol@example.test", Duration::from_secs(10))
        .await
        .unwrap();
    let link = extract_link(&mail.text, "/auth/password/edit").unwrap();
    sqlx::query("UPDATE users SET reset_password_sent_at = now() - interval '2 hours'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let expired = web.get(&link).await;
    assert_eq!(expired.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(expired.text().contains("expired"));
    // Unknown addresses look the same and get no mail.
    let a = web
        .post("/auth/password", &[("email", "carol@example.test")])
        .await;
    let b = web
        .post("/auth/password", &[("email", "nobody@example.test")])
        .await;
    assert_eq!(a.status, b.status);
    assert_eq!(a.text(), b.text());
}

#[tokio::test]
async fn log_in_by_username_or_email_and_log_out() {
    let app = TestApp::start().await;
    app.create_user("dave").await;
    let web = app.client();
    web.get("/auth/sign_in").await;
    let wrong = web
        .post(
            "/auth/sign_in",
            &[("login", "dave"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("Invalid e-mail address or password"));
    let res = web.log_in("DAVE", PASSWORD).await;
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("_starling_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(web.get("/home").await.status, StatusCode::OK);
    let out = web.log_out().await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let home = web.get("/home").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(home.location().unwrap().starts_with("/auth/sign_in"));
    web.log_in("dave@example.test", PASSWORD).await;
}

#[tokio::test]
async fn unknown_and_known_logins_fail_alike() {
    let app = TestApp::start().await;
    app.create_user("erin").await;
    let web = app.client();
    web.get("/auth/sign_in").await;
    let known = web
        .post(
            "/auth/sign_in",
            &[("login", "erin"), ("password", "wrong password")],
        )
        .await;
    let unknown = web
        .post(
            "/auth/sign_in",
            &[("login", "nobody"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.text().replace("erin", "X"),
        unknown.text().replace("nobody", "X")
    );
}

impl TestApp {
    /// A second, separate browser session for an existing user.
    async fn signed_in_again(&self, username: &str) -> support::Web {
        let web = self.client();
        web.log_in(username, PASSWORD).await;
        web
    }
}

#[tokio::test]
async fn without_smtp_mail_is_written_to_the_outbox() {
    let app = TestApp::start_with(|c| c.mail.smtp_url = String::new()).await;
    let web = app.client();
    web.get("/auth/sign_up").await;
    let res = web
        .post(
            "/auth",
            &sign_up_fields("gina", "gina@example.test", PASSWORD, PASSWORD),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    app.drain().await;
    let dir = app.state.config.storage.data_dir.join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("outbox exists")
        .filter_map(|e| e.ok())
        .collect();
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(eml.contains("To: gina@example.test"), "{eml}");
    assert!(eml.contains("/auth/confirmation?confirmation_token="));
    assert!(app.all_mail().await.is_empty());
    let _ = std::fs::remove_dir_all(&app.state.config.storage.data_dir);
}
