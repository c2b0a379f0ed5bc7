//! Headless Chromium for web UI tests, driven over WebDriver (thirtyfour) through
//! Debian's `chromedriver`. Each `Browser` owns its own chromedriver process and a
//! throwaway profile directory; both go away when the `Browser` is dropped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use thirtyfour::extensions::query::ElementPollerWithTimeout;
use thirtyfour::prelude::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const INSTALL_LOCK: &str = "/tmp/starling-chromium-install.lock";
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,900",
];
/// How long element look-ups (`click`, `fill`, `text`) wait for the element to appear.
const ELEMENT_WAIT: Duration = Duration::from_secs(10);

pub struct Browser {
    pub driver: WebDriver,
    process: DriverProcess,
}

/// The chromedriver child and the profile directory; cleaned up on drop.
struct DriverProcess {
    child: Child,
    port: u16,
    profile_dir: PathBuf,
}

impl Drop for Browser {
    /// Dropped without `quit()` (e.g. a failing test): end the session with a plain
    /// blocking HTTP request. thirtyfour's own synchronous fallback can stall for its
    /// full 120 s request timeout when dropped while a test panics, and leaks Chromium.
    fn drop(&mut self) {
        if self.driver.clone().leak().is_ok() {
            let path = format!("/session/{}", self.driver.session_id());
            let _ = delete_blocking(self.process.port, &path);
        }
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium outlives a killed chromedriver; stop anything still using our profile.
        kill_processes_using(&self.profile_dir);
        let _ = std::fs::remove_dir_all(&self.profile_dir);
    }
}

impl Browser {
    /// Installs Chromium if needed (root only), starts chromedriver and a new session.
    pub async fn start() -> Browser {
        tokio::task::spawn_blocking(ensure_installed)
            .await
            .expect("chromium install check");
        let mut last_error = None;
        for _ in 0..3 {
            let (process, port) = tokio::task::spawn_blocking(spawn_chromedriver)
                .await
                .unwrap();
            let mut caps = DesiredCapabilities::chrome();
            caps.set_binary(CHROMIUM).unwrap();
            for arg in CHROMIUM_ARGS {
                caps.add_arg(arg).unwrap();
            }
            caps.add_arg(&format!(
                "--user-data-dir={}",
                process.profile_dir.display()
            ))
            .unwrap();
            match WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await {
                Ok(driver) => {
                    driver.set_poller(Arc::new(ElementPollerWithTimeout::new(
                        ELEMENT_WAIT,
                        Duration::from_millis(100),
                    )));
                    return Browser { driver, process };
                }
                // Session creation occasionally fails under heavy load; try a fresh driver.
                Err(e) => last_error = Some(e),
            }
        }
        panic!("could not start a Chromium session via chromedriver: {last_error:?}");
    }

    /// Resizes the window so the page viewport is `w`×`h` CSS pixels.
    pub async fn set_width(&self, w: u32, h: u32) {
        self.driver
            .set_window_rect(0, 0, w, h)
            .await
            .expect("set window size");
        // The window rect includes browser chrome; grow it by the difference.
        let inner = self
            .driver
            .execute("return [window.innerWidth, window.innerHeight];", vec![]);
        let inner: (u32, u32) = inner
            .await
            .expect("read viewport")
            .convert()
            .expect("viewport size");
        if inner != (w, h) {
            let ow = (2 * w).saturating_sub(inner.0).max(1);
            let oh = (2 * h).saturating_sub(inner.1).max(1);
            self.driver
                .set_window_rect(0, 0, ow, oh)
                .await
                .expect("set window size");
        }
    }

