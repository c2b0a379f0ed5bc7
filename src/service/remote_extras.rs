//! What a remote post carries besides its text: attachments (recorded with their remote
//! URL; storing the files comes with the media issue), custom emoji and a Question's
//! poll. Every list is capped, so one post cannot make us store without end (S20).

use crate::activitypub::parse::RemoteNote;
use crate::db;
use crate::db::accounts::Account;
use crate::db::media::{NewAttachment, PollOption};
use crate::error::AppResult;
use crate::id::StatusId;
use serde_json::Value;
use sqlx::PgConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub const ATTACHMENTS_MAX: usize = 16;
pub const EMOJIS_MAX: usize = 50;
pub const POLL_OPTIONS_MAX: usize = 20;
const DESCRIPTION_MAX: usize = 1500;
const OPTION_TITLE_MAX: usize = 200;

fn http_url(v: &Value) -> Option<&str> {
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("href").or_else(|| o.get("url"))?.as_str()?,
        Value::Array(a) => return a.iter().find_map(http_url),
        _ => return None,
    };
    (s.starts_with("https://") || s.starts_with("http://")).then_some(s)
}

fn kind_of(item: &Value, media_type: Option<&str>) -> &'static str {
    match media_type.and_then(|m| m.split('/').next()) {
        Some("image") => return "image",
        Some("video") => return "video",
        Some("audio") => return "audio",
        _ => {}
    }
    match item.get("type").and_then(Value::as_str) {
        Some("Image") => "image",
        Some("Video") => "video",
        Some("Audio") => "audio",
        _ => "unknown",
    }
}

fn dimension(item: &Value, key: &str) -> Option<i32> {
    item.get(key)
        .and_then(Value::as_i64)
        .filter(|n| (1..=100_000).contains(n))
        .map(|n| n as i32)
}

