//! Signed `Create` activities and sending them to the shared inbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use starling::httpsig::SigningKey;
use time::format_description::well_known::Rfc3339;

use crate::actors::RemoteActors;
use crate::home::Watcher;
use crate::{AP, BODY_BYTES, BenchResult, IN_FLIGHT, SAMPLE_EVERY};

/// A signed request, ready to send.
pub struct Prepared {
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
    /// The id of the Note it creates.
    pub note_uri: String,
}

/// Builds and signs one Create per entry of `order` (an index into the actors), spread
/// over the cores. Note ids are unique per run.
pub async fn prepare(
    actors: &RemoteActors,
    order: &[usize],
    inbox: &str,
) -> BenchResult<Vec<Prepared>> {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let url = url::Url::parse(inbox).map_err(|e| format!("{inbox}: {e}"))?;
    let published = time::OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .map_err(|e| e.to_string())?;
    let jobs: Vec<(RemoteActorRef, u64)> = order
        .iter()
        .map(|&i| {
            let a = &actors.actors[i];
            (
                RemoteActorRef {
                    uri: a.uri.clone(),
                    key_id: a.key_id.clone(),
                    key: a.key.clone(),
                },
                SERIAL.fetch_add(1, Ordering::Relaxed),
            )
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let chunk = jobs.len().div_ceil(threads).max(1);
    let mut tasks = Vec::new();
    let mut rest = jobs;
    while !rest.is_empty() {
        let tail = rest.split_off(chunk.min(rest.len()));
        let part = std::mem::replace(&mut rest, tail);
        let url = url.clone();
        let published = published.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            part.into_iter()
                .map(|(actor, n)| sign_create(&actor, n, &url, &published))
                .collect::<BenchResult<Vec<Prepared>>>()
        }));
    }
    let mut prepared = Vec::with_capacity(order.len());
    for task in tasks {
        prepared.extend(task.await.map_err(|e| format!("signing: {e}"))??);
    }
    Ok(prepared)
}

/// What signing needs of an actor, owned so it can move to a blocking thread.
pub struct RemoteActorRef {
    pub uri: String,
    pub key_id: String,
    pub key: SigningKey,
}

pub fn sign_create(
    actor: &RemoteActorRef,
    n: u64,
    url: &url::Url,
    published: &str,
) -> BenchResult<Prepared> {
    let note_uri = format!("{}/statuses/{n}", actor.uri);
    let body = create_body(&actor.uri, &note_uri, n, published);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static(AP),
    );
    starling::httpsig::sign_outgoing(
        &reqwest::Method::POST,
        url,
        &mut headers,
        Some(body.as_bytes()),
        &actor.key,
        &actor.key_id,
        SystemTime::now(),
    )
    .map_err(|e| format!("signing: {e}"))?;
    Ok(Prepared {
        headers,
        body: bytes::Bytes::from(body),
        note_uri,
    })
}

