//! The only place that builds our own URIs and URLs, all from `instance.url`.

use crate::id::StatusId;
use url::Url;

#[derive(Clone, Debug)]
pub struct Urls {
    base: String,
    domain: String,
    https: bool,
}

impl Urls {
    /// `base` is the public instance URL, e.g. `https://starling.example`.
    pub fn new(base: &str) -> Result<Urls, String> {
        let parsed = Url::parse(base).map_err(|e| format!("instance.url {base:?}: {e}"))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("instance.url {base:?} has no host"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("instance.url {base:?} must be http or https"));
        }
        let domain = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let base = format!("{}://{}", parsed.scheme(), domain);
        Ok(Urls {
            https: parsed.scheme() == "https",
            base,
            domain,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The domain in handles (`@user@domain`): host, plus the port when not standard.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    pub fn is_https(&self) -> bool {
        self.https
    }

    pub fn path(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn account_uri(&self, username: &str) -> String {
        format!("{}/users/{}", self.base, username)
    }

    pub fn profile_url(&self, username: &str) -> String {
        format!("{}/@{}", self.base, username)
    }

    pub fn inbox_url(&self, username: &str) -> String {
        format!("{}/users/{}/inbox", self.base, username)
    }

    pub fn outbox_url(&self, username: &str) -> String {
        format!("{}/users/{}/outbox", self.base, username)
    }

    pub fn followers_url(&self, username: &str) -> String {
        format!("{}/users/{}/followers", self.base, username)
    }

    pub fn following_url(&self, username: &str) -> String {
        format!("{}/users/{}/following", self.base, username)
    }

    pub fn featured_url(&self, username: &str) -> String {
        format!("{}/users/{}/collections/featured", self.base, username)
    }

    /// The instance actor (type Application) that signs fetches made for the server.
    pub fn instance_actor_uri(&self) -> String {
        format!("{}/actor", self.base)
    }

    pub fn shared_inbox_url(&self) -> String {
        format!("{}/inbox", self.base)
    }

    pub fn key_id(&self, username: &str) -> String {
        format!("{}#main-key", self.account_uri(username))
    }

    pub fn status_uri(&self, username: &str, id: StatusId) -> String {
        format!("{}/users/{}/statuses/{}", self.base, username, id)
    }

    pub fn status_url(&self, username: &str, id: StatusId) -> String {
        format!("{}/@{}/{}", self.base, username, id)
    }

    pub fn reblog_uri(&self, username: &str, id: StatusId) -> String {
        format!("{}/users/{}/statuses/{}/activity", self.base, username, id)
    }

    /// Ids of activities we send, shaped like Mastodon's (`<actor>#follows/<id>` …).
    pub fn activity_uri(&self, actor_username: &str, kind: &str, id: i64) -> String {
        format!("{}#{}/{}", self.account_uri(actor_username), kind, id)
    }

    pub fn tag_url(&self, name: &str) -> String {
        format!("{}/tags/{}", self.base, name)
    }

    pub fn confirmation_url(&self, token: &str) -> String {
        format!(
            "{}/auth/confirmation?confirmation_token={}",
            self.base, token
        )
    }

    pub fn password_reset_url(&self, token: &str) -> String {
        format!(
            "{}/auth/password/edit?reset_password_token={}",
            self.base, token
        )
    }

    /// Whether `uri` names something under our own origin.
    pub fn is_local(&self, uri: &str) -> bool {
        uri == self.base || uri.starts_with(&format!("{}/", self.base))
    }
}

/// `host[:port]` of a URL, lowercase (the port only when not the scheme's default): the
/// domain of a remote account and the key of a delivery host.
pub fn authority(url: &Url) -> Option<String> {
    crate::outbound::host_header(url).map(|h| h.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_everything_from_the_base() {
        let u = Urls::new("http://localhost:3000/").unwrap();
        assert_eq!(u.domain(), "localhost:3000");
        assert_eq!(u.account_uri("alice"), "http://localhost:3000/users/alice");
        assert_eq!(
            u.status_url("alice", StatusId(7)),
            "http://localhost:3000/@alice/7"
        );
        assert_eq!(
            u.key_id("alice"),
            "http://localhost:3000/users/alice#main-key"
        );
        let s = Urls::new("https://starling.example").unwrap();
        assert_eq!(s.domain(), "starling.example");
        assert!(s.is_https());
        assert!(s.is_local("https://starling.example/users/a"));
        assert!(!s.is_local("https://starling.example.evil.test/users/a"));
        assert!(Urls::new("ftp://x").is_err());
    }
}