fn clip(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

fn valid_shortcode(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The poll of a Question: its options with their counts, and whether several may be
/// chosen. `None` for other objects.
pub fn poll_of(note: &RemoteNote) -> Option<(bool, Vec<PollOption>)> {
    if !note.kind.iter().any(|k| k == "Question") {
        return None;
    }
    let (multiple, choices) = match (&note.any_of, &note.one_of) {
        (Some(any), _) => (true, any),
        (None, Some(one)) => (false, one),
        (None, None) => return None,
    };
    let options: Vec<PollOption> = choices
        .iter()
        .filter_map(|c| {
            let title = c.get("name")?.as_str()?;
            Some(PollOption {
                title: clip(title, OPTION_TITLE_MAX),
                votes_count: c
                    .get("replies")
                    .and_then(|r| r.get("totalItems"))
                    .and_then(Value::as_i64)
                    .map(|n| n.max(0)),
            })
        })
        .take(POLL_OPTIONS_MAX)
        .collect();
    (!options.is_empty()).then_some((multiple, options))
}

fn poll_end(note: &RemoteNote) -> Option<OffsetDateTime> {
    let closed = note.closed.as_ref().and_then(Value::as_str);
    note.end_time
        .as_deref()
        .or(closed)
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

/// Refreshes the counts of a known remote poll (an Update of a Question that only
/// carries new votes).
pub async fn refresh_poll(
    state: &crate::state::AppState,
    status: StatusId,
    author: &Account,
    note: &RemoteNote,
    multiple: bool,
    options: &[PollOption],
) -> AppResult<()> {
    db::media::upsert_poll(
        &state.db,
        status,
        author.id,
        multiple,
        options,
        note.voters_count.map(|n| n.max(0)),
        poll_end(note),
    )
    .await?;
    Ok(())
}

/// Records the attachments, custom emoji and poll of a remote post inside the caller's
/// transaction: for a `fresh` post simply added, else replacing what an earlier version
/// recorded.
pub async fn record(
    tx: &mut PgConnection,
    status: StatusId,
    author: &Account,
    note: &RemoteNote,
    fresh: bool,
) -> AppResult<()> {
    let items: Vec<&Value> = note
        .attachment
        .iter()
        .flat_map(|a| a.iter())
        .filter(|a| a.is_object())
        .take(ATTACHMENTS_MAX)
        .collect();
    let mut attachments = Vec::new();
    let mut descriptions = Vec::new();
    for item in &items {
        descriptions.push(clip(
            item.get("name").and_then(Value::as_str).unwrap_or(""),
            DESCRIPTION_MAX,
        ));
    }
    for (item, description) in items.iter().zip(&descriptions) {
        let Some(url) = item.get("url").and_then(http_url) else {
            continue;
        };
        let media_type = item
            .get("mediaType")
            .and_then(Value::as_str)
            .filter(|m| m.len() <= 100);
        attachments.push(NewAttachment {
            kind: kind_of(item, media_type),
            remote_url: url,
            media_type,
            description,
            blurhash: item
                .get("blurhash")
                .and_then(Value::as_str)
                .filter(|b| b.len() <= 100 && b.is_ascii()),
            width: dimension(item, "width"),
            height: dimension(item, "height"),
        });
    }
    if fresh {
        db::media::insert_remote_attachments(&mut *tx, status, author.id, &attachments).await?;
    } else {
        db::media::set_remote_attachments(&mut *tx, status, author.id, &attachments).await?;
    }

    if let Some(domain) = author.domain.as_deref() {
        let emojis = note
            .tag
            .iter()
            .flat_map(|t| t.iter())
            .filter(|t| t.get("type").and_then(Value::as_str) == Some("Emoji"))
            .take(EMOJIS_MAX);
        for emoji in emojis {
            let Some(code) = emoji
                .get("name")
                .and_then(Value::as_str)
                .map(|n| n.trim_matches(':'))
                .filter(|n| valid_shortcode(n))
            else {
                continue;
            };
            let Some(image) = emoji.get("icon").and_then(http_url) else {
                continue;
            };
            let uri = emoji.get("id").and_then(Value::as_str);
            db::media::link_remote_emoji(&mut *tx, status, code, domain, uri, image).await?;
        }
    }

    if let Some((multiple, options)) = poll_of(note) {
        db::media::upsert_poll(
            &mut *tx,
            status,
            author.id,
            multiple,
            &options,
            note.voters_count.map(|n| n.max(0)),
            poll_end(note),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(doc: Value) -> RemoteNote {
        serde_json::from_value(doc).unwrap()
    }

    #[test]
    fn a_question_becomes_a_capped_poll() {
        let options: Vec<Value> = (0..50)
            .map(|i| json!({"type": "Note", "name": format!("option {i}"), "replies": {"type": "Collection", "totalItems": i}}))
            .collect();
        let q = note(json!({"id": "https://a.example/q/1", "type": "Question",
            "oneOf": options, "endTime": "2026-12-01T10:00:00Z", "votersCount": 7}));
        let (multiple, found) = poll_of(&q).unwrap();
        assert!(!multiple);
        assert_eq!(found.len(), POLL_OPTIONS_MAX);
        assert_eq!(found[3].votes_count, Some(3));
        assert_eq!(poll_end(&q).unwrap().year(), 2026);
        let many = note(json!({"id": "https://a.example/q/2", "type": "Question",
            "anyOf": [{"name": "a"}, {"name": "b"}]}));
        assert!(poll_of(&many).unwrap().0);
        let plain =
            note(json!({"id": "https://a.example/n/1", "type": "Note", "oneOf": [{"name": "a"}]}));
        assert!(poll_of(&plain).is_none());
    }

    #[test]
    fn attachment_kinds_and_urls() {
        let img =
            json!({"type": "Document", "mediaType": "image/png", "url": "https://a.example/f.png"});
        assert_eq!(kind_of(&img, Some("image/png")), "image");
        assert_eq!(kind_of(&json!({"type": "Video"}), None), "video");
        assert_eq!(
            kind_of(&json!({"type": "Document"}), Some("application/pdf")),
            "unknown"
        );
        assert_eq!(
            http_url(&json!([{"type": "Link", "href": "https://a.example/x.mp4"}])),
            Some("https://a.example/x.mp4")
        );
        assert_eq!(http_url(&json!("javascript:alert(1)")), None);
        assert!(valid_shortcode("blob_cat2"));
        assert!(!valid_shortcode("bad code") && !valid_shortcode("x\"><img"));
    }
}
