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

/// Sum or count over the test's database.
async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// `admin seed-bench` at a tiny size: the community has the shape asked for, keeps the
/// rules the code keeps (counters, ids rising with time, visibility), and the printed
/// token reads a full home timeline. Seeding again with the same counts changes nothing;
/// other counts are refused.
#[tokio::test]
async fn seed_bench_fills_an_empty_database_once() {
    let app = TestApp::start().await;
    let args = [
        "admin",
        "seed-bench",
        "--accounts",
        "60",
        "--statuses",
        "4000",
        "--following",
        "25",
        "--follows-per-account",
        "5",
        "--tags",
        "12",
        "--favourites",
        "300",
        "--days",
        "30",
    ];
    let (ok, out) = starling(&app, &args).await;
    assert!(ok, "{out}");
    assert!(out.contains("seeded in"), "{out}");
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("token: "))
        .expect("a token is printed")
        .to_string();

    let people = "accounts WHERE domain IS NULL AND actor_type <> 'Application'";
    assert_eq!(support::queries::rows(&app, people).await, 60);
    assert_eq!(
        support::queries::rows(&app, "users WHERE confirmed_at IS NOT NULL").await,
        60
    );
    assert_eq!(support::queries::rows(&app, "statuses").await, 4000);
    let viewer_follows =
        "follows f JOIN accounts a ON a.id = f.account_id WHERE a.username = 'viewer'";
    assert_eq!(support::queries::rows(&app, viewer_follows).await, 25);
    for some in [
        "statuses WHERE reblog_of_id IS NOT NULL",
        "statuses WHERE in_reply_to_id IS NOT NULL",
        "statuses WHERE visibility = 'unlisted'",
        "statuses WHERE visibility = 'private'",
        "statuses WHERE visibility = 'direct'",
        "statuses WHERE spoiler_text <> ''",
        "statuses_tags",
        "mentions",
        "favourites",
    ] {
        assert!(support::queries::rows(&app, some).await > 0, "no {some}");
    }
    let posts = scalar(
        &app,
        "SELECT count(*) FROM statuses WHERE reblog_of_id IS NULL",
    )
    .await;
    let boosts = 4000 - posts;
    assert!(boosts > 100 && posts > 3000, "{boosts} boosts");

    // Counters agree with the rows, as if everything had been done through the API.
    for (counted, actual) in [
        (
            "SELECT sum(statuses_count)::bigint FROM accounts",
            "SELECT count(*) FROM statuses WHERE reblog_of_id IS NULL",
        ),
        (
            "SELECT sum(followers_count)::bigint FROM accounts",
            "SELECT count(*) FROM follows",
        ),
        (
            "SELECT sum(following_count)::bigint FROM accounts",
            "SELECT count(*) FROM follows",
        ),
        (
            "SELECT sum(reblogs_count)::bigint FROM statuses",
            "SELECT count(*) FROM statuses WHERE reblog_of_id IS NOT NULL",
        ),
        (
            "SELECT sum(favourites_count)::bigint FROM statuses",
            "SELECT count(*) FROM favourites",
        ),
        (
            "SELECT sum(replies_count)::bigint FROM statuses",
            "SELECT count(*) FROM statuses WHERE in_reply_to_id IS NOT NULL AND visibility IN ('public', 'unlisted')",
        ),
    ] {
        assert_eq!(
            scalar(&app, counted).await,
            scalar(&app, actual).await,
            "{counted}"
        );
    }
    // Rules of the data: ids carry their time; boosts are public, of others' public or
    // unlisted originals; replies answer originals and mention their parent's author.
    for none in [
        "SELECT count(*) FROM statuses WHERE id >> 16 <> floor(extract(epoch FROM created_at) * 1000)::bigint",
        "SELECT count(*) FROM (SELECT created_at, lag(created_at) OVER (ORDER BY id) AS prev FROM statuses) x \
           WHERE prev > created_at",
        "SELECT count(*) FROM statuses s JOIN statuses o ON o.id = s.reblog_of_id \
           WHERE s.visibility <> 'public' OR o.reblog_of_id IS NOT NULL OR o.account_id = s.account_id \
              OR o.visibility NOT IN ('public', 'unlisted') OR o.id > s.id",
        "SELECT count(*) FROM statuses s JOIN statuses p ON p.id = s.in_reply_to_id \
           WHERE p.reblog_of_id IS NOT NULL OR p.account_id <> s.in_reply_to_account_id OR p.id > s.id \
              OR (p.account_id <> s.account_id AND NOT EXISTS \
                    (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = p.account_id))",
        "SELECT count(*) FROM statuses WHERE reblog_of_id IS NULL AND (content NOT LIKE '<p>%' OR text = '')",
        "SELECT count(*) FROM statuses s JOIN statuses_tags st ON st.status_id = s.id \
           JOIN tags t ON t.id = st.tag_id WHERE s.text NOT LIKE '%#' || t.name || '%'",
    ] {
        assert_eq!(scalar(&app, none).await, 0, "{none}");
    }

    // The printed token reads the viewer's timelines through the API.
    let home = support::api::get(&app.base, "/api/v1/timelines/home?limit=40", &token).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.json);
    let items = home.json.as_array().expect("a list");
    assert_eq!(items.len(), 40);
    let viewer = starling::service::admin::find_user(&app.state, "viewer")
        .await
        .unwrap();
    let followed: Vec<String> =
        sqlx::query_scalar("SELECT target_account_id::text FROM follows WHERE account_id = $1")
            .bind(viewer.account_id)
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    for s in items {
        let author = s["account"]["id"].as_str().unwrap().to_string();
        assert!(
            followed.contains(&author) || author == viewer.account_id.to_string(),
            "{s}"
        );
    }
    let public: Vec<serde_json::Value> = support::api::http()
        .get(app.url("/api/v1/timelines/public?local=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public.len(), 20);
    // Every seeded account signs in with the known password.
    app.client().log_in("viewer", "bench password").await;

    let (ok, out) = starling(&app, &args).await;
    assert!(ok, "{out}");
    assert!(out.contains("already seeded"), "{out}");
    assert_eq!(support::queries::rows(&app, "statuses").await, 4000);
    let (ok, out) = starling(
        &app,
        &[
            "admin",
            "seed-bench",
            "--accounts",
            "10",
            "--statuses",
            "100",
            "--following",
            "3",
        ],
    )
    .await;
    assert!(!ok);
    assert!(out.contains("not empty"), "{out}");
}
