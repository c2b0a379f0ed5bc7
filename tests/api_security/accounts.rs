//! S32: a username once used stays taken, and the tokens of someone suspended,
//! disabled, unconfirmed or unapproved are refused on every endpoint, app-level ones too.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use starling::db::users::Role;
use starling::service::admin;

use crate::support::api::{REDIRECT, register_app, token_request};
use crate::support::{PASSWORD, TestApp};
use crate::{Rig, call, post};

fn sign_up_fields(username: &str) -> Vec<(&str, &str)> {
    vec![
        ("display_name", "Not Alice"),
        ("username", username),
        ("email", "newcomer@example.test"),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
        ("agreement", "1"),
    ]
}

/// Every way to register: the web form, the operator's CLI path, and Mastodon's
/// `POST /api/v1/accounts` (which we do not offer). None may take `name`.
async fn cannot_register(app: &TestApp, name: &str) {
    let web = app.client();
    web.get("/auth/sign_up").await;
    let res = web.post("/auth", &sign_up_fields(name)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    assert!(
        res.text().contains("Username has already been taken"),
        "{name}: {}",
        res.text()
    );
    let cli = admin::create_account(
        &app.state,
        &admin::CreateAccount {
            username: name.into(),
            email: "newcomer@example.test".into(),
            password: Some(PASSWORD.into()),
            role: Role::User,
            confirmed: true,
        },
    )
    .await;
    assert!(cli.is_err(), "the CLI registered {name}");
    let api = call(
        app,
        Method::POST,
        "/api/v1/accounts",
        None,
        Some(json!({"username": name, "email": "newcomer@example.test",
                    "password": PASSWORD, "agreement": true, "locale": "en"})),
    )
    .await;
    assert!(!api.status.is_success(), "API sign-up: {}", api.status);
    let newcomers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'newcomer@example.test'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(newcomers, 0);
}

/// Sets columns of `username`'s user or account row directly (there is no moderation
/// API or CLI for suspending or disabling yet).
async fn set(app: &TestApp, sql: &str, username: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(username)
        .execute(&app.state.db)
        .await
        .unwrap();
}

const SUSPEND: &str =
    "UPDATE accounts SET suspended_at = now() WHERE username = $1 AND domain IS NULL";
const UNSUSPEND: &str =
    "UPDATE accounts SET suspended_at = NULL WHERE username = $1 AND domain IS NULL";

/// Every operation we route, with an id or body that would work for a live account.
fn every_operation(rig: &Rig) -> Vec<(Method, String)> {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/api_scopes.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut ops: Vec<(Method, String)> = fixture["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| {
            let template = op["path"].as_str().unwrap();
            let id = if template.starts_with("/api/v1/accounts/") {
                &rig.alice_id
            } else {
                &rig.p_pub
            };
            (
                op["method"].as_str().unwrap().parse().unwrap(),
                template.replace("{id}", id).replace("{hashtag}", "opentag"),
            )
        })
        .collect();
    // Those that need no scope, or no token at all.
    for path in [
        "/api/v1/apps/verify_credentials",
        "/api/v1/instance",
        "/api/v2/instance",
        "/api/v1/instance/peers",
        "/api/v1/instance/rules",
        "/api/v1/instance/extended_description",
        "/api/v1/instance/activity",
        "/api/v1/instance/languages",
        "/api/v1/instance/translation_languages",
        "/api/v1/custom_emojis",
    ] {
        ops.push((Method::GET, path.to_string()));
    }
    ops.push((Method::POST, "/api/v1/apps".to_string()));
    ops
}

