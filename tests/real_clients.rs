//! Real Mastodon client libraries from the package registries drive Starling over HTTP:
//! Mastodon.py from PyPI (tests/clients/python/mastodon_py.py) and masto.js from npm
//! (tests/clients/js/masto.mjs). Each registers an app, logs in through the OAuth
//! authorization-code flow — our log-in and consent forms submitted as a browser would
//! (masto.js with PKCE) — and checks the entities the library decoded. Then, through each
//! library's own methods, the person posts (hashtag, content warning), replies, favourites
//! and boosts (and undoes both), reads the home, local and hashtag timelines, pages home
//! on the `Link` header, reads the thread, posts twice with one `Idempotency-Key` and
//! deletes the reply. Last, it reads its grouped notifications (Mastodon API version 2):
//! two follows made beforehand come as one group, a third, filtered by the person's
//! policy, only when asked for. Each script prints one JSON line of results, asserted on
//! here.
//!
//! Packages are installed on first use, exactly as pinned, by tests/clients/install.sh
//! (under a lock file, so parallel tests do not race; `.ci/run` runs it too). Skipped,
//! loudly, only when `python3` or `node` is missing.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use starling::db;
use starling::id::StatusId;
use starling::service::notification_policy::{self, Action, PolicyChange};
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

/// The statuses-and-timelines steps, as both libraries report them. `key` names a result
/// in the script's own casing (Mastodon.py snake_case, masto.js camelCase); `library` is
/// the name in the scripts' texts, `hashtag` the tag they post.
async fn assert_statuses(
    app: &TestApp,
    out: &Value,
    key: impl Fn(&str) -> String,
    library: &str,
    hashtag: &str,
) {
    let get = |k: &str| &out[key(k).as_str()];
    let digits = |v: &Value| {
        v.as_str()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    };

    // The post: a digit-string id, sensitive because of its content warning, its tag.
    let post_id = get("post_id");
    assert!(digits(post_id), "post id: {out:#}");
    assert_eq!(get("post_sensitive"), true, "{out:#}");
    assert_eq!(get("post_tags"), &json!([hashtag]), "{out:#}");
    // The reply points at it; the thread has the reply below the post.
    assert_eq!(get("reply_in_reply_to_id"), post_id, "{out:#}");
    let home = get("home_ids").as_array().expect("home ids");
    assert_eq!(home.len(), 2, "home: the reply, then the post: {out:#}");
    let reply_id = &home[0];
    assert!(digits(reply_id) && reply_id != post_id, "{out:#}");
    assert_eq!(&home[1], post_id, "{out:#}");
    assert_eq!(get("context_descendants"), &json!([reply_id]), "{out:#}");
    // Favourite and boost, and back.
    assert_eq!(get("favourited"), &json!([true, 1]), "{out:#}");
    assert_eq!(get("unfavourited"), &json!([false, 0]), "{out:#}");
    assert_eq!(get("reblog_id_differs"), true, "{out:#}");
    assert_eq!(get("reblog_of"), post_id, "{out:#}");
    assert_eq!(get("unreblogged"), &json!([false, 0]), "{out:#}");
    // The local and hashtag timelines.
    assert_eq!(get("local_has_post"), true, "{out:#}");
    assert_eq!(get("hashtag_ids"), &json!([post_id]), "{out:#}");
    // One Idempotency-Key, one status.
    assert_eq!(get("idempotent_same_id"), true, "{out:#}");
    // Home one status a page, on the Link header: each of the three posts once, newest
    // first; and back the other way.
    let paged = get("paged_home_ids").as_array().expect("paged ids");
    assert_eq!(paged.len(), 3, "{out:#}");
    assert_eq!(&paged[1..], &home[..], "{out:#}");
    assert!(digits(&paged[0]) && !home.contains(&paged[0]), "{out:#}");
    // Deleting gives back the source; the deleted status is then not found.
    assert_eq!(
        get("deleted_text"),
        format!("A reply from {library}, no tag").as_str(),
        "{out:#}"
    );
    assert_eq!(get("deleted_fetch_status"), 404, "{out:#}");

    // And on the server: the post with its content warning, the reply gone, no boost left.
    let id = |v: &Value| StatusId(v.as_str().unwrap().parse().unwrap());
    let post = db::statuses::find(&app.state.db, id(post_id))
        .await
        .unwrap()
        .expect("the post is stored");
    assert!(!post.spoiler_text.is_empty() && post.sensitive, "{post:?}");
    assert_eq!(post.favourites_count, 0, "{post:?}");
    assert_eq!(post.reblogs_count, 0, "{post:?}");
    assert!(
        db::statuses::find(&app.state.db, id(reply_id))
            .await
            .unwrap()
            .is_none(),
        "the deleted reply is still stored"
    );
    assert_eq!(
        db::statuses::count_local(&app.state.db).await.unwrap(),
        2,
        "the post and the idempotent post"
    );
}

