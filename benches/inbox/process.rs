//! `starling` child processes, and the CPU they and their database backends use
//! (read from /proc).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::process::{Child, Command};

use crate::{BENCH_APP, BenchResult};

/// A running `starling` process (the server or a worker).
pub struct Process {
    pub name: &'static str,
    pub child: Child,
    pub pid: u32,
}

impl Process {
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the {} process exited early ({status})", self.name)),
            Ok(None) => None,
            Err(e) => Some(format!("cannot watch the {} process: {e}", self.name)),
        }
    }

    pub fn peak_mb(&self) -> f64 {
        vm_hwm_kb(self.pid).unwrap_or(0) as f64 / 1024.0
    }

    /// SIGTERM, then wait; SIGKILL if it does not stop in time.
    pub async fn stop(mut self) {
        eprintln!("inbox bench: stopping the {}", self.name);
        let term = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if !matches!(term, Ok(s) if s.success()) {
            eprintln!("inbox bench: SIGTERM failed; killing the {}", self.name);
            let _ = self.child.kill().await;
        }
        match tokio::time::timeout(Duration::from_secs(40), self.child.wait()).await {
            Ok(Ok(_)) => {}
            _ => {
                eprintln!(
                    "inbox bench: the {} did not stop in 40 s; killing it",
                    self.name
                );
                let _ = self.child.kill().await;
            }
        }
    }
}

pub async fn wait_until_healthy(base: &str, server: &mut Process) -> BenchResult<()> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    let started = Instant::now();
    loop {
        if let Some(e) = server.exited() {
            return Err(e);
        }
        let healthy = client
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if healthy {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the server did not answer /health within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// CPU seconds used so far by one `starling` process, the database's backends and this
/// process, and the machine's busy and total jiffies.
pub struct CpuSnapshot {
    pub process: f64,
    /// Per backend: CPU seconds, and whether it serves the bench.
    pub postgres: HashMap<u32, (f64, bool)>,
    pub bench: f64,
    pub machine: (u64, u64),
}

pub struct CpuUse {
    pub process: f64,
    pub postgres: f64,
    pub bench: f64,
    pub bench_postgres: f64,
    pub machine_busy: f64,
}

impl CpuSnapshot {
    pub async fn take(pool: &PgPool, db_name: &str, process: u32) -> BenchResult<CpuSnapshot> {
        let backends: Vec<(i32, bool)> = sqlx::query_as(
            "SELECT pid, application_name = $2 FROM pg_stat_activity WHERE datname = $1",
        )
        .bind(db_name)
        .bind(BENCH_APP)
        .fetch_all(pool)
        .await
        .map_err(|e| format!("pg_stat_activity: {e}"))?;
        Ok(CpuSnapshot {
            process: process_cpu_secs(process).unwrap_or(0.0),
            postgres: backends
                .into_iter()
                .filter_map(|(pid, bench)| {
                    let pid = pid as u32;
                    process_cpu_secs(pid).map(|s| (pid, (s, bench)))
                })
                .collect(),
            bench: process_cpu_secs(std::process::id()).unwrap_or(0.0),
            machine: machine_jiffies().unwrap_or((0, 0)),
        })
    }

    pub fn since(&self, before: &CpuSnapshot) -> CpuUse {
        let used = |bench: bool| -> f64 {
            self.postgres
                .iter()
                .filter(|(_, (_, b))| *b == bench)
                .map(|(pid, (s, _))| s - before.postgres.get(pid).map_or(0.0, |p| p.0))
                .sum()
        };
        let busy = self.machine.0.saturating_sub(before.machine.0) as f64;
        let total = self.machine.1.saturating_sub(before.machine.1) as f64;
        CpuUse {
            process: self.process - before.process,
            postgres: used(false),
            bench: self.bench - before.bench,
            bench_postgres: used(true),
            machine_busy: if total > 0.0 { busy / total } else { 0.0 },
        }
    }
}

/// User plus system CPU seconds of a process (USER_HZ is 100 on Linux).
pub fn process_cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}

/// Busy and total jiffies of all CPUs.
pub fn machine_jiffies() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3)? + values.get(4)?;
    Some((total - idle, total))
}

pub fn vm_hwm_kb(pid: u32) -> Option<u64> {
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
