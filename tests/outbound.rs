//! The outbound client against real HTTP servers on loopback (security.md S13–S19).
//! Every refusal test also runs a canary listener that must see zero connections.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, HOST, HeaderMap, HeaderValue};
use starling::outbound::{
    BoxFuture, NameResolver, OutboundClient, OutboundError, OutboundRequest, OutboundResponse,
    OutboundSettings, SignHop,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

const UA: &str = "Starling/0.1.0 (+http://starling.test)";
const CAP: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// A scripted peer: records each request's raw head and body, answers from a handler.

#[derive(Clone, Debug)]
struct Seen {
    request_line: String,
    head: String,
    body: Vec<u8>,
}

impl Seen {
    fn path(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or("")
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

enum Reply {
    /// Write these bytes and close.
    Bytes(Vec<u8>),
    /// Write `head`, then one byte every `every`, forever.
    Drip { head: Vec<u8>, every: Duration },
    /// Write these bytes and keep the connection open, silent.
    Hold(Vec<u8>),
    /// A chunked body that never ends.
    Endless,
}

type Handler = Arc<dyn Fn(&Seen) -> Reply + Send + Sync>;

struct Peer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind peer");
        Peer::serve(listener, Arc::new(handler))
    }

    /// A dual-stack listener on every address (catches 127.0.0.1, ::1, 0.0.0.0, mapped).
    async fn canary() -> Peer {
        let listener = match TcpListener::bind("[::]:0").await {
            Ok(listener) => listener,
            Err(_) => TcpListener::bind("0.0.0.0:0").await.expect("bind canary"),
        };
        Peer::serve(listener, Arc::new(|_: &Seen| ok("canary")))
    }

    fn serve(listener: TcpListener, handler: Handler) -> Peer {
        let addr = listener.local_addr().expect("local addr");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (log, count) = (seen.clone(), connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer(stream, handler.clone(), log.clone()));
            }
        });
        Peer {
            addr,
            seen,
            connections,
            task,
        }
    }

    fn port(&self) -> u16 {
        self.addr.port()
    }

    fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).expect("peer URL")
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("peer log").clone()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Asserts no connection ever reached this listener (after letting stragglers land).
    async fn assert_untouched(&self) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(self.connections(), 0, "{} was contacted", self.addr);
    }
}

