//! OAuth 2 as Mastodon apps use it: registration, the consent page, code for token (with
//! and without PKCE), app tokens, revocation, scopes — and S43's attacks on all of it.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::TestApp;
use support::api::{
    self, REDIRECT, authorize_path, code_of, consent, get, log_in_app, register_app, token_request,
};

#[tokio::test]
async fn an_app_registers_logs_in_and_reads_its_account() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read write follow push").await;
    assert_eq!(client.json["name"], "Test App");
    assert_eq!(client.json["redirect_uri"], REDIRECT);
    assert_eq!(client.json["redirect_uris"], json!([REDIRECT]));
    assert_eq!(
        client.json["scopes"],
        json!(["read", "write", "follow", "push"])
    );
    assert_eq!(client.json["client_secret_expires_at"], 0);
    assert!(
        client.json["id"]
            .as_str()
            .is_some_and(|id| id.chars().all(|c| c.is_ascii_digit()))
    );

    let path = authorize_path(
        &client,
        REDIRECT,
        "read write follow push",
        &[("state", "xyz")],
    );
    let page = web.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Authorise Test App?"),
        "{}",
        page.text()
    );
    let csp = page.headers["content-security-policy"]
        .to_str()
        .unwrap_or("");
    assert!(
        !csp.contains("form-action"),
        "the consent form must be able to leave for the app: {csp}"
    );

    let res = consent(&web, &path, "approve").await;
    assert_eq!(res.status, StatusCode::FOUND);
    let location = res.location().expect("Location").to_string();
    assert!(location.starts_with("icecubesapp://?code="), "{location}");
    let (code, state) = code_of(&location);
    assert_eq!(state.as_deref(), Some("xyz"));

    let token = token_request(
        &app.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.json);
    assert_eq!(token.json["token_type"], "Bearer");
    assert_eq!(token.json["scope"], "read write follow push");
    assert!(token.json["created_at"].is_i64());
    let access = token.json["access_token"].as_str().expect("token");

    let me = get(&app.base, "/api/v1/accounts/verify_credentials", access).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.json);
    assert_eq!(me.json["username"], "alice");
    assert_eq!(me.json["acct"], "alice");
    assert_eq!(me.json["source"]["privacy"], "public");
    assert_eq!(me.json["role"]["permissions"], "65536");
    assert!(
        me.json["avatar"]
            .as_str()
            .is_some_and(|u| u.starts_with("http"))
    );
    assert!(
        me.json["created_at"]
            .as_str()
            .is_some_and(|d| d.ends_with("T00:00:00.000Z"))
    );
    let content_type = me.headers["content-type"].to_str().unwrap_or("");
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );

    let own = get(&app.base, "/api/v1/apps/verify_credentials", access).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.json["name"], "Test App");
    assert!(own.json.get("client_secret").is_none());

    let mut r = snapshot::Redactor::new();
    r.server(&app.base, "https://starling.example")
        .replace(client.client_id.clone(), "[client_id]")
        .replace(client.client_secret.clone(), "[client_secret]")
        .replace(access, "[access_token]");
    let mut token_json = token.json.clone();
    token_json["created_at"] = json!("[unix time]");
    snapshot::assert_json_snapshot("api/credential_application.json", &r, &client.json);
    snapshot::assert_json_snapshot("api/application.json", &r, &own.json);
    snapshot::assert_json_snapshot("api/token.json", &r, &token_json);
    snapshot::assert_json_snapshot("api/credential_account.json", &r, &me.json);
}

