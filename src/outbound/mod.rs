//! The one outbound HTTP client: deliveries, fetches of actors and objects, link previews.
//!
//! It refuses what security.md S13–S19 describe: private and other special addresses
//! (unless `allowed_private_hosts` lists them), DNS rebinding, unchecked redirects, odd
//! schemes, credentials in URLs, header injection, slow drips and huge bodies.
//!
//! How the connected address is guaranteed to be a checked one:
//! - IP-literal hosts are classified here before sending; reqwest connects to the literal.
//! - Names go through a reqwest resolver (`resolve::VettingResolver`) that resolves and
//!   checks in the same step and hands reqwest only the checked addresses, so there is no
//!   second lookup to rebind. reqwest gives that resolver the name but not the port, so it
//!   accepts only what every port may reach: public addresses (everything with `"*"`).
//! - When the allow-list has an exact entry for the URL's port, a name may legitimately
//!   resolve to an allowed private address; then the name is resolved and checked here with
//!   the port in hand, and sent through a one-off client pinned to exactly those addresses
//!   (`resolve_to_addrs`). That only happens in tests and development set-ups.
//! - reqwest's proxy support is off (`no_proxy`), so `HTTP(S)_PROXY` cannot reroute us.

pub mod address;
mod allowlist;
mod body;
mod error;
mod headers;
mod redirect;
mod resolve;
mod target;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

pub use error::OutboundError;
pub use resolve::{BoxFuture, NameResolver, SystemResolver};
pub use target::host_header;

use allowlist::PrivateAllowList;
use resolve::VettingResolver;
use target::Route;

/// How the client behaves; built by the caller from the configuration.
#[derive(Debug, Clone)]
pub struct OutboundSettings {
    /// `Starling/<version> (+<instance url>)`.
    pub user_agent: String,
    /// Exact `host:port` entries (host as URLs write it, IPv6 in brackets) whose private
    /// addresses may be reached; `"*"` allows every private address (development only).
    pub allowed_private_hosts: Vec<String>,
    /// Limit on establishing each connection (resolution included).
    pub connect_timeout: Duration,
    /// One deadline for the whole exchange: every hop, headers and body (S18).
    pub request_timeout: Duration,
    /// Largest body read; larger ones fail with `TooLarge` (S19).
    pub max_response_bytes: usize,
    /// Redirects followed before `TooManyRedirects` (S15).
    pub max_redirects: usize,
}

/// Signs one hop: called with its method, URL and headers just before it is sent, for the
/// first request and for every followed redirect. If it adds `Host`, the value must be
/// `host_header(url)`.
pub type SignHop = Arc<dyn Fn(&Method, &Url, &mut HeaderMap) + Send + Sync>;

/// One request to send.
pub struct OutboundRequest {
    pub method: Method,
    pub url: Url,
    /// The caller's headers. Framing headers (Content-Length, Transfer-Encoding, Connection
    /// …) are dropped and `Accept-Encoding: identity` is always sent. reqwest adds
    /// `Accept: */*` when none is given.
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    /// Called before each hop is sent, so HTTP signatures are made per hop, at send time.
    pub sign: Option<SignHop>,
    /// Follow redirects (GET fetches: true; POST deliveries: false). Only GET and HEAD are
    /// ever followed; other methods get their 3xx back.
    pub follow_redirects: bool,
}

impl OutboundRequest {
    /// A GET that follows redirects.
    pub fn get(url: Url) -> OutboundRequest {
        OutboundRequest {
            method: Method::GET,
            url,
            headers: HeaderMap::new(),
            body: None,
            sign: None,
            follow_redirects: true,
        }
    }

    /// A POST of `body` that does not follow redirects.
    pub fn post(url: Url, body: Bytes) -> OutboundRequest {
        OutboundRequest {
            method: Method::POST,
            url,
            headers: HeaderMap::new(),
            body: Some(body),
            sign: None,
            follow_redirects: false,
        }
    }
}

impl fmt::Debug for OutboundRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &self.headers)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("signed", &self.sign.is_some())
            .field("follow_redirects", &self.follow_redirects)
            .finish()
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub struct OutboundResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Where the body came from: the last hop's URL, without fragment. Compare fetched ids
    /// with this, never with the first URL.
    pub final_url: Url,
}

/// The shared outbound client; cheap to clone.
#[derive(Clone)]
pub struct OutboundClient {
    inner: Arc<Inner>,
}

struct Inner {
    settings: OutboundSettings,
    allow: Arc<PrivateAllowList>,
    names: Arc<dyn NameResolver>,
    recipe: ClientRecipe,
    shared: reqwest::Client,
}