async fn answer(mut stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Seen>>>) {
    let Some(seen) = read_request(&mut stream).await else {
        return;
    };
    let reply = handler(&seen);
    log.lock().expect("peer log").push(seen);
    match reply {
        Reply::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Reply::Drip { head, every } => {
            let _ = stream.write_all(&head).await;
            while stream.write_all(b"x").await.is_ok() {
                tokio::time::sleep(every).await;
            }
        }
        Reply::Hold(bytes) => {
            let _ = stream.write_all(&bytes).await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Reply::Endless => {
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            let _ = stream.write_all(head).await;
            let chunk = format!("4000\r\n{}\r\n", "a".repeat(0x4000));
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if stream.read_buf(&mut buf).await.ok()? == 0 || buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut seen = Seen {
        request_line: head.lines().next().unwrap_or("").to_owned(),
        head,
        body: Vec::new(),
    };
    let length: usize = seen
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        if stream.read_buf(&mut body).await.ok()? == 0 {
            break;
        }
    }
    seen.body = body;
    Some(seen)
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut bytes = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        bytes.push_str(&format!("{name}: {value}\r\n"));
    }
    bytes.push_str("Connection: close\r\n\r\n");
    let mut bytes = bytes.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Bytes(bytes)
}

fn ok(body: &str) -> Reply {
    response("200 OK", &[("Content-Type", "text/plain")], body.as_bytes())
}

fn redirect(to: &str) -> Reply {
    response("302 Found", &[("Location", to)], b"")
}

// ---------------------------------------------------------------------------------------
// Test DNS and client set-up.

type Answers = dyn Fn(&str, usize) -> Vec<IpAddr> + Send + Sync;

/// Answers from a function of (name, call number); counts calls.
struct TestResolver {
    answers: Box<Answers>,
    calls: AtomicUsize,
}

impl TestResolver {
    fn new(answers: impl Fn(&str, usize) -> Vec<IpAddr> + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(TestResolver {
            answers: Box::new(answers),
            calls: AtomicUsize::new(0),
        })
    }

    /// peer.test, localhost and rebind.test go to loopback; mixed.test has one public and
    /// one loopback address; anything else does not exist.
    fn hosts() -> Arc<Self> {
        TestResolver::new(|name, _| {
            let ips: &[&str] = match name.trim_end_matches('.').to_ascii_lowercase().as_str() {
                "peer.test" | "rebind.test" => &["127.0.0.1"],
                "localhost" => &["127.0.0.1", "::1"],
                "mixed.test" => &["93.184.215.14", "127.0.0.1"],
                "metadata.test" => &["169.254.169.254"],
                "v6.test" => &["::ffff:127.0.0.1"],
                _ => &[],
            };
            ips.iter().map(|ip| ip.parse().expect("test ip")).collect()
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl NameResolver for TestResolver {
    fn resolve(&self, host: &str, port: u16) -> BoxFuture<'_, io::Result<Vec<SocketAddr>>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let ips = (self.answers)(host, call);
        let result = if ips.is_empty() {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such test host"))
        } else {
            Ok(ips
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect())
        };
        Box::pin(std::future::ready(result))
    }
}

fn settings(allowed: &[String]) -> OutboundSettings {
    OutboundSettings {
        user_agent: UA.to_owned(),
        allowed_private_hosts: allowed.to_vec(),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        max_response_bytes: CAP,
        max_redirects: 3,
    }
}

fn client_with(settings: OutboundSettings, resolver: Arc<TestResolver>) -> OutboundClient {
    OutboundClient::with_resolver(settings, resolver).expect("client builds")
}

fn client(allowed: &[String]) -> OutboundClient {
    client_with(settings(allowed), TestResolver::hosts())
}

fn allow(entries: &[&str]) -> Vec<String> {
    entries.iter().map(|e| e.to_string()).collect()
}

fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL parses")
}

async fn get(client: &OutboundClient, url: Url) -> Result<OutboundResponse, OutboundError> {
    client.send(OutboundRequest::get(url)).await
}

#[track_caller]
fn assert_refused(result: Result<OutboundResponse, OutboundError>, what: &str) {
    match result {
        Err(OutboundError::Refused(_)) => {}
        other => panic!("{what}: expected Refused, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// The allow-list.

#[tokio::test]
async fn allowed_peer_gets_our_get_with_user_agent_and_headers() {
    let peer = Peer::start(|_| ok("hello")).await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);
    let mut request = OutboundRequest::get(peer.url("/users/alice?x=1#main-key"));
    request.headers.insert(
        ACCEPT,
        HeaderValue::from_static("application/activity+json"),
    );

    let response = client.send(request).await.expect("allowed peer answers");

    assert_eq!(response.status, 200);
    assert_eq!(&response.body[..], b"hello");
    assert_eq!(response.final_url, peer.url("/users/alice?x=1"));
    let seen = peer.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].request_line, "GET /users/alice?x=1 HTTP/1.1");
    assert_eq!(seen[0].header("user-agent").as_deref(), Some(UA));
    assert_eq!(
        seen[0].header("accept").as_deref(),
        Some("application/activity+json")
    );
    assert_eq!(
        seen[0].header("accept-encoding").as_deref(),
        Some("identity")
    );
    assert_eq!(seen[0].header("host"), Some(peer.addr.to_string()));
    assert_eq!(seen[0].header("referer"), None);
}

#[tokio::test]
async fn allowed_peer_gets_our_post_body() {
    let peer = Peer::start(|_| response("202 Accepted", &[], b"")).await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);
    let body = Bytes::from_static(br#"{"type":"Follow"}"#);
    let mut request = OutboundRequest::post(peer.url("/inbox"), body.clone());
    request.headers.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );

    let response = client.send(request).await.expect("delivered");

    assert_eq!(response.status, 202);
    let seen = peer.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].request_line, "POST /inbox HTTP/1.1");
    assert_eq!(seen[0].body, body.to_vec());
    assert_eq!(
        seen[0].header("content-length"),
        Some(body.len().to_string())
    );
    assert_eq!(
        seen[0].header("content-type").as_deref(),
        Some("application/activity+json")
    );
    assert_eq!(seen[0].header("user-agent").as_deref(), Some(UA));
}

