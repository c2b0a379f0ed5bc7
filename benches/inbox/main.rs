//! Inbox benchmark: how fast `starling serve` accepts signed activities at its shared
//! inbox and processes them, and how long a post takes from receipt to a local follower's
//! home timeline.
//!
//! Run with `cargo bench --bench inbox`. Everything it needs is made here and removed
//! again: a database of its own per run, 100 remote actors (RSA-2048 keys, one loopback
//! host each, serving their actor documents), and the server as a child process (the
//! real binary with the shipped defaults, apart from its address and the private-address
//! allowance for the actors' hosts). Figures are printed one per line as
//! `<metric>: <value> <unit>`; notes start with `#`; progress goes to stderr.
//!
//! Each run has three steps:
//! 1. first contact: one `Create` from each actor; the server knows none of them, so each
//!    makes it fetch the actor and its key with a signed GET (`first_contact_*`);
//! 2. a local account, `reader`, follows all 100 (inserted in the database: following
//!    remote accounts through the API is not available yet);
//! 3. 10,000 `Create`s of public Notes, round-robin over the actors, POSTed to `/inbox`
//!    with 64 in flight. They are signed before the clock starts, so the bench's own RSA
//!    signing does not compete with the server for the two cores.
//!
//! Two runs: `starling serve` as shipped (HTTP and worker in one process, sharing the
//! cores), then (`split_*`) `starling serve --no-worker` taking all 10,000 first and a
//! `starling worker` draining them afterwards, which shows what each side costs alone.
//!
//! Any `STARLING_WORKER__*` or `STARLING_DATABASE__*` variable in the environment reaches
//! the server and worker (for experiments) and is echoed in a note.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use starling::config::Config;
use starling::id::AccountId;
use starling::state::AppState;
use tokio::net::TcpListener;
use tokio::process::Command;

/// Remote actors, each on a loopback host of its own.
const ACTORS: usize = 100;
/// Activities in the measured step.
const ACTIVITIES: usize = 10_000;
/// Requests in flight at once.
const IN_FLIGHT: usize = 64;
/// Every n-th activity of the run is watched until it shows in the reader's home.
const SAMPLE_EVERY: usize = 10;
/// The oldest watched posts looked up per poll.
const WATCH_BATCH: usize = 20;
/// How often the home timeline is polled for watched posts.
const WATCH_POLL: Duration = Duration::from_millis(20);
/// How often the jobs table is asked for progress (the figures come from the jobs' own
/// timestamps, not from this polling).
const POLL: Duration = Duration::from_millis(500);
/// A step taking longer than this is aborted.
const RUN_LIMIT: Duration = Duration::from_secs(300);
/// Size the activity body is padded to, roughly.
const BODY_BYTES: usize = 1_500;
const AP: &str = "application/activity+json";
/// `application_name` of the bench's own database connections, to tell their CPU apart
/// from the server's.
const BENCH_APP: &str = "starling-bench";

type BenchResult<T> = Result<T, String>;

mod actors;
mod db;
mod home;
mod process;
mod requests;

use actors::{RemoteActors, crypto_costs};
use db::{follow_all, job_figures, max_job_id, remote_statuses, wait_until_processed};
use home::{Watcher, watch_home};
use process::{CpuSnapshot, Process, wait_until_healthy};
use requests::{Prepared, Sender, Sent, check_accepted, prepare};

