//! A synthetic community for benchmarks: `starling admin seed-bench` and
//! `cargo bench --bench timelines` both call [`seed_bench`]. It fills an empty database
//! (and refuses any other, unless it already holds a seed of the same size, which it
//! leaves as it is) in one transaction, so an interrupted seed leaves nothing behind.
//!
//! Every seeded account is local, has a confirmed login with the password [`PASSWORD`]
//! and shares one key pair (making 10,000 RSA keys would take longer than the rest). The
//! viewer is `@viewer`; [`viewer_token`] gives it an OAuth token the way an app gets one.

use crate::db;
use crate::db::seed::{PHRASE, SeedPlan, Shape, TAG, TextTemplates, USER, UrlTemplates};
use crate::error::{AppError, AppResult};
use crate::id::StatusId;
use crate::service::oauth::{self, AppRegistration, AuthorizeError, AuthorizeParams, Granted};
use crate::service::{admin, secrets};
use crate::state::AppState;
use crate::text;
use crate::urls::Urls;

/// The account whose timelines the benchmark reads.
pub const VIEWER: &str = "viewer";
/// Accounts other than the viewer are `user1`, `user2`, …
pub const USERNAME_PREFIX: &str = "user";
/// The password of every seeded account.
pub const PASSWORD: &str = "bench password";
const EMAIL_DOMAIN: &str = "bench.invalid";

/// How big a community to make; the defaults are those of the timelines benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedOptions {
    pub accounts: i64,
    pub statuses: i64,
    /// Accounts the viewer follows.
    pub following: i64,
    /// Follows each other account makes (about; duplicates are dropped).
    pub follows_per_account: i64,
    pub tags: i64,
    pub favourites: i64,
    /// Statuses are spread over this many days before now.
    pub days: i64,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            accounts: 10_000,
            statuses: 1_000_000,
            following: 1_000,
            follows_per_account: 20,
            tags: 500,
            favourites: 100_000,
            days: 180,
        }
    }
}

impl SeedOptions {
    fn check(&self) -> AppResult<()> {
        let problem = if self.accounts < 2 {
            Some("at least 2 accounts are needed (the viewer and someone to follow)")
        } else if self.statuses < 1 {
            Some("at least 1 status is needed")
        } else if self.following < 1 || self.following >= self.accounts {
            Some("the viewer follows at least 1 account and fewer than there are accounts")
        } else if self.tags < 1 {
            Some("at least 1 tag is needed")
        } else if self.follows_per_account < 0 || self.favourites < 0 {
            Some("counts cannot be negative")
        } else if !(1..=3650).contains(&self.days) {
            Some("days must be between 1 and 3650")
        } else {
            None
        };
        match problem {
            Some(p) => Err(AppError::invalid(p)),
            None => Ok(()),
        }
    }

    /// Whether `shape` is what a seed with these options leaves.
    fn made(&self, shape: &Shape) -> bool {
        shape.accounts == self.accounts
            && shape.statuses == self.statuses
            && shape.viewer_following == self.following
    }
}

/// What [`seed_bench`] found or made.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub shape: Shape,
    /// True when the database already held this seed and was left alone.
    pub reused: bool,
}