#[tokio::test]
async fn allowed_name_entry_reaches_the_peer_it_resolves_to() {
    let peer = Peer::start(|_| ok("named")).await;
    let client = client(&[format!("peer.test:{}", peer.port())]);

    let response = get(&client, url(&format!("http://peer.test:{}/x", peer.port())))
        .await
        .expect("peer.test:port is listed");

    assert_eq!(&response.body[..], b"named");
    let seen = peer.seen();
    assert_eq!(
        seen[0].header("host"),
        Some(format!("peer.test:{}", peer.port()))
    );
}

#[tokio::test]
async fn peer_not_listed_is_refused_without_a_connection() {
    let peer = Peer::start(|_| ok("should not be reached")).await;
    let other = peer.port().wrapping_add(1);
    let target = peer.url("/x");
    let named = url(&format!("http://peer.test:{}/x", peer.port()));

    assert_refused(get(&client(&[]), target.clone()).await, "empty list");
    let other_port = client(&[format!("127.0.0.1:{other}"), format!("peer.test:{other}")]);
    assert_refused(get(&other_port, target).await, "entry for another port");
    assert_refused(
        get(&other_port, named.clone()).await,
        "name entry, another port",
    );
    let other_host = client(&[format!("other.test:{}", peer.port())]);
    assert_refused(get(&other_host, named).await, "entry for another name");

    peer.assert_untouched().await;
}

#[tokio::test]
async fn star_allows_every_private_address() {
    let peer = Peer::start(|_| ok("any")).await;
    let client = client(&allow(&["*"]));

    assert!(get(&client, peer.url("/")).await.is_ok(), "literal");
    let named = url(&format!("http://peer.test:{}/", peer.port()));
    assert!(
        get(&client, named).await.is_ok(),
        "name through the shared resolver"
    );
    assert_eq!(peer.seen().len(), 2);
}

#[test]
fn malformed_allow_list_entries_are_configuration_errors() {
    for bad in ["localhost", "127.0.0.1", "::1:80", "host:port"] {
        assert!(
            OutboundClient::new(settings(&allow(&[bad]))).is_err(),
            "{bad:?} accepted"
        );
    }
}

// ---------------------------------------------------------------------------------------
// S13: special addresses, however they are written.

#[tokio::test]
async fn s13_special_address_literals_are_refused_without_connecting() {
    let canary = Peer::canary().await;
    let port = canary.port();
    let hosts = [
        "127.0.0.1",
        "127.1.2.3",
        "0.0.0.0",
        "0.1.2.3",
        "[::1]",
        "[::]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:0.0.0.0]",
        "[0:0:0:0:0:ffff:127.0.0.1]",
        "[::127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
        "[fe80::1]",
        "[fc00::1]",
        "[ff02::1]",
        "169.254.169.254",
        "10.0.0.1",
        "172.16.0.1",
        "192.168.0.1",
        "100.64.0.1",
        "198.18.0.1",
        "192.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        // IPv4 written oddly; `url` normalises each to a dotted quad first.
        "2130706433",
        "0x7f.1",
        "0x7f000001",
        "0177.0.0.1",
        "017700000001",
        "127.1",
        "127.000.000.001",
        "127.0.0.1.",
        "0",
        "%31%32%37.0.0.1",
        "\u{ff11}\u{ff12}\u{ff17}.0.0.1",
    ];
    // With no list, and with a list naming only other places.
    let lists = [allow(&[]), allow(&["127.0.0.1:1", "peer.test:1"])];
    for list in &lists {
        let client = client(list);
        for host in hosts {
            let target = url(&format!("http://{host}:{port}/users/x"));
            let started = Instant::now();
            assert_refused(get(&client, target).await, host);
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{host} was slow"
            );
        }
    }
    canary.assert_untouched().await;
}

