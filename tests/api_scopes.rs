//! S44: every operation we route checks the scope Mastodon documents for it. The table
//! (`tests/fixtures/api_scopes.json`) is the `security` of each of our operations in
//! abraham/mastodon-openapi; a token without that scope gets 403 "This action is outside
//! the authorized scopes", a token with just that scope does not.

mod support;

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestApp;
use support::api::{self, REDIRECT, log_in_app, register_app};

#[tokio::test]
async fn s44_each_operation_needs_its_documented_scope() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    app.create_user("bob").await;
    let bob_id = app.account("bob").await.id.to_string();
    let client = register_app(&app.base, REDIRECT, "read write follow push profile").await;
    let mut tokens: HashMap<String, String> = HashMap::new();
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/api_scopes.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let ops = fixture["operations"].as_array().unwrap();
    assert!(ops.len() >= 40, "the table covers the routes");
    let writer = log_in_app(&app.base, &web, &client, "write").await;
    for op in ops {
        let method: Method = op["method"].as_str().unwrap().parse().unwrap();
        let template = op["path"].as_str().unwrap();
        let scope = op["scopes"][0].as_str().unwrap();
        // A fresh post of alice's for each operation (some delete or pin it).
        let post = api::send_json(
            &app.base,
            Method::POST,
            "/api/v1/statuses",
            &writer,
            Some(json!({"status": "scoped #tag"})),
        )
        .await
        .json;
        let id = if template.starts_with("/api/v1/accounts/") {
            bob_id.clone()
        } else {
            post["id"].as_str().unwrap().to_string()
        };
        let path = template
            .replace("{id}", &id)
            .replace("{hashtag}", "tag")
            .replace("{group_key}", &format!("ungrouped-{id}"));
        for (token_scope, allowed) in [("push", false), (scope, true)] {
            if !tokens.contains_key(token_scope) {
                let t = log_in_app(&app.base, &web, &client, token_scope).await;
                tokens.insert(token_scope.to_string(), t);
            }
            let token = &tokens[token_scope];
            let mut req = api::http()
                .request(method.clone(), app.url(&path))
                .bearer_auth(token);
            if method != Method::GET && method != Method::DELETE {
                req = req.json(&json!({}));
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            if allowed {
                assert!(
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                    "{method} {template} with `{token_scope}`: {status} {body}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{method} {template} with `push`: {body}"
                );
                assert_eq!(
                    body["error"], "This action is outside the authorized scopes",
                    "{method} {template}"
                );
            }
        }
    }
}
