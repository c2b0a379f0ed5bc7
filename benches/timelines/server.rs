//! The server under test (the real `starling` binary as a child process) and what it
//! and its database backends cost, read from /proc and the database's statistics.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::process::{Child, Command};

use crate::{BENCH_APP, BenchResult};

pub struct Server {
    child: Child,
    pub pid: u32,
    pub base: String,
}

impl Server {
    /// `starling serve --no-worker` on `port` against `db_url`, shipped defaults
    /// otherwise. No worker: nothing is queued while timelines are read, and an idle
    /// worker's polling would blur the per-request figures.
    pub fn start(
        db_url: &str,
        instance_url: &str,
        port: u16,
        data_dir: &std::path::Path,
    ) -> BenchResult<Server> {
        let child = Command::new(env!("CARGO_BIN_EXE_starling"))
            .args(["serve", "--no-worker"])
            .current_dir(std::env::temp_dir())
            .env("DATABASE_URL", db_url)
            .env("STARLING_INSTANCE__URL", instance_url)
            .env("STARLING_HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("STARLING_STORAGE__DATA_DIR", data_dir)
            // Sixteen clients on one address and one token would spend the API
            // throttles' budgets (300 per 5 minutes) in a fraction of a second.
            .env("STARLING_HTTP__RATE_LIMITS", "false")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let pid = child.id().ok_or("the server process has no pid")?;
        Ok(Server {
            child,
            pid,
            base: format!("http://127.0.0.1:{port}"),
        })
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the server exited early ({status})")),
            Ok(None) => None,
            Err(e) => Some(format!("cannot watch the server: {e}")),
        }
    }

    pub async fn wait_until_healthy(&mut self) -> BenchResult<()> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        let started = Instant::now();
        loop {
            if let Some(e) = self.exited() {
                return Err(e);
            }
            let healthy = client
                .get(format!("{}/health", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err("the server did not answer /health within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn peak_mb(&self) -> f64 {
        vm_hwm_kb(self.pid).unwrap_or(0) as f64 / 1024.0
    }

    /// SIGTERM, then wait; SIGKILL if it does not stop in time.
    pub async fn stop(mut self) {
        let term = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if !matches!(term, Ok(s) if s.success()) {
            let _ = self.child.kill().await;
        }
        if tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// CPU used so far by the server, the database backends serving it, and this process;
/// and the statements the database has finished for the server's connections.
pub struct Usage {
    server: f64,
    postgres: HashMap<u32, f64>,
    bench: f64,
    transactions: i64,
}

/// What a run cost.
pub struct Cost {
    pub server_cpu: f64,
    pub postgres_cpu: f64,
    pub bench_cpu: f64,
    /// Transactions committed in the database: every statement outside an explicit
    /// transaction is one, so per request this counts the queries a request makes.
    pub transactions: i64,
}

impl Usage {
    pub async fn take(pool: &PgPool, db_name: &str, server: u32) -> BenchResult<Usage> {
        let backends: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name <> $2",
        )
        .bind(db_name)
        .bind(BENCH_APP)
        .fetch_all(pool)
        .await
        .map_err(|e| format!("pg_stat_activity: {e}"))?;
        // Backends report their counts when idle, at most once a second.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let transactions: i64 = sqlx::query_scalar(
            "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database WHERE datname = $1",
        )
        .bind(db_name)
        .fetch_one(pool)
        .await
        .map_err(|e| format!("pg_stat_database: {e}"))?;
        Ok(Usage {
            server: process_cpu_secs(server).unwrap_or(0.0),
            postgres: backends
                .into_iter()
                .filter_map(|pid| process_cpu_secs(pid as u32).map(|s| (pid as u32, s)))
                .collect(),
            bench: process_cpu_secs(std::process::id()).unwrap_or(0.0),
            transactions,
        })
    }

    pub fn since(&self, before: &Usage) -> Cost {
        Cost {
            server_cpu: self.server - before.server,
            postgres_cpu: self
                .postgres
                .iter()
                .map(|(pid, s)| s - before.postgres.get(pid).copied().unwrap_or(0.0))
                .sum(),
            bench_cpu: self.bench - before.bench,
            transactions: self.transactions - before.transactions,
        }
    }
}

/// User plus system CPU seconds of a process (USER_HZ is 100 on Linux).
fn process_cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
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
