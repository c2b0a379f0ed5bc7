//! A Fedify peer (tests/peers/fedify/peer.mjs) as a child process: an independent
//! ActivityPub implementation that verifies our signatures itself. The peer serves one
//! actor, `fern`, at `http://localhost:PORT/users/fern`; its `/control/*` routes make fern
//! act and report what it received (only activities Fedify verified reach that list).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Map, Value};

/// How long the peer may take to print its address (imports, then binds).
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct FedifyPeer {
    /// `http://localhost:PORT`
    pub base: String,
    pub port: u16,
    http: reqwest::Client,
    child: Child,
    /// Held open: the peer exits when its stdin closes (`--exit-with-stdin`), so it dies
    /// with the test process even if `Drop` never runs.
    _stdin: Option<ChildStdin>,
    stderr: Arc<Mutex<String>>,
}

/// The directory of the peer's package.json.
pub fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/fedify")
}

/// Installs the peer's locked npm packages when they are missing (a fresh checkout),
/// once: concurrent tests wait on a lock file and find them installed.
fn install_packages(dir: &std::path::Path) {
    let installed = || dir.join("node_modules/@fedify/fedify").is_dir();
    if installed() {
        return;
    }
    let status = Command::new("flock")
        .arg("/tmp/starling-fedify-npm.lock")
        .arg("sh")
        .arg("-c")
        .arg("[ -d node_modules/@fedify/fedify ] || npm ci --no-audit --no-fund")
        .current_dir(dir)
        .status()
        .expect("run npm ci for the Fedify peer");
    assert!(
        status.success() && installed(),
        "`npm ci --prefix tests/peers/fedify` failed: {status}"
    );
}

impl FedifyPeer {
    /// Starts the peer on a free port and waits (blocking, about a second) until it
    /// listens. `None` only when `node` is not installed (the caller then skips, loudly);
    /// any other problem panics.
    pub fn start() -> Option<FedifyPeer> {
        match Command::new("node").arg("--version").output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!("`node --version` failed: {out:?}"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Straight to the process's stderr: libtest would swallow `eprintln!`
                // output of a passing test, and this must be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n########################################################################\n\
                     ## SKIPPED: `node` is not on PATH, so a Fedify interop test did not    ##\n\
                     ## run. Install Node 20+ and `npm ci --prefix tests/peers/fedify`.     ##\n\
                     ########################################################################"
                );
                return None;
            }
            Err(e) => panic!("cannot run `node --version`: {e}"),
        }
        let dir = peer_dir();
        install_packages(&dir);
        let mut child = Command::new("node")
            .arg("peer.mjs")
            .args(["--port", "0", "--exit-with-stdin"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn node peer.mjs");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("stderr piped");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = mpsc::channel();
        let out_pipe = child.stdout.take().expect("stdout piped");
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out_pipe).lines();
            let _ = tx.send(lines.next());
            // Keep draining so the peer never blocks on a full pipe.
            for _ in lines {}
        });
        let first = rx.recv_timeout(START_TIMEOUT);
        let base = match first {
            Ok(Some(Ok(line))) => serde_json::from_str::<Value>(&line)
                .ok()
                .and_then(|v| v["listening"].as_str().map(str::to_string))
                .unwrap_or_else(|| panic!("the peer printed {line:?}, not its address")),
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the Fedify peer did not start ({other:?}); its stderr:\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        let port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("the peer's address has a port");
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let stdin = child.stdin.take();
        Some(FedifyPeer {
            base,
            port,
            http,
            child,
            _stdin: stdin,
            stderr,
        })
    }

    /// `localhost:PORT`, for `federation.allowed_private_hosts`.
    pub fn host(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// fern's actor id.
    pub fn actor(&self) -> String {
        format!("{}/users/fern", self.base)
    }

    /// fern looks `actor` up by URL and sends it a signed Follow; returns the Follow's id.
    /// Panics (with the peer's log) when the lookup or the delivery failed.
    pub async fn follow(&self, actor: &str) -> String {
        let res = self
            .control_post("/control/follow", serde_json::json!({ "actor": actor }))
            .await;
        res["id"].as_str().expect("follow id").to_string()
    }

    /// fern sends a Create(Note): `body` as the peer's `/control/note` takes it
    /// (`to`, `cc`, `content`, `mention`, `inReplyTo`, `inbox`). Returns `{id, note}`.
    pub async fn note(&self, body: Value) -> Value {
        self.control_post("/control/note", body).await
    }

    /// Every activity the peer received and Fedify verified, oldest first.
    pub async fn received(&self) -> Vec<Value> {
        match self.control_get("/control/received").await {
            Value::Array(items) => items,
            other => panic!("/control/received: {other}"),
        }
    }

    /// The received activities of one type (`"Create"`, `"Accept"` …).
    pub async fn received_of(&self, kind: &str) -> Vec<Value> {
        self.received()
            .await
            .into_iter()
            .filter(|a| a["type"] == kind)
            .collect()
    }

    /// Actor ids following fern.
    pub async fn followers(&self) -> Vec<String> {
        serde_json::from_value(self.control_get("/control/followers").await)
            .expect("followers list")
    }

    /// Whom fern follows: actor id → `"pending"` or `"accepted"`.
    pub async fn following(&self) -> Map<String, Value> {
        match self.control_get("/control/following").await {
            Value::Object(m) => m,
            other => panic!("/control/following: {other}"),
        }
    }

    /// The peer's state for a failure message: what it received, Fedify's warnings and
    /// errors, and anything on its stderr.
    pub async fn diagnostics(&self) -> String {
        let get = |path: &'static str| async move {
            match self.http.get(format!("{}{path}", self.base)).send().await {
                Ok(r) => r.text().await.unwrap_or_default(),
                Err(e) => format!("({e})"),
            }
        };
        format!(
            "--- peer received ---\n{}\n--- peer log (Fedify warnings/errors) ---\n{}\n--- peer stderr ---\n{}",
            get("/control/received").await,
            get("/control/log").await,
            self.stderr.lock().unwrap()
        )
    }

    async fn control_get(&self, path: &str) -> Value {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} on the peer: {e}"));
        res.json().await.expect("control routes answer JSON")
    }

    async fn control_post(&self, path: &str, body: Value) -> Value {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path} on the peer: {e}"));
        let status = res.status();
        let answer: Value = res.json().await.expect("control routes answer JSON");
        if !status.is_success() {
            panic!(
                "POST {path} {body} → {status}: {answer}\n{}",
                self.diagnostics().await
            );
        }
        answer
    }
}

impl Drop for FedifyPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
