//! Remote posts fetched by URL: the author must be on the post's own host, the thread
//! above is followed only a few levels, HTML is sanitised, and local people mentioned
//! are notified. Inbox deliveries will store posts through the same path.

use crate::activitypub::fetch;
use crate::activitypub::parse::{RemoteNote, visibility};
use crate::db;
use crate::db::statuses::{NewStatus, Status, Visibility};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::service::notifications::{self, Kind};
use crate::service::remote_accounts;
use crate::state::AppState;
use crate::text;
use crate::urls::authority;
use std::future::Future;
use std::pin::Pin;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

/// How many posts up a thread a fetch may follow (one hostile post must not make us
/// fetch forever, S23).
pub const MAX_PARENTS: usize = 3;
const CONTENT_MAX: usize = 100_000;
const TAGS_MAX: usize = 20;
const MENTIONS_MAX: usize = 50;

/// A post we will not take, whatever happens: refused for good (an inbox job ends
/// instead of retrying; fetch failures, which may pass, come from `fetch` instead).
fn refuse(message: impl Into<String>) -> AppError {
    AppError::new(ErrorKind::Validation, message)
}

/// The status at `uri`, from our database or fetched from its origin.
pub async fn fetch_and_store(state: &AppState, uri: &str) -> AppResult<Status> {
    fetch_at_depth(state, uri.to_string(), 0).await
}

fn fetch_at_depth(
    state: &AppState,
    uri: String,
    depth: usize,
) -> Pin<Box<dyn Future<Output = AppResult<Status>> + Send + '_>> {
    Box::pin(async move {
        if let Some(s) = db::statuses::find_by_uri(&state.db, &uri).await? {
            return Ok(s);
        }
        if state.urls.is_local(&uri) || db::statuses::is_tombstoned(&state.db, &uri).await? {
            return Err(AppError::not_found());
        }
        let (doc, from) = fetch::fetch_object(state, &uri).await?;
        let note: RemoteNote =
            serde_json::from_value(doc).map_err(|_| refuse("That is not a post"))?;
        store(state, &note, &from, depth, None).await
    })
}

/// A post that arrived embedded in a verified Create from `actor`: it must be theirs and
/// live on their host (S04, S11); a post we already have, or whose URI was deleted, is
/// left alone.
pub async fn store_from_activity(
    state: &AppState,
    object: &serde_json::Value,
    actor: &crate::db::accounts::Account,
) -> AppResult<Status> {
    let note: RemoteNote = serde_json::from_value(object.clone())
        .map_err(|_| AppError::invalid("That is not a post"))?;
    if note.author() != Some(actor.uri.as_str()) {
        return Err(AppError::invalid("The post is not the actor's"));
    }
    let from = Url::parse(&note.id).map_err(|_| AppError::invalid("The post has no usable id"))?;
    if authority(&from) != actor.domain.clone() {
        return Err(AppError::invalid("The post is not on the actor's host"));
    }
    // A post delivered again, or deleted before it arrived, is caught by the insert.
    store(state, &note, &from, 0, Some(actor)).await
}