/// The steps both scripts add after logging in, in order.
const STATUS_STEPS: [&str; 12] = [
    "post_status",
    "reply",
    "fetch_status",
    "favourite",
    "reblog",
    "home",
    "local",
    "hashtag",
    "context",
    "idempotency",
    "page_home",
    "delete",
];

/// Before a script runs: bob and carol follow `username` (one group of two follows), then
/// `username` filters notifications from people they do not follow and dave follows too.
async fn notify_of_follows(app: &TestApp, username: &str) {
    let person = app.account(username).await.id;
    let follow = |name: &'static str| async move {
        let token = support::api::user_token(app, name, "read write follow").await;
        let res = support::api::send_json(
            &app.base,
            reqwest::Method::POST,
            &format!("/api/v1/accounts/{person}/follow"),
            &token,
            None,
        )
        .await;
        assert_eq!(res.status, reqwest::StatusCode::OK, "{}", res.json);
    };
    follow("bob").await;
    follow("carol").await;
    let strangers = PolicyChange {
        for_not_following: Some(Action::Filter),
        ..Default::default()
    };
    notification_policy::update(&app.state, person, strangers)
        .await
        .expect("policy");
    follow("dave").await;
}

/// What both scripts report of their grouped notifications, in `key`'s casing.
fn assert_grouped_notifications(out: &Value, key: impl Fn(&str) -> String) {
    let get = |k: &str| &out[key(k).as_str()];
    assert_eq!(get("group_type"), "follow", "{out:#}");
    assert_eq!(get("group_count"), 2, "{out:#}");
    // partial_avatars: the newest follower in full, the other as an avatar.
    assert_eq!(get("group_accounts"), &json!(["carol"]), "{out:#}");
    assert_eq!(get("group_partial_accounts"), &json!(["bob"]), "{out:#}");
    assert_eq!(
        get("group_account_accts"),
        &json!(["carol", "bob"]),
        "{out:#}"
    );
    assert_eq!(get("unread_groups"), 1, "{out:#}");
    assert_eq!(get("policy_not_following"), "filter", "{out:#}");
    assert_eq!(
        get("with_filtered_types"),
        &json!(["follow", "follow"]),
        "dave's filtered follow, alone, then the group: {out:#}"
    );
    assert_eq!(get("groups_after_dismiss"), 0, "{out:#}");
}

/// `snake_case` → `camelCase`, masto.js's spelling of the same result.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
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
    notify_of_follows(&app, "alice").await;
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
    let mut steps = vec![
        "register_app",
        "version_check",
        "authorize",
        "token",
        "verify_account",
        "verify_app",
        "revoke",
        "authorize_again",
    ];
    steps.extend(STATUS_STEPS);
    steps.push("grouped_notifications");
    assert_eq!(out["steps"], json!(steps), "{out:#}");

    assert_statuses(&app, &out, str::to_string, "Mastodon.py", "starlingpy").await;
    assert_grouped_notifications(&out, str::to_string);
    // fetch_next until it runs out (an empty page, or a page without `next`), then
    // fetch_previous from the oldest page back to the newest.
    assert_eq!(out["paged_home_pages"], 3, "{out:#}");
    let end = out["paged_home_end"].as_str().unwrap_or_default();
    assert!(matches!(end, "empty_page" | "no_next_link"), "{out:#}");
    let paged = out["paged_home_ids"].as_array().unwrap();
    assert_eq!(
        out["paged_back_ids"],
        json!([paged[1], paged[0]]),
        "fetch_previous from the oldest page: {out:#}"
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
    notify_of_follows(&app, "alice").await;
    let out = run_client(&app, Path::new("node"), "masto.mjs", &dir, "alice").await;

    assert_eq!(out["library"], "masto", "{out:#}");
    assert_account(&app, &out, "alice", "accountId").await;
    assert_eq!(out["appName"], "Starling test (masto.js)", "{out:#}");
    assert_eq!(out["tokenScope"], "read write follow", "{out:#}");
    assert_eq!(
        out["redirectUris"],
        json!(["starlingtest://callback"]),
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
    let mut steps = vec![
        "instance",
        "register_app",
        "server_metadata",
        "sign_in",
        "authorize",
        "token",
        "verify_account",
        "verify_app",
        "client_credentials",
    ];
    steps.extend(STATUS_STEPS);
    steps.push("grouped_notifications");
    steps.push("revoke");
    assert_eq!(out["steps"], json!(steps), "{out:#}");

    assert_statuses(&app, &out, camel, "masto.js", "starlingjs").await;
    assert_grouped_notifications(&out, camel);
    // The paginator's pages (limit=1, so the Link URLs kept `limit`): one status each, and
    // at most one empty page at the end.
    let sizes: Vec<u64> = out["pagedHomePages"]
        .as_array()
        .expect("page sizes")
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert!(
        sizes == [1, 1, 1] || sizes == [1, 1, 1, 0],
        "page sizes {sizes:?}: {out:#}"
    );
    // rel="prev" from min_id=0: oldest first.
    let mut back = out["pagedHomeIds"].as_array().unwrap().clone();
    back.reverse();
    assert_eq!(out["pagedBackIds"], json!(back), "{out:#}");
}
