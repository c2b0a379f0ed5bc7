//! Several worker processes (the compiled binary) on one database: every job runs, none
//! twice while leases hold, and a worker killed with SIGKILL loses nothing.

#[allow(dead_code)]
#[path = "support/receiver.rs"]
mod receiver;
mod support;

use receiver::Receiver;
use starling::delivery::{Job, enqueue};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::TestApp;
use tokio::process::{Child, Command};

fn worker_process(app: &TestApp, receiver: &Receiver, lease_secs: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_starling"))
        .arg("worker")
        .env("DATABASE_URL", app.database_url())
        .env("STARLING_INSTANCE__URL", &app.base)
        .env("STARLING_MAIL__SMTP_URL", app.smtp.url())
        .env(
            "STARLING_FEDERATION__ALLOWED_PRIVATE_HOSTS",
            receiver.host(),
        )
        .env("STARLING_WORKER__LEASE_SECONDS", lease_secs)
        .env("STARLING_WORKER__POLL_SECONDS", "0.5")
        .env("STARLING_WORKER__DELIVERY_CONCURRENCY", "16")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("start a worker process")
}

async fn enqueue_deliveries(app: &TestApp, r: &Receiver, n: usize) {
    let jobs: Vec<Job> = (0..n)
        .map(|i| Job::Deliver {
            inbox: r.url(&format!("/inbox/{i}")),
            body: format!("{{\"n\":{i}}}"),
            sender: None,
        })
        .collect();
    let mut tx = app.state.db.begin().await.unwrap();
    for chunk in jobs.chunks(500) {
        enqueue(&mut tx, chunk).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Waits (polling the database, since the work happens in other processes) until no
/// job is left unfinished.
async fn wait_until_finished(app: &TestApp, limit: Duration) {
    let start = Instant::now();
    loop {
        let left = starling::db::jobs::unfinished(&app.state.db).await.unwrap();
        if left == 0 {
            return;
        }
        assert!(
            start.elapsed() < limit,
            "{left} jobs still unfinished after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn hits_per_path(r: &Receiver) -> HashMap<String, usize> {
    let mut hits = HashMap::new();
    for got in r.received() {
        *hits.entry(got.path).or_insert(0) += 1;
    }
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_run_every_job_exactly_once() {
    let r = Receiver::start().await;
    let app = TestApp::start().await;
    let mut a = worker_process(&app, &r, "120");
    let mut b = worker_process(&app, &r, "120");
    // Let both connect and LISTEN, then hand them 2,000 jobs in one transaction.
    tokio::time::sleep(Duration::from_millis(800)).await;
    enqueue_deliveries(&app, &r, 2000).await;
    wait_until_finished(&app, Duration::from_secs(120)).await;
    let hits = hits_per_path(&r);
    assert_eq!(hits.len(), 2000, "every job ran");
    assert!(hits.values().all(|&n| n == 1), "no job ran twice");
    let owners: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT lease_owner) FROM jobs WHERE state = 'done'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(owners, 2, "both processes took part");
    a.kill().await.ok();
    b.kill().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_loses_nothing() {
    let r = Receiver::start().await;
    r.set_delay(Duration::from_millis(100));
    let app = TestApp::start().await;
    enqueue_deliveries(&app, &r, 300).await;
    let mut first = worker_process(&app, &r, "2");
    // Kill it in the middle of its work: once some jobs are done and others in flight.
    let start = Instant::now();
    loop {
        let done: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'done'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        if done >= 20 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the first worker never got going"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.start_kill().expect("SIGKILL");
    first.wait().await.ok();
    let running: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'running'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(running > 0, "it died holding leases");
    let mut second = worker_process(&app, &r, "2");
    wait_until_finished(&app, Duration::from_secs(120)).await;
    let hits = hits_per_path(&r);
    assert_eq!(hits.len(), 300, "every job completed");
    let done: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'done'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(done, 300);
    second.kill().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_in_flight_jobs_finish_and_releases_the_rest() {
    let r = Receiver::start().await;
    r.set_delay(Duration::from_millis(300));
    let app = TestApp::start().await;
    enqueue_deliveries(&app, &r, 200).await;
    let mut worker = worker_process(&app, &r, "120");
    let start = Instant::now();
    while r.received().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = worker.id().expect("pid") as i32;
    // SIGTERM, as a service manager would send.
    std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("kill");
    let status = tokio::time::timeout(Duration::from_secs(30), worker.wait())
        .await
        .expect("exits within the grace period");
    assert!(status.unwrap().success());
    let running: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'running'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(running, 0, "nothing is left leased");
    let unfinished = starling::db::jobs::unfinished(&app.state.db).await.unwrap();
    assert!(unfinished > 0, "it stopped claiming");
    assert_eq!(
        hits_per_path(&r).len() as i64 + unfinished,
        200,
        "finished + waiting = all"
    );
}