#[tokio::test]
async fn s13_names_resolving_to_special_addresses_are_refused() {
    let canary = Peer::canary().await;
    let port = canary.port();
    let names = [
        "localhost",
        "LOCALHOST",
        "localhost.",
        "metadata.test",
        "v6.test",
        "rebind.test",
    ];
    // The shared client's resolver (no list, "*" absent) and the pinned path (an exact
    // entry for this port, on another host).
    let lists = [allow(&[]), allow(&[&format!("127.0.0.2:{port}")])];
    for list in &lists {
        let client = client(list);
        for name in names {
            let target = url(&format!("https://{name}:{port}/.well-known/webfinger"));
            assert_refused(get(&client, target).await, name);
        }
    }
    canary.assert_untouched().await;
}

#[tokio::test]
async fn scheme_credentials_and_hostless_urls_are_refused() {
    let peer = Peer::start(|_| ok("no")).await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);
    let port = peer.port();
    for target in [
        format!("http://victim.test@127.0.0.1:{port}/"),
        format!("http://user:pw@127.0.0.1:{port}/"),
        format!("ftp://127.0.0.1:{port}/"),
        "file:///etc/passwd".to_owned(),
        "data:application/json,{}".to_owned(),
        format!("gopher://127.0.0.1:{port}/"),
    ] {
        assert_refused(get(&client, url(&target)).await, &target);
    }
    peer.assert_untouched().await;
}

// ---------------------------------------------------------------------------------------
// S14: the address connected to is the address checked.

#[tokio::test]
async fn s14_a_name_with_any_private_address_is_refused_entirely() {
    let canary = Peer::canary().await;
    let port = canary.port();
    let target = url(&format!("http://mixed.test:{port}/a"));
    for list in [allow(&[]), allow(&[&format!("93.184.215.14:{port}")])] {
        assert_refused(get(&client(&list), target.clone()).await, "mixed.test");
    }
    canary.assert_untouched().await;
}

/// A peer on 127.0.0.2:P (allowed by address) and a canary on 127.0.0.1:P (not allowed).
async fn peer_and_canary_on_one_port() -> (Peer, Peer) {
    for _ in 0..20 {
        let listener = TcpListener::bind("127.0.0.2:0")
            .await
            .expect("bind 127.0.0.2");
        let port = listener.local_addr().expect("addr").port();
        if let Ok(canary) = TcpListener::bind(("127.0.0.1", port)).await {
            let peer = Peer::serve(listener, Arc::new(|_: &Seen| ok("checked")));
            let canary = Peer::serve(canary, Arc::new(|_: &Seen| ok("canary")));
            return (peer, canary);
        }
    }
    panic!("no port free on both 127.0.0.2 and 127.0.0.1");
}

#[tokio::test]
async fn s14_rebinding_answers_never_reach_the_unchecked_address() {
    let (peer, canary) = peer_and_canary_on_one_port().await;
    let port = peer.port();
    let resolver = TestResolver::new(|_, call| {
        let ip = if call % 2 == 0 {
            "127.0.0.2"
        } else {
            "127.0.0.1"
        };
        vec![ip.parse().expect("ip")]
    });
    let client = client_with(settings(&[format!("127.0.0.2:{port}")]), resolver.clone());
    let target = url(&format!("http://flip.test:{port}/a"));

    for round in 0..10 {
        let result = get(&client, target.clone()).await;
        if round % 2 == 0 {
            assert_eq!(&result.expect("checked address").body[..], b"checked");
        } else {
            assert_refused(result, "rebound to 127.0.0.1");
        }
    }

    // One lookup per request: nothing resolved the name again between check and connect.
    assert_eq!(resolver.calls(), 10);
    assert_eq!(peer.seen().len(), 5);
    canary.assert_untouched().await;
}

