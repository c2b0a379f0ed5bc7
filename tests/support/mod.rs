//! Test rig: a real Starling (router + fresh database) on 127.0.0.1, a test SMTP
//! server, and cookie-keeping web clients that read and submit forms like a browser.

#![allow(dead_code)]

pub mod api;
pub mod person;
pub mod queries;
pub mod remote;
pub mod smtp;

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use regex::Regex;
use reqwest::StatusCode;
use smtp::SmtpSink;
use starling::config::Config;
use starling::db::users::Role;
use starling::service::admin;
use starling::state::AppState;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub smtp: SmtpSink,
    db_url: String,
    server: tokio::task::JoinHandle<()>,
}

fn admin_db_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database URL on the same server as `DATABASE_URL`, with another database name.
fn db_url_named(name: &str) -> String {
    let mut url = url::Url::parse(&admin_db_url()).expect("DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    /// Starts with a fresh database; `tweak` may adjust the configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_named("127.0.0.1", tweak).await
    }

    /// Starts with a fresh database, allowed to fetch from and deliver to exactly these
    /// `host:port`s on loopback (the test peers).
    pub async fn start_allowing(hosts: &[&str]) -> TestApp {
        let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        Self::start_with(move |c| c.federation.allowed_private_hosts = hosts).await
    }

    /// Like `start_with`, but the instance URL is `http://localhost:PORT` (still bound to
    /// 127.0.0.1): for peers that refuse IP-literal hosts or want a domain name.
    pub async fn start_on_localhost(tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_named("localhost", tweak).await
    }

    /// Binds 127.0.0.1:0 and serves as `http://{host}:PORT`.
    async fn start_named(host: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let smtp = SmtpSink::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let name = format!(
            "starling_test_{}_{}",
            std::process::id(),
            starling::service::secrets::random_token(6)
                .to_lowercase()
                .replace(['-', '_'], "x")
        );
        let db_url = db_url_named(&name);
        let data_dir = std::env::temp_dir().join(&name);
        let mut env = HashMap::new();
        env.insert(
            "STARLING_INSTANCE__URL".to_string(),
            format!("http://{host}:{port}"),
        );
        env.insert("STARLING_MAIL__SMTP_URL".to_string(), smtp.url());
        env.insert(
            "STARLING_MAIL__FROM".to_string(),
            "Starling Test <noreply@starling.test>".to_string(),
        );
        env.insert(
            "STARLING_STORAGE__DATA_DIR".to_string(),
            data_dir.display().to_string(),
        );
        env.insert("DATABASE_URL".to_string(), db_url.clone());
        let mut config =
            Config::load_with_env(Some(std::path::Path::new("config.example.toml")), env)
                .expect("config");
        config.database.max_connections = 5;
        // Tests read what they just wrote; the one about the visitors' cache turns it on.
        config.http.public_cache_seconds = 0;
        tweak(&mut config);
        let app = starling::build(config).await.expect("build app");
        let router = app.router;
        let server = tokio::spawn(async move {
            axum::serve(listener, starling::http::service(router))
                .await
                .expect("serve");
        });
        TestApp {
            base: format!("http://{host}:{port}"),
            state: app.state,
            smtp,
            db_url,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A worker on this app's database, for draining the queue in tests.
    pub fn worker(&self) -> starling::delivery::Worker {
        let mut options = starling::delivery::WorkerOptions::from_config(&self.state.config.worker);
        options.owner = format!("test-{}", starling::service::secrets::random_token(4));
        starling::delivery::Worker::new(self.state.clone(), options)
    }

    /// Runs every job that is ready now (mail, deliveries …); returns how many ran.
    pub async fn drain(&self) -> usize {
        self.worker().run_once().await
    }

    /// Drains the queue, then waits for the next mail to `rcpt`.
    pub async fn mail_to(&self, rcpt: &str, timeout: Duration) -> Option<smtp::Mail> {
        self.drain().await;
        self.smtp.next_mail_to(rcpt, timeout).await
    }

    /// Drains the queue, then waits for the next mail to anyone.
    pub async fn next_mail(&self, timeout: Duration) -> Option<smtp::Mail> {
        self.drain().await;
        self.smtp.next_mail(timeout).await
    }

    /// Drains the queue and returns every mail received so far.
    pub async fn all_mail(&self) -> Vec<smtp::Mail> {
        self.drain().await;
        self.smtp.try_all()
    }

    pub fn database_url(&self) -> &str {
        &self.db_url
    }

    /// A new browser-like client (own cookie jar, no redirects followed).
    pub fn client(&self) -> Web {
        Web::new(&self.base)
    }

    /// Creates a confirmed account through the operator path.
    pub async fn create_user(&self, username: &str) -> starling::db::users::User {
        self.create_user_with_role(username, Role::User).await
    }

    pub async fn create_user_with_role(
        &self,
        username: &str,
        role: Role,
    ) -> starling::db::users::User {
        self.new_account(username, role, true).await
    }

    /// An account waiting for confirmation (its confirmation mail is queued).
    pub async fn create_user_unconfirmed(&self, username: &str) -> starling::db::users::User {
        self.new_account(username, Role::User, false).await
    }

    async fn new_account(
        &self,
        username: &str,
        role: Role,
        confirmed: bool,
    ) -> starling::db::users::User {
        let (user, _) = admin::create_account(
            &self.state,
            &admin::CreateAccount {
                username: username.into(),
                email: format!("{username}@example.test"),
                password: Some(PASSWORD.into()),
                role,
                confirmed,
            },
        )
        .await
        .expect("create account");
        user
    }

    /// A confirmed account and a client logged in as it.
    pub async fn signed_in(&self, username: &str) -> Web {
        self.create_user(username).await;
        let web = self.client();
        web.log_in(username, PASSWORD).await;
        web
    }

    pub async fn account(&self, username: &str) -> starling::db::accounts::Account {
        starling::db::accounts::find_local(&self.state.db, username)
            .await
            .expect("query")
            .expect("account exists")
    }

    /// An account this server knows (local or remote) by its ActivityPub id.
    pub async fn account_by_uri(&self, uri: &str) -> starling::db::accounts::Account {
        starling::db::accounts::find_by_uri(&self.state.db, uri)
            .await
            .expect("query")
            .expect("account known")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        let url = self.db_url.clone();
        // Drop the database from a thread of its own: Drop cannot await.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = rt.block_on(starling::db::drop_database(&url));
            }
        })
        .join();
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The value of a cookie this response sets, e.g. the session token after log-in.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                let (pair, _) = c.split_once(';').unwrap_or((c, ""));
                let (k, v) = pair.split_once('=')?;
                (k.trim() == name).then(|| v.trim().to_string())
            })
    }

    pub fn csrf(&self) -> Option<String> {
        static RE: OnceLock<Regex> = OnceLock::new();
        let re = RE.get_or_init(|| {
            Regex::new(r#"name="authenticity_token" value="([^"]+)""#).expect("regex")
        });
        re.captures(&self.body).map(|c| c[1].to_string())
    }

    /// Text of the page with tags removed and whitespace collapsed.
    pub fn text(&self) -> String {
        let blocks = Regex::new(r"(?is)<(script|style)[^>]*>.*?</(script|style)>|</?(p|div|br|li|ul|ol|article|section|header|footer|nav|main|aside|h[1-6]|td|th|tr|table|form|button|label|time|dt|dd|details|summary|option|select|textarea|input)\b[^>]*>")
            .expect("regex")
            .replace_all(&self.body, " ");
        let no_tags = Regex::new(r"(?s)<[^>]*>")
            .expect("regex")
            .replace_all(&blocks, "");
        let decoded = no_tags
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#x27;", "'");
        decoded.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// A browser stand-in: keeps cookies, reads CSRF tokens off pages, posts forms.
pub struct Web {
    base: String,
    pub http: reqwest::Client,
    csrf: std::sync::Mutex<Option<String>>,
}

impl Web {
    pub fn new(base: &str) -> Web {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Web {
            base: base.to_string(),
            http,
            csrf: std::sync::Mutex::new(None),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    async fn wrap(&self, r: reqwest::Response) -> Response {
        let status = r.status();
        let headers = r.headers().clone();
        let body = r.text().await.unwrap_or_default();
        let res = Response {
            status,
            headers,
            body,
        };
        if let Some(t) = res.csrf() {
            *self.csrf.lock().expect("lock") = Some(t);
        }
        res
    }

    pub async fn get(&self, path: &str) -> Response {
        let r = self.http.get(self.url(path)).send().await.expect("GET");
        self.wrap(r).await
    }

    /// The CSRF token of the last page seen, fetching `/about` first if none was.
    pub async fn token(&self) -> String {
        if let Some(t) = self.csrf.lock().expect("lock").clone() {
            return t;
        }
        let page = self.get("/about").await;
        page.csrf().expect("pages carry a CSRF token")
    }

    /// Posts a form with the page's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.token().await;
        let mut form: Vec<(&str, &str)> = vec![("authenticity_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let r = self
            .http
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.wrap(r).await
    }

    pub async fn log_in(&self, login: &str, password: &str) -> Response {
        self.get("/auth/sign_in").await;
        let res = self
            .post("/auth/sign_in", &[("login", login), ("password", password)])
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "log-in failed: {}",
            res.text()
        );
        // The session has its own CSRF token: read it from a page.
        *self.csrf.lock().expect("lock") = None;
        self.get("/home").await;
        res
    }

    pub async fn log_out(&self) -> Response {
        self.post("/auth/sign_out", &[]).await
    }

    /// Publishes a post; returns its id (read from the author's profile).
    pub async fn post_status(&self, text: &str, visibility: &str) -> Response {
        self.post(
            "/statuses",
            &[
                ("status", text),
                ("visibility", visibility),
                ("return_to", "/home"),
            ],
        )
        .await
    }
}

/// The id of the newest status on a page (from links like `/@user/<id>`).
pub fn status_ids(body: &str, username: &str) -> Vec<String> {
    let re = Regex::new(&format!(r#"href="/@{username}/(\d+)""#)).expect("regex");
    let mut ids: Vec<String> = Vec::new();
    for c in re.captures_iter(body) {
        if !ids.contains(&c[1].to_string()) {
            ids.push(c[1].to_string());
        }
    }
    ids
}
