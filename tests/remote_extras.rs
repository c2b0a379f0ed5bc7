//! Attachments, custom emoji and polls of remote posts: recorded (capped) and shown on
//! our pages from their remote URLs; a poll's counts follow Update(Question).

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::TestApp;
use support::remote::Remote;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[tokio::test]
async fn a_remote_post_shows_its_media_emoji_and_poll() {
    let remote = Remote::start().await;
    let allowed = remote.host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    let note_id = remote.url("/notes/poll-1");
    let question = |votes: i64| {
        json!({"id": note_id, "type": "Question", "attributedTo": remote.actor(),
            "to": [PUBLIC], "cc": [remote.followers()], "published": "2026-11-27T10:00:00Z",
            "content": "<p>Which bird? :blobcat:</p>",
            "endTime": "2099-01-01T00:00:00Z", "votersCount": votes + 1,
            "oneOf": [
                {"type": "Note", "name": "Starling", "replies": {"type": "Collection", "totalItems": votes}},
                {"type": "Note", "name": "Robin <b>", "replies": {"type": "Collection", "totalItems": 1}}
            ],
            "attachment": [
                {"type": "Document", "mediaType": "image/png", "url": "https://media.example/a.png", "name": "A starling on a wire"},
                {"type": "Document", "mediaType": "video/mp4", "url": [{"type": "Link", "href": "https://media.example/b.mp4"}]},
                {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(1)"}
            ],
            "tag": [{"type": "Emoji", "name": ":blobcat:", "id": remote.url("/emojis/1"),
                     "icon": {"type": "Image", "url": "https://media.example/blobcat.png"}}]})
    };
    let create = remote.activity(&format!("{note_id}/activity"), "Create", question(3));
    assert_eq!(
        remote.post(&app.url("/inbox"), &create, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    let status = starling::db::statuses::find_by_uri(&app.state.db, &note_id)
        .await
        .unwrap()
        .expect("the question is stored as a post");
    let page = app
        .client()
        .get(&format!("/@{}/{}", remote.acct(), status.id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(
        body.contains(r#"<img src="https://media.example/a.png" alt="A starling on a wire""#),
        "{body}"
    );
    assert!(body.contains(r#"<video class="media-item" src="https://media.example/b.mp4""#));
    assert!(
        !body.contains("javascript:alert"),
        "an attachment without an http(s) URL is dropped"
    );
    assert!(body.contains(
        r#"class="custom-emoji" src="https://media.example/blobcat.png" alt=":blobcat:""#
    ));
    assert!(
        body.contains("Robin &#60;b&#62;"),
        "option titles are text: {body}"
    );
    assert!(body.contains("75%") && body.contains("25%"), "{body}");
    assert!(body.contains("4 people"));

    // New votes arrive as an Update of the Question without a newer `updated`.
    let update = remote.activity(&format!("{note_id}#updates/1"), "Update", question(9));
    assert_eq!(
        remote.post(&app.url("/inbox"), &update, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    let page = app
        .client()
        .get(&format!("/@{}/{}", remote.acct(), status.id))
        .await;
    assert!(
        page.body.contains("90%") && page.body.contains("10%"),
        "{}",
        page.body
    );
    assert!(page.body.contains("10 people"));
}

#[tokio::test]
async fn lists_inside_one_post_are_capped() {
    let remote = Remote::start().await;
    let allowed = remote.host.clone();
    let app =
        TestApp::start_with(move |c| c.federation.allowed_private_hosts = vec![allowed]).await;
    let note_id = remote.url("/notes/big");
    let attachments: Vec<_> = (0..500)
        .map(|i| json!({"type": "Document", "mediaType": "image/png", "url": format!("https://media.example/{i}.png")}))
        .collect();
    let emojis: Vec<_> = (0..500)
        .map(|i| json!({"type": "Emoji", "name": format!(":e{i}:"), "icon": {"url": format!("https://media.example/e{i}.png")}}))
        .collect();
    let options: Vec<_> = (0..500).map(|i| json!({"name": format!("o{i}")})).collect();
    let note = json!({"id": note_id, "type": "Question", "attributedTo": remote.actor(),
        "to": [PUBLIC], "content": "<p>big</p>", "anyOf": options,
        "attachment": attachments, "tag": emojis});
    let create = remote.activity(&format!("{note_id}/activity"), "Create", note);
    assert_eq!(
        remote.post(&app.url("/inbox"), &create, true).await,
        StatusCode::ACCEPTED
    );
    app.drain().await;
    let count = |sql: &'static str| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("SELECT count(*) FROM media_attachments").await, 16);
    assert_eq!(count("SELECT count(*) FROM custom_emojis").await, 50);
    assert_eq!(
        count("SELECT jsonb_array_length(options)::bigint FROM polls").await,
        20
    );
}