/// Fills an empty database with `o`'s community, or recognises one already filled with
/// it. Any other non-empty database is refused: seeding never mixes with real data.
pub async fn seed_bench(state: &AppState, o: &SeedOptions) -> AppResult<Seeded> {
    o.check()?;
    if !db::seed::is_empty(&state.db).await? {
        let shape = db::seed::shape(&state.db, VIEWER).await?;
        if o.made(&shape) {
            return Ok(Seeded {
                shape,
                reused: true,
            });
        }
        return Err(AppError::invalid(format!(
            "the database is not empty ({} local accounts, {} statuses) and is not a seed of this size; \
             seed-bench only fills an empty database",
            shape.accounts, shape.statuses
        )));
    }
    let keys = secrets::generate_key_pair().await?;
    let password_hash = secrets::hash_password(PASSWORD.to_string()).await?;
    let urls = url_templates(&state.urls);
    let texts = text_templates(&state.urls);
    let plan = SeedPlan {
        accounts: o.accounts,
        statuses: o.statuses,
        viewer_following: o.following,
        follows_per_account: o.follows_per_account,
        tags: o.tags,
        favourites: o.favourites,
        days: o.days,
        viewer_username: VIEWER,
        username_prefix: USERNAME_PREFIX,
        email_domain: EMAIL_DOMAIN,
        password_hash: &password_hash,
        public_key_pem: &keys.public_pem,
        private_key_pem: &keys.private_pem,
        urls: &urls,
        texts: &texts,
    };
    let mut tx = state.db.begin().await?;
    db::seed::fill(&mut tx, &plan).await?;
    tx.commit().await?;
    db::seed::vacuum_analyze(&state.db).await?;
    Ok(Seeded {
        shape: db::seed::shape(&state.db, VIEWER).await?,
        reused: false,
    })
}

/// A fresh token with the `read` scope for the viewer, made as an app gets one: the app
/// registers, the viewer consents (out of band), the app trades the code for a token.
pub async fn viewer_token(state: &AppState) -> AppResult<String> {
    let app = oauth::register_app(
        state,
        &AppRegistration {
            client_name: "Starling bench".into(),
            redirect_uris: vec![oauth::OOB.into()],
            scopes: Some("read".into()),
            website: None,
        },
    )
    .await?;
    let authorization = oauth::check_authorization(
        state,
        &AuthorizeParams {
            response_type: "code".into(),
            client_id: app.client_id.clone(),
            redirect_uri: oauth::OOB.into(),
            scope: Some("read".into()),
            ..AuthorizeParams::default()
        },
    )
    .await
    .map_err(|e| match e {
        AuthorizeError::Page(e) => e,
        AuthorizeError::Redirect { description, .. } => AppError::invalid(description),
    })?;
    let viewer = admin::find_user(state, VIEWER).await?;
    let Granted::ShowCode(code) = oauth::grant_code(state, &authorization, &viewer).await? else {
        return Err(AppError::internal(
            "an out-of-band grant answered with a redirect",
        ));
    };
    let issued = oauth::issue_token(
        state,
        &oauth::TokenRequest {
            grant_type: "authorization_code".into(),
            client: oauth::ClientAuth {
                client_id: app.client_id,
                client_secret: app.client_secret,
            },
            code: Some(code),
            redirect_uri: Some(oauth::OOB.into()),
            ..oauth::TokenRequest::default()
        },
    )
    .await?;
    Ok(issued.access_token)
}

/// Our URLs with placeholders, from `urls.rs`.
fn url_templates(urls: &Urls) -> UrlTemplates {
    let status = StatusId(i64::MAX);
    UrlTemplates {
        account_uri: urls.account_uri(USER),
        profile_url: urls.profile_url(USER),
        inbox_url: urls.inbox_url(USER),
        outbox_url: urls.outbox_url(USER),
        shared_inbox_url: urls.shared_inbox_url(),
        followers_url: urls.followers_url(USER),
        following_url: urls.following_url(USER),
        featured_url: urls.featured_url(USER),
        key_id: urls.key_id(USER),
        status_uri: urls.status_uri(USER, status),
        status_url: urls.status_url(USER, status),
        reblog_uri: urls.reblog_uri(USER, status),
    }
}

/// The four shapes of a seeded post, rendered by the same code as a real post, with
/// placeholders the SQL fills in.
fn text_templates(urls: &Urls) -> TextTemplates {
    let text = [
        PHRASE.to_string(),
        format!("{PHRASE} #{TAG}"),
        format!("@{USER} {PHRASE}"),
        format!("@{USER} {PHRASE} #{TAG}"),
    ];
    let html = text.clone().map(|t| {
        text::render_status(
            &t,
            &text::extract(&t),
            &|m: &text::MentionRef| {
                Some(text::MentionTarget {
                    url: urls.profile_url(&m.username),
                    display: m.username.clone(),
                })
            },
            &|name: &str| urls.tag_url(name),
        )
    });
    TextTemplates {
        text,
        html,
        phrases: PHRASES.iter().map(|p| p.to_string()).collect(),
        tag_words: TAG_WORDS.iter().map(|w| w.to_string()).collect(),
    }
}