/// How the server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `starling serve`: HTTP and the worker in one process, as shipped.
    Together,
    /// `starling serve --no-worker` takes the whole step first, then `starling worker`
    /// drains the queue.
    Split,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Together => "together",
            Mode::Split => "split",
        }
    }
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("inbox bench: cannot start a tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inbox bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn bench() -> BenchResult<()> {
    println!(
        "# {ACTIVITIES} signed Creates (rsa-sha256, RSA-2048) from {ACTORS} actors on {ACTORS} loopback hosts, {IN_FLIGHT} in flight, to /inbox"
    );
    let overrides: Vec<String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("STARLING_WORKER__") || k.starts_with("STARLING_DATABASE__"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if !overrides.is_empty() {
        println!(
            "# server overrides from the environment: {}",
            overrides.join(" ")
        );
    }
    let started = Instant::now();
    let actors = RemoteActors::start(ACTORS).await?;
    eprintln!(
        "inbox bench: {ACTORS} actors with keys in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let costs = crypto_costs(&actors.actors[0]).await?;
    println!(
        "# one core, in the bench process: parsing a public key PEM, verifying and making one rsa-sha256 signature"
    );
    println!("key_parse_time: {:.1} us", costs.parse_us);
    println!("signature_verify_time: {:.1} us", costs.verify_us);
    println!("signing_time: {:.1} us", costs.sign_us);
    run(&actors, Mode::Together).await?;
    run(&actors, Mode::Split).await
}

/// Where a run's database and files are, and how to start its processes.
struct Launch {
    db_name: String,
    db_url: String,
    scratch: PathBuf,
    port: u16,
    /// The actors' hosts, comma-separated.
    allowed: String,
}

impl Launch {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `starling <args>` with the shipped defaults, apart from the address, the
    /// database, the data directory and the actors' hosts allowed.
    fn start(&self, name: &'static str, args: &[&str]) -> BenchResult<Process> {
        let child = Command::new(env!("CARGO_BIN_EXE_starling"))
            .args(args)
            .current_dir(&self.scratch)
            .env("DATABASE_URL", &self.db_url)
            .env("STARLING_INSTANCE__URL", self.base())
            .env("STARLING_HTTP__BIND", format!("127.0.0.1:{}", self.port))
            .env("STARLING_FEDERATION__ALLOWED_PRIVATE_HOSTS", &self.allowed)
            .env("STARLING_STORAGE__DATA_DIR", self.scratch.join("data"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the {name}: {e}"))?;
        let pid = child
            .id()
            .ok_or_else(|| format!("the {name} process has no pid"))?;
        Ok(Process { name, child, pid })
    }
}

/// One run on a fresh database with a fresh server process; always cleans up.
async fn run(actors: &RemoteActors, mode: Mode) -> BenchResult<()> {
    let db_name = format!(
        "starling_bench_inbox_{}_{}_{}",
        mode.label(),
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0)
    );
    let launch = Launch {
        db_url: db_url_named(&db_name)?,
        scratch: std::env::temp_dir().join(&db_name),
        port: free_port().await?,
        allowed: actors.hosts().join(","),
        db_name,
    };
    std::fs::create_dir_all(&launch.scratch)
        .map_err(|e| format!("cannot create {:?}: {e}", launch.scratch))?;
    let mut config = Config::default();
    config.instance.url = launch.base();
    config.database.url = format!("{}?application_name={BENCH_APP}", launch.db_url);
    config.database.max_connections = 4;
    config.storage.data_dir = launch.scratch.join("data");
    eprintln!(
        "inbox bench [{}]: creating database {}",
        mode.label(),
        launch.db_name
    );
    let result = match starling::connect(config).await {
        Ok(state) => {
            // A server that has been up a while has its instance actor (and its key);
            // on a fresh one, concurrent first fetches would each generate a key pair.
            let _ = starling::service::instance::instance_actor(&state).await;
            let args: &[&str] = match mode {
                Mode::Together => &["serve"],
                Mode::Split => &["serve", "--no-worker"],
            };
            let result = match launch.start("server", args) {
                Ok(mut server) => {
                    let result = match wait_until_healthy(&launch.base(), &mut server).await {
                        Ok(()) => measure(&state, &launch, &mut server, actors, mode).await,
                        Err(e) => Err(e),
                    };
                    server.stop().await;
                    result
                }
                Err(e) => Err(e),
            };
            state.db.close().await;
            result
        }
        Err(e) => Err(format!("cannot set up database {}: {e}", launch.db_name)),
    };
    if let Err(e) = starling::db::drop_database(&launch.db_url).await {
        eprintln!(
            "inbox bench: could not drop database {}: {e}",
            launch.db_name
        );
    }
    let _ = std::fs::remove_dir_all(&launch.scratch);
    result
}

/// The three steps of a run, printing their figures.
async fn measure(
    state: &AppState,
    launch: &Launch,
    server: &mut Process,
    actors: &RemoteActors,
    mode: Mode,
) -> BenchResult<()> {
    let pool = &state.db;
    let sender = Sender::new(&launch.base())?;
    let (reader, _) = starling::service::admin::create_account(
        state,
        &starling::service::admin::CreateAccount {
            username: "reader".into(),
            email: "reader@bench.test".into(),
            password: None,
            role: starling::db::users::Role::User,
            confirmed: true,
        },
    )
    .await
    .map_err(|e| format!("creating the reader: {e}"))?;
    let reader = reader.account_id;

    // 1. First contact: every actor is new to the server.
    let first: Vec<usize> = (0..ACTORS).collect();
    let requests = Arc::new(prepare(actors, &first, &sender.inbox).await?);
    let fetches_before = actors.fetches.load(Ordering::Relaxed);
    let sent = sender.send_all(requests, None).await?;
    let fetches = actors.fetches.load(Ordering::Relaxed) - fetches_before;
    check_accepted("first contact", &sent)?;
    match mode {
        Mode::Together => wait_until_processed(pool, server).await?,
        Mode::Split => {
            let mut worker = launch.start("worker", &["worker"])?;
            let processed = wait_until_processed(pool, &mut worker).await;
            worker.stop().await;
            processed?;
        }
    }
    if mode == Mode::Together {
        println!(
            "# first contact: one Create from each actor, all unknown to the server; its instance actor (which signs the key fetches) already exists"
        );
        let lat = percentiles(sent.iter().map(Sent::ms).collect());
        println!("first_contact_accept_p50: {:.1} ms", lat.p50);
        println!("first_contact_accept_p99: {:.1} ms", lat.p99);
        println!("key_fetches: {fetches} count");
        let unsigned = actors.unsigned_fetches.load(Ordering::Relaxed);
        if unsigned > 0 {
            println!("# {unsigned} actor fetches came without a Signature header");
        }
    }

    // 2. The reader follows every actor.
    follow_all(pool, reader, actors).await?;

    // 3. The measured step.
    let order: Vec<usize> = (0..ACTIVITIES).map(|i| i % ACTORS).collect();
    let signing = Instant::now();
    let requests = Arc::new(prepare(actors, &order, &sender.inbox).await?);
    eprintln!(
        "inbox bench [{}]: {ACTIVITIES} requests signed in {:.1} s",
        mode.label(),
        signing.elapsed().as_secs_f64()
    );
    match mode {
        Mode::Together => together(state, launch, server, &sender, reader, requests).await,
        Mode::Split => split(state, launch, server, &sender, requests).await,
    }
}

/// The shipped arrangement: accepting and processing share the process and the cores.
async fn together(
    state: &AppState,
    launch: &Launch,
    server: &mut Process,
    sender: &Sender,
    reader: AccountId,
    requests: Arc<Vec<Prepared>>,
) -> BenchResult<()> {
    let pool = &state.db;
    let body_bytes = requests[0].body.len();
    let jobs_before = max_job_id(pool).await?;
    let stored_before = remote_statuses(pool).await?;
    let watcher = Arc::new(Watcher::default());
    let stop_watching = Arc::new(AtomicBool::new(false));
    let watch_pool = home::watch_pool(&launch.db_url).await?;
    let watch = tokio::spawn(watch_home(
        watch_pool.clone(),
        reader,
        watcher.clone(),
        stop_watching.clone(),
    ));
    let cpu_before = CpuSnapshot::take(pool, &launch.db_name, server.pid).await?;
    let run_started_at = epoch_secs(SystemTime::now());
    let run_started = Instant::now();
    let sent = sender.send_all(requests, Some(&watcher)).await;
    let accept_elapsed = run_started.elapsed().as_secs_f64();
    let sent = match sent {
        Ok(s) => s,
        Err(e) => {
            stop_watching.store(true, Ordering::Relaxed);
            let _ = watch.await;
            watch_pool.close().await;
            return Err(e);
        }
    };
    eprintln!("inbox bench: all {ACTIVITIES} answered in {accept_elapsed:.2} s");
    let accepted = sent.iter().filter(|s| s.status == 202).count();
    if let Err(e) = check_accepted("run", &sent) {
        println!("# {e}");
    }
    let processed = wait_until_processed(pool, server).await;
    let cpu_after = CpuSnapshot::take(pool, &launch.db_name, server.pid).await;
    stop_watching.store(true, Ordering::Relaxed);
    let _ = watch.await;
    watch_pool.close().await;
    processed?;
    let cpu = cpu_after?.since(&cpu_before);
    let jobs = job_figures(pool, jobs_before).await?;
    let stored = remote_statuses(pool).await? - stored_before;
    let accept_lat = percentiles(sent.iter().map(Sent::ms).collect());
    let process_elapsed = jobs.last_done.map(|t| t - run_started_at).unwrap_or(0.0);
    let visible = watcher.figures();

    println!("# activity body: {body_bytes} bytes");
    println!("activities: {ACTIVITIES} count");
    println!("accepted: {accepted} count");
    println!("accept_elapsed: {accept_elapsed:.3} s");
    println!(
        "accepted_per_second: {:.0} activities/s",
        accepted as f64 / accept_elapsed.max(1e-9)
    );
    println!("accept_latency_p50: {:.1} ms", accept_lat.p50);
    println!("accept_latency_p99: {:.1} ms", accept_lat.p99);
    println!("processed: {} count", jobs.done);
    println!("statuses_stored: {stored} count");
    println!("process_elapsed: {process_elapsed:.3} s");
    println!(
        "processed_per_second: {:.0} activities/s",
        jobs.done as f64 / process_elapsed.max(1e-9)
    );
    println!(
        "# home latency: every {SAMPLE_EVERY}th activity, from sending its POST until the reader's home query (db::home_feeds::home_ids) returns the post; polled every {} ms, so up to that much is added",
        WATCH_POLL.as_millis()
    );
    println!("home_visible_p50: {:.1} ms", visible.p50);
    println!("home_visible_p99: {:.1} ms", visible.p99);
    println!("home_visible_samples: {} count", visible.count);
    if visible.missing > 0 {
        println!("home_visible_missing: {} count", visible.missing);
    }
    println!(
        "# queue latency: every activity, from its job's enqueue (just before the 202) to the job marked done"
    );
    println!("queue_latency_p50: {:.1} ms", jobs.p50_ms);
    println!("queue_latency_p99: {:.1} ms", jobs.p99_ms);
    jobs.note_failures();
    let per = |secs: f64| secs * 1000.0 / ACTIVITIES as f64;
    println!(
        "# CPU from the first POST to the last activity processed: the server process, the database backends serving it, the bench process (sending, polling) and the backends serving the bench's polling"
    );
    println!("server_cpu_per_activity: {:.3} ms", per(cpu.process));
    println!("postgres_cpu_per_activity: {:.3} ms", per(cpu.postgres));
    println!("bench_cpu_per_activity: {:.3} ms", per(cpu.bench));
    println!(
        "bench_postgres_cpu_per_activity: {:.3} ms",
        per(cpu.bench_postgres)
    );
    println!("machine_cpu_busy: {:.0} %", cpu.machine_busy * 100.0);
    println!("server_peak_rss: {:.1} MB", server.peak_mb());
    Ok(())
}

/// Each side alone: the server without its worker takes every activity, then a worker
/// process drains the queue.
async fn split(
    state: &AppState,
    launch: &Launch,
    server: &mut Process,
    sender: &Sender,
    requests: Arc<Vec<Prepared>>,
) -> BenchResult<()> {
    let pool = &state.db;
    let jobs_before = max_job_id(pool).await?;
    let before = CpuSnapshot::take(pool, &launch.db_name, server.pid).await?;
    let started = Instant::now();
    let sent = sender.send_all(requests, None).await?;
    let accept_elapsed = started.elapsed().as_secs_f64();
    let accepting = CpuSnapshot::take(pool, &launch.db_name, server.pid)
        .await?
        .since(&before);
    if let Err(e) = check_accepted("split run", &sent) {
        println!("# {e}");
    }
    let accepted = sent.iter().filter(|s| s.status == 202).count();
    eprintln!("inbox bench [split]: all {ACTIVITIES} answered in {accept_elapsed:.2} s");

    let mut worker = launch.start("worker", &["worker"])?;
    let before = CpuSnapshot::take(pool, &launch.db_name, worker.pid).await;
    let processed = wait_until_processed(pool, &mut worker).await;
    let after = CpuSnapshot::take(pool, &launch.db_name, worker.pid).await;
    worker.stop().await;
    processed?;
    let processing = after?.since(&before?);
    let jobs = job_figures(pool, jobs_before).await?;
    // From the first job done to the last: the worker's start-up is not counted.
    let drain = match (jobs.first_done, jobs.last_done) {
        (Some(first), Some(last)) if last > first => (jobs.done - 1) as f64 / (last - first),
        _ => 0.0,
    };

    let per = |secs: f64| secs * 1000.0 / ACTIVITIES as f64;
    println!(
        "# split: `serve --no-worker` accepts all {ACTIVITIES}, then `starling worker` drains them; CPU of each process and of the database backends serving it"
    );
    println!(
        "split_accepted_per_second: {:.0} activities/s",
        accepted as f64 / accept_elapsed.max(1e-9)
    );
    println!(
        "split_accept_server_cpu_per_activity: {:.3} ms",
        per(accepting.process)
    );
    println!(
        "split_accept_postgres_cpu_per_activity: {:.3} ms",
        per(accepting.postgres)
    );
    println!(
        "split_accept_machine_cpu_busy: {:.0} %",
        accepting.machine_busy * 100.0
    );
    println!("split_processed: {} count", jobs.done);
    println!("split_processed_per_second: {drain:.0} activities/s");
    println!(
        "split_process_worker_cpu_per_activity: {:.3} ms",
        per(processing.process)
    );
    println!(
        "split_process_postgres_cpu_per_activity: {:.3} ms",
        per(processing.postgres)
    );
    println!(
        "split_process_machine_cpu_busy: {:.0} %",
        processing.machine_busy * 100.0
    );
    jobs.note_failures();
    Ok(())
}

struct Percentiles {
    p50: f64,
    p99: f64,
}

/// Nearest-rank percentiles; zero for no values.
fn percentiles(mut values: Vec<f64>) -> Percentiles {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if values.is_empty() {
            return 0.0;
        }
        let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
        values[rank - 1]
    };
    Percentiles {
        p50: at(0.5),
        p99: at(0.99),
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

/// A port that was free a moment ago, for the server to bind.
async fn free_port() -> BenchResult<u16> {
    let listener = bind().await?;
    port_of(&listener)
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
