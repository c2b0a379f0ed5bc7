//! The operator's command line: accounts, roles, rules and settings without the web UI.

mod support;

use reqwest::StatusCode;
use support::TestApp;
use tokio::process::Command;

/// Runs the compiled binary against the test's database; async, so the test's own
/// server and SMTP sink keep answering while it runs.
async fn starling(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_starling"))
        .args(args)
        .env("DATABASE_URL", app.database_url())
        .env("STARLING_INSTANCE__URL", &app.base)
        .env("STARLING_MAIL__SMTP_URL", app.smtp.url())
        .env("RUST_LOG", "warn")
        .output()
        .await
        .expect("run starling");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn accounts_and_roles_from_the_command_line() {
    let app = TestApp::start().await;
    let (ok, out) = starling(
        &app,
        &[
            "admin",
            "create-account",
            "--username",
            "root_op",
            "--email",
            "op@example.test",
            "--password",
            "operator pw 1",
            "--role",
            "admin",
            "--confirmed",
        ],
    )
    .await;
    assert!(ok, "{out}");
    assert!(out.contains("created @root_op"), "{out}");
    let user = starling::service::admin::find_user(&app.state, "root_op")
        .await
        .unwrap();
    assert_eq!(user.role(), starling::db::users::Role::Admin);
    app.client().log_in("root_op", "operator pw 1").await;

    // Without --confirmed and --password: a generated password and a confirmation mail.
    let (ok, out) = starling(
        &app,
        &[
            "admin",
            "create-account",
            "--username",
            "newbie",
            "--email",
            "newbie@example.test",
        ],
    )
    .await;
    assert!(ok, "{out}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("generated password")
        .to_string();
    assert!(
        app.smtp
            .next_mail_to("newbie@example.test", std::time::Duration::from_secs(10))
            .await
            .is_some()
    );
    let web = app.client();
    web.get("/auth/sign_in").await;
    assert_eq!(
        web.post(
            "/auth/sign_in",
            &[("login", "newbie"), ("password", &password)]
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    let (ok, out) = starling(&app, &["admin", "confirm", "newbie"]).await;
    assert!(ok, "{out}");
    web.log_in("newbie", &password).await;

    let (ok, out) = starling(&app, &["admin", "set-role", "newbie", "moderator"]).await;
    assert!(ok, "{out}");
    assert_eq!(
        starling::service::admin::find_user(&app.state, "newbie")
            .await
            .unwrap()
            .role(),
        starling::db::users::Role::Moderator
    );

    let (ok, out) = starling(
        &app,
        &[
            "admin",
            "reset-password",
            "newbie",
            "--password",
            "fresh password",
        ],
    )
    .await;
    assert!(ok, "{out}");
    assert_eq!(
        web.get("/home").await.status,
        StatusCode::SEE_OTHER,
        "sessions ended"
    );
    app.client().log_in("newbie", "fresh password").await;

    // Errors are clear and exit non-zero.
    let (ok, out) = starling(
        &app,
        &[
            "admin",
            "create-account",
            "--username",
            "NEWBIE",
            "--email",
            "x@example.test",
        ],
    )
    .await;
    assert!(!ok);
    assert!(out.contains("Username has already been taken"), "{out}");
    let (ok, out) = starling(&app, &["admin", "set-role", "ghost", "admin"]).await;
    assert!(!ok);
    assert!(out.contains("No local account"), "{out}");
    let (ok, _) = starling(&app, &["admin", "set-role", "newbie", "emperor"]).await;
    assert!(!ok);
}

#[tokio::test]
async fn rules_and_settings_show_on_the_front_and_about_pages() {
    let app = TestApp::start().await;
    for args in [
        vec!["admin", "settings", "set", "site_title", "Birdhouse"],
        vec![
            "admin",
            "settings",
            "set",
            "site_short_description",
            "A small place for bird people.",
        ],
        vec![
            "admin",
            "settings",
            "set",
            "site_contact_email",
            "owner@birdhouse.test",
        ],
        vec!["admin", "rules", "add", "Be kind to each other"],
        vec![
            "admin",
            "rules",
            "add",
            "No spam",
            "--hint",
            "Advertising counts",
        ],
    ] {
        let (ok, out) = starling(&app, &args).await;
        assert!(ok, "{args:?}: {out}");
    }
    let (ok, list) = starling(&app, &["admin", "rules", "list"]).await;
    assert!(ok);
    assert!(list.contains("Be kind to each other") && list.contains("No spam"));
    let front = app.client().get("/").await.text();
    assert!(front.contains("Birdhouse") && front.contains("A small place for bird people."));
    assert!(front.contains("Be kind to each other") && front.contains("No spam"));
    let about = app.client().get("/about").await.text();
    assert!(about.contains("owner@birdhouse.test") && about.contains("Advertising counts"));
    let signup = app.client().get("/auth/sign_up").await.text();
    assert!(
        signup.contains("Be kind to each other"),
        "rules are shown before joining"
    );

    let id = list
        .lines()
        .find(|l| l.contains("No spam"))
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string();
    let (ok, out) = starling(&app, &["admin", "rules", "remove", &id]).await;
    assert!(ok, "{out}");
    assert!(!app.client().get("/about").await.text().contains("No spam"));
    let (ok, out) = starling(
        &app,
        &["admin", "settings", "set", "favourite_colour", "blue"],
    )
    .await;
    assert!(!ok);
    assert!(out.contains("Unknown setting"), "{out}");
}
