//! Real Mastodon client libraries from the package registries drive Starling over HTTP:
//! Mastodon.py from PyPI (tests/clients/python/mastodon_py.py) and masto.js from npm
//! (tests/clients/js/masto.mjs). Each registers an app, logs in through the OAuth
//! authorization-code flow — our log-in and consent forms submitted as a browser would
//! (masto.js with PKCE) — and checks the entities the library decoded. Each script prints
//! one JSON line of results, asserted on here.
//!
//! Packages are installed on first use, exactly as pinned, by tests/clients/install.sh
//! (under a lock file, so parallel tests do not race; `.ci/run` runs it too). Skipped,
//! loudly, only when `python3` or `node` is missing.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::TestApp;

/// A whole script run: a few dozen requests. This only bounds a hanging run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// Whether `program --version` runs; `false` (after a loud notice) when it is not on PATH.
fn available(program: &str, install_hint: &str) -> bool {
    match std::process::Command::new(program)
        .arg("--version")
        .output()
    {
        Ok(out) if out.status.success() => true,
        Ok(out) => panic!("`{program} --version` failed: {out:?}"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Straight to the process's stderr: libtest would swallow `eprintln!` output
            // of a passing test, and this must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n########################################################################\n\
                 ## SKIPPED: `{program}` is not on PATH, so a real-client test did not run.\n\
                 ## {install_hint}\n\
                 ########################################################################"
            );
            false
        }
        Err(e) => panic!("cannot run `{program} --version`: {e}"),
    }
}

/// Installs one client's pinned packages unless they already are (see install.sh).
fn install(which: &str) {
    let out = std::process::Command::new("sh")
        .arg(clients_dir().join("install.sh"))
        .arg(which)
        .output()
        .expect("run tests/clients/install.sh");
    assert!(
        out.status.success(),
        "`tests/clients/install.sh {which}` failed: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a client script against `app` as `username`; returns its JSON line. Panics with
/// the script's whole output when it fails, hangs or prints no JSON.
async fn run_client(
    app: &TestApp,
    program: &Path,
    script: &str,
    dir: &Path,
    username: &str,
) -> Value {
    let child = tokio::process::Command::new(program)
        .arg(script)
        .current_dir(dir)
        .env("BASE_URL", &app.base)
        .env("USERNAME", username)
        .env("PASSWORD", support::PASSWORD)
        // Loopback never goes through a proxy, whatever the environment says.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {} {script}: {e}", program.display()));
    let out = match tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output()).await {
        Ok(out) => out.unwrap_or_else(|e| panic!("wait for {script}: {e}")),
        Err(_) => panic!("{script} did not finish within {SCRIPT_TIMEOUT:?} (killed)"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = || format!("--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    assert!(
        out.status.success(),
        "{script} failed ({}):\n{}",
        out.status,
        report()
    );
    // What the script noted on the way (which start-up path it took …), shown with
    // `--nocapture`.
    if !stderr.trim().is_empty() {
        println!("--- {script} stderr ---\n{stderr}");
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("{script} printed nothing on stdout:\n{}", report()));
    println!("--- {script} results ---\n{line}");
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{script}'s last line is not JSON ({e}):\n{}", report()))
}

/// The checks both libraries must agree with: the account we created, as the library
/// decoded it.
async fn assert_account(app: &TestApp, out: &Value, username: &str, id_key: &str) {
    let account = app.account(username).await;
    assert_eq!(out["username"], username, "{out:#}");
    assert_eq!(out["acct"], username, "{out:#}");
    assert_eq!(out[id_key], account.id.to_string(), "{out:#}");
    assert_eq!(
        out["url"],
        app.url(&format!("/@{username}")),
        "the account's url: {out:#}"
    );
}

#[tokio::test]
async fn mastodon_py_logs_in_through_oauth_and_reads_the_account() {
    if !available(
        "python3",
        "Install Python 3.11+ (with venv); tests/clients/install.sh does the rest.",
    ) {
        return;
    }
    install("python");
    let dir = clients_dir().join("python");
    let python = dir.join(".venv/bin/python");

    let app = TestApp::start().await;
    app.create_user("alice").await;
    let out = run_client(&app, &python, "mastodon_py.py", &dir, "alice").await;

    assert_eq!(out["library"], "Mastodon.py", "{out:#}");
    assert_account(&app, &out, "alice", "account_id").await;
    assert_eq!(out["app_name"], "Starling test (Mastodon.py)", "{out:#}");
    assert_eq!(
        out["app_website"], "https://example.test/mastodon-py",
        "{out:#}"
    );
    assert_eq!(out["revoked"], true, "{out:#}");
    assert_eq!(out["authorized_again"], true, "{out:#}");
    // Mastodon.py asks GET /api/v1/instance/ (trailing slash) for the server version and
    // must find it, so its version checks run; and its `force_login=False` on every
    // authorize URL must not log the signed-in person out.
    assert_eq!(out["version_check"], "created", "{out:#}");
    assert_eq!(out["reauthorize_sign_ins"], 0, "{out:#}");
    assert_eq!(
        out["steps"],
        serde_json::json!([
            "register_app",
            "version_check",
            "authorize",
            "token",
            "verify_account",
            "verify_app",
            "revoke",
            "authorize_again"
        ]),
        "{out:#}"
    );
}

#[tokio::test]
async fn masto_js_logs_in_with_pkce_and_reads_the_account() {
    if !available(
        "node",
        "Install Node 20+ and npm; tests/clients/install.sh does the rest.",
    ) {
        return;
    }
    install("js");
    let dir = clients_dir().join("js");

    let app = TestApp::start().await;
    app.create_user("alice").await;
    let out = run_client(&app, Path::new("node"), "masto.mjs", &dir, "alice").await;

    assert_eq!(out["library"], "masto", "{out:#}");
    assert_account(&app, &out, "alice", "accountId").await;
    assert_eq!(out["appName"], "Starling test (masto.js)", "{out:#}");
    assert_eq!(out["tokenScope"], "read write follow", "{out:#}");
    assert_eq!(
        out["redirectUris"],
        serde_json::json!(["starlingtest://callback"]),
        "{out:#}"
    );
    // A code with the wrong PKCE verifier is refused, as Mastodon does (400 invalid_grant).
    assert_eq!(out["wrongVerifierStatus"], 400, "{out:#}");
    // An app-only token is nobody's account; a revoked token is no token.
    // (Mastodon: 422 "This method requires an authenticated user".)
    assert_eq!(out["appTokenAccountStatus"], 422, "{out:#}");
    assert_eq!(out["revokedStatus"], 401, "{out:#}");
    let instance = out["instance"].as_str().unwrap_or_default();
    assert!(matches!(instance, "checked" | "skipped"), "{out:#}");
    assert_eq!(
        out["steps"],
        serde_json::json!([
            "instance",
            "register_app",
            "server_metadata",
            "sign_in",
            "authorize",
            "token",
            "verify_account",
            "verify_app",
            "client_credentials",
            "revoke"
        ]),
        "{out:#}"
    );
}