/// Deletes a remote post on its author's word: only the author may delete it (S11).
pub async fn delete_by_author(
    state: &AppState,
    uri: &str,
    actor: &crate::db::accounts::Account,
) -> AppResult<()> {
    match db::statuses::find_by_uri(&state.db, uri).await? {
        Some(status) if status.account_id == actor.id => {
            let mut tx = state.db.begin().await?;
            db::statuses::delete_with_tombstone(&mut tx, &status).await?;
            if let Some(parent) = status
                .in_reply_to_id
                .filter(|_| status.visibility().is_boostable())
            {
                db::statuses::add_to_counter(&mut *tx, parent, db::statuses::Counter::Replies, -1)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }
        Some(_) => Err(AppError::forbidden()),
        None => {
            // Remember the deletion so a late Create is not stored, if the URI is the actor's.
            let same_host = Url::parse(uri).ok().and_then(|u| authority(&u)) == actor.domain;
            if same_host {
                db::statuses::insert_tombstone(&state.db, uri, actor.id).await?;
            }
            Ok(())
        }
    }
}

fn is_post_type(note: &RemoteNote) -> bool {
    note.kind
        .iter()
        .any(|t| matches!(t.as_str(), "Note" | "Question" | "Article" | "Page"))
}

/// Stores a post fetched from (or delivered by) `from`; `sender` is the account that
/// delivered it, if any, which spares looking its author up again.
async fn store(
    state: &AppState,
    note: &RemoteNote,
    from: &Url,
    depth: usize,
    sender: Option<&crate::db::accounts::Account>,
) -> AppResult<Status> {
    if !is_post_type(note) {
        return Err(refuse("That is not a post"));
    }
    let origin = authority(from).ok_or_else(|| refuse("The post has no host"))?;
    let author_uri = note
        .author()
        .ok_or_else(|| refuse("The post has no author"))?;
    let author_host = Url::parse(author_uri).ok().and_then(|u| authority(&u));
    if author_host.as_deref() != Some(origin.as_str()) {
        return Err(refuse("The post's author is on another host"));
    }
    let known = match sender {
        Some(a) if a.uri == author_uri => Some(a.clone()),
        _ => db::accounts::find_by_uri(&state.db, author_uri).await?,
    };
    let author = match known {
        Some(a) if !a.is_local() => a,
        Some(_) => return Err(refuse("A remote post cannot be by a local account")),
        None => remote_accounts::fetch_and_store(state, author_uri).await?,
    };
    // A suspended or deleted author's posts do not come back through others' boosts,
    // replies or links (S10).
    if author.suspended_at.is_some() {
        return Err(AppError::not_found());
    }
    let parent = match note.in_reply_to() {
        Some(p) if depth < MAX_PARENTS => {
            fetch_at_depth(state, p.to_string(), depth + 1).await.ok()
        }
        Some(p) => db::statuses::find_by_uri(&state.db, p).await?,
        None => None,
    };
    let to = note.to.clone().into_vec();
    let cc = note.cc.clone().into_vec();
    let vis = visibility(&to, &cc, author.followers_url.as_deref());
    let Rendered {
        text: plain_text,
        content,
        spoiler_text: spoiler,
        sensitive,
    } = render(note, &state.urls);
    // The link shown as the post's original: http(s), on the post's own host (S05).
    let url = note.url.as_ref().and_then(|u| {
        u.iter()
            .filter_map(|l| match l {
                crate::activitypub::parse::IdOrObject::Id(s) => Some(s.clone()),
                crate::activitypub::parse::IdOrObject::Object(o) => o.href.clone(),
            })
            .find(|candidate| remote_accounts::same_host(Some(candidate), &origin).is_some())
    });
    let created_at = note
        .published
        .as_deref()
        .and_then(|p| OffsetDateTime::parse(p, &Rfc3339).ok())
        .filter(|t| *t <= OffsetDateTime::now_utc() + time::Duration::minutes(5))
        .unwrap_or_else(OffsetDateTime::now_utc);
    // Relaxed durability: a lost commit means a refetch or a redelivery stores it again.
    let mut tx = db::begin_relaxed(&state.db).await?;
    let mut stored = None;
    for _ in 0..10 {
        let candidate = crate::id::StatusId(crate::id::id_at(created_at));
        stored = db::statuses::insert_remote(
            &mut *tx,
            &NewStatus {
                id: candidate,
                uri: &note.id,
                url: url.as_deref(),
                account_id: author.id,
                in_reply_to_id: parent.as_ref().map(|p| p.id),
                in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
                in_reply_to_uri: note.in_reply_to(),
                reblog_of_id: None,
                text: &plain_text,
                content: &content,
                spoiler_text: &spoiler,
                sensitive,
                visibility: vis,
                language: note.language().filter(|l| l.len() <= 16),
                local: false,
                application_id: None,
            },
            created_at,
        )
        .await?;
        if stored.is_some() {
            break;
        }
        // Stored meanwhile by a concurrent delivery, deleted, or only the id collided.
        if let Some(existing) = db::statuses::find_by_uri(&mut *tx, &note.id).await? {
            return Ok(existing);
        }
        if db::statuses::is_tombstoned(&mut *tx, &note.id).await? {
            return Err(AppError::not_found());
        }
    }
    let status = stored.ok_or_else(|| AppError::internal("no free id for a remote status"))?;
    let id = status.id;
    let mentioned = record_mentions(&mut tx, id, author.id, note, vis).await?;
    if vis != Visibility::Direct && note.in_reply_to().is_none() {
        crate::service::statuses::notify_subscribers(&mut tx, &author, id, &mentioned).await?;
    }
    attach_tags(&mut tx, id, note).await?;
    crate::service::remote_extras::record(&mut tx, id, &author, note, true).await?;
    if let Some(p) = &parent {
        // Only replies everyone may see count, or the count reveals private ones (S29).
        if vis.is_boostable() {
            db::statuses::add_to_counter(&mut *tx, p.id, db::statuses::Counter::Replies, 1).await?;
        }
    }
    tx.commit().await?;
    Ok(status)
}

/// What we show of a remote post: sanitised HTML (an Article's or Page's title in bold
/// first), its plain text, the content warning as plain text, and whether it is
/// sensitive (always, when it has a content warning).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
}

