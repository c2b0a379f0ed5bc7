//! Delivery benchmark: how fast a `starling worker` process drains a fan-out of 10,000
//! deliveries to 1,000 local receivers, what 100 receivers that never answer cost, and
//! what signing every delivery costs.
//!
//! Run with `cargo bench --bench delivery`. Everything it needs is made here and removed
//! again: a database of its own per run, local receivers on 1,000 loopback ports, the
//! worker as a child process (the real binary, shipped defaults). Figures are printed one
//! per line as `<metric>: <value> <unit>`; notes start with `#`; progress goes to stderr.
//!
//! Three runs: `healthy` and `dead` deliver unsigned (no sender); `signed` repeats the
//! healthy run with a local account as the sender, so the worker signs each POST with
//! rsa-sha256 (RSA-2048) at send time, as real deliveries are (its figures are prefixed
//! `signed_`). All runs give the worker 2-second connect and request time-outs (instead
//! of the shipped 5 s and 20 s) so the dead-host run finishes quickly; the others use the
//! same values so the runs are comparable. Any other `STARLING_WORKER__*` variable in the
//! environment is passed through to the worker (for experiments) and echoed in a note.

use std::collections::HashSet;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sqlx::PgPool;
use starling::config::Config;
use starling::delivery::{Job, enqueue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

/// Receiving hosts (one loopback port each).
const HOSTS: usize = 1_000;
/// Deliveries per host; every one goes to an inbox of its own.
const PER_HOST: usize = 10;
const JOBS: usize = HOSTS * PER_HOST;
/// Hosts replaced by never-answering listeners in the second run.
const DEAD_HOSTS: usize = 100;
/// A run taking longer than this is aborted.
const RUN_LIMIT: Duration = Duration::from_secs(120);
/// How often the database is asked for progress.
const POLL: Duration = Duration::from_millis(20);
/// How often it is asked while the receivers still expect deliveries.
const SLOW_POLL: Duration = Duration::from_millis(250);
/// Connect and request time-out given to the worker in both runs (seconds).
const TIMEOUT_SECS: &str = "2";
/// Size the activity body is padded to, roughly.
const BODY_BYTES: usize = 1_500;

type BenchResult<T> = Result<T, String>;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("delivery bench: cannot start a tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("delivery bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn bench() -> BenchResult<()> {
    println!(
        "# healthy and dead runs: unsigned deliveries (no sender); signed run: each POST signed (rsa-sha256, RSA-2048) by a local account"
    );
    let overrides: Vec<String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("STARLING_WORKER__"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !overrides.is_empty() {
        println!(
            "# worker overrides from the environment: {}",
            overrides.join(" ")
        );
    }
    let body = activity_body();
    eprintln!("delivery bench: activity body is {} bytes", body.len());

    let live = LiveReceivers::start(HOSTS).await?;
    eprintln!("delivery bench: {HOSTS} receivers listening");

    // Run 1: every host answers.
    let inboxes = inbox_urls(&live.ports);
    let healthy = run_scenario(&Scenario {
        label: "healthy",
        inboxes: &inboxes,
        dead_hosts: &[],
        body: &body,
        live: &live,
        signed: false,
    })
    .await?;
    println!("deliveries: {} count", healthy.done);
    println!("elapsed: {:.3} s", healthy.elapsed);
    println!(
        "throughput: {:.0} deliveries/s",
        healthy.done as f64 / healthy.elapsed.max(1e-9)
    );
    println!("latency_p50: {:.1} ms", healthy.p50_ms);
    println!("latency_p99: {:.1} ms", healthy.p99_ms);
    println!("enqueue_time: {:.1} ms", healthy.enqueue_ms);
    println!("worker_peak_rss: {:.1} MB", healthy.peak_rss_mb);
    println!("received: {} count", healthy.received);

    // Run 2: every tenth host accepts connections and never answers.
    let dead = DeadReceivers::start(DEAD_HOSTS).await?;
    let mut ports = live.ports.clone();
    let dead_indexes: Vec<usize> = (0..HOSTS).step_by(HOSTS / DEAD_HOSTS).collect();
    for (slot, &i) in dead_indexes.iter().enumerate() {
        ports[i] = dead.ports[slot];
    }
    let dead_hosts: Vec<String> = dead.ports.iter().map(|p| host_of(*p)).collect();
    let inboxes = inbox_urls(&ports);
    let degraded = run_scenario(&Scenario {
        label: "dead",
        inboxes: &inboxes,
        dead_hosts: &dead_hosts,
        body: &body,
        live: &live,
        signed: false,
    })
    .await?;
    let connections = dead.connections.load(Ordering::Relaxed);
    println!("dead_hosts: {DEAD_HOSTS} count");
    println!("dead_elapsed_live_done: {:.3} s", degraded.elapsed);
    println!(
        "dead_connections_per_host: {:.2} count",
        connections as f64 / DEAD_HOSTS as f64
    );
    println!(
        "dead_extra_time: {:.3} s",
        degraded.elapsed - healthy.elapsed
    );
    println!("dead_pending: {} count", degraded.dead_pending);
    println!("dead_live_deliveries: {} count", degraded.done);
    println!("dead_worker_peak_rss: {:.1} MB", degraded.peak_rss_mb);

    // Run 3: every host answers; every delivery is signed by a local account.
    let inboxes = inbox_urls(&live.ports);
    let signed = run_scenario(&Scenario {
        label: "signed",
        inboxes: &inboxes,
        dead_hosts: &[],
        body: &body,
        live: &live,
        signed: true,
    })
    .await?;
    println!("signed_deliveries: {} count", signed.done);
    println!("signed_elapsed: {:.3} s", signed.elapsed);
    println!(
        "signed_throughput: {:.0} deliveries/s",
        signed.done as f64 / signed.elapsed.max(1e-9)
    );
    println!("signed_latency_p50: {:.1} ms", signed.p50_ms);
    println!("signed_latency_p99: {:.1} ms", signed.p99_ms);
    println!("signed_worker_peak_rss: {:.1} MB", signed.peak_rss_mb);
    println!("signed_received: {} count", signed.received);
    println!(
        "signed_received_with_signature: {} count",
        signed.received_signed
    );
    Ok(())
}

/// What one run measured.
struct Figures {
    /// Jobs to live hosts that finished as done.
    done: i64,
    /// Seconds from commit to the last live delivery done.
    elapsed: f64,
    p50_ms: f64,
    p99_ms: f64,
    enqueue_ms: f64,
    peak_rss_mb: f64,
    /// Requests the live receivers got during the run.
    received: u64,
    /// Those of them that carried a `Signature` header.
    received_signed: u64,
    /// Jobs to dead hosts still waiting once nothing was in flight any more.
    dead_pending: i64,
}

/// What one run delivers, and where.
struct Scenario<'a> {
    label: &'a str,
    /// One delivery per inbox.
    inboxes: &'a [String],
    /// Hosts among the inboxes' that never answer.
    dead_hosts: &'a [String],
    body: &'a str,
    live: &'a LiveReceivers,
    /// Whether a local account signs every delivery.
    signed: bool,
}

/// One run on a fresh database with a fresh worker process; always cleans up.
async fn run_scenario(scenario: &Scenario<'_>) -> BenchResult<Figures> {
    let Scenario { label, signed, .. } = *scenario;
    let name = format!(
        "starling_bench_delivery_{}_{}_{}",
        label,
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0)
    );
    let db_url = db_url_named(&name)?;
    let scratch = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {scratch:?}: {e}"))?;

    let mut config = Config::default();
    config.database.url = db_url.clone();
    config.database.max_connections = 4;
    config.federation.allowed_private_hosts = vec!["*".into()];
    config.storage.data_dir = scratch.join("data");
    eprintln!("delivery bench [{label}]: creating database {name}");
    let result = match starling::connect(config).await {
        Ok(state) => {
            let pool = state.db.clone();
            let sender = if signed {
                sending_account(&state).await
            } else {
                Ok(None)
            };
            let started = match sender {
                Ok(sender) => WorkerProcess::start(&db_url, &scratch).map(|w| (sender, w)),
                Err(e) => Err(e),
            };
            let result = match started {
                Ok((sender, mut worker)) => {
                    let result = match wait_until_listening(&pool, &db_url, &mut worker).await {
                        Ok(()) => measure(scenario, &pool, &mut worker, sender).await,
                        Err(e) => Err(e),
                    };
                    worker.stop(label).await;
                    result
                }
                Err(e) => Err(e),
            };
            pool.close().await;
            result
        }
        Err(e) => Err(format!("cannot set up database {name}: {e}")),
    };
    if let Err(e) = starling::db::drop_database(&db_url).await {
        eprintln!("delivery bench [{label}]: could not drop database {name}: {e}");
    }
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// A local account (with the key pair every account gets) to sign the deliveries.
async fn sending_account(
    state: &starling::state::AppState,
) -> BenchResult<Option<starling::id::AccountId>> {
    let (user, _) = starling::service::admin::create_account(
        state,
        &starling::service::admin::CreateAccount {
            username: "sender".into(),
            email: "sender@bench.test".into(),
            password: None,
            role: starling::db::users::Role::User,
            confirmed: true,
        },
    )
    .await
    .map_err(|e| format!("creating the sending account: {e}"))?;
    Ok(Some(user.account_id))
}

/// The running worker process and its sampled peak memory.
struct WorkerProcess {
    child: Child,
    pid: u32,
    peak_kb: Arc<AtomicU64>,
    sampling: Arc<AtomicBool>,
    sampler: tokio::task::JoinHandle<()>,
}

impl WorkerProcess {
    /// Starts `starling worker` with the shipped defaults, apart from the time-outs and
    /// the private-address allowance, and samples its peak RSS.
    fn start(db_url: &str, scratch: &Path) -> BenchResult<WorkerProcess> {
        let child = Command::new(env!("CARGO_BIN_EXE_starling"))
            .arg("worker")
            .current_dir(scratch)
            .env("DATABASE_URL", db_url)
            .env("STARLING_FEDERATION__ALLOWED_PRIVATE_HOSTS", "*")
            .env("STARLING_FEDERATION__REQUEST_TIMEOUT_SECONDS", TIMEOUT_SECS)
            .env("STARLING_FEDERATION__CONNECT_TIMEOUT_SECONDS", TIMEOUT_SECS)
            .env("STARLING_STORAGE__DATA_DIR", scratch.join("data"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the worker: {e}"))?;
        let Some(pid) = child.id() else {
            return Err("the worker process has no pid".into());
        };
        let peak_kb = Arc::new(AtomicU64::new(0));
        let sampling = Arc::new(AtomicBool::new(true));
        let sampler = {
            let peak = peak_kb.clone();
            let sampling = sampling.clone();
            tokio::spawn(async move {
                while sampling.load(Ordering::Relaxed) {
                    if let Some(kb) = vm_hwm_kb(pid) {
                        peak.fetch_max(kb, Ordering::Relaxed);
                    }
                    tokio::time::sleep(POLL).await;
                }
            })
        };
        Ok(WorkerProcess {
            child,
            pid,
            peak_kb,
            sampling,
            sampler,
        })
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the worker process exited early ({status})")),
            Ok(None) => None,
            Err(e) => Some(format!("cannot watch the worker process: {e}")),
        }
    }

    /// Peak RSS so far, read now and merged with the samples.
    fn peak_mb(&self) -> f64 {
        if let Some(kb) = vm_hwm_kb(self.pid) {
            self.peak_kb.fetch_max(kb, Ordering::Relaxed);
        }
        self.peak_kb.load(Ordering::Relaxed) as f64 / 1024.0
    }

    /// SIGTERM, then wait; SIGKILL if it does not stop in time.
    async fn stop(mut self, label: &str) {
        self.sampling.store(false, Ordering::Relaxed);
        let _ = (&mut self.sampler).await;
        eprintln!("delivery bench [{label}]: stopping the worker");
        let term = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if !matches!(term, Ok(s) if s.success()) {
            eprintln!("delivery bench [{label}]: SIGTERM failed; killing the worker");
            let _ = self.child.kill().await;
        }
        match tokio::time::timeout(Duration::from_secs(40), self.child.wait()).await {
            Ok(Ok(_)) => {}
            _ => {
                eprintln!("delivery bench [{label}]: the worker did not stop in 40 s; killing it");
                let _ = self.child.kill().await;
            }
        }
    }
}

/// Waits until the worker's LISTEN connection is up (it then claims at once on the
/// enqueue's notification), plus a moment for it to settle idle.
async fn wait_until_listening(
    pool: &PgPool,
    db_url: &str,
    worker: &mut WorkerProcess,
) -> BenchResult<()> {
    let name = url::Url::parse(db_url)
        .map_err(|e| e.to_string())?
        .path()
        .trim_start_matches('/')
        .to_string();
    let started = Instant::now();
    loop {
        if let Some(e) = worker.exited() {
            return Err(e);
        }
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'",
        )
        .bind(&name)
        .fetch_one(pool)
        .await
        .map_err(|e| format!("pg_stat_activity: {e}"))?;
        if listening > 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the worker did not LISTEN for jobs within 30 s".into());
        }
        tokio::time::sleep(POLL).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    Ok(())
}

/// Enqueues the fan-out, waits until every delivery to a live host is finished, and
/// reads the figures from the jobs table.
async fn measure(
    scenario: &Scenario<'_>,
    pool: &PgPool,
    worker: &mut WorkerProcess,
    sender: Option<starling::id::AccountId>,
) -> BenchResult<Figures> {
    let Scenario {
        label,
        inboxes,
        dead_hosts,
        body,
        live,
        ..
    } = *scenario;
    let received = &*live.received;
    let jobs: Vec<Job> = inboxes
        .iter()
        .map(|inbox| Job::Deliver {
            inbox: inbox.clone(),
            body: body.to_string(),
            sender,
        })
        .collect();
    let dead: Vec<String> = dead_hosts.to_vec();
    let received_before = received.load(Ordering::Relaxed);
    let signed_before = live.signed.load(Ordering::Relaxed);

    let enqueue_started = Instant::now();
    let mut tx = pool.begin().await.map_err(|e| format!("begin: {e}"))?;
    enqueue(&mut tx, &jobs)
        .await
        .map_err(|e| format!("enqueue: {e:?}"))?;
    tx.commit().await.map_err(|e| format!("commit: {e}"))?;
    let committed = Instant::now();
    let committed_at = epoch_secs(SystemTime::now());
    let enqueue_ms = (committed - enqueue_started).as_secs_f64() * 1000.0;
    eprintln!(
        "delivery bench [{label}]: {} jobs committed in {enqueue_ms:.0} ms",
        jobs.len()
    );

    // Until nothing for a live host is pending or running. Counting unfinished jobs is a
    // sequential scan of the whole table, which at 50 a second would take a noticeable
    // share of the CPU the worker and Postgres need; so the table is polled every
    // `POLL` only once the receivers have seen every live delivery, and every
    // `SLOW_POLL` before that (to notice failures). The figures do not depend on the
    // polling: they come from the jobs' own timestamps.
    let dead_set: HashSet<&str> = dead.iter().map(String::as_str).collect();
    let live_jobs = inboxes
        .iter()
        .filter(|u| {
            starling::delivery::queue::host_of(u).is_none_or(|h| !dead_set.contains(h.as_str()))
        })
        .count() as u64;
    let mut last_report = Instant::now();
    let mut last_poll: Option<Instant> = None;
    loop {
        let all_received = received.load(Ordering::Relaxed) - received_before >= live_jobs;
        if all_received || last_poll.is_none_or(|t| t.elapsed() >= SLOW_POLL) {
            last_poll = Some(Instant::now());
            let left: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE state IN ('pending', 'running') AND host <> ALL($1)",
            )
            .bind(&dead)
            .fetch_one(pool)
            .await
            .map_err(|e| format!("polling jobs: {e}"))?;
            if left == 0 {
                break;
            }
            if last_report.elapsed() > Duration::from_secs(5) {
                last_report = Instant::now();
                eprintln!(
                    "delivery bench [{label}]: {left} left after {:.1} s",
                    committed.elapsed().as_secs_f64()
                );
            }
        }
        if let Some(e) = worker.exited() {
            return Err(e);
        }
        if committed.elapsed() > RUN_LIMIT {
            return Err(format!(
                "[{label}] aborted: deliveries to live hosts still unfinished after {} s",
                RUN_LIMIT.as_secs()
            ));
        }
        tokio::time::sleep(POLL).await;
    }
    let received_count = received.load(Ordering::Relaxed) - received_before;
    let received_signed = live.signed.load(Ordering::Relaxed) - signed_before;

    let (done, last_done, p50, p99): (i64, Option<f64>, Option<f64>, Option<f64>) =
        sqlx::query_as(
            "SELECT count(*), \
               extract(epoch FROM max(finished_at))::float8, \
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)::float8), \
               percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)::float8) \
             FROM jobs WHERE state = 'done' AND host <> ALL($1)",
        )
        .bind(&dead)
        .fetch_one(pool)
        .await
        .map_err(|e| format!("reading figures: {e}"))?;
    let failed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'dead' AND host <> ALL($1)")
            .bind(&dead)
            .fetch_one(pool)
            .await
            .map_err(|e| format!("reading figures: {e}"))?;
    if failed > 0 {
        eprintln!("delivery bench [{label}]: {failed} deliveries to live hosts failed for good");
    }
    let elapsed = last_done.map(|t| t - committed_at).unwrap_or(0.0).max(0.0);

    // With dead hosts: let the attempts still in flight time out, then count what waits.
    let mut dead_pending = 0;
    if !dead.is_empty() {
        loop {
            let running: i64 =
                sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'running'")
                    .fetch_one(pool)
                    .await
                    .map_err(|e| format!("polling jobs: {e}"))?;
            if running == 0 {
                break;
            }
            if committed.elapsed() > RUN_LIMIT {
                return Err(format!(
                    "[{label}] aborted: {running} jobs still running after {} s",
                    RUN_LIMIT.as_secs()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
        dead_pending = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE state = 'pending' AND host = ANY($1)",
        )
        .bind(&dead)
        .fetch_one(pool)
        .await
        .map_err(|e| format!("reading figures: {e}"))?;
    }

    Ok(Figures {
        done,
        elapsed,
        p50_ms: p50.unwrap_or(0.0) * 1000.0,
        p99_ms: p99.unwrap_or(0.0) * 1000.0,
        enqueue_ms,
        peak_rss_mb: worker.peak_mb(),
        received: received_count,
        received_signed,
        dead_pending,
    })
}

/// Receivers that answer every request with 202 Accepted, keep-alive.
struct LiveReceivers {
    ports: Vec<u16>,
    received: Arc<AtomicU64>,
    /// Requests that carried a `Signature` header.
    signed: Arc<AtomicU64>,
}

impl LiveReceivers {
    async fn start(n: usize) -> BenchResult<LiveReceivers> {
        let received = Arc::new(AtomicU64::new(0));
        let signed = Arc::new(AtomicU64::new(0));
        let mut ports = Vec::with_capacity(n);
        for _ in 0..n {
            let listener = bind().await?;
            ports.push(port_of(&listener)?);
            let received = received.clone();
            let signed = signed.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let received = received.clone();
                    let signed = signed.clone();
                    tokio::spawn(async move {
                        let _ = answer_accepted(stream, &received, &signed).await;
                    });
                }
            });
        }
        Ok(LiveReceivers {
            ports,
            received,
            signed,
        })
    }
}

/// Minimal HTTP/1.1: read a request head and its Content-Length body, answer 202, repeat
/// on the same connection until the client closes it.
async fn answer_accepted(
    mut stream: TcpStream,
    received: &AtomicU64,
    signed: &AtomicU64,
) -> std::io::Result<()> {
    const ACCEPTED: &[u8] = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n";
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 8 * 1024];
    loop {
        // Read until the head is complete.
        let mut scanned = 0;
        let head_end = loop {
            if let Some(pos) = find_head_end(&buf, scanned) {
                break pos;
            }
            scanned = buf.len().saturating_sub(3);
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let total = head_end + content_length(&buf[..head_end]);
        if has_header(&buf[..head_end], "signature") {
            signed.fetch_add(1, Ordering::Relaxed);
        }
        while buf.len() < total {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        buf.drain(..total);
        received.fetch_add(1, Ordering::Relaxed);
        stream.write_all(ACCEPTED).await?;
    }
}

/// The index just past `\r\n\r\n`, searching from `from`.
fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| from + p + 4)
}