/// What seeded posts say: plain words, nothing that is a link, mention or hashtag, and
/// nothing HTML would escape.
const PHRASES: &[&str] = &[
    "Good morning, everyone.",
    "The coffee machine at work is broken again",
    "Just finished reading a wonderful book about the sea.",
    "Anyone else watching the match tonight?",
    "It rained all day and the garden is happy",
    "New blog post is up, about keeping things simple.",
    "Trying out a recipe for lentil soup with too much garlic",
    "The train was late, so I wrote this on the platform.",
    "Thinking about moving to a smaller flat",
    "Our cat learned to open the kitchen door",
    "Spent the afternoon fixing a bicycle wheel.",
    "The new release is out, with faster timelines",
    "I should really go to sleep now",
    "Took a long walk along the river and saw herons.",
    "Does anyone have tips for learning the cello?",
    "Today I learned that octopuses have three hearts",
    "Meeting friends for dinner later",
    "The library has a new reading room upstairs.",
    "Why does every printer hate me",
    "Some photos from the mountains last weekend.",
    "Working from the balcony today, the weather is lovely",
    "Finally planted the tomatoes",
    "This song has been stuck in my head all week.",
    "The bakery on the corner makes the best bread in town",
    "Learning to knit, it is harder than it looks",
    "Watching the clouds roll in over the hills.",
    "Back from holiday and the inbox is enormous",
    "A quiet evening with tea and a puzzle",
    "The local market had strawberries already.",
    "Reminder to drink some water and stretch",
    "Our band plays a small show on Friday",
    "Happy birthday to my oldest friend.",
];

/// What seeded hashtags are made of (then with numbers: `photography3`).
const TAG_WORDS: &[&str] = &[
    "photography",
    "cats",
    "rustlang",
    "gardening",
    "music",
    "books",
    "cooking",
    "travel",
    "cycling",
    "fediverse",
    "art",
    "science",
    "history",
    "birds",
    "coffee",
    "knitting",
    "running",
    "linux",
    "weather",
    "football",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> Urls {
        Urls::new("https://bench.test").unwrap()
    }

    #[test]
    fn status_placeholder_is_the_sentinel_id() {
        assert_eq!(db::seed::STATUS, i64::MAX.to_string());
        let t = url_templates(&urls());
        assert_eq!(
            t.status_uri
                .replace(USER, "ann")
                .replace(db::seed::STATUS, "42"),
            urls().status_uri("ann", StatusId(42))
        );
    }

    #[test]
    fn templates_render_mentions_and_hashtags_with_their_placeholders() {
        let t = text_templates(&urls());
        assert_eq!(t.html[0], format!("<p>{PHRASE}</p>"));
        for (i, html) in t.html.iter().enumerate() {
            assert!(html.contains(PHRASE), "{html}");
            assert_eq!(html.contains(TAG), i % 2 == 1, "{html}");
            assert_eq!(html.contains(USER), i >= 2, "{html}");
        }
        assert!(
            t.html[3].contains("class=\"u-url mention\""),
            "{}",
            t.html[3]
        );
        assert!(
            t.html[3].contains("class=\"mention hashtag\""),
            "{}",
            t.html[3]
        );
    }

    #[test]
    fn phrases_render_as_themselves() {
        for p in PHRASES {
            let extracted = text::extract(p);
            let html = text::render_status(p, &extracted, &|_| None, &|n| n.to_string());
            assert_eq!(html, format!("<p>{p}</p>"));
        }
    }

    #[test]
    fn options_are_checked() {
        assert!(SeedOptions::default().check().is_ok());
        let few = SeedOptions {
            accounts: 5,
            following: 5,
            ..SeedOptions::default()
        };
        assert!(few.check().is_err());
    }
}