pub fn render(note: &RemoteNote, urls: &crate::urls::Urls) -> Rendered {
    let raw: String = note
        .content_html()
        .unwrap_or("")
        .chars()
        .take(CONTENT_MAX)
        .collect();
    // Hashtag links lead to our tag pages, as in Mastodon's apps.
    let relink = note
        .hashtag_links()
        .into_iter()
        .take(TAGS_MAX)
        .filter(|(href, _)| !href.is_empty())
        .map(|(href, name)| (href, urls.tag_url(&name.to_lowercase())))
        .collect();
    let mut content = text::sanitize_remote_html_relinking(&raw, relink);
    let is_article = note
        .kind
        .iter()
        .any(|t| matches!(t.as_str(), "Article" | "Page"));
    if is_article && let Some(title) = note.name.as_deref() {
        content = format!(
            "<p><strong>{}</strong></p>{content}",
            text::escape_html(title)
        );
    }
    // Only 1,000 characters are kept: the HTML is cut well before it is parsed (S24).
    let summary = note.summary.as_deref().unwrap_or("");
    let summary: String = summary.chars().take(5_000).collect();
    let spoiler_text: String = text::html_to_plain(&summary).chars().take(1000).collect();
    Rendered {
        text: text::html_to_plain(&content),
        sensitive: note.sensitive.unwrap_or(false) || !spoiler_text.is_empty(),
        content,
        spoiler_text,
    }
}

/// The `Mention` hrefs of a post that may become mentions here. A mention gives its
/// account access to a followers-only or direct post and a notification, so there it
/// counts only for accounts the post is addressed to (`to`/`cc`); a Mention tag alone
/// must not reveal a post to someone its author did not send it to (S12).
pub fn mentions_to_record(note: &RemoteNote, visibility: Visibility) -> Vec<&str> {
    let open = matches!(visibility, Visibility::Public | Visibility::Unlisted);
    let mut out: Vec<&str> = Vec::new();
    for href in note.mentions() {
        let addressed = note.to.iter().chain(note.cc.iter()).any(|a| a == href);
        if (open || addressed) && !out.contains(&href) && out.len() < MENTIONS_MAX {
            out.push(href);
        }
    }
    out
}

