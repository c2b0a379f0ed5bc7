//! The compiled binary started twice, as two servers on `http://localhost:PORT`, each
//! with its own database and in-process worker: people use the web UI on each side and
//! federation happens by itself (signed deliveries, inbox queue, Accepts).

mod support;

use reqwest::StatusCode;
use std::time::{Duration, Instant};
use support::{PASSWORD, TestApp, Web};
use tokio::process::{Child, Command};

struct Server {
    /// Only the database (and mail sink) of this app are used; the process serves.
    app: TestApp,
    base: String,
    domain: String,
    _process: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn env(cmd: &mut Command, app: &TestApp, base: &str, port: u16, peer: u16) {
    cmd.env("DATABASE_URL", app.database_url())
        .env("STARLING_INSTANCE__URL", base)
        .env("STARLING_HTTP__BIND", format!("127.0.0.1:{port}"))
        .env("STARLING_MAIL__SMTP_URL", app.smtp.url())
        // Exactly the other server may be reached on loopback; nothing else private.
        .env(
            "STARLING_FEDERATION__ALLOWED_PRIVATE_HOSTS",
            format!("localhost:{peer}"),
        )
        .env("RUST_LOG", "warn");
}

async fn start(port: u16, peer: u16, user: &str) -> Server {
    let app = TestApp::start().await;
    let domain = format!("localhost:{port}");
    let base = format!("http://{domain}");
    let mut create = Command::new(env!("CARGO_BIN_EXE_starling"));
    create.args([
        "admin",
        "create-account",
        "--username",
        user,
        "--email",
        &format!("{user}@example.test"),
        "--password",
        PASSWORD,
        "--confirmed",
    ]);
    env(&mut create, &app, &base, port, peer);
    let out = create.output().await.expect("run starling admin");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut serve = Command::new(env!("CARGO_BIN_EXE_starling"));
    serve.arg("serve").kill_on_drop(true);
    env(&mut serve, &app, &base, port, peer);
    let process = serve.spawn().expect("start starling serve");
    let started = Instant::now();
    while reqwest::get(format!("{base}/health"))
        .await
        .map(|r| r.status())
        .ok()
        != Some(StatusCode::OK)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server {
        app,
        base,
        domain,
        _process: process,
    }
}

/// Polls `query` (a scalar SQL query) on `server`'s database until it returns `want`.
async fn wait_for(server: &Server, query: &'static str, bind: &str, want: i64) {
    let started = Instant::now();
    loop {
        let got: i64 = sqlx::query_scalar(query)
            .bind(bind)
            .fetch_one(&server.app.state.db)
            .await
            .expect("query");
        if got == want {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{query} [{bind}] stayed {got}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn signed_in(server: &Server, user: &str) -> Web {
    let web = Web::new(&server.base);
    web.log_in(user, PASSWORD).await;
    web
}

#[tokio::test]
async fn two_starling_processes_federate_through_the_web_ui() {
    let (pa, pb) = (free_port(), free_port());
    let (a, b) = tokio::join!(start(pa, pb, "alice"), start(pb, pa, "bob"));
    let alice = signed_in(&a, "alice").await;
    let bob = signed_in(&b, "bob").await;

    // Alice searches for bob by handle: WebFinger, then his actor, from the other process.
    let handle = format!("@bob@{}", b.domain);
    let found = alice
        .get(&format!("/search?q={}", urlencode(&handle)))
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains(&handle), "{}", found.body);
    let bob_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE uri = $1")
        .bind(format!("{}/users/bob", b.base))
        .fetch_one(&a.app.state.db)
        .await
        .expect("bob is known on alice's server");

    // She follows him from his profile page; his server accepts on its own.
    let profile = alice.get(&format!("/{handle}")).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    let res = alice
        .post(
            &format!("/accounts/{bob_id}/follow"),
            &[("return_to", "/home")],
        )
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{} {}",
        res.status,
        res.body
    );
    wait_for(
        &b,
        "SELECT followers_count FROM accounts WHERE username = $1 AND domain IS NULL",
        "bob",
        1,
    )
    .await;
    wait_for(
        &a,
        "SELECT count(*) FROM follows f JOIN accounts t ON t.id = f.target_account_id WHERE t.uri = $1",
        &format!("{}/users/bob", b.base),
        1,
    )
    .await;

    // Bob posts; it shows in alice's home timeline on her server.
    let res = bob
        .post_status("Greetings across processes", "public")
        .await;
    assert!(res.status.is_redirection(), "{}", res.body);
    wait_for(
        &a,
        "SELECT count(*) FROM statuses WHERE content LIKE $1",
        "%Greetings across processes%",
        1,
    )
    .await;
    let home = alice.get("/home").await;
    assert!(home.body.contains("Greetings across processes"));
    assert!(home.body.contains(&b.domain), "marked with its server");

    // Alice favourites it in place; bob's server counts it and tells him.
    let status_id: i64 =
        sqlx::query_scalar("SELECT id FROM statuses WHERE content LIKE $1 AND NOT local")
            .bind("%Greetings across processes%")
            .fetch_one(&a.app.state.db)
            .await
            .unwrap();
    let res = alice
        .post(&format!("/statuses/{status_id}/favourite"), &[])
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{} {}",
        res.status,
        res.body
    );
    wait_for(
        &b,
        "SELECT favourites_count FROM statuses WHERE content LIKE $1",
        "%Greetings across processes%",
        1,
    )
    .await;
    let notes = bob.get("/notifications").await;
    assert!(notes.body.contains("alice"), "{}", notes.body);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
