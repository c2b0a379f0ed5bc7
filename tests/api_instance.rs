//! The instance endpoints apps call before and after logging in, and preferences: the
//! fields strict apps require, real figures, and snapshots of each entity.

#[allow(dead_code)]
#[path = "support/snapshot.rs"]
mod snapshot;
mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use snapshot::{Redactor, assert_json_snapshot};
use starling::db;
use starling::db::accounts::RemoteAccount;
use support::TestApp;
use support::api::{self, REDIRECT, get, log_in_app, register_app};

async fn anonymous(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = api::http().get(app.url(path)).send().await.expect("GET");
    let status = r.status();
    let content_type = r.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "{path}: {content_type}"
    );
    (status, r.json().await.expect("JSON"))
}

fn redactor(app: &TestApp) -> Redactor {
    let mut r = Redactor::new();
    r.server(&app.base, "https://starling.example");
    r.replace(env!("CARGO_PKG_VERSION"), "[version]");
    r
}

async fn remote_account(app: &TestApp, domain: &str) {
    let uri = format!("https://{domain}/users/bob");
    let inbox = format!("https://{domain}/users/bob/inbox");
    db::accounts::upsert_remote(
        &app.state.db,
        &RemoteAccount {
            username: "bob",
            domain,
            display_name: "Bob",
            note: "",
            fields: &[],
            uri: &uri,
            url: Some(&uri),
            actor_type: "Person",
            locked: false,
            discoverable: None,
            indexable: false,
            inbox_url: &inbox,
            outbox_url: None,
            shared_inbox_url: None,
            followers_url: None,
            following_url: None,
            featured_url: None,
            public_key_pem: None,
            public_key_id: None,
            avatar_remote_url: None,
            header_remote_url: None,
            also_known_as: &[],
        },
    )
    .await
    .expect("remote account");
}

#[tokio::test]
async fn instance_v2_has_every_field_strict_apps_decode() {
    let app = TestApp::start().await;
    app.create_user("karen").await;
    starling::service::instance::set_setting(&app.state, "site_contact_username", "karen")
        .await
        .unwrap();
    starling::service::instance::add_rule(&app.state, "Be kind", "No harassment")
        .await
        .unwrap();
    let (status, v2) = anonymous(&app, "/api/v2/instance").await;
    assert_eq!(status, StatusCode::OK);
    // Ice Cubes, Tusky, Mastodon for Android and iOS (reference §0.4, §1.4).
    for key in [
        "domain",
        "title",
        "version",
        "description",
        "languages",
        "source_url",
    ] {
        assert!(!v2[key].is_null(), "{key}");
    }
    assert!(
        v2["version"].as_str().unwrap().starts_with("4."),
        "apps parse the version"
    );
    assert!(v2["thumbnail"]["url"].as_str().unwrap().starts_with("http"));
    assert!(v2["contact"]["email"].is_string());
    assert_eq!(v2["contact"]["account"]["username"], "karen");
    assert!(v2["registrations"]["enabled"].is_boolean());
    let c = &v2["configuration"];
    assert_eq!(c["statuses"]["max_characters"], 500);
    for key in [
        "max_options",
        "max_characters_per_option",
        "min_expiration",
        "max_expiration",
    ] {
        assert!(c["polls"][key].is_u64(), "{key}");
    }
    assert!(c["accounts"]["max_featured_tags"].is_u64());
    assert!(c["urls"]["streaming"].as_str().unwrap().starts_with("ws"));
    assert_eq!(c["translation"]["enabled"], false);
    assert_eq!(v2["rules"][0]["text"], "Be kind");
    assert!(v2["rules"][0]["id"].is_string());
    // API version 2 is Mastodon 4.3's grouped notifications, which apps switch on by it.
    assert_eq!(v2["api_versions"]["mastodon"], 2);
    assert!(v2["version"].as_str().unwrap().starts_with("4.3.0 "));
    assert_json_snapshot("api/instance_v2.json", &redactor(&app), &v2);
}

#[tokio::test]
async fn instance_v1_and_the_small_endpoints_report_real_figures() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    web.post_status("Hello #world", "public").await;
    remote_account(&app, "b.example").await;
    remote_account(&app, "a.example").await;

    let (_, v1) = anonymous(&app, "/api/v1/instance").await;
    assert_eq!(
        v1["uri"],
        app.base.split("://").nth(1).unwrap(),
        "a bare domain"
    );
    assert_eq!(v1["stats"]["user_count"], 1);
    assert_eq!(v1["stats"]["status_count"], 1);
    assert_eq!(v1["stats"]["domain_count"], 2);
    assert!(
        v1["urls"]["streaming_api"]
            .as_str()
            .unwrap()
            .starts_with("ws")
    );
    assert_json_snapshot("api/instance_v1.json", &redactor(&app), &v1);

    let (_, peers) = anonymous(&app, "/api/v1/instance/peers").await;
    assert_eq!(peers, json!(["a.example", "b.example"]));

    let (_, activity) = anonymous(&app, "/api/v1/instance/activity").await;
    let weeks = activity.as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(
        weeks[0]["statuses"], "1",
        "numbers are strings, newest week first"
    );
    assert_eq!(weeks[0]["registrations"], "1");
    assert!(weeks[0]["week"].as_str().unwrap().parse::<i64>().is_ok());

    let (_, languages) = anonymous(&app, "/api/v1/instance/languages").await;
    assert!(
        languages
            .as_array()
            .unwrap()
            .contains(&json!({"code": "en", "name": "English"}))
    );
    let (_, translations) = anonymous(&app, "/api/v1/instance/translation_languages").await;
    assert_eq!(translations, json!({}));
    let (_, emojis) = anonymous(&app, "/api/v1/custom_emojis").await;
    assert_eq!(emojis, json!([]));
    let (_, rules) = anonymous(&app, "/api/v1/instance/rules").await;
    assert_eq!(rules, json!([]));

    starling::service::instance::set_setting(
        &app.state,
        "site_extended_description",
        "First <para>\n\nSecond\nline",
    )
    .await
    .unwrap();
    let (_, ext) = anonymous(&app, "/api/v1/instance/extended_description").await;
    assert_eq!(
        ext["content"],
        "<p>First &lt;para&gt;</p><p>Second<br>line</p>"
    );
    assert!(ext["updated_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn preferences_need_a_user_token_with_read_accounts() {
    let app = TestApp::start().await;
    let web = app.signed_in("alice").await;
    let client = register_app(&app.base, REDIRECT, "read write").await;
    let token = log_in_app(&app.base, &web, &client, "read").await;
    let prefs = get(&app.base, "/api/v1/preferences", &token).await;
    assert_eq!(prefs.status, StatusCode::OK);
    assert_json_snapshot("api/preferences.json", &redactor(&app), &prefs.json);
    let narrow = log_in_app(&app.base, &web, &client, "write").await;
    assert_eq!(
        get(&app.base, "/api/v1/preferences", &narrow).await.status,
        StatusCode::FORBIDDEN
    );
    let none = api::http()
        .get(app.url("/api/v1/preferences"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
}
