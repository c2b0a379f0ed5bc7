//! Timelines benchmark: how fast `starling serve` answers the two timelines people
//! read most, on a community of 10,000 accounts and 1,000,000 statuses.
//!
//! Run with `cargo bench --bench timelines`. The database `starling_bench_timelines` is
//! seeded once by the same code as `starling admin seed-bench` (defaults: 10,000
//! accounts, 1,000,000 statuses, the viewer following 1,000 accounts) and kept, so later
//! runs start in seconds; `STARLING_BENCH_FRESH=1` drops and seeds it again, and a
//! database that holds anything but a seed of that size is dropped and seeded anew. The
//! server is the real binary as a child process (`serve --no-worker`, shipped defaults
//! otherwise). Figures are printed one per line as `<metric>: <value> <unit>`; notes
//! start with `#`; progress goes to stderr.
//!
//! Two runs, each with 16 clients (tokio tasks, one keep-alive connection each) asking
//! one after another for `MEASURE_SECS` seconds after a warm-up:
//! - `home`: `GET /api/v1/timelines/home?limit=40` with the viewer's OAuth token (got
//!   through the OAuth service functions: app, consent, code, token);
//! - `public_local`: `GET /api/v1/timelines/public?local=true`, anonymous (20 statuses).
//!
//! Every answer must be 200 with its whole body, and every eighth of each client's is
//! parsed in full and must hold a full page (40 and 20 statuses); anything else is
//! counted and fails the bench. (Parsing a 66 kB page costs the client about as much
//! CPU as the server spends answering it outside Postgres; on two shared cores that
//! would be taken from the server.) Latency is from sending the request to having the
//! whole body. Targets on the 2-core machine: home p99 ≤ 15 ms, public ≥ 2,000
//! requests/s.
//!
//! `STARLING_BENCH_SECONDS` changes the measured time per run (default 20);
//! `DATABASE_URL` the Postgres server (default: the local one, over its Unix socket when
//! it has one).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use starling::config::Config;
use starling::error::ErrorKind;
use starling::service::seed::{self, SeedOptions};
use starling::state::AppState;

mod load;
mod server;

use load::{Target, drive, percentiles};
use server::{Server, Usage};

const DB_NAME: &str = "starling_bench_timelines";
/// The seed's URLs are built from this; the server is told the same, whatever its port.
const INSTANCE_URL: &str = "http://timelines.bench.test";
const CLIENTS: usize = 16;
const WARM_UP: Duration = Duration::from_secs(3);
const MEASURE_SECS: u64 = 20;
const HOME_LIMIT: usize = 40;
const PUBLIC_LIMIT: usize = 20;
/// `application_name` of the bench's own connections, to tell them from the server's.
const BENCH_APP: &str = "starling-bench";