/// A Create of a public Note with a mention, a hashtag and an image, about 1.5 KB, as a
/// Mastodon server sends it.
pub fn create_body(actor: &str, note_uri: &str, n: u64, published: &str) -> String {
    let sentences = [
        "Spent the morning repotting the basil and the thyme, and the kitchen still smells of it.",
        "If anyone has tips for keeping aphids off the chillies without spraying, I am listening.",
        "Also: the new bread recipe worked, crust and all, so that is going on the list.",
        "Photos of the balcony garden below, before the pigeons find it again.",
    ];
    let tags = ["gardening", "balcony", "herbs", "bread", "pigeons"];
    let tag = tags[n as usize % tags.len()];
    let host = actor.split("/users/").next().unwrap_or(actor);
    let activity = |content: &str| {
        serde_json::json!({
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}
            ],
            "id": format!("{note_uri}/activity"),
            "type": "Create",
            "actor": actor,
            "published": published,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{actor}/followers"), "https://remote.example/users/bob"],
            "object": {
                "id": note_uri,
                "type": "Note",
                "summary": null,
                "inReplyTo": null,
                "published": published,
                "url": note_uri,
                "attributedTo": actor,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [format!("{actor}/followers"), "https://remote.example/users/bob"],
                "sensitive": false,
                "content": content,
                "attachment": [{
                    "type": "Document",
                    "mediaType": "image/jpeg",
                    "url": format!("{host}/media/{n}.jpg"),
                    "name": "Pots of basil and thyme on a sunny balcony",
                    "width": 1600,
                    "height": 1200
                }],
                "tag": [
                    {"type": "Mention", "href": "https://remote.example/users/bob", "name": "@bob@remote.example"},
                    {"type": "Hashtag", "href": format!("{host}/tags/{tag}"), "name": format!("#{tag}")}
                ]
            }
        })
        .to_string()
    };
    let mut content = String::from(
        "<p><span class=\"h-card\"><a href=\"https://remote.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> ",
    );
    let mut i = n as usize;
    loop {
        let closed = format!(
            "{content}<a href=\"{host}/tags/{tag}\" class=\"mention hashtag\" rel=\"tag\">#<span>{tag}</span></a></p>"
        );
        let body = activity(&closed);
        if body.len() >= BODY_BYTES - 100 {
            return body;
        }
        content.push_str(sentences[i % sentences.len()]);
        content.push(' ');
        i += 1;
    }
}

/// One request's answer and timing.
pub struct Sent {
    pub status: u16,
    pub took: Duration,
}

impl Sent {
    pub fn ms(&self) -> f64 {
        self.took.as_secs_f64() * 1000.0
    }
}

/// POSTs to the server's shared inbox.
pub struct Sender {
    pub client: reqwest::Client,
    pub inbox: String,
}

impl Sender {
    pub fn new(base: &str) -> BenchResult<Sender> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(IN_FLIGHT)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Sender {
            client,
            inbox: format!("{base}/inbox"),
        })
    }

    /// Sends every request, `IN_FLIGHT` at a time, in order; watched ones (every
    /// `SAMPLE_EVERY`th) are handed to `watcher` as they go out.
    pub async fn send_all(
        &self,
        requests: Arc<Vec<Prepared>>,
        watcher: Option<&Arc<Watcher>>,
    ) -> BenchResult<Vec<Sent>> {
        send_all(&self.client, &self.inbox, requests, watcher).await
    }
}

pub async fn send_all(
    client: &reqwest::Client,
    inbox: &str,
    requests: Arc<Vec<Prepared>>,
    watcher: Option<&Arc<Watcher>>,
) -> BenchResult<Vec<Sent>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..IN_FLIGHT.min(requests.len()) {
        let client = client.clone();
        let inbox = inbox.to_string();
        let requests = requests.clone();
        let next = next.clone();
        let watcher = watcher.cloned();
        tasks.spawn(async move {
            let mut sent = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(r) = requests.get(i) else {
                    return Ok::<_, String>(sent);
                };
                let start = Instant::now();
                if let Some(w) = &watcher
                    && i.is_multiple_of(SAMPLE_EVERY)
                {
                    w.expect(&r.note_uri, start);
                }
                let res = client
                    .post(&inbox)
                    .headers(r.headers.clone())
                    .body(r.body.clone())
                    .send()
                    .await
                    .map_err(|e| format!("POST {inbox}: {e}"))?;
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                sent.push(Sent {
                    status,
                    took: start.elapsed(),
                });
                if (i + 1).is_multiple_of(2_000) {
                    eprintln!("inbox bench: {} sent", i + 1);
                }
            }
        });
    }
    let mut all = Vec::with_capacity(requests.len());
    while let Some(res) = tasks.join_next().await {
        all.extend(res.map_err(|e| format!("sender task: {e}"))??);
    }
    Ok(all)
}

pub fn check_accepted(step: &str, sent: &[Sent]) -> BenchResult<()> {
    let mut refused: HashMap<u16, usize> = HashMap::new();
    for s in sent.iter().filter(|s| s.status != 202) {
        *refused.entry(s.status).or_default() += 1;
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(format!("{step}: answers other than 202: {refused:?}"))
    }
}