    /// Saves a PNG of the viewport to `target/screenshots/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let path = dir.join(format!("{name}.png"));
        self.driver
            .screenshot(&path)
            .await
            .expect("take screenshot");
        path
    }

    pub async fn goto(&self, url: &str) {
        self.driver
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.driver
            .current_url()
            .await
            .expect("current URL")
            .to_string()
    }

    /// Waits for the element, clears it and types `value` into it.
    pub async fn fill(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        element
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Waits for the element to be clickable and clicks it.
    pub async fn click(&self, css: &str) {
        let element = self
            .driver
            .query(By::Css(css))
            .and_clickable()
            .first()
            .await;
        let element = element.unwrap_or_else(|e| panic!("no clickable element {css}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Visible text of the first element matching `css` (waits for it to exist).
    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// Whether an element matching `css` exists right now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        !self
            .driver
            .find_all(By::Css(css))
            .await
            .expect("find elements")
            .is_empty()
    }

    /// Polls until some element matching `css` has visible text containing `contains`;
    /// returns that text. On timeout saves a screenshot and panics with what was seen.
    pub async fn wait_for_text(&self, css: &str, contains: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            seen.clear();
            // Errors (e.g. stale elements during a navigation) just mean "not yet".
            if let Ok(elements) = self.driver.find_all(By::Css(css)).await {
                for element in elements {
                    if let Ok(text) = element.text().await {
                        if text.contains(contains) {
                            return text;
                        }
                        seen.push(text);
                    }
                }
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let name: String = format!("timeout-{css}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let shot = self.screenshot(&name).await;
        panic!(
            "timed out after {timeout:?} waiting for {css:?} to contain {contains:?} at {}; \
             matching elements had text {seen:?}; screenshot: {}",
            self.current_url().await,
            shot.display()
        );
    }

    /// Ends the session and stops chromedriver.
    pub async fn quit(self) {
        let _ = self.driver.clone().quit().await;
        // Drop now only stops chromedriver: the session is already gone.
    }

    async fn find(&self, css: &str) -> WebElement {
        let element = self.driver.query(By::Css(css)).first().await;
        element.unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }
}

/// Makes sure Debian's chromium and chromium-driver are installed, installing them with
/// apt-get when running as root. A file lock keeps parallel test binaries from racing.
fn ensure_installed() {
    let installed =
        || std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if installed() {
        return;
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    if String::from_utf8_lossy(&uid).trim() != "0" {
        panic!(
            "browser tests need {CHROMIUM} and {CHROMEDRIVER}; install them with \
             `sudo apt-get install chromium chromium-driver` (or run the tests as root)"
        );
    }
    eprintln!("browser tests: installing chromium and chromium-driver with apt-get …");
    let script = format!(
        "test -e {CHROMIUM} && test -e {CHROMEDRIVER} || {{ apt-get update && \
         apt-get install -y --no-install-recommends chromium chromium-driver; }}"
    );
    let output = Command::new("flock")
        .args([INSTALL_LOCK, "sh", "-c", &script])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .expect("run flock/apt-get to install chromium");
    if !output.status.success() || !installed() {
        panic!(
            "installing chromium and chromium-driver with apt-get failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Starts `chromedriver --port=0` and reads the port it announces, so two test
/// processes can never race for the same port.
fn spawn_chromedriver() -> (DriverProcess, u16) {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let profile_dir = std::env::temp_dir().join(format!(
        "starling-chromium-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos.subsec_nanos()
    ));
    std::fs::create_dir_all(&profile_dir).expect("create chromium profile dir");
    let mut child = Command::new(CHROMEDRIVER)
        .arg("--port=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {CHROMEDRIVER}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let mut process = DriverProcess {
        child,
        port: 0,
        profile_dir,
    };
    // Read the announcement on a thread that keeps draining stdout afterwards.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let _ = tx.send(rest.trim_end_matches('.').trim().parse::<u16>().ok());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Some(port)) => {
            process.port = port;
            (process, port)
        }
        other => panic!("chromedriver did not report its port within 30s: {other:?}"),
    }
}

/// `DELETE <path>` to chromedriver over a fresh blocking connection.
fn delete_blocking(port: u16, path: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "DELETE {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )?;
    // chromedriver answers once the browser has shut down; it keeps the connection
    // open, so read just the headers and the announced body.
    let mut reader = std::io::BufReader::new(stream);
    let mut content_length = 0;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
        line.clear();
    }
    reader.read_exact(&mut vec![0; content_length])
}

/// SIGKILLs every process whose command line mentions `profile_dir` (unique per Browser).
fn kill_processes_using(profile_dir: &std::path::Path) {
    let needle = format!("--user-data-dir={}", profile_dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let pids: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|cmdline| {
                    cmdline
                        .split(|&b| b == 0)
                        .any(|arg| arg == needle.as_bytes())
                })
                .unwrap_or(false)
        })
        .collect();
    if !pids.is_empty() {
        let _ = Command::new("kill").arg("-9").args(&pids).status();
    }
}
