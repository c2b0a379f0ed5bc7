//! Configuration: defaults, then `config.toml` (or `--config PATH`), then
//! `STARLING_<SECTION>__<KEY>` environment variables, then `DATABASE_URL`.
//! Every key is documented with its default in `config.example.toml`.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    pub instance: InstanceConfig,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub storage: StorageConfig,
    pub federation: FederationConfig,
    pub registrations: RegistrationsConfig,
    pub worker: WorkerConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct InstanceConfig {
    /// Public base URL; every id and link is built from it.
    pub url: String,
    /// Server name shown until an admin sets `site_title` in the database.
    pub name: String,
    /// Contact e-mail shown on the About page until set in the database.
    pub contact_email: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    pub bind: String,
    /// Addresses (or CIDR ranges) of reverse proxies whose `X-Forwarded-For` we believe.
    /// The client is the right-most address in that header that is not one of these; a
    /// request from anywhere else is its own peer address, whatever headers it sends.
    pub trusted_proxies: Vec<String>,
    /// Whether request throttles apply (`X-RateLimit-*` headers and 429s).
    pub rate_limits: bool,
    /// Seconds a visitor's (no user) public or hashtag timeline page is kept and served
    /// again to other visitors; 0 turns this off. Mastodon lets proxies keep them 15 s.
    pub public_cache_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MailConfig {
    /// `smtp://host:port` (plain), `smtps://…` or `smtp://…?tls=required`; empty writes
    /// messages to `<data_dir>/mail/` instead.
    pub smtp_url: String,
    pub from: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StorageConfig {
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct FederationConfig {
    /// `host:port` entries on private addresses that outbound requests may reach.
    pub allowed_private_hosts: Vec<String>,
    /// Seconds to wait for a connection to another server.
    pub connect_timeout_seconds: f64,
    /// Seconds one whole outbound request may take, body included.
    pub request_timeout_seconds: f64,
    /// Largest response body read from another server, in bytes.
    pub max_response_bytes: usize,
    /// First pause after a host fails; doubles per further failure.
    pub circuit_cooldown_seconds: f64,
    /// Longest pause between probes of a failing host (also the probe interval of
    /// unavailable hosts).
    pub circuit_max_cooldown_seconds: f64,
    /// Consecutive server errors (5xx) that open a host's circuit; connection failures
    /// and time-outs open it at once.
    pub circuit_error_threshold: i32,
    /// Hours a host may fail without any success before it is marked unavailable.
    pub unavailable_after_hours: f64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            allowed_private_hosts: Vec::new(),
            connect_timeout_seconds: 5.0,
            request_timeout_seconds: 20.0,
            max_response_bytes: 1024 * 1024,
            circuit_cooldown_seconds: 60.0,
            circuit_max_cooldown_seconds: 3600.0,
            circuit_error_threshold: 5,
            unavailable_after_hours: 168.0,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WorkerConfig {
    /// Jobs of the local lane (mail, notifications, fan-out) run at once per process.
    pub local_concurrency: usize,
    /// Deliveries to other servers in flight at once per process.
    pub delivery_concurrency: usize,
    /// Received activities processed at once per process.
    pub inbox_concurrency: usize,
    /// Deliveries in flight to one host at once per process.
    pub per_host_concurrency: usize,
    /// Seconds between polls when no notification arrives.
    pub poll_seconds: f64,
    /// Seconds a claimed job stays leased; a worker that dies loses its jobs after this.
    pub lease_seconds: f64,
    /// Seconds in-flight jobs get to finish on shutdown before they are released.
    pub shutdown_grace_seconds: f64,
    /// Hours finished jobs are kept before pruning.
    pub keep_done_hours: i64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            local_concurrency: 4,
            delivery_concurrency: 128,
            inbox_concurrency: 8,
            per_host_concurrency: 4,
            poll_seconds: 5.0,
            lease_seconds: 120.0,
            shutdown_grace_seconds: 20.0,
            keep_done_hours: 24,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RegistrationsConfig {
    /// Whether new people may sign up at all (the admin panel will own this later).
    pub open: bool,
    /// Minutes a password-reset link stays valid.
    pub reset_link_minutes: i64,
    /// Hours a confirmation link stays valid.
    pub confirmation_link_hours: i64,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            url: "http://localhost:3000".into(),
            name: "Starling".into(),
            contact_email: String::new(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            bind: "127.0.0.1:3000".into(),
            trusted_proxies: vec!["127.0.0.0/8".into(), "::1".into()],
            rate_limits: true,
            public_cache_seconds: 5,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "postgres://postgres@127.0.0.1:5432/starling".into(),
            // Sized for the small server Postgres shares (see config.example.toml).
            max_connections: 6,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: String::new(),
            from: "Starling <noreply@localhost>".into(),
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from("./data"),
        }
    }
}

impl Default for RegistrationsConfig {
    fn default() -> Self {
        RegistrationsConfig {
            open: true,
            reset_link_minutes: 60,
            confirmation_link_hours: 48,
        }
    }
}

/// Keys whose environment variables hold comma-separated lists.
const LIST_KEYS: &[&str] = &["federation.allowed_private_hosts", "http.trusted_proxies"];

impl Config {
    /// Loads the configuration: `path` if given (it must exist), else `./config.toml` if
    /// present; then the process environment.
    pub fn load(path: Option<&Path>) -> Result<Config, config::ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::load_with_env(path, env)
    }

    /// Same as [`Config::load`] with an explicit environment map (tests use this so
    /// they never touch the process environment).
    pub fn load_with_env(
        path: Option<&Path>,
        env: HashMap<String, String>,
    ) -> Result<Config, config::ConfigError> {
        let mut builder = config::Config::builder();
        match path {
            Some(p) => builder = builder.add_source(config::File::from(p).required(true)),
            None => {
                builder = builder.add_source(config::File::with_name("config.toml").required(false))
            }
        }
        let database_url = env.get("DATABASE_URL").cloned();
        let mut environment = config::Environment::with_prefix("STARLING")
            .prefix_separator("_")
            .separator("__")
            .list_separator(",")
            .try_parsing(true)
            .source(Some(env));
        for key in LIST_KEYS {
            environment = environment.with_list_parse_key(key);
        }
        let mut config: Config = builder
            .add_source(environment)
            .set_override_option("database.url", database_url)?
            .build()?
            .try_deserialize()?;
        config.normalise();
        Ok(config)
    }

    fn normalise(&mut self) {
        while self.instance.url.ends_with('/') {
            self.instance.url.pop();
        }
        self.federation
            .allowed_private_hosts
            .retain(|h| !h.trim().is_empty());
        self.http.trusted_proxies.retain(|h| !h.trim().is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_start_a_dev_server() {
        let c = Config::load_with_env(None, env(&[])).unwrap();
        assert_eq!(c.instance.url, "http://localhost:3000");
        assert_eq!(c.http.bind, "127.0.0.1:3000");
        assert_eq!(
            c.database.url,
            "postgres://postgres@127.0.0.1:5432/starling"
        );
        assert!(c.mail.smtp_url.is_empty());
        assert!(c.federation.allowed_private_hosts.is_empty());
    }

    #[test]
    fn environment_overrides_keys_and_lists() {
        let c = Config::load_with_env(
            None,
            env(&[
                ("STARLING_INSTANCE__URL", "https://example.test/"),
                (
                    "STARLING_FEDERATION__ALLOWED_PRIVATE_HOSTS",
                    "127.0.0.1:4000,127.0.0.1:4001",
                ),
                ("STARLING_MAIL__FROM", "Starling, Inc <a@b.test>"),
                ("DATABASE_URL", "postgres://x@y/z"),
            ]),
        )
        .unwrap();
        assert_eq!(c.instance.url, "https://example.test");
        assert_eq!(
            c.federation.allowed_private_hosts,
            vec!["127.0.0.1:4000", "127.0.0.1:4001"]
        );
        assert_eq!(c.mail.from, "Starling, Inc <a@b.test>");
        assert_eq!(c.database.url, "postgres://x@y/z");
    }
}