#[tokio::test]
async fn registration_takes_every_encoding_and_refuses_bad_input() {
    let app = TestApp::start().await;
    let http = api::http();
    let form = http
        .post(app.url("/api/v1/apps"))
        .form(&[
            ("client_name", "Tusky"),
            ("redirect_uris", "oauth2redirect://com.keylesspalace.tusky/"),
            ("scopes", "read write"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let query = http
        .post(app.url(
            "/api/v1/apps?client_name=Mammoth&redirect_uris=com.tapbots.Ivory.19300:/request_token",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(query.status(), StatusCode::OK);
    let body: serde_json::Value = query.json().await.unwrap();
    assert_eq!(body["scopes"], json!(["read"]), "the default scope is read");
    let array = http
        .post(app.url("/api/v1/apps"))
        .json(&json!({"client_name": "Two", "redirect_uris": [REDIRECT, "urn:ietf:wg:oauth:2.0:oob"]}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = array.json().await.unwrap();
    assert_eq!(
        body["redirect_uris"],
        json!([REDIRECT, "urn:ietf:wg:oauth:2.0:oob"])
    );

    for bad in [
        json!({"client_name": "", "redirect_uris": REDIRECT}),
        json!({"client_name": "x", "redirect_uris": "not a uri"}),
        json!({"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read everything"}),
        json!({"client_name": "x", "redirect_uris": REDIRECT, "website": "javascript:alert(1)"}),
    ] {
        let r = http
            .post(app.url("/api/v1/apps"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("Validation failed")),
            "{body}"
        );
    }
    let broken = http
        .post(app.url("/api/v1/apps"))
        .header("content-type", "application/json")
        .body("{\"client_name\":")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = broken.json().await.unwrap();
    assert!(body["error"].is_string());
}

#[tokio::test]
async fn pkce_codes_need_the_right_verifier_and_plain_is_refused() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read").await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let pkce = [
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    let exchange = |code: String, verifier: Option<&'static str>| {
        let base = app.base.clone();
        let id = client.client_id.clone();
        let secret = client.client_secret.clone();
        async move {
            let mut f = vec![
                ("grant_type", "authorization_code".to_string()),
                ("code", code),
                ("client_id", id),
                ("client_secret", secret),
                ("redirect_uri", REDIRECT.to_string()),
            ];
            if let Some(v) = verifier {
                f.push(("code_verifier", v.to_string()));
            }
            let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token_request(&base, &fields).await
        }
    };
    for wrong in [None, Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj")] {
        let res = consent(
            &web,
            &authorize_path(&client, REDIRECT, "read", &pkce),
            "approve",
        )
        .await;
        let (code, _) = code_of(res.location().unwrap());
        let t = exchange(code, wrong).await;
        assert_eq!(t.status, StatusCode::BAD_REQUEST, "{wrong:?}: {}", t.json);
        assert_eq!(t.json["error"], "invalid_grant");
        assert!(t.json["error_description"].is_string());
    }
    let res = consent(
        &web,
        &authorize_path(&client, REDIRECT, "read", &pkce),
        "approve",
    )
    .await;
    let (code, _) = code_of(res.location().unwrap());
    let t = exchange(code, Some(verifier)).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.json);

    let plain = web
        .get(&authorize_path(
            &client,
            REDIRECT,
            "read",
            &[
                ("code_challenge", challenge),
                ("code_challenge_method", "plain"),
            ],
        ))
        .await;
    assert_eq!(plain.status, StatusCode::FOUND);
    assert!(
        plain.location().unwrap().contains("error=invalid_request"),
        "{:?}",
        plain.location()
    );
}

#[tokio::test]
async fn s43_codes_are_bound_to_client_redirect_uri_single_use_and_time() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let a = register_app(
        &app.base,
        &format!("{REDIRECT} https://a.example/cb"),
        "read write",
    )
    .await;
    let b = register_app(&app.base, REDIRECT, "read write").await;
    let code_for_a = || async {
        let res = consent(&web, &authorize_path(&a, REDIRECT, "read", &[]), "approve").await;
        code_of(res.location().unwrap()).0
    };
    let redeem = |code: String, client: &support::api::App, redirect: &str| {
        let base = app.base.clone();
        let (id, secret, redirect) = (
            client.client_id.clone(),
            client.client_secret.clone(),
            redirect.to_string(),
        );
        async move {
            token_request(
                &base,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("redirect_uri", &redirect),
                ],
            )
            .await
        }
    };
    // Another app's credentials.
    let t = redeem(code_for_a().await, &b, REDIRECT).await;
    assert_eq!(t.json["error"], "invalid_grant", "{}", t.json);
    // Another (registered) redirect URI.
    let t = redeem(code_for_a().await, &a, "https://a.example/cb").await;
    assert_eq!(t.json["error"], "invalid_grant");
    // A wrong secret.
    let code = code_for_a().await;
    let t = token_request(
        &app.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &a.client_id),
            ("client_secret", "nope"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(t.status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.json["error"], "invalid_client");
    // Twice: the second fails and takes back the first token.
    let code = code_for_a().await;
    let first = redeem(code.clone(), &a, REDIRECT).await;
    let token = first.json["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get(&app.base, "/api/v1/accounts/verify_credentials", &token)
            .await
            .status,
        StatusCode::OK
    );
    let second = redeem(code, &a, REDIRECT).await;
    assert_eq!(second.json["error"], "invalid_grant");
    let after = get(&app.base, "/api/v1/accounts/verify_credentials", &token).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.json["error"], "The access token is invalid");
    // Expired.
    let code = code_for_a().await;
    sqlx::query("UPDATE oauth_codes SET expires_at = now() - interval '1 second'")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        redeem(code, &a, REDIRECT).await.json["error"],
        "invalid_grant"
    );
    // Codes and tokens are stored only as hashes.
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM oauth_tokens WHERE token_hash = convert_to($1, 'UTF8')",
    )
    .bind(&token)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn s43_unregistered_redirects_and_wider_scopes_are_refused() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read").await;
    let page = web
        .get(&authorize_path(
            &client,
            "https://evil.example/steal",
            "read",
            &[],
        ))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.location().is_none(),
        "never redirect to an unregistered URI"
    );
    let unknown = web
        .get("/oauth/authorize?response_type=code&client_id=nope&redirect_uri=icecubesapp://")
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    let wider = web
        .get(&authorize_path(
            &client,
            REDIRECT,
            "read write",
            &[("state", "s1")],
        ))
        .await;
    assert_eq!(wider.status, StatusCode::FOUND);
    let location = wider.location().unwrap();
    assert!(
        location.starts_with("icecubesapp://?error=invalid_scope"),
        "{location}"
    );
    assert!(location.contains("state=s1"));

    // A code for `read` asked to become `admin:write` gives at most `read`.
    let res = consent(
        &web,
        &authorize_path(&client, REDIRECT, "read", &[]),
        "approve",
    )
    .await;
    let (code, _) = code_of(res.location().unwrap());
    let t = token_request(
        &app.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("redirect_uri", REDIRECT),
            ("scope", "admin:write"),
        ],
    )
    .await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.json["scope"], "read");

    // No is no: the app hears access_denied.
    let denied = consent(
        &web,
        &authorize_path(&client, REDIRECT, "read", &[("state", "s2")]),
        "deny",
    )
    .await;
    let location = denied.location().unwrap();
    assert!(
        location.contains("error=access_denied") && location.contains("state=s2"),
        "{location}"
    );
}

