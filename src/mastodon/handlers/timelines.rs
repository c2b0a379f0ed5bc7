//! `/api/v1/timelines`: home, public and hashtag timelines, newest first, paged with
//! `Link` headers.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Deserialize;

use crate::db;
use crate::db::statuses::PublicFilter;
use crate::error::AppResult;
use crate::mastodon::auth::{Auth, MaybeAuth};
use crate::mastodon::pagination::PageParams;
use crate::mastodon::params::{QueryParams, lenient};
use crate::mastodon::rendered;
use crate::service::timelines;
use crate::state::AppState;

pub async fn home(
    State(state): State<AppState>,
    auth: Auth,
    uri: Uri,
    QueryParams(p): QueryParams<PageParams>,
) -> AppResult<Response> {
    let (_, me) = auth.user("read:statuses")?;
    let (ids, standings) = timelines::home_page(&state, me, p.page(20, 40)).await?;
    let page = rendered::page_of(&state, &ids, standings, Some(me.id)).await?;
    Ok(page.into_response(&state, &uri))
}

#[derive(Debug, Default, Deserialize)]
pub struct PublicParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::bool")]
    local: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    remote: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    only_media: bool,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    any: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    all: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_or_vec")]
    none: Vec<String>,
}

/// The kept answer to a visitor's question, if there is one (signed-in people always
/// get their own page).
fn kept_for_visitor(
    state: &AppState,
    uri: &Uri,
    viewer: Option<&crate::db::accounts::Account>,
) -> Option<Response> {
    viewer.is_none().then(|| state.public_cache.get(uri))?
}

/// A page for the people who may see it: a visitor's goes into the shared cache of
/// visitors' pages (see [`kept_for_visitor`]), a signed-in person's is theirs alone.
async fn public_page(
    state: &AppState,
    uri: &Uri,
    viewer: Option<&crate::db::accounts::Account>,
    filter: &PublicFilter,
    page: crate::db::statuses::Page,
) -> AppResult<Response> {
    let ids = timelines::public_filtered_ids(state, viewer, filter, page).await?;
    let page = rendered::page(state, &ids, viewer.map(|v| v.id)).await?;
    if viewer.is_some() {
        return Ok(page.into_response(state, uri));
    }
    Ok(state
        .public_cache
        .store(uri, page.links(state, uri), page.json))
}

pub async fn public(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    QueryParams(p): QueryParams<PublicParams>,
) -> AppResult<Response> {
    let viewer = auth.viewer("read:statuses")?;
    if let Some(kept) = kept_for_visitor(&state, &uri, viewer) {
        return Ok(kept);
    }
    let filter = PublicFilter {
        local_only: p.local,
        remote_only: p.remote,
        only_media: p.only_media,
        ..PublicFilter::default()
    };
    public_page(&state, &uri, viewer, &filter, p.page.page(20, 40)).await
}

pub async fn tag(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    Path(hashtag): Path<String>,
    QueryParams(p): QueryParams<PublicParams>,
) -> AppResult<Response> {
    let viewer = auth.viewer("read:statuses")?;
    if let Some(kept) = kept_for_visitor(&state, &uri, viewer) {
        return Ok(kept);
    }
    let mut any = vec![hashtag];
    any.extend(p.any.iter().take(4).cloned());
    let ids = |names: &[String]| {
        let state = state.clone();
        let names = names.to_vec();
        async move {
            let mut out = Vec::new();
            for n in names.iter().take(5) {
                if let Some(t) = db::tags::find(&state.db, n.trim_start_matches('#')).await? {
                    out.push(t.id);
                }
            }
            Ok::<_, sqlx::Error>(out)
        }
    };
    let any_tags = ids(&any).await?;
    let all_tags = ids(&p.all).await?;
    let none_tags = ids(&p.none).await?;
    // A tag nobody used has no posts; `all[]` naming one means no post has them all.
    if any_tags.is_empty() || all_tags.len() < p.all.iter().take(5).count() {
        let nothing = rendered::Page {
            first: None,
            last: None,
            json: b"[]".to_vec(),
        };
        return Ok(nothing.into_response(&state, &uri));
    }
    let filter = PublicFilter {
        local_only: p.local,
        remote_only: p.remote,
        only_media: p.only_media,
        any_tags,
        all_tags,
        no_tags: none_tags,
    };
    public_page(&state, &uri, viewer, &filter, p.page.page(20, 40)).await
}
