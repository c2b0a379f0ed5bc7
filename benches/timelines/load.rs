//! The clients: each a tokio task with its own keep-alive connection, sending one GET
//! after another for a fixed time and timing each until its whole body has arrived.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::IgnoredAny;

use crate::BenchResult;

/// One timeline as the clients ask for it.
pub struct Target {
    pub url: String,
    /// `Authorization: Bearer …`, or anonymous.
    pub token: Option<String>,
    /// Statuses a full page holds; a shorter page is counted as short.
    pub expect_items: usize,
}

/// What the clients saw in one run.
pub struct Run {
    pub elapsed: Duration,
    pub latencies_ms: Vec<f64>,
    pub not_ok: usize,
    pub short: usize,
    /// Answers parsed in full, and the statuses they held.
    pub parsed: usize,
    pub items: usize,
    pub bytes: usize,
    /// The first problem seen, to show when something is wrong.
    pub first_problem: Option<String>,
}

impl Run {
    pub fn requests(&self) -> usize {
        self.latencies_ms.len()
    }

    pub fn per_second(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

struct ClientRun {
    latencies_ms: Vec<f64>,
    not_ok: usize,
    short: usize,
    parsed: usize,
    items: usize,
    bytes: usize,
    first_problem: Option<String>,
}

/// Each client parses every this many answers in full (the first among them).
const PARSE_EVERY: usize = 8;

/// `clients` clients ask for `target` for `duration`.
pub async fn drive(target: Arc<Target>, clients: usize, duration: Duration) -> BenchResult<Run> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let http = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        tasks.push(tokio::spawn(client(http, target.clone(), deadline)));
    }
    let mut run = Run {
        elapsed: Duration::ZERO,
        latencies_ms: Vec::new(),
        not_ok: 0,
        short: 0,
        parsed: 0,
        items: 0,
        bytes: 0,
        first_problem: None,
    };
    for task in tasks {
        let c = task.await.map_err(|e| format!("client task: {e}"))?;
        run.latencies_ms.extend(c.latencies_ms);
        run.not_ok += c.not_ok;
        run.short += c.short;
        run.parsed += c.parsed;
        run.items += c.items;
        run.bytes += c.bytes;
        run.first_problem = run.first_problem.or(c.first_problem);
    }
    run.elapsed = started.elapsed();
    Ok(run)
}

async fn client(http: reqwest::Client, target: Arc<Target>, deadline: Instant) -> ClientRun {
    let mut c = ClientRun {
        latencies_ms: Vec::new(),
        not_ok: 0,
        short: 0,
        parsed: 0,
        items: 0,
        bytes: 0,
        first_problem: None,
    };
    let mut answered = 0usize;
    while Instant::now() < deadline {
        let mut request = http.get(&target.url);
        if let Some(t) = &target.token {
            request = request.bearer_auth(t);
        }
        let sent = Instant::now();
        let answer = match request.send().await {
            Ok(r) => {
                let status = r.status();
                r.bytes().await.map(|b| (status, b))
            }
            Err(e) => Err(e),
        };
        c.latencies_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
        let (status, body) = match answer {
            Ok(a) => a,
            Err(e) => {
                c.not_ok += 1;
                c.first_problem.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        c.bytes += body.len();
        if !status.is_success() {
            c.not_ok += 1;
            c.first_problem.get_or_insert_with(|| {
                format!(
                    "{status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                )
            });
            continue;
        }
        // reqwest refuses a body shorter than its Content-Length; counting the
        // statuses parses the whole body, so a malformed answer shows up as short.
        let parse = answered.is_multiple_of(PARSE_EVERY);
        answered += 1;
        if !parse {
            continue;
        }
        c.parsed += 1;
        match serde_json::from_slice::<Vec<IgnoredAny>>(&body) {
            Ok(items) => {
                c.items += items.len();
                if items.len() < target.expect_items {
                    c.short += 1;
                    c.first_problem.get_or_insert_with(|| {
                        format!(
                            "{} statuses instead of {}",
                            items.len(),
                            target.expect_items
                        )
                    });
                }
            }
            Err(e) => {
                c.short += 1;
                c.first_problem
                    .get_or_insert_with(|| format!("not a JSON array: {e}"));
            }
        }
    }
    c
}

pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// Nearest-rank percentiles; zero for no values.
pub fn percentiles(mut values: Vec<f64>) -> Percentiles {
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
        p90: at(0.9),
        p99: at(0.99),
        max: values.last().copied().unwrap_or(0.0),
    }
}