#[tokio::test]
async fn visitors_log_in_first_and_force_login_starts_over() {
    let app = TestApp::start().await;
    app.create_user("alice").await;
    let client = register_app(&app.base, REDIRECT, "read").await;
    let path = authorize_path(&client, REDIRECT, "read", &[]);
    let web = app.client();
    let res = web.get(&path).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let to_login = res.location().unwrap().to_string();
    assert!(
        to_login.starts_with("/auth/sign_in?return_to=%2Foauth%2Fauthorize"),
        "{to_login}"
    );
    web.get(&to_login).await;
    let login = web
        .post(
            "/auth/sign_in",
            &[
                ("login", "alice"),
                ("password", support::PASSWORD),
                ("return_to", &path),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert!(login.location().unwrap().starts_with("/oauth/authorize?"));
    let token = log_in_app(&app.base, &web, &client, "read").await;
    assert_eq!(
        get(&app.base, "/api/v1/accounts/verify_credentials", &token)
            .await
            .json["username"],
        "alice"
    );

    let forced = web
        .get(&authorize_path(
            &client,
            REDIRECT,
            "read",
            &[("force_login", "true")],
        ))
        .await;
    assert_eq!(forced.status, StatusCode::SEE_OTHER);
    assert!(forced.location().unwrap().starts_with("/auth/sign_in"));
    assert_eq!(
        web.get("/home").await.status,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
}

#[tokio::test]
async fn out_of_band_shows_the_code() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let oob = "urn:ietf:wg:oauth:2.0:oob";
    let client = register_app(&app.base, oob, "read").await;
    let res = consent(&web, &authorize_path(&client, oob, "read", &[]), "approve").await;
    assert_eq!(res.status, StatusCode::OK);
    let re = regex::Regex::new(r#"id="oauth-code" type="text" readonly value="([^"]+)""#).unwrap();
    let code = re.captures(&res.body).expect("code shown")[1].to_string();
    let t = token_request(
        &app.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("redirect_uri", oob),
        ],
    )
    .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.json);
}

#[tokio::test]
async fn app_tokens_basic_auth_revocation_and_scopes() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read write").await;
    // client_credentials with HTTP Basic and a JSON body.
    let r = api::http()
        .post(app.url("/oauth/token"))
        .basic_auth(&client.client_id, Some(&client.client_secret))
        .json(&json!({"grant_type": "client_credentials", "scope": "read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    let app_token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get(&app.base, "/api/v1/apps/verify_credentials", &app_token)
            .await
            .status,
        StatusCode::OK
    );
    let as_user = get(&app.base, "/api/v1/accounts/verify_credentials", &app_token).await;
    assert_eq!(
        as_user.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an app token is nobody"
    );
    assert_eq!(
        as_user.json["error"],
        "This method requires an authenticated user"
    );

    // A token without read:accounts may not read the account.
    let narrow = log_in_app(&app.base, &web, &client, "write").await;
    let r = get(&app.base, "/api/v1/accounts/verify_credentials", &narrow).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json["error"],
        "This action is outside the authorized scopes"
    );

    // Unknown grant types and bad tokens.
    let t = token_request(
        &app.base,
        &[
            ("grant_type", "password"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("username", "alice"),
            ("password", support::PASSWORD),
        ],
    )
    .await;
    assert_eq!(t.json["error"], "unsupported_grant_type");
    let bad = get(
        &app.base,
        "/api/v1/accounts/verify_credentials",
        "not-a-token",
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json["error"], "The access token is invalid");
    let none = api::http()
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);

    // Revocation ends the token; revoking again is still fine.
    let token = log_in_app(&app.base, &web, &client, "read").await;
    for _ in 0..2 {
        let r = api::http()
            .post(app.url("/oauth/revoke"))
            .form(&[
                ("client_id", client.client_id.as_str()),
                ("client_secret", &client.client_secret),
                ("token", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.json::<serde_json::Value>().await.unwrap(), json!({}));
    }
    assert_eq!(
        get(&app.base, "/api/v1/accounts/verify_credentials", &token)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn metadata_and_cors_are_what_browser_apps_need() {
    let app = TestApp::start().await;
    let meta = api::http()
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap();
    assert_eq!(meta.status(), StatusCode::OK);
    let meta: serde_json::Value = meta.json().await.unwrap();
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(meta["authorization_endpoint"], app.url("/oauth/authorize"));
    assert_eq!(meta["app_registration_endpoint"], app.url("/api/v1/apps"));
    assert!(
        meta["scopes_supported"]
            .as_array()
            .is_some_and(|s| s.contains(&json!("read:statuses")))
    );

    let preflight = api::http()
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/apps"))
        .header("origin", "https://elk.zone")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let r = api::http()
        .get(app.url("/api/v1/accounts/verify_credentials"))
        .header("origin", "https://elk.zone")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("link"), "{exposed}");
}