#[tokio::test]
async fn s32_used_usernames_stay_taken_and_refused_accounts_tokens_get_403_everywhere() {
    let rig = Rig::start().await;
    let app = &rig.app;

    // bob sends alice a direct message; then alice's account is deleted the way
    // Mastodon deletes one (the row stays, suspended and marked deleted).
    post(app, &rig.bob, "@alice just for you", "direct").await;
    set(
        app,
        "UPDATE accounts SET suspended_at = now(), deleted_at = now() WHERE username = $1 AND domain IS NULL",
        "alice",
    )
    .await;
    // Someone signs up as alice (in any case): refused on every path.
    cannot_register(app, "alice").await;
    cannot_register(app, "ALICE").await;
    // Even if the old account's rows were removed outright, the name stays reserved,
    // so nobody inherits what was addressed to it.
    set(
        app,
        "DELETE FROM accounts WHERE username = $1 AND domain IS NULL",
        "alice",
    )
    .await;
    cannot_register(app, "Alice").await;

    // carol is suspended: her token gets Mastodon's 403 on every endpoint, including
    // those that need no user or no token at all.
    let carol = rig.carol.clone();
    set(app, SUSPEND, "carol").await;
    let disabled = json!({"error": "Your login is currently disabled"});
    let mut answered = 0;
    for (method, path) in every_operation(&rig) {
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let r = call(app, method.clone(), &path, Some(&carol), body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.json
        );
        assert_eq!(r.json, disabled, "{method} {path}");
        answered += 1;
    }
    assert!(answered > 55, "{answered}");
    // Without her token the public endpoints answer as usual: the refusal is hers.
    assert_eq!(
        call(app, Method::GET, "/api/v1/instance", None, None)
            .await
            .status,
        StatusCode::OK
    );
    // Lifted, the same token works again (Mastodon keeps tokens through a suspension).
    set(app, UNSUSPEND, "carol").await;
    let back = call(
        app,
        Method::GET,
        "/api/v1/accounts/verify_credentials",
        Some(&carol),
        None,
    )
    .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.json);

    // bob's login is disabled, then unconfirmed, then unapproved: each is a 403 with
    // Mastodon's reason, on user endpoints and on the app's own.
    for (sql, reason) in [
        (
            "UPDATE users SET disabled = true WHERE account_id = (SELECT id FROM accounts WHERE username = $1 AND domain IS NULL)",
            "Your login is currently disabled",
        ),
        (
            "UPDATE users SET disabled = false, confirmed_at = NULL WHERE account_id = (SELECT id FROM accounts WHERE username = $1 AND domain IS NULL)",
            "Your login is missing a confirmed e-mail address",
        ),
        (
            "UPDATE users SET confirmed_at = now(), approved = false WHERE account_id = (SELECT id FROM accounts WHERE username = $1 AND domain IS NULL)",
            "Your login is currently pending approval",
        ),
    ] {
        set(app, sql, "bob").await;
        for path in [
            "/api/v1/accounts/verify_credentials",
            "/api/v1/apps/verify_credentials",
            "/api/v1/timelines/public",
            "/api/v1/instance",
        ] {
            let r = call(app, Method::GET, path, Some(&rig.bob), None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{reason}: {path}");
            assert_eq!(r.json["error"], reason, "{path}");
        }
    }

    // An app's own token (no user) is not affected, and an unknown token is still 401.
    let client = register_app(&app.base, REDIRECT, "read write").await;
    let app_token = token_request(
        &app.base,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("scope", "read"),
        ],
    )
    .await
    .json["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let own = call(
        app,
        Method::GET,
        "/api/v1/apps/verify_credentials",
        Some(&app_token),
        None,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    let unknown = call(
        app,
        Method::GET,
        "/api/v1/accounts/verify_credentials",
        Some("not-a-token"),
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    // And a suspended user cannot get a new token either: log-in is refused.
    set(app, SUSPEND, "carol").await;
    let web = app.client();
    web.get("/auth/sign_in").await;
    let refused = web
        .post(
            "/auth/sign_in",
            &[("login", "carol"), ("password", PASSWORD)],
        )
        .await;
    assert_ne!(
        refused.status,
        StatusCode::SEE_OTHER,
        "a suspended user logged in"
    );
}