/// What every reqwest client we build shares.
struct ClientRecipe {
    names: Arc<dyn NameResolver>,
    allow: Arc<PrivateAllowList>,
    user_agent: HeaderValue,
    connect_timeout: Duration,
}

impl OutboundClient {
    /// A client resolving names through the operating system.
    pub fn new(settings: OutboundSettings) -> Result<OutboundClient, String> {
        OutboundClient::with_resolver(settings, Arc::new(SystemResolver))
    }

    /// A client resolving names through `resolver` (tests map names to loopback).
    pub fn with_resolver(
        settings: OutboundSettings,
        resolver: Arc<dyn NameResolver>,
    ) -> Result<OutboundClient, String> {
        let allow = Arc::new(PrivateAllowList::parse(&settings.allowed_private_hosts)?);
        let user_agent = HeaderValue::from_str(&settings.user_agent)
            .map_err(|_| format!("user agent {:?} is not a header value", settings.user_agent))?;
        let recipe = ClientRecipe {
            names: resolver.clone(),
            allow: allow.clone(),
            user_agent,
            connect_timeout: settings.connect_timeout,
        };
        let shared = recipe.build(None)?;
        Ok(OutboundClient {
            inner: Arc::new(Inner {
                settings,
                allow,
                names: resolver,
                recipe,
                shared,
            }),
        })
    }

    /// Sends `request`, following redirects if asked, and reads the whole body, all within
    /// `request_timeout`.
    pub async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let deadline = self.inner.settings.request_timeout;
        let first_url = request.url.clone();
        let result = tokio::time::timeout(deadline, self.inner.exchange(request))
            .await
            .unwrap_or(Err(OutboundError::Timeout));
        if let Err(err) = &result {
            tracing::debug!(url = %first_url, error = %err, "outbound request failed");
        }
        result
    }
}

impl Inner {
    async fn exchange(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let OutboundRequest {
            method,
            mut url,
            mut headers,
            mut body,
            sign,
            follow_redirects,
        } = request;
        headers::prepare(&mut headers);
        let mut redirects = 0;
        loop {
            url.set_fragment(None);
            let response = self
                .send_hop(&method, &url, &headers, body.as_ref(), sign.as_ref())
                .await?;
            let status = response.status();
            let follow =
                follow_redirects && redirect::may_follow(&method) && redirect::is_redirect(status);
            if follow && let Some(next) = redirect::next_url(&url, response.headers())? {
                redirects += 1;
                if redirects > self.settings.max_redirects {
                    return Err(OutboundError::TooManyRedirects);
                }
                redirect::drop_credentials_across_origins(&mut headers, &url, &next);
                body = None;
                url = next;
                continue;
            }
            let response_headers = response.headers().clone();
            let cap = self.settings.max_response_bytes;
            let is_head = method == Method::HEAD;
            let body = body::read_capped(response, is_head, cap).await?;
            return Ok(OutboundResponse {
                status: status.as_u16(),
                headers: response_headers,
                body,
                final_url: url,
            });
        }
    }

    /// Checks, signs and sends one hop; returns once the response headers are in.
    async fn send_hop(
        &self,
        method: &Method,
        url: &Url,
        base_headers: &HeaderMap,
        body: Option<&Bytes>,
        sign: Option<&SignHop>,
    ) -> Result<reqwest::Response, OutboundError> {
        let route = target::route(url, &self.allow, self.names.as_ref()).await?;
        let mut hop_headers = base_headers.clone();
        if let Some(sign) = sign {
            sign(method, url, &mut hop_headers);
        }
        headers::finish_hop(&mut hop_headers, url, body.map(Bytes::len))?;
        let client = match route {
            Route::Shared => self.shared.clone(),
            Route::Pinned { host, addrs } => self
                .recipe
                .build(Some((&host, &addrs)))
                .map_err(OutboundError::Other)?,
        };
        let mut builder = client
            .request(method.clone(), url.clone())
            .headers(hop_headers);
        if let Some(body) = body {
            builder = builder.body(body.clone());
        }
        builder.send().await.map_err(OutboundError::from_reqwest)
    }
}

impl ClientRecipe {
    /// A reqwest client with our rules; `pin` restricts one name to checked addresses.
    fn build(&self, pin: Option<(&str, &[SocketAddr])>) -> Result<reqwest::Client, String> {
        let resolver = VettingResolver {
            names: self.names.clone(),
            allow: self.allow.clone(),
        };
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            // These exist without their features: if another crate ever enables one, we
            // still never inflate a body (the cap must count bytes as sent).
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .no_zstd()
            .no_hickory_dns()
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .dns_resolver(resolver);
        if let Some((host, addrs)) = pin {
            builder = builder.resolve_to_addrs(host, addrs);
        }
        builder
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))
    }
}