fn content_length(head: &[u8]) -> usize {
    header_value(head, "content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

fn has_header(head: &[u8], name: &str) -> bool {
    header_value(head, name).is_some()
}

/// The trimmed value of the first header line called `name` (any case).
fn header_value(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head)
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim().to_string())
}

/// Listeners that accept connections and never answer; they count the connections.
struct DeadReceivers {
    ports: Vec<u16>,
    connections: Arc<AtomicU64>,
}

impl DeadReceivers {
    async fn start(n: usize) -> BenchResult<DeadReceivers> {
        let connections = Arc::new(AtomicU64::new(0));
        let mut ports = Vec::with_capacity(n);
        for _ in 0..n {
            let listener = bind().await?;
            ports.push(port_of(&listener)?);
            let connections = connections.clone();
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    connections.fetch_add(1, Ordering::Relaxed);
                    // Swallow the request and hold the connection until the client gives up.
                    tokio::spawn(async move {
                        let mut sink = [0u8; 4096];
                        while let Ok(n) = stream.read(&mut sink).await {
                            if n == 0 {
                                break;
                            }
                        }
                    });
                }
            });
        }
        Ok(DeadReceivers { ports, connections })
    }
}

async fn bind() -> BenchResult<TcpListener> {
    TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))
}

fn port_of(listener: &TcpListener) -> BenchResult<u16> {
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("listener address: {e}"))
}

