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
        app.mail_to("newbie@example.test", std::time::Duration::from_secs(10))
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

#[tokio::test]
async fn operators_inspect_and_retry_the_job_queue() {
    let app = TestApp::start().await;
    // A delivery to a refused (private, unlisted) address dies at once.
    let mut tx = app.state.db.begin().await.unwrap();
    starling::delivery::enqueue(
        &mut tx,
        &[starling::delivery::Job::Deliver {
            inbox: "http://127.0.0.1:9/inbox".into(),
            body: "{}".into(),
            sender: None,
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.drain().await;
    let (ok, stats) = starling(&app, &["admin", "jobs", "stats"]).await;
    assert!(ok, "{stats}");
    assert!(stats.contains("delivery\tdead\t1"), "{stats}");
    let (ok, dead) = starling(&app, &["admin", "jobs", "dead"]).await;
    assert!(ok, "{dead}");
    assert!(
        dead.contains("deliver") && dead.to_lowercase().contains("refused"),
        "{dead}"
    );
    let id = dead.split('\t').next().unwrap().trim().to_string();
    let (ok, out) = starling(&app, &["admin", "jobs", "retry", &id]).await;
    assert!(ok, "{out}");
    assert!(out.contains("1 job(s) queued again"), "{out}");
    let (ok, stats) = starling(&app, &["admin", "jobs", "stats"]).await;
    assert!(ok && stats.contains("delivery\tpending\t1"), "{stats}");
    let (ok, _) = starling(&app, &["admin", "jobs", "retry"]).await;
    assert!(!ok, "an id or --all-dead is required");
    app.drain().await;
    let (ok, out) = starling(&app, &["admin", "jobs", "retry", "--all-dead"]).await;
    assert!(ok && out.contains("1 job(s) queued again"), "{out}");
}

/// `starling serve` runs the worker in-process; with `--no-worker` the queue waits for a
/// `starling worker` process.
#[tokio::test]
async fn serve_runs_the_worker_unless_told_not_to() {
    let app = TestApp::start().await;
    for no_worker in [false, true] {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let base = format!("http://127.0.0.1:{port}");
        let mut args = vec!["serve"];
        if no_worker {
            args.push("--no-worker");
        }
        let mut server = Command::new(env!("CARGO_BIN_EXE_starling"))
            .args(&args)
            .env("DATABASE_URL", app.database_url())
            .env("STARLING_INSTANCE__URL", &base)
            .env("STARLING_HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("STARLING_MAIL__SMTP_URL", app.smtp.url())
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let web = support::Web::new(&base);
        let start = std::time::Instant::now();
        while reqwest::get(format!("{base}/health"))
            .await
            .map(|r| r.status())
            .ok()
            != Some(StatusCode::OK)
        {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "server did not come up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let user = if no_worker { "later" } else { "now" };
        web.get("/auth/sign_up").await;
        let res = web
            .post(
                "/auth",
                &[
                    ("username", user),
                    ("email", &format!("{user}@example.test")),
                    ("password", support::PASSWORD),
                    ("password_confirmation", support::PASSWORD),
                    ("agreement", "1"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        let rcpt = format!("{user}@example.test");
        let wait = std::time::Duration::from_secs(if no_worker { 2 } else { 15 });
        let mail = app.smtp.next_mail_to(&rcpt, wait).await;
        if no_worker {
            assert!(mail.is_none(), "no worker, no mail yet");
            let mut worker = Command::new(env!("CARGO_BIN_EXE_starling"))
                .arg("worker")
                .env("DATABASE_URL", app.database_url())
                .env("STARLING_INSTANCE__URL", &base)
                .env("STARLING_MAIL__SMTP_URL", app.smtp.url())
                .env("RUST_LOG", "warn")
                .kill_on_drop(true)
                .spawn()
                .unwrap();
            assert!(
                app.smtp
                    .next_mail_to(&rcpt, std::time::Duration::from_secs(15))
                    .await
                    .is_some()
            );
            worker.kill().await.ok();
        } else {
            assert!(mail.is_some(), "the in-process worker sent it");
        }
        server.kill().await.ok();
    }
}