type BenchResult<T> = Result<T, String>;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("timelines bench: cannot start a tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("timelines bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn bench() -> BenchResult<()> {
    let options = SeedOptions::default();
    let db_url = db_url_named(DB_NAME)?;
    let scratch = std::env::temp_dir().join(format!("{DB_NAME}_{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("cannot create {scratch:?}: {e}"))?;
    if std::env::var("STARLING_BENCH_FRESH").is_ok_and(|v| !v.is_empty() && v != "0") {
        eprintln!("timelines bench: STARLING_BENCH_FRESH set; dropping {DB_NAME}");
        drop_db(&db_url).await?;
    }
    let state = seeded(&db_url, &scratch, &options).await?;
    let result = match Server::start(
        &db_url,
        INSTANCE_URL,
        free_port().await?,
        &scratch.join("data"),
    ) {
        Ok(mut server) => {
            let result = match server.wait_until_healthy().await {
                Ok(()) => measure(&state, &server).await,
                Err(e) => Err(e),
            };
            println!("server_peak_rss: {:.1} MB", server.peak_mb());
            server.stop().await;
            result
        }
        Err(e) => Err(e),
    };
    state.db.close().await;
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "# database {DB_NAME} kept for the next run (STARLING_BENCH_FRESH=1 seeds it again; `dropdb {DB_NAME}` removes it)"
    );
    result
}

/// The bench's own connection to the seeded database: seeds it when empty, keeps it when
/// it already holds this seed, and drops and seeds it when it holds anything else.
async fn seeded(db_url: &str, scratch: &std::path::Path, o: &SeedOptions) -> BenchResult<AppState> {
    let mut config = Config::default();
    config.instance.url = INSTANCE_URL.into();
    let mut url = url::Url::parse(db_url).map_err(|e| format!("{db_url:?}: {e}"))?;
    url.query_pairs_mut()
        .append_pair("application_name", BENCH_APP);
    config.database.url = url.to_string();
    config.database.max_connections = 2;
    config.storage.data_dir = scratch.join("data");
    for attempt in 0..2 {
        let state = starling::connect(config.clone())
            .await
            .map_err(|e| format!("cannot set up database {DB_NAME}: {e}"))?;
        let started = Instant::now();
        eprintln!("timelines bench: seeding {DB_NAME} (or finding it seeded)");
        match seed::seed_bench(&state, o).await {
            Ok(s) => {
                let shape = s.shape;
                println!(
                    "# seed: {} accounts, {} statuses ({} boosts, {} replies, {} with hashtags), {} mentions, {} follows ({} by the viewer), {} favourites",
                    shape.accounts,
                    shape.statuses,
                    shape.boosts,
                    shape.replies,
                    shape.tagged,
                    shape.mentions,
                    shape.follows,
                    shape.viewer_following,
                    shape.favourites
                );
                if s.reused {
                    println!("# seed reused from an earlier run (no seed_time this run)");
                } else {
                    println!("seed_time: {:.1} s", started.elapsed().as_secs_f64());
                }
                return Ok(state);
            }
            Err(e) if e.kind == ErrorKind::Validation && attempt == 0 => {
                eprintln!("timelines bench: {e}; dropping {DB_NAME} and seeding it again");
                state.db.close().await;
                drop_db(db_url).await?;
            }
            Err(e) => return Err(format!("seeding: {e:?}")),
        }
    }
    Err("seeding: the database could not be made empty".into())
}

async fn measure(state: &AppState, server: &Server) -> BenchResult<()> {
    let token = seed::viewer_token(state)
        .await
        .map_err(|e| format!("viewer token: {e:?}"))?;
    let seconds = std::env::var("STARLING_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(MEASURE_SECS);
    println!(
        "# {CLIENTS} clients, keep-alive, one request at a time each; {} s warm-up, {seconds} s measured per timeline; targets: home p99 <= 15 ms, public >= 2000 requests/s",
        WARM_UP.as_secs()
    );
    println!("machine_sha256_speed: {:.0} MB/s", machine_speed());
    println!(
        "# database connection: {}",
        if state.config.database.url.contains("host=/") {
            "Unix socket"
        } else {
            "TCP"
        }
    );
    let home = Target {
        url: format!("{}/api/v1/timelines/home?limit={HOME_LIMIT}", server.base),
        token: Some(token),
        expect_items: HOME_LIMIT,
    };
    let public = Target {
        url: format!("{}/api/v1/timelines/public?local=true", server.base),
        token: None,
        expect_items: PUBLIC_LIMIT,
    };
    let mut failures = Vec::new();
    for (name, target) in [("home", home), ("public_local", public)] {
        if let Err(e) = run(state, server, name, target, Duration::from_secs(seconds)).await {
            failures.push(e);
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// How fast this machine hashes on one core right now. Shared machines drift by a
/// quarter within an hour; comparing runs is only fair at similar figures.
fn machine_speed() -> f64 {
    use sha2::{Digest, Sha256};
    let block = vec![0x5au8; 1 << 20];
    let started = Instant::now();
    let mut hasher = Sha256::new();
    for _ in 0..128 {
        hasher.update(&block);
    }
    std::hint::black_box(hasher.finalize());
    128.0 / started.elapsed().as_secs_f64().max(1e-9)
}

/// Warm-up, then the measured run of one timeline; prints its figures.
async fn run(
    state: &AppState,
    server: &Server,
    name: &str,
    target: Target,
    duration: Duration,
) -> BenchResult<()> {
    let target = Arc::new(target);
    eprintln!("timelines bench: {name}: warming up");
    drive(target.clone(), CLIENTS, WARM_UP).await?;
    let before = Usage::take(&state.db, DB_NAME, server.pid).await?;
    eprintln!(
        "timelines bench: {name}: measuring for {} s",
        duration.as_secs()
    );
    let run = drive(target, CLIENTS, duration).await?;
    let cost = Usage::take(&state.db, DB_NAME, server.pid)
        .await?
        .since(&before);
    let n = run.requests().max(1) as f64;
    let per_request_ms = |secs: f64| secs * 1000.0 / n;
    let lat = percentiles(run.latencies_ms.clone());
    println!("{name}_requests: {} count", run.requests());
    println!("{name}_latency_p50: {:.2} ms", lat.p50);
    println!("{name}_latency_p90: {:.2} ms", lat.p90);
    println!("{name}_latency_p99: {:.2} ms", lat.p99);
    println!("{name}_latency_max: {:.2} ms", lat.max);
    println!(
        "{name}_requests_per_second: {:.0} requests/s",
        run.per_second()
    );
    println!(
        "{name}_statuses_per_response: {:.1} count",
        run.items as f64 / run.parsed.max(1) as f64
    );
    println!(
        "{name}_response_size: {:.1} kB",
        run.bytes as f64 / n / 1024.0
    );
    println!(
        "{name}_queries_per_request: {:.2} count",
        cost.transactions as f64 / n
    );
    println!(
        "{name}_server_cpu_per_request: {:.3} ms",
        per_request_ms(cost.server_cpu)
    );
    println!(
        "{name}_postgres_cpu_per_request: {:.3} ms",
        per_request_ms(cost.postgres_cpu)
    );
    println!(
        "{name}_bench_cpu_per_request: {:.3} ms",
        per_request_ms(cost.bench_cpu)
    );
    if run.not_ok > 0 || run.short > 0 {
        let problem = run.first_problem.unwrap_or_default();
        println!(
            "# {name}: {} answers not 200, {} short pages; first: {problem}",
            run.not_ok, run.short
        );
        return Err(format!(
            "{name}: {} answers not 200 and {} short pages (first: {problem})",
            run.not_ok, run.short
        ));
    }
    Ok(())
}

async fn drop_db(db_url: &str) -> BenchResult<()> {
    starling::db::drop_database(db_url)
        .await
        .map_err(|e| format!("cannot drop {DB_NAME}: {e}"))
}

/// A port that was free a moment ago, for the server to bind.
async fn free_port() -> BenchResult<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("listener address: {e}"))
}

/// Where Debian's Postgres listens for local connections.
const SOCKET_DIR: &str = "/var/run/postgresql";

/// `DATABASE_URL` with another name. Without it, the local server's `postgres`
/// database, over the Unix socket when there is one: the way Mastodon's and our own
/// install notes connect to a database on the same machine (a round trip costs about
/// half the CPU of one over TCP on loopback), else over TCP.
fn db_url_named(name: &str) -> BenchResult<String> {
    let base = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        if std::path::Path::new(SOCKET_DIR)
            .join(".s.PGSQL.5432")
            .exists()
        {
            format!("postgres://postgres@localhost/postgres?host={SOCKET_DIR}")
        } else {
            "postgres://postgres@127.0.0.1:5432/postgres".into()
        }
    });
    let mut url = url::Url::parse(&base).map_err(|e| format!("DATABASE_URL {base:?}: {e}"))?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}