fn host_of(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// One inbox per job, `PER_HOST` per host; consecutive jobs go to different hosts, as a
/// fan-out to followers spread over many servers would.
fn inbox_urls(ports: &[u16]) -> Vec<String> {
    let urls: Vec<String> = (0..JOBS)
        .map(|i| {
            format!(
                "http://{}/users/u{i}/inbox",
                host_of(ports[i % ports.len()])
            )
        })
        .collect();
    debug_assert_eq!(urls.iter().collect::<HashSet<_>>().len(), JOBS);
    urls
}

/// A Create of a public Note with a mention, a hashtag and an image, about 1.5 KB.
fn activity_body() -> String {
    let base = "https://starling.example";
    let sentences = [
        "Spent the morning repotting the basil and the thyme, and the kitchen still smells of it.",
        "If anyone has tips for keeping aphids off the chillies without spraying, I am listening.",
        "Also: the new bread recipe worked, crust and all, so that is going on the list.",
        "Photos of the balcony garden below, before the pigeons find it again.",
    ];
    let activity = |content: &str| {
        serde_json::json!({
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}
            ],
            "id": format!("{base}/users/alice/statuses/113401234567890123/activity"),
            "type": "Create",
            "actor": format!("{base}/users/alice"),
            "published": "2025-05-04T09:12:44Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{base}/users/alice/followers"), "https://remote.example/users/bob"],
            "object": {
                "id": format!("{base}/users/alice/statuses/113401234567890123"),
                "type": "Note",
                "summary": null,
                "inReplyTo": null,
                "published": "2025-05-04T09:12:44Z",
                "url": format!("{base}/@alice/113401234567890123"),
                "attributedTo": format!("{base}/users/alice"),
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [format!("{base}/users/alice/followers"), "https://remote.example/users/bob"],
                "sensitive": false,
                "content": content,
                "attachment": [{
                    "type": "Document",
                    "mediaType": "image/jpeg",
                    "url": format!("{base}/media/8f/3a/balcony.jpg"),
                    "name": "Pots of basil and thyme on a sunny balcony",
                    "width": 1600,
                    "height": 1200
                }],
                "tag": [
                    {"type": "Mention", "href": "https://remote.example/users/bob", "name": "@bob@remote.example"},
                    {"type": "Hashtag", "href": format!("{base}/tags/gardening"), "name": "#gardening"}
                ]
            }
        })
        .to_string()
    };
    let mut content = String::from(
        "<p><span class=\"h-card\"><a href=\"https://remote.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> ",
    );
    let mut i = 0;
    loop {
        let closed = format!(
            "{content}<a href=\"{base}/tags/gardening\" class=\"mention hashtag\" rel=\"tag\">#<span>gardening</span></a></p>"
        );
        let body = activity(&closed);
        if body.len() >= BODY_BYTES - 100 {
            return body;
        }
        content.push_str(sentences[i % sentences.len()]);
        content.push(' ');
        i += 1;
    }
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn epoch_secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `DATABASE_URL` (default: the local server's `postgres` database) with another name.
fn db_url_named(name: &str) -> BenchResult<String> {
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut url = url::Url::parse(&base).map_err(|e| format!("DATABASE_URL {base:?}: {e}"))?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}
