//! The job queue and delivery worker against the real Postgres and real HTTP receivers
//! on 127.0.0.1: transactions, outcomes, retries, the circuit breaker, lanes, shutdown.

#[allow(dead_code)]
#[path = "support/receiver.rs"]
mod receiver;
mod support;

use receiver::{Mode, Receiver};
use starling::delivery::{Job, Worker, WorkerOptions, enqueue};
use std::time::{Duration, Instant};
use support::TestApp;

async fn app_for(
    receivers: &[&Receiver],
    tweak: impl FnOnce(&mut starling::config::Config),
) -> TestApp {
    let hosts: Vec<String> = receivers.iter().map(|r| r.host()).collect();
    TestApp::start_with(move |c| {
        c.federation.allowed_private_hosts = hosts;
        c.federation.request_timeout_seconds = 1.0;
        c.federation.connect_timeout_seconds = 1.0;
        tweak(c);
    })
    .await
}

fn deliver(inbox: String, body: &str) -> Job {
    Job::Deliver {
        inbox,
        body: body.to_string(),
        sender: None,
    }
}

async fn enqueue_now(app: &TestApp, jobs: &[Job]) -> Vec<i64> {
    let mut tx = app.state.db.begin().await.unwrap();
    let ids = enqueue(&mut tx, jobs).await.unwrap();
    tx.commit().await.unwrap();
    ids
}

#[derive(Debug, sqlx::FromRow)]
struct JobState {
    state: String,
    attempts: i32,
    last_error: Option<String>,
    wait_secs: f64,
}