#[tokio::test]
async fn s14_shared_client_connects_exactly_where_its_resolver_answered() {
    let (peer, canary) = peer_and_canary_on_one_port().await;
    let port = peer.port();
    let resolver = TestResolver::new(|_, call| {
        let ip = if call % 2 == 0 {
            "127.0.0.2"
        } else {
            "127.0.0.1"
        };
        vec![ip.parse().expect("ip")]
    });
    let client = client_with(settings(&allow(&["*"])), resolver.clone());
    let target = url(&format!("http://flip.test:{port}/a"));

    for _ in 0..6 {
        get(&client, target.clone())
            .await
            .expect("\"*\" allows both");
    }

    assert_eq!(resolver.calls(), 6);
    assert_eq!(peer.seen().len(), 3);
    assert_eq!(canary.seen().len(), 3);
}

// ---------------------------------------------------------------------------------------
// S15: redirects.

#[tokio::test]
async fn s15_redirects_to_private_places_are_refused_without_connecting() {
    let canary = Peer::canary().await;
    let port = canary.port();
    let targets = [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://0x7f.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("//rebind.test:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "file:///etc/passwd".to_owned(),
        "data:application/json,{}".to_owned(),
        format!("gopher://127.0.0.1:{port}/"),
        format!("ftp://127.0.0.1:{port}/"),
    ];
    for target in targets {
        let to = target.clone();
        let peer = Peer::start(move |_| redirect(&to)).await;
        let client = client(&[format!("127.0.0.1:{}", peer.port())]);
        assert_refused(get(&client, peer.url("/users/x")).await, &target);
        assert_eq!(peer.seen().len(), 1);
    }
    canary.assert_untouched().await;
}

#[tokio::test]
async fn s15_redirect_loops_and_long_chains_stop_at_the_limit() {
    let peer = Peer::start(|seen| match seen.path() {
        "/loop" => redirect("/loop"),
        path => {
            let n: u32 = path.trim_start_matches("/chain/").parse().unwrap_or(0);
            redirect(&format!("/chain/{}", n + 1))
        }
    })
    .await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);

    let result = get(&client, peer.url("/loop")).await;
    assert!(
        matches!(result, Err(OutboundError::TooManyRedirects)),
        "{result:?}"
    );
    assert_eq!(peer.seen().len(), 4, "the first request and 3 redirects");

    let result = get(&client, peer.url("/chain/0")).await;
    assert!(
        matches!(result, Err(OutboundError::TooManyRedirects)),
        "{result:?}"
    );
    assert_eq!(peer.seen().len(), 8);
}

#[tokio::test]
async fn s15_posts_are_not_redirected() {
    let peer = Peer::start(|seen| match seen.path() {
        "/inbox" => response("307 Temporary Redirect", &[("Location", "/elsewhere")], b""),
        _ => ok("moved"),
    })
    .await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);

    for follow in [false, true] {
        let mut request = OutboundRequest::post(peer.url("/inbox"), Bytes::from_static(b"{}"));
        request.follow_redirects = follow;
        let response = client.send(request).await.expect("3xx handed back");
        assert_eq!(response.status, 307);
        assert_eq!(response.final_url, peer.url("/inbox"));
    }
    assert!(peer.seen().iter().all(|seen| seen.path() == "/inbox"));
    assert_eq!(peer.seen().len(), 2);
}

