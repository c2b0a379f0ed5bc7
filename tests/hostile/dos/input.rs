//! Expensive input: posts with endless lists, pathological JSON-LD, hostile text, HTML
//! and bytes, and HTML answered where ActivityStreams was asked for.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::queries::{count, status_by_uri, unread};
use crate::support::remote::{AP, AS, PUBLIC, create, deliver, note, send};
use crate::tools::{
    Evil, Reply, accounts_on, assert_inbox_jobs_finished, mention, note_doc, note_if_slow,
    rita_known, search, unfinished_inbox_jobs,
};

/// S20: one remote post with endless lists (hashtags, mentions, emoji, attachments, poll
/// options, addressees) and huge texts is taken quickly and stored with bounded lists;
/// its page renders quickly. Attachments are recorded by URL only (no media is stored
/// yet), so their size limits cannot be tested.
#[tokio::test]
async fn s20_a_post_with_endless_lists_is_stored_with_bounded_ones() {
    let (rita, app) = rita_known().await;
    let alice_user = app.create_user("alice").await;
    let alice = app.account("alice").await;
    let mut tags = vec![mention(&alice)];
    tags.extend((0..4000).map(|i| json!({"type": "Hashtag", "name": format!("#t{i}")})));
    tags.extend(
        (0..2500).map(|i| json!({"type": "Mention", "href": format!("https://m{i}.example/u")})),
    );
    tags.extend((0..800).map(|i| json!({"type": "Emoji", "name": format!(":e{i}:"), "icon": {"url": format!("https://e.example/{i}.png")}})));
    let options: Vec<Value> = (0..2500)
        .map(|i| json!({"type": "Note", "name": format!("option {i}"), "replies": {"totalItems": -1}}))
        .collect();
    let attachments: Vec<Value> = (0..800)
        .map(|i| json!({"type": "Document", "mediaType": "image/png", "url": format!("https://e.example/a{i}.png")}))
        .collect();
    let mut to = vec![json!(PUBLIC)];
    to.extend((0..3000).map(|i| json!(format!("https://r{i}.example/u"))));
    let mut question = note(&rita, 1, &format!("<p>{}</p>", "x".repeat(120_000)));
    question["type"] = json!("Question");
    question["oneOf"] = json!(options);
    question["attachment"] = json!(attachments);
    question["tag"] = json!(tags);
    question["to"] = json!(to);
    question["endTime"] = json!("9999-12-31T23:59:59Z");
    question["votersCount"] = json!(-5);
    question["summary"] = json!("s".repeat(20_000));
    question["name"] = json!("n".repeat(20_000));
    let activity = create(&rita, &question);
    let body = activity.to_string();
    assert!(
        body.len() < starling::activitypub::inbox::MAX_BODY,
        "{} bytes",
        body.len()
    );
    let started = Instant::now();
    assert_eq!(
        rita.post_bytes(&app.url("/inbox"), body.as_bytes()).await,
        StatusCode::ACCEPTED
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered in {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    app.drain().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "processed in {:?}",
        started.elapsed()
    );
    let s = status_by_uri(&app, question["id"].as_str().unwrap())
        .await
        .expect("stored");
    assert!(
        s.content.chars().count() <= 100_100,
        "{} chars",
        s.content.chars().count()
    );
    assert!(s.spoiler_text.chars().count() <= 1000);
    let tags_attached = count(&app, "SELECT count(*) FROM statuses_tags st JOIN statuses s ON s.id = st.status_id WHERE s.uri = $1", &s.uri).await;
    assert!(tags_attached <= 20, "{tags_attached} hashtags");
    let mentions = count(
        &app,
        "SELECT count(*) FROM mentions m JOIN statuses s ON s.id = m.status_id WHERE s.uri = $1",
        &s.uri,
    )
    .await;
    assert!(mentions <= 50, "{mentions} mentions");
    use starling::service::remote_extras::{ATTACHMENTS_MAX, EMOJIS_MAX, POLL_OPTIONS_MAX};
    let attachments = count(&app, "SELECT count(*) FROM media_attachments m JOIN statuses s ON s.id = m.status_id WHERE s.uri = $1", &s.uri).await;
    assert!(
        attachments as usize <= ATTACHMENTS_MAX,
        "{attachments} attachments"
    );
    let emojis = count(&app, "SELECT count(*) FROM status_emojis e JOIN statuses s ON s.id = e.status_id WHERE s.uri = $1", &s.uri).await;
    assert!(emojis as usize <= EMOJIS_MAX, "{emojis} emoji");
    let options = count(&app, "SELECT coalesce(max(jsonb_array_length(p.options)), 0)::bigint FROM polls p JOIN statuses s ON s.id = p.status_id WHERE s.uri = $1", &s.uri).await;
    assert!(
        options as usize <= POLL_OPTIONS_MAX,
        "{options} poll options"
    );
    let negative = count(&app, "SELECT count(*) FROM polls p JOIN statuses s ON s.id = p.status_id WHERE s.uri = $1 AND p.voters_count < 0", &s.uri).await;
    assert_eq!(negative, 0, "a negative voter count is not kept");
    assert_eq!(unread(&app, &alice_user).await, 1);
    let started = Instant::now();
    let page = app
        .client()
        .get(&format!("/@rita@{}/{}", rita.host, s.id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "page in {:?}",
        started.elapsed()
    );
    assert!(page.body.len() < 300_000, "{} bytes", page.body.len());
    let huge = json!({"type": "Create", "actor": rita.actor(), "object": {"content": "x".repeat(5_000_000)}});
    let started = Instant::now();
    let status = rita
        .post_bytes(&app.url("/inbox"), huge.to_string().as_bytes())
        .await;
    assert!(status.is_client_error(), "{status}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_inbox_jobs_finished(&app).await;
}

/// S22: pathological JSON-LD is read as plain JSON: remote and self-referencing
/// contexts are never fetched, huge term maps and graphs are cheap, deep nesting is
/// refused, numbers where ids belong are refused; each answer is quick and none is 5xx.
/// A normal post with an unknown context is still taken.
#[tokio::test]
async fn s22_pathological_json_ld_is_read_as_plain_json_quickly() {
    let (rita, app) = rita_known().await;
    let inbox = app.url("/inbox");
    let contexts: Vec<Value> = std::iter::once(json!(AS))
        .chain((0..200).map(|i| json!(rita.url(&format!("/ctx/{i}")))))
        .collect();
    for i in 0..200 {
        rita.serve(
            &format!("/ctx/{i}"),
            json!({"@context": [rita.url(&format!("/ctx/{}", (i + 1) % 200))]}),
        );
    }
    let mut many_contexts = create(&rita, &note(&rita, 1, "<p>many contexts</p>"));
    many_contexts["@context"] = json!(contexts);
    many_contexts["object"]["@context"] = json!(contexts);
    let terms: serde_json::Map<String, Value> = (0..10_000)
        .map(|i| {
            (
                format!("term{i}"),
                json!(format!("https://t.example/ns#{i}")),
            )
        })
        .collect();
    let mut many_terms = create(&rita, &note(&rita, 2, "<p>many terms</p>"));
    many_terms["@context"] = json!([AS, terms]);
    let mut unknown_context = create(&rita, &note(&rita, 3, "<p>plain</p>"));
    unknown_context["@context"] = json!([AS, "https://unknown.example/context.jsonld"]);
    let mut deep = format!(
        "{{\"@context\":\"{AS}\",\"id\":\"{}\",\"type\":\"Create\",\"actor\":\"{}\",\"object\":",
        rita.url("/deep"),
        rita.actor()
    );
    for _ in 0..1000 {
        deep.push_str(&format!(
            "{{\"@context\":\"{AS}\",\"type\":\"Note\",\"object\":"
        ));
    }
    deep.push_str("null");
    deep.push_str(&"}".repeat(1001));
    let graph: Vec<Value> = (0..30_000)
        .map(|i| json!({"id": format!("_:b{i}"), "type": "Note"}))
        .collect();
    let graph =
        json!({"@context": AS, "id": rita.url("/graph"), "actor": rita.actor(), "@graph": graph});
    let numbers = json!({"@context": AS, "id": 12345, "type": "Create", "actor": rita.actor(),
                         "object": {"id": 1e300, "type": "Note", "attributedTo": 7, "content": 5}});
    let numbers_inside = json!({"@context": AS, "id": rita.url("/numbers"), "type": "Create", "actor": rita.actor(),
                                "object": {"id": 1e300, "type": "Note", "attributedTo": 7, "content": 5}});
    let bodies: Vec<(&str, String)> = vec![
        ("200 remote contexts", many_contexts.to_string()),
        ("10,000 terms", many_terms.to_string()),
        ("an unknown remote context", unknown_context.to_string()),
        ("1,000 levels deep", deep),
        ("30,000 graph nodes", graph.to_string()),
        ("numbers for ids", numbers.to_string()),
        ("numbers for ids inside", numbers_inside.to_string()),
    ];
    let mut slow = Vec::new();
    for (what, body) in &bodies {
        let started = Instant::now();
        let status = rita.post_bytes(&inbox, body.as_bytes()).await;
        assert!(!status.is_server_error(), "{what}: {status}");
        note_if_slow(&mut slow, what, started, Duration::from_secs(2));
    }
    let started = Instant::now();
    app.drain().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "processed in {:?}",
        started.elapsed()
    );
    assert!(slow.is_empty(), "{slow:?}");
    assert_eq!(
        rita.peer
            .gets
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with("/ctx"))
            .count(),
        0
    );
    for n in 1..=3 {
        assert!(
            status_by_uri(&app, &rita.url(&format!("/notes/{n}")))
                .await
                .is_some(),
            "note {n}"
        );
    }
    assert_inbox_jobs_finished(&app).await;
}

/// S24: pathological text posted here (mention, hashtag and link scanners' worst
/// cases, bidi and zero-width characters) is answered quickly, never with a 5xx.
#[tokio::test]
async fn s24_hostile_text_posted_here_is_answered_quickly() {
    let app = TestApp::start().await;
    let alice = app.signed_in("alice").await;
    let inputs = [
        ("20,000 @", "@".repeat(20_000)),
        ("@a@ repeated", "@a@".repeat(6_666)),
        ("@a@b.c repeated", "@a@b.c".repeat(3_300)),
        ("20,000 #", "#".repeat(20_000)),
        ("#a repeated", "#a".repeat(10_000)),
        (
            "https:// and 10,000 a.",
            format!("https://{}", "a.".repeat(9_990)),
        ),
        ("https:// repeated", "https://".repeat(2_500)),
        (":emoji: repeated", ":emoji:".repeat(2_857)),
        (
            "bidi and zero-width",
            "\u{202e}\u{200b}@a\u{200d}#b\u{2066}x".repeat(2_000),
        ),
        ("20,001 characters", "a".repeat(20_001)),
    ];
    let mut slow = Vec::new();
    for (what, text) in &inputs {
        let started = Instant::now();
        let res = alice.post_status(text, "public").await;
        assert!(!res.status.is_server_error(), "{what}: {}", res.status);
        let bio = alice
            .post("/settings/profile", &[("note", text.as_str())])
            .await;
        assert!(
            !bio.status.is_server_error(),
            "{what} as a bio: {}",
            bio.status
        );
        note_if_slow(&mut slow, what, started, Duration::from_secs(2));
    }
    assert!(slow.is_empty(), "{slow:?}");
    assert_eq!(
        app.account("alice").await.statuses_count,
        0,
        "all of these are too long"
    );
}

/// S24: hostile HTML in remote posts (deep nesting, unclosed quotes, endless attribute
/// values and entities) is cleaned quickly, and the worker goes on to the next job.
#[tokio::test]
async fn s24_hostile_html_from_elsewhere_is_cleaned_quickly_and_the_worker_survives() {
    let (rita, app) = rita_known().await;
    let contents = [
        (
            "16,000 nested spans",
            format!("{}deep", "<span>".repeat(16_000)),
        ),
        ("33,000 nested b", "<b>".repeat(33_000)),
        ("8,000 nested blockquotes", "<blockquote>".repeat(8_000)),
        ("12,000 nested lists", "<ul><li>".repeat(12_000)),
        ("30,000 a", "<a>".repeat(30_000)),
        (
            "unclosed quotes",
            format!("<a href=\"{}", "\"".repeat(99_000)),
        ),
        ("unclosed attributes", "<a title='".repeat(9_000)),
        (
            "a 99,000 character href",
            format!("<a href=\"https://x.example/{}\">x</a>", "a".repeat(99_000)),
        ),
        ("30,000 unfinished entities", "&#x".repeat(30_000)),
        ("6,000 nested tables", "<table><tr><td>".repeat(6_000)),
    ];
    let mut slow = Vec::new();
    for (n, (what, content)) in contents.iter().enumerate() {
        let note = note(&rita, n as u32 + 1, content);
        let started = Instant::now();
        deliver(&app, &rita, &create(&rita, &note)).await;
        note_if_slow(&mut slow, what, started, Duration::from_secs(3));
    }
    // The content warning is not cut before it is read: 120 kB of it here, up to the
    // 1 MB activity limit in an attack.
    for (n, (what, summary)) in [
        ("a 300,000-deep summary of b", "<b>".repeat(300_000)),
        ("a 30,000-deep summary of lists", "<ol>".repeat(30_000)),
    ]
    .into_iter()
    .enumerate()
    {
        let mut warned = note(&rita, 50 + n as u32, "<p>summary</p>");
        warned["summary"] = json!(summary);
        let started = Instant::now();
        deliver(&app, &rita, &create(&rita, &warned)).await;
        note_if_slow(&mut slow, what, started, Duration::from_secs(3));
    }
    deliver(
        &app,
        &rita,
        &create(&rita, &note(&rita, 99, "<p>still here</p>")),
    )
    .await;
    assert!(
        status_by_uri(&app, &rita.url("/notes/99")).await.is_some(),
        "the worker survived"
    );
    assert!(slow.is_empty(), "{slow:?}");
    assert_inbox_jobs_finished(&app).await;
    for n in 1..=contents.len() {
        if let Some(s) = status_by_uri(&app, &rita.url(&format!("/notes/{n}"))).await {
            assert!(
                !s.content.contains("<script") && !s.content.contains("<table"),
                "note {n}"
            );
        }
    }
}

/// S24: bytes that are not text (invalid UTF-8, lone surrogates, NUL characters that the
/// database cannot store) are refused or cleaned: never a 5xx, never a job retried
/// for ever.
#[tokio::test]
async fn s24_invalid_utf8_surrogates_and_nul_are_refused_without_errors_or_retries() {
    let (rita, app) = rita_known().await;
    let inbox = app.url("/inbox");
    let mut problems = Vec::new();
    let mut invalid = create(&rita, &note(&rita, 1, "XX"))
        .to_string()
        .into_bytes();
    let at = invalid.windows(2).position(|w| w == b"XX").unwrap();
    invalid[at] = 0xff;
    invalid[at + 1] = 0xfe;
    let surrogate = create(&rita, &note(&rita, 2, "SURROGATE"))
        .to_string()
        .replace("SURROGATE", "\\ud800");
    for (what, body) in [
        ("invalid UTF-8", invalid),
        ("a lone surrogate", surrogate.into_bytes()),
    ] {
        let status = rita.post_bytes(&inbox, &body).await;
        if !status.is_client_error() {
            problems.push(format!("{what}: {status}"));
        }
    }
    let with_nul = |n: u32, field: &str, value: Value| {
        let mut n_ = note(&rita, n, "<p>nul</p>");
        n_[field] = value;
        create(&rita, &n_)
    };
    let nul_cases = [
        (
            "NUL in the content",
            with_nul(3, "content", json!("<p>a\u{0}b</p>")),
        ),
        (
            "NUL in the summary",
            with_nul(4, "summary", json!("cw\u{0}")),
        ),
        (
            "NUL in the url",
            with_nul(5, "url", json!(rita.url("/@rita/5\u{0}"))),
        ),
        (
            "NUL in a language",
            with_nul(6, "contentMap", json!({"e\u{0}": "<p>x</p>"})),
        ),
        (
            "NUL in a hashtag",
            with_nul(7, "tag", json!([{"type": "Hashtag", "name": "#a\u{0}b"}])),
        ),
        (
            "NUL in an attachment",
            with_nul(
                9,
                "attachment",
                json!([{"type": "Document",
            "mediaType": "image/png\u{0}", "url": rita.url("/a.png\u{0}"), "blurhash": "L\u{0}"}]),
            ),
        ),
        ("NUL in the id", {
            let mut n_ = note(&rita, 8, "<p>nul</p>");
            n_["id"] = json!(rita.url("/notes/8\u{0}"));
            create(&rita, &n_)
        }),
    ];
    for (what, activity) in &nul_cases {
        let status = rita.post(&inbox, activity, true).await;
        if status.is_server_error() {
            problems.push(format!("{what}: {status}"));
        }
        app.drain().await;
        for (state, error) in unfinished_inbox_jobs(&app).await {
            problems.push(format!("{what}: job {state}, {error:?}"));
        }
        sqlx::query("DELETE FROM jobs WHERE lane = 'inbox'")
            .execute(&app.state.db)
            .await
            .unwrap();
    }
    // A fetched post with a NUL, found by search.
    let evil = Evil::start().await;
    let searcher = TestApp::start_allowing(&[&evil.host]).await;
    evil.serve_actor("boss");
    let mut with_nul = note_doc(&evil.url("/notes/1"), &evil.url("/users/boss"), "<p>x</p>");
    with_nul["url"] = json!(evil.url("/@boss/1\u{0}"));
    evil.serve("/notes/1", Reply::ap(&with_nul));
    let alice = searcher.signed_in("alice").await;
    let page = search(&alice, &evil.url("/notes/1")).await;
    if page.status.is_server_error() {
        problems.push(format!("a searched post with NUL: {}", page.status));
    }
    // Before any signature check: a self-Delete naming an actor with a NUL in it.
    let body = json!({"@context": AS, "id": "http://127.0.0.1:9/x\u{0}#delete", "type": "Delete",
                      "actor": "http://127.0.0.1:9/x\u{0}", "object": "http://127.0.0.1:9/x\u{0}"});
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static(AP));
    headers.insert(
        "signature",
        HeaderValue::from_static("keyId=\"http://127.0.0.1:9/x#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"AAAA\""),
    );
    let status = send(&inbox, headers, body.to_string().into_bytes()).await;
    if status.is_server_error() {
        problems.push(format!("an unsigned self-Delete with NUL: {status}"));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// S24: an HTML page answered to an ActivityStreams fetch (where other servers look for
/// `<link rel="alternate">`) is refused as it is, without parsing it or following links.
#[tokio::test]
async fn s24_an_html_page_answered_to_a_fetch_is_neither_parsed_nor_followed() {
    let evil = Evil::start().await;
    let app = TestApp::start_allowing(&[&evil.host]).await;
    let mut page = String::from("<html><head>");
    while page.len() < 1_000_000 {
        page.push_str(&format!(
            "<link rel=\"alternate\" type=\"{AP}\" href=\"{}\" ",
            evil.url("/users/x")
        ));
    }
    evil.serve("/page", Reply::typed("text/html", page));
    evil.serve(
        "/quotes",
        Reply::typed(
            "text/html",
            format!("<link rel=\"alternate\" href=\"{}", "'\"".repeat(250_000)),
        ),
    );
    evil.serve_actor("x");
    let alice = app.signed_in("alice").await;
    for path in ["/page", "/quotes"] {
        let started = Instant::now();
        let res = search(&alice, &evil.url(path)).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{path}: {:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        evil.hits("/users/x"),
        0,
        "links inside the page are not followed"
    );
    assert_eq!(accounts_on(&app, &evil.host).await, 0);
}