async fn job(app: &TestApp, id: i64) -> JobState {
    sqlx::query_as(
        "SELECT state, attempts, last_error, extract(epoch FROM run_at - now())::float8 AS wait_secs FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.state.db)
    .await
    .unwrap()
}

/// Makes every waiting job and cooling host due now (instead of sleeping until then).
async fn make_due(app: &TestApp) {
    sqlx::query("UPDATE jobs SET run_at = now() WHERE state = 'pending'")
        .execute(&app.state.db)
        .await
        .unwrap();
    sqlx::query("UPDATE delivery_hosts SET circuit_open_until = now() - interval '1 second' WHERE circuit_open_until > now()")
        .execute(&app.state.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_job_exists_only_if_its_transaction_commits() {
    let r = Receiver::start().await;
    let app = app_for(&[&r], |_| {}).await;
    let mut tx = app.state.db.begin().await.unwrap();
    enqueue(&mut tx, &[deliver(r.url("/rolled-back"), "{}")])
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let ids = enqueue_now(
        &app,
        &[deliver(r.url("/committed"), r#"{"type":"Create"}"#)],
    )
    .await;
    assert_eq!(app.drain().await, 1);
    assert_eq!(app.drain().await, 0, "nothing runs twice");
    let got = r.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/committed");
    assert_eq!(got[0].body, r#"{"type":"Create"}"#);
    assert_eq!(got[0].headers["content-type"], "application/activity+json");
    assert!(
        got[0].headers["digest"]
            .to_str()
            .unwrap()
            .starts_with("SHA-256=")
    );
    assert!(got[0].headers.contains_key("date"));
    assert!(
        got[0].headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("Starling/")
    );
    assert_eq!(job(&app, ids[0]).await.state, "done");
}

#[tokio::test]
async fn server_errors_are_retried_client_errors_are_final() {
    let r = Receiver::start().await;
    let app = app_for(&[&r], |_| {}).await;
    r.script(&[(500, &[]), (200, &[])]);
    let ids = enqueue_now(&app, &[deliver(r.url("/flaky"), "{}")]).await;
    app.drain().await;
    let j = job(&app, ids[0]).await;
    assert_eq!((j.state.as_str(), j.attempts), ("pending", 1));
    assert_eq!(j.last_error.as_deref(), Some("HTTP 500"));
    assert!(
        j.wait_secs > 20.0,
        "backs off before retrying: {}",
        j.wait_secs
    );
    make_due(&app).await;
    app.drain().await;
    assert_eq!(job(&app, ids[0]).await.state, "done");
    assert_eq!(r.received().len(), 2);

    r.script(&[(400, &[])]);
    let bad = enqueue_now(&app, &[deliver(r.url("/bad"), "{}")]).await;
    app.drain().await;
    let j = job(&app, bad[0]).await;
    assert_eq!(
        (j.state.as_str(), j.last_error.as_deref()),
        ("dead", Some("HTTP 400"))
    );

    r.script(&[(410, &[])]);
    let gone = enqueue_now(&app, &[deliver(r.url("/gone"), "{}")]).await;
    app.drain().await;
    let j = job(&app, gone[0]).await;
    assert_eq!(j.state, "done", "410 Gone ends quietly");
    assert!(j.last_error.unwrap().contains("410"));

    for status in [401, 408] {
        r.script(&[(status, &[])]);
        let id = enqueue_now(&app, &[deliver(r.url("/retry"), "{}")]).await;
        app.drain().await;
        assert_eq!(
            job(&app, id[0]).await.state,
            "pending",
            "{status} is retried"
        );
    }
}

#[tokio::test]
async fn too_many_requests_waits_as_long_as_asked() {
    let r = Receiver::start().await;
    let app = app_for(&[&r], |_| {}).await;
    r.script(&[(429, &[("retry-after", "600")])]);
    let ids = enqueue_now(&app, &[deliver(r.url("/slow-down"), "{}")]).await;
    app.drain().await;
    let j = job(&app, ids[0]).await;
    assert_eq!(j.state, "pending");
    assert!(
        (590.0..=601.0).contains(&j.wait_secs),
        "waits the 600 s asked: {}",
        j.wait_secs
    );
    // A rate limit says nothing bad about the host: its circuit stays closed.
    let open: Option<bool> = sqlx::query_scalar(
        "SELECT circuit_open_until IS NOT NULL FROM delivery_hosts WHERE host = $1",
    )
    .bind(r.host())
    .fetch_optional(&app.state.db)
    .await
    .unwrap();
    assert_ne!(open, Some(true));
}

#[tokio::test]
async fn a_dead_host_costs_one_time_out_then_waits_and_recovers() {
    let r = Receiver::start().await;
    let app = app_for(&[&r], |c| c.worker.per_host_concurrency = 1).await;
    r.set_mode(Mode::Hang);
    let first: Vec<Job> = (0..5)
        .map(|i| deliver(r.url(&format!("/a{i}")), "{}"))
        .collect();
    enqueue_now(&app, &first).await;
    let t = Instant::now();
    app.drain().await;
    let took = t.elapsed();
    assert!(
        took < Duration::from_millis(2500),
        "one time-out, not five: {took:?}"
    );
    assert_eq!(r.connections(), 1, "only one connection was tried");
    // More work for the dead host: nothing is attempted while its circuit is open.
    let more: Vec<Job> = (0..20)
        .map(|i| deliver(r.url(&format!("/b{i}")), "{}"))
        .collect();
    enqueue_now(&app, &more).await;
    let t = Instant::now();
    app.drain().await;
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "no waiting on a known-dead host"
    );
    assert_eq!(r.connections(), 1);
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'pending'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(pending, 25, "nothing lost, nothing dead");
    let report = starling::service::admin::queue_report(&app.state)
        .await
        .unwrap();
    assert!(
        report
            .hosts
            .iter()
            .any(|h| h.host == r.host() && h.circuit_open_until.is_some())
    );

    // It comes back: the next probe succeeds and everything waiting is delivered.
    r.set_mode(Mode::Answer);
    make_due(&app).await;
    app.drain().await;
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state <> 'done'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(r.received().len(), 25);
    assert!(
        starling::service::admin::queue_report(&app.state)
            .await
            .unwrap()
            .hosts
            .is_empty(),
        "healthy again"
    );
}

#[tokio::test]
async fn a_host_failing_for_long_is_marked_unavailable_until_it_answers() {
    let r = Receiver::start().await;
    let app = app_for(&[&r], |c| c.federation.unavailable_after_hours = 1.0).await;
    r.script(&[(503, &[]), (503, &[])]);
    enqueue_now(&app, &[deliver(r.url("/x"), "{}")]).await;
    app.drain().await;
    // Pretend its failures started two hours ago.
    sqlx::query("UPDATE delivery_hosts SET first_failure_at = now() - interval '2 hours'")
        .execute(&app.state.db)
        .await
        .unwrap();
    make_due(&app).await;
    app.drain().await;
    let (unavailable, open_for): (bool, f64) = sqlx::query_as(
        "SELECT unavailable_since IS NOT NULL, extract(epoch FROM circuit_open_until - now())::float8 FROM delivery_hosts WHERE host = $1",
    )
    .bind(r.host())
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(unavailable);
    assert!(open_for > 3000.0, "probed only hourly: {open_for}");
    make_due(&app).await;
    app.drain().await;
    let unavailable: bool = sqlx::query_scalar(
        "SELECT unavailable_since IS NOT NULL FROM delivery_hosts WHERE host = $1",
    )
    .bind(r.host())
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(!unavailable, "a success lifts the mark");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_listed() {
    let allowed = Receiver::start().await;
    let canary = Receiver::start().await;
    let app = app_for(&[&allowed], |_| {}).await;
    let ids = enqueue_now(
        &app,
        &[
            deliver(canary.url("/inbox"), "{}"),
            deliver(allowed.url("/inbox"), "{}"),
        ],
    )
    .await;
    app.drain().await;
    let refused = job(&app, ids[0]).await;
    assert_eq!(refused.state, "dead");
    assert!(
        refused
            .last_error
            .unwrap()
            .to_lowercase()
            .contains("refused")
    );
    assert_eq!(canary.connections(), 0, "the canary saw nothing");
    assert_eq!(job(&app, ids[1]).await.state, "done");
}

#[tokio::test]
async fn operators_see_and_retry_dead_jobs_and_old_jobs_are_pruned() {
    let r = Receiver::start().await;
    let app = app_for(&[&r], |_| {}).await;
    r.script(&[(403, &[])]);
    let ids = enqueue_now(&app, &[deliver(r.url("/forbidden"), "{}")]).await;
    app.drain().await;
    let dead = starling::service::admin::dead_jobs(&app.state, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 403"));
    assert_eq!(
        starling::service::admin::retry_dead_jobs(&app.state, Some(ids[0]))
            .await
            .unwrap(),
        1
    );
    app.drain().await;
    assert_eq!(job(&app, ids[0]).await.state, "done");
    assert!(
        starling::service::admin::retry_dead_jobs(&app.state, Some(ids[0]))
            .await
            .is_err()
    );
    sqlx::query("UPDATE jobs SET finished_at = now() - interval '3 days'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let pruned = starling::db::jobs::prune_done(&app.state.db, 24, 100)
        .await
        .unwrap();
    assert_eq!(pruned, 1);
}

#[tokio::test]
async fn a_job_whose_subject_is_gone_is_a_no_op() {
    let app = TestApp::start().await;
    let user = app.create_user("temp").await;
    enqueue_now(&app, &[Job::ConfirmationMail { user_id: user.id }]).await;
    sqlx::query("DELETE FROM accounts")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(app.drain().await, 1);
    assert!(app.all_mail().await.is_empty());
    let done: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'done'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(done, 1);
}

#[tokio::test]
async fn local_work_is_not_stuck_behind_deliveries_and_shutdown_releases_jobs() {
    let r = Receiver::start().await;
    let app = app_for(&[&r], |c| {
        c.worker.delivery_concurrency = 2;
        c.worker.shutdown_grace_seconds = 0.2;
        c.federation.request_timeout_seconds = 30.0;
    })
    .await;
    r.set_delay(Duration::from_secs(5));
    let backlog: Vec<Job> = (0..50)
        .map(|i| deliver(r.url(&format!("/slow{i}")), "{}"))
        .collect();
    enqueue_now(&app, &backlog).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = Worker::new(
        app.state.clone(),
        WorkerOptions::from_config(&app.state.config.worker),
    );
    let running = tokio::spawn(async move { worker.run(stopped).await });
    // Sign-up mail goes through the local lane while deliveries crawl.
    let user = app.create_user_unconfirmed("newcomer").await;
    let t = Instant::now();
    let mail = app
        .smtp
        .next_mail_to(&user.email, Duration::from_secs(4))
        .await;
    assert!(
        mail.is_some(),
        "mail arrived while 48 deliveries still wait"
    );
    assert!(t.elapsed() < Duration::from_secs(4));
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running)
        .await
        .expect("worker stops within the grace period")
        .unwrap();
    let running_left: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'running'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(running_left, 0, "in-flight jobs were put back");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'pending'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(pending, 50, "no delivery finished or was lost");
}

#[tokio::test]
async fn deliveries_are_signed_as_their_sender_at_send_time() {
    use starling::httpsig::{IncomingSignature, RequestParts, VerifyingKey};
    let r = Receiver::start().await;
    let app = app_for(&[&r], |_| {}).await;
    app.create_user("alice").await;
    let alice = app.account("alice").await;
    let body = r#"{"type":"Create","actor":"x"}"#;
    r.script(&[(500, &[]), (202, &[])]);
    enqueue_now(
        &app,
        &[Job::Deliver {
            inbox: r.url("/users/bob/inbox"),
            body: body.into(),
            sender: Some(alice.id),
        }],
    )
    .await;
    app.drain().await;
    make_due(&app).await;
    app.drain().await;
    let got = r.received();
    assert_eq!(got.len(), 2, "failed once, then delivered");
    let pem = starling::db::accounts::public_key_pem(&app.state.db, alice.id)
        .await
        .unwrap()
        .unwrap();
    let key = VerifyingKey::from_pem(&pem).unwrap();
    for attempt in &got {
        let sig = IncomingSignature::parse(&attempt.headers).expect("signed");
        assert_eq!(sig.key_id(), format!("{}#main-key", alice.uri));
        let host = r.host();
        let parts = RequestParts::new("POST", "http", &host, &attempt.path, &attempt.headers);
        sig.verify(
            &parts,
            attempt.body.as_bytes(),
            &key,
            std::time::SystemTime::now(),
        )
        .expect("the receiver can verify it");
        let signed = attempt.headers["signature"].to_str().unwrap();
        assert!(
            signed.contains(r#"headers="(request-target) host date digest content-type""#),
            "{signed}"
        );
    }
    // What is stored is the body, never a signed request: each attempt signs anew.
    let payload: serde_json::Value = sqlx::query_scalar("SELECT payload FROM jobs")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    for k in ["type", "inbox", "body", "sender"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    for attempt in &got {
        let date = httpdate::parse_http_date(attempt.headers["date"].to_str().unwrap()).unwrap();
        let age = std::time::SystemTime::now()
            .duration_since(date)
            .unwrap_or_default();
        assert!(age < Duration::from_secs(30), "dated when sent");
    }
}