#[tokio::test]
async fn s15_each_hop_is_signed_for_its_own_url_and_final_url_is_the_last_hop() {
    let peer = Peer::start(|seen| match seen.path() {
        "/start" => redirect("/next"),
        "/next" => {
            let port = seen.header("host").unwrap_or_default();
            let port = port.rsplit(':').next().unwrap_or_default().to_owned();
            redirect(&format!("http://peer.test:{port}/final"))
        }
        _ => ok("final"),
    })
    .await;
    let port = peer.port();
    let client = client(&[format!("127.0.0.1:{port}"), format!("peer.test:{port}")]);
    let signed: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = signed.clone();
    let sign: SignHop = Arc::new(move |method: &Method, url: &Url, headers: &mut HeaderMap| {
        record.lock().expect("log").push(format!("{method} {url}"));
        let value = HeaderValue::from_str(url.as_str()).expect("URL is a header value");
        headers.insert("x-signed-url", value);
    });
    let mut request = OutboundRequest::get(peer.url("/start"));
    request.sign = Some(sign);
    request
        .headers
        .insert(AUTHORIZATION, HeaderValue::from_static("Bearer secret"));

    let response = client.send(request).await.expect("chain ends at /final");

    let last = format!("http://peer.test:{port}/final");
    assert_eq!(response.final_url.as_str(), last);
    assert_eq!(
        *signed.lock().expect("log"),
        vec![
            format!("GET {}", peer.url("/start")),
            format!("GET {}", peer.url("/next")),
            format!("GET {last}"),
        ]
    );
    let seen = peer.seen();
    assert_eq!(seen.len(), 3);
    for (hop, path) in seen.iter().zip(["/start", "/next", "/final"]) {
        let signed_for = hop.header("x-signed-url").unwrap_or_default();
        assert!(signed_for.ends_with(path), "{path} signed for {signed_for}");
    }
    assert!(
        seen[1].header("authorization").is_some(),
        "same origin keeps it"
    );
    assert_eq!(seen[2].header("authorization"), None, "new origin drops it");
}

// ---------------------------------------------------------------------------------------
// S17: header injection through URL parts or signers.

#[tokio::test]
async fn s17_line_breaks_in_urls_do_not_become_headers() {
    let peer = Peer::start(|_| ok("fine")).await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);
    let base = format!("http://127.0.0.1:{}", peer.port());
    let targets = [
        format!("{base}/a%0d%0aX-Injected:%201?q=%0D%0AX-Injected:%202"),
        format!("{base}/a\r\nX-Injected: 1 HTTP/1.1\r\n\r\nGET /smuggled"),
        format!("{base}/a b\u{2028}X-Injected: 1"),
        format!("{base}/a%00b?%0aX-Injected:1"),
    ];
    for target in &targets {
        get(&client, url(target))
            .await
            .expect("sent, safely encoded");
    }

    let seen = peer.seen();
    assert_eq!(seen.len(), targets.len(), "one request per fetch");
    for request in &seen {
        assert_eq!(request.header("x-injected"), None, "{}", request.head);
        let request_line = &request.request_line;
        assert!(request_line.starts_with("GET /a") && request_line.ends_with(" HTTP/1.1"));
        assert_eq!(request_line.matches(' ').count(), 2, "{request_line}");
        assert!(
            request_line
                .bytes()
                .all(|b| b.is_ascii_graphic() || b == b' ')
        );
    }
    assert!(seen[0].request_line.contains("/a%0d%0aX-Injected:%201"));
}

#[tokio::test]
async fn s17_a_signed_host_header_must_match_the_url() {
    let peer = Peer::start(|_| ok("no")).await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);
    let mut request = OutboundRequest::get(peer.url("/"));
    request.sign = Some(Arc::new(|_: &Method, _: &Url, headers: &mut HeaderMap| {
        headers.insert(HOST, HeaderValue::from_static("victim.test"));
    }));

    assert_refused(client.send(request).await, "Host: victim.test");
    peer.assert_untouched().await;
}

// ---------------------------------------------------------------------------------------
// S18: slow peers meet one overall deadline.

fn short_deadline(peer: &Peer) -> OutboundClient {
    let mut settings = settings(&[format!("127.0.0.1:{}", peer.port())]);
    settings.request_timeout = Duration::from_secs(2);
    client_with(settings, TestResolver::hosts())
}