/// Records the post's mentions of accounts we know and notifies the local ones
/// (repeated notifications are absorbed); returns the accounts mentioned.
pub async fn record_mentions(
    tx: &mut sqlx::PgConnection,
    status: crate::id::StatusId,
    author: crate::id::AccountId,
    note: &RemoteNote,
    visibility: Visibility,
) -> AppResult<Vec<crate::id::AccountId>> {
    let mut mentioned = Vec::new();
    for href in mentions_to_record(note, visibility) {
        if let Some(account) = db::accounts::find_by_uri(&mut *tx, href).await? {
            db::statuses::insert_mention(&mut *tx, status, account.id).await?;
            notifications::notify(tx, &account, author, Kind::Mention, Some(status)).await?;
            mentioned.push(account.id);
        }
    }
    Ok(mentioned)
}

/// Attaches the post's hashtags (cleaned, a bounded number) to the status.
pub async fn attach_tags(
    tx: &mut sqlx::PgConnection,
    status: crate::id::StatusId,
    note: &RemoteNote,
) -> AppResult<()> {
    let clean: Vec<String> = note
        .hashtags()
        .into_iter()
        .take(TAGS_MAX)
        .map(|name| {
            name.chars()
                .filter(|c| c.is_alphanumeric() || *c == '_')
                .take(100)
                .collect::<String>()
        })
        .filter(|c| !c.is_empty())
        .collect();
    let names: Vec<&str> = clean.iter().map(String::as_str).collect();
    db::tags::attach_names(&mut *tx, status, &names).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(doc: serde_json::Value) -> RemoteNote {
        serde_json::from_value(doc).unwrap()
    }

    fn urls() -> crate::urls::Urls {
        crate::urls::Urls::new("https://here.example").unwrap()
    }

    #[test]
    fn hashtag_links_lead_to_our_tag_pages() {
        let r = render(
            &note(json!({"id": "https://a.example/n/3", "type": "Note",
                "content": "<p><a href=\"https://a.example/tags/Rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a> <a href=\"https://a.example/x\">x</a></p>",
                "tag": [{"type": "Hashtag", "href": "https://a.example/tags/Rust", "name": "#Rust"}]})),
            &urls(),
        );
        assert!(
            r.content
                .contains(r#"href="https://here.example/tags/rust""#),
            "{}",
            r.content
        );
        assert!(r.content.contains(r#"href="https://a.example/x""#));
    }

    #[test]
    fn rendering_sanitises_and_marks_warnings_sensitive() {
        let r = render(
            &note(json!({"id": "https://a.example/n/1", "type": "Article",
            "name": "Title <b>", "summary": "<p>cw</p>",
            "content": "<p>hi<script>x()</script></p>"})),
            &urls(),
        );
        assert_eq!(
            r.content,
            "<p><strong>Title &lt;b&gt;</strong></p><p>hi</p>"
        );
        assert_eq!(r.spoiler_text, "cw");
        assert!(r.sensitive);
        assert!(r.text.contains("hi") && !r.text.contains("script"));
        let plain = render(
            &note(json!({"id": "https://a.example/n/2", "type": "Note",
            "contentMap": {"en": "<p>only a map</p>"}})),
            &urls(),
        );
        assert_eq!(plain.content, "<p>only a map</p>");
        assert!(!plain.sensitive);
    }

    #[test]
    fn mentions_count_only_where_addressed_unless_the_post_is_open() {
        let carol = "https://here.example/users/carol";
        let bob = "https://here.example/users/bob";
        let tags = json!([{"type": "Mention", "href": carol}, {"type": "Mention", "href": bob},
                          {"type": "Mention", "href": bob}, {"type": "Hashtag", "name": "#x"}]);
        let limited = note(json!({"id": "https://a.example/n/1", "type": "Note",
            "to": ["https://a.example/users/x/followers"], "cc": [bob], "tag": tags}));
        assert_eq!(mentions_to_record(&limited, Visibility::Private), vec![bob]);
        assert_eq!(mentions_to_record(&limited, Visibility::Direct), vec![bob]);
        assert_eq!(
            mentions_to_record(&limited, Visibility::Public),
            vec![carol, bob]
        );
        assert_eq!(
            mentions_to_record(&limited, Visibility::Unlisted),
            vec![carol, bob]
        );
    }
}