#[tokio::test]
async fn s18_a_dripping_body_hits_the_overall_deadline() {
    let peer = Peer::start(|_| Reply::Drip {
        head: b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec(),
        every: Duration::from_millis(500),
    })
    .await;
    let started = Instant::now();

    let result = get(&short_deadline(&peer), peer.url("/slow")).await;

    assert!(matches!(result, Err(OutboundError::Timeout)), "{result:?}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn s18_a_silent_peer_hits_the_overall_deadline() {
    let peer = Peer::start(|_| Reply::Hold(Vec::new())).await;
    let started = Instant::now();

    let result = get(&short_deadline(&peer), peer.url("/silent")).await;

    assert!(matches!(result, Err(OutboundError::Timeout)), "{result:?}");
    assert!(result.as_ref().is_err_and(OutboundError::is_transient));
    assert!(started.elapsed() < Duration::from_secs(3));
}

// ---------------------------------------------------------------------------------------
// S19: body size.

#[tokio::test]
async fn s19_a_declared_length_over_the_cap_fails_before_reading() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n".to_vec();
    let peer = Peer::start(move |_| Reply::Hold(head.clone())).await;
    let started = Instant::now();

    let result = get(&short_deadline(&peer), peer.url("/huge")).await;

    // The peer never sends a body byte: only a check of the header can end this early.
    assert!(matches!(result, Err(OutboundError::TooLarge)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn s19_an_endless_chunked_body_stops_at_the_cap() {
    let peer = Peer::start(|_| Reply::Endless).await;

    let result = get(&short_deadline(&peer), peer.url("/endless")).await;

    assert!(matches!(result, Err(OutboundError::TooLarge)), "{result:?}");
    assert!(result.as_ref().is_err_and(|e| !e.is_transient()));
}

#[tokio::test]
async fn s19_a_body_at_the_cap_is_read_and_one_byte_more_is_not() {
    let peer = Peer::start(|seen| {
        let size = if seen.path() == "/at" { CAP } else { CAP + 1 };
        response("200 OK", &[], &vec![b'a'; size])
    })
    .await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);

    let at = get(&client, peer.url("/at"))
        .await
        .expect("exactly the cap");
    assert_eq!(at.body.len(), CAP);
    let over = get(&client, peer.url("/over")).await;
    assert!(matches!(over, Err(OutboundError::TooLarge)), "{over:?}");
}

#[tokio::test]
async fn s19_compressed_bodies_are_not_inflated() {
    let gzipped: Vec<u8> = vec![
        31, 139, 8, 0, 0, 0, 0, 0, 2, 3, 203, 72, 205, 201, 201, 215, 81, 72, 175, 202, 44, 0, 0,
        74, 155, 177, 92, 11, 0, 0, 0,
    ];
    let body = gzipped.clone();
    let peer =
        Peer::start(move |_| response("200 OK", &[("Content-Encoding", "gzip")], &body)).await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);

    let response = get(&client, peer.url("/gz")).await.expect("fetched");

    assert_eq!(response.body.to_vec(), gzipped, "bytes as sent");
    assert_eq!(
        peer.seen()[0].header("accept-encoding").as_deref(),
        Some("identity")
    );
}

// ---------------------------------------------------------------------------------------
// Failure classes.

#[tokio::test]
async fn network_failures_are_transient_and_refusals_final() {
    let closed = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let client = client(&[format!("127.0.0.1:{port}")]);

    let refused_connection = get(&client, url(&format!("http://127.0.0.1:{port}/"))).await;
    assert!(
        matches!(&refused_connection, Err(OutboundError::Connect(_))),
        "{refused_connection:?}"
    );
    assert!(refused_connection.is_err_and(|e| e.is_transient()));

    let unknown = get(&client, url("http://no-such-host.test/")).await;
    assert!(
        matches!(&unknown, Err(OutboundError::Connect(_))),
        "{unknown:?}"
    );

    let refused = get(&client, url("http://10.0.0.1/")).await;
    assert!(refused.is_err_and(|e| !e.is_transient()));
}

#[tokio::test]
async fn head_requests_read_no_body() {
    let peer = Peer::start(|_| {
        Reply::Bytes(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\n".to_vec(),
        )
    })
    .await;
    let client = client(&[format!("127.0.0.1:{}", peer.port())]);
    let mut request = OutboundRequest::get(peer.url("/"));
    request.method = Method::HEAD;

    let response = client.send(request).await.expect("HEAD has no body to cap");

    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
}
