//! `/api/v1/accounts`: the signed-in account, other accounts, their posts and follows,
//! relationships, and following or blocking them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::accounts::Account as AccountRow;
use crate::db::statuses::AccountFilter;
use crate::error::{AppError, AppResult};
use crate::id::AccountId;
use crate::mastodon::auth::{Auth, MaybeAuth};
use crate::mastodon::entities::account::{Account, CredentialAccount, Relationship};
use crate::mastodon::entities::status::Status;
use crate::mastodon::pagination::{PageParams, next_link};
use crate::mastodon::params::{Ids, Params, QueryParams, lenient};
use crate::mastodon::present;
use crate::mastodon::rendered;
use crate::service::{blocks, follows, timelines};
use crate::state::AppState;
use axum::response::{IntoResponse, Response};

/// `GET /api/v1/accounts/verify_credentials`: `read:accounts` (or `profile`).
pub async fn verify_credentials(
    State(state): State<AppState>,
    auth: Auth,
) -> AppResult<Json<CredentialAccount>> {
    let scope = if auth.0.scopes.allows("profile") {
        "profile"
    } else {
        "read:accounts"
    };
    let (user, account) = auth.user(scope)?;
    let requests = db::follows::count_requests(&state.db, account.id).await?;
    Ok(Json(present::credential_account(
        &state, account, user, requests,
    )))
}

/// The account with this id, if it is one people may see (not the instance actor).
pub(crate) async fn find(state: &AppState, raw: &str) -> AppResult<AccountRow> {
    let id: AccountId = raw.parse().map_err(|_| AppError::not_found())?;
    db::accounts::find(&state.db, id)
        .await?
        .filter(|a| a.actor_type != "Application")
        .ok_or_else(AppError::not_found)
}

pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> AppResult<Json<Account>> {
    auth.viewer("read:accounts")?;
    Ok(Json(present::account(&state, &find(&state, &id).await?)))
}

/// `GET /api/v1/accounts?id[]=…`: the ones that exist, in the order asked (40 at most).
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<Ids>,
) -> AppResult<Json<Vec<Account>>> {
    auth.viewer("read:accounts")?;
    let ids: Vec<AccountId> = p.at_most(40)?;
    let found = db::accounts::find_many_in_order(&state.db, &ids).await?;
    Ok(Json(
        found
            .iter()
            .filter(|a| a.actor_type != "Application")
            .map(|a| present::account(&state, a))
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct Lookup {
    #[serde(default)]
    acct: String,
}

/// `GET /api/v1/accounts/lookup?acct=`: local `user`, or `user@domain` (looked up on its
/// server if new, for signed-in people only).
pub async fn lookup(
    State(state): State<AppState>,
    auth: MaybeAuth,
    QueryParams(p): QueryParams<Lookup>,
) -> AppResult<Json<Account>> {
    let viewer = auth.viewer("read:accounts")?;
    let account = crate::service::search::lookup(&state, &p.acct, viewer.is_some()).await?;
    Ok(Json(present::account(&state, &account)))
}

pub async fn relationships(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<Ids>,
) -> AppResult<Json<Vec<Relationship>>> {
    let (_, me) = auth.user("read:follows")?;
    let ids: Vec<AccountId> = p.first(40);
    let found: Vec<AccountId> = db::accounts::find_many(&state.db, &ids)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let ids: Vec<AccountId> = ids.into_iter().filter(|i| found.contains(i)).collect();
    let rels = db::follows::relationships(&state.db, me.id, &ids).await?;
    Ok(Json(rels.iter().map(present::relationship).collect()))
}

pub(crate) async fn relationship_with(
    state: &AppState,
    me: &AccountRow,
    target: AccountId,
) -> AppResult<Json<Relationship>> {
    let rels = db::follows::relationships(&state.db, me.id, &[target]).await?;
    rels.first()
        .map(|r| Json(present::relationship(r)))
        .ok_or_else(AppError::not_found)
}

#[derive(Debug, Default, Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "lenient::option_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    notify: Option<bool>,
    #[serde(default)]
    languages: Option<serde_json::Value>,
}

/// `POST /api/v1/accounts/:id/follow`: follows (or asks to), then applies `reblogs`,
/// `notify` and `languages` — also to an existing follow, as Mastodon does.
pub async fn follow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    crate::mastodon::params::Params(p): crate::mastodon::params::Params<FollowParams>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:follows")?;
    let target = find(&state, &id).await?;
    follows::follow(&state, me, &target).await?;
    let languages: Option<Vec<String>> = p.languages.as_ref().map(|v| {
        let items: Vec<&serde_json::Value> = match v {
            serde_json::Value::Array(a) => a.iter().collect(),
            serde_json::Value::Object(m) => m.values().collect(),
            other => vec![other],
        };
        items
            .into_iter()
            .filter_map(|l| l.as_str())
            .filter(|l| crate::text::languages::is_known(l))
            .take(20)
            .map(str::to_string)
            .collect()
    });
    if p.reblogs.is_some() || p.notify.is_some() || languages.is_some() {
        db::follows::set_options(
            &state.db,
            me.id,
            target.id,
            p.reblogs,
            p.notify,
            languages.as_deref(),
        )
        .await?;
    }
    relationship_with(&state, me, target.id).await
}

pub async fn unfollow(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:follows")?;
    let target = find(&state, &id).await?;
    follows::unfollow(&state, me, &target).await?;
    relationship_with(&state, me, target.id).await
}

pub async fn block(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:blocks")?;
    let target = find(&state, &id).await?;
    if target.id == me.id {
        return Err(AppError::invalid(
            "Validation failed: You cannot block yourself",
        ));
    }
    blocks::block_by_local(&state, me, &target).await?;
    relationship_with(&state, me, target.id).await
}

pub async fn unblock(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:blocks")?;
    let target = find(&state, &id).await?;
    blocks::unblock_by_local(&state, me, &target).await?;
    relationship_with(&state, me, target.id).await
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusesParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "lenient::bool")]
    only_media: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    exclude_replies: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    exclude_reblogs: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    pinned: bool,
    #[serde(default)]
    tagged: Option<String>,
}

pub async fn statuses(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    Path(id): Path<String>,
    QueryParams(p): QueryParams<StatusesParams>,
) -> AppResult<Response> {
    let viewer = auth.viewer("read:statuses")?;
    let account = find(&state, &id).await?;
    if account.suspended_at.is_some() {
        return Ok(Json(Vec::<Status>::new()).into_response());
    }
    let tagged = match p.tagged.as_deref().map(|t| t.trim_start_matches('#')) {
        Some(t) if !t.is_empty() => match db::tags::find(&state.db, t).await? {
            Some(tag) => Some(tag.id),
            None => return Ok(Json(Vec::<Status>::new()).into_response()),
        },
        _ => None,
    };
    let filter = AccountFilter {
        exclude_replies: p.exclude_replies,
        exclude_reblogs: p.exclude_reblogs,
        only_media: p.only_media,
        pinned: p.pinned,
        tagged,
    };
    let ids =
        timelines::account_filtered_ids(&state, &account, viewer, &filter, p.page.page(20, 40))
            .await?;
    let page = rendered::page(&state, &ids, viewer.map(|v| v.id)).await?;
    Ok(page.into_response(&state, &uri))
}

async fn follow_list(
    state: &AppState,
    auth: &MaybeAuth,
    uri: &Uri,
    id: &str,
    p: &PageParams,
    followers: bool,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    auth.viewer("read:accounts")?;
    let account = find(state, id).await?;
    let page = p.page(40, 80);
    let (accounts, next) =
        follows::list_page(state, &account, followers, page.max_id, page.limit).await?;
    Ok((
        next_link(state, uri, next.map(|n| n.to_string())),
        Json(
            accounts
                .iter()
                .map(|a| present::account(state, a))
                .collect(),
        ),
    ))
}

pub async fn followers(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    Path(id): Path<String>,
    QueryParams(p): QueryParams<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    follow_list(&state, &auth, &uri, &id, &p, true).await
}

pub async fn following(
    State(state): State<AppState>,
    auth: MaybeAuth,
    uri: Uri,
    Path(id): Path<String>,
    QueryParams(p): QueryParams<PageParams>,
) -> AppResult<(HeaderMap, Json<Vec<Account>>)> {
    follow_list(&state, &auth, &uri, &id, &p, false).await
}

#[derive(Debug, Default, Deserialize)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "lenient::option_bool")]
    notifications: Option<bool>,
    /// Seconds; 0 or absent mutes until undone.
    #[serde(default, deserialize_with = "lenient::option_u64")]
    duration: Option<u64>,
}

pub async fn mute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    crate::mastodon::params::Params(p): crate::mastodon::params::Params<MuteParams>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:mutes")?;
    let target = find(&state, &id).await?;
    if target.id == me.id {
        return Err(AppError::invalid(
            "Validation failed: You cannot mute yourself",
        ));
    }
    let expires_at = p.duration.filter(|d| *d > 0).map(|d| {
        time::OffsetDateTime::now_utc() + time::Duration::seconds(d.min(10 * 365 * 86_400) as i64)
    });
    db::mutes::upsert(
        &state.db,
        me.id,
        target.id,
        p.notifications.unwrap_or(true),
        expires_at,
    )
    .await?;
    relationship_with(&state, me, target.id).await
}

pub async fn unmute(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:mutes")?;
    let target = find(&state, &id).await?;
    db::mutes::delete(&state.db, me.id, target.id).await?;
    relationship_with(&state, me, target.id).await
}

#[derive(Debug, Default, Deserialize)]
pub struct FieldAttribute {
    #[serde(default, deserialize_with = "lenient::string")]
    name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    value: String,
}

/// `fields_attributes` arrives as a list or as a map keyed "0", "1", … (Rails brackets).
fn field_pairs(v: &serde_json::Value) -> Vec<(String, String)> {
    let items: Vec<&serde_json::Value> = match v {
        serde_json::Value::Array(a) => a.iter().collect(),
        serde_json::Value::Object(m) => {
            let mut keyed: Vec<(u32, &serde_json::Value)> = m
                .iter()
                .filter_map(|(k, v)| k.parse().ok().map(|n| (n, v)))
                .collect();
            keyed.sort_by_key(|(n, _)| *n);
            keyed.into_iter().map(|(_, v)| v).collect()
        }
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|i| serde_json::from_value::<FieldAttribute>(i.clone()).ok())
        .map(|f| (f.name, f.value))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct UpdateCredentials {
    #[serde(default, deserialize_with = "lenient::option_string_keep_empty")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_string_keep_empty")]
    note: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    discoverable: Option<bool>,
    #[serde(default)]
    fields_attributes: Option<serde_json::Value>,
    /// `source[privacy]`, `source[sensitive]`, `source[language]`: posting defaults.
    #[serde(default)]
    source: Option<SourceParams>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SourceParams {
    #[serde(default, deserialize_with = "lenient::option_string")]
    privacy: Option<String>,
    #[serde(default, deserialize_with = "lenient::option_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "lenient::option_string_keep_empty")]
    language: Option<String>,
}

/// `PATCH /api/v1/accounts/update_credentials`: only what is sent changes, through the
/// same profile service as the settings page (an Update goes to followers elsewhere).
pub async fn update_credentials(
    State(state): State<AppState>,
    auth: Auth,
    crate::mastodon::params::Params(p): crate::mastodon::params::Params<UpdateCredentials>,
) -> AppResult<Json<CredentialAccount>> {
    let (user, me) = auth.user("write:accounts")?;
    let form = crate::service::profile::ProfileForm {
        display_name: p.display_name.unwrap_or_else(|| me.display_name.clone()),
        note: p.note.unwrap_or_else(|| me.note_source.clone()),
        fields: match &p.fields_attributes {
            Some(v) => field_pairs(v),
            None => me
                .fields
                .0
                .iter()
                .map(|f| (f.name.clone(), f.value.clone()))
                .collect(),
        },
        locked: p.locked.unwrap_or(me.locked),
        bot: p.bot.unwrap_or(me.is_bot()),
    };
    if let Some(src) = p.source {
        let change = crate::service::profile::PostingDefaultsChange {
            privacy: src.privacy,
            sensitive: src.sensitive,
            language: src.language,
        };
        crate::service::profile::set_posting_defaults(&state, user, &change).await?;
    }
    crate::service::profile::update(&state, me, &form).await?;
    if let Some(d) = p.discoverable {
        db::accounts::set_discoverable(&state.db, me.id, d).await?;
    }
    let fresh = db::accounts::find(&state.db, me.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let fresh_user = db::users::find(&state.db, user.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let requests = db::follows::count_requests(&state.db, me.id).await?;
    Ok(Json(present::credential_account(
        &state,
        &fresh,
        &fresh_user,
        requests,
    )))
}

/// `POST /api/v1/accounts/:id/remove_from_followers`.
pub async fn remove_from_followers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:follows")?;
    let follower = find(&state, &id).await?;
    follows::remove_follower(&state, me, &follower).await?;
    relationship_with(&state, me, follower.id).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteParams {
    #[serde(default, deserialize_with = "lenient::string")]
    comment: String,
}

/// `POST /api/v1/accounts/:id/note`: sets (or with an empty comment removes) the
/// caller's private note on the account.
pub async fn note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<NoteParams>,
) -> AppResult<Json<Relationship>> {
    let (_, me) = auth.user("write:accounts")?;
    let target = find(&state, &id).await?;
    crate::service::account_notes::set(&state, me, target.id, &p.comment).await?;
    relationship_with(&state, me, target.id).await
}

#[derive(Debug, Serialize)]
pub struct FamiliarFollowers {
    pub id: String,
    pub accounts: Vec<Account>,
}

/// `GET /api/v1/accounts/familiar_followers?id[]=`: for each account, the people the
/// viewer follows who follow it too.
pub async fn familiar_followers(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<Ids>,
) -> AppResult<Json<Vec<FamiliarFollowers>>> {
    let (_, me) = auth.user("read:follows")?;
    let mut out = Vec::new();
    for target in p.first::<AccountId>(40) {
        let ids = db::follows::familiar_followers(&state.db, me.id, target, 40).await?;
        let found = db::accounts::find_many_in_order(&state.db, &ids).await?;
        out.push(FamiliarFollowers {
            id: target.to_string(),
            accounts: found
                .iter()
                .filter(|a| a.suspended_at.is_none())
                .map(|a| present::account(&state, a))
                .collect(),
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountSearch {
    #[serde(default)]
    q: String,
    #[serde(default, deserialize_with = "lenient::limit")]
    limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient::option_u64")]
    offset: Option<u64>,
    #[serde(default, deserialize_with = "lenient::bool")]
    resolve: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    following: bool,
}

/// `GET /api/v1/accounts/search`: accounts by name or handle (resolving others' only for
/// a user token, S31).
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    QueryParams(p): QueryParams<AccountSearch>,
) -> AppResult<Json<Vec<Account>>> {
    let (_, me) = auth.user("read:accounts")?;
    let window = crate::service::search::Window {
        skip: p.offset.unwrap_or(0),
        limit: p.limit.unwrap_or(40).clamp(1, 80),
        followed_by: p.following.then_some(me.id),
    };
    let found = crate::service::search::accounts(&state, &p.q, p.resolve, window)
        .await
        .unwrap_or_default();
    Ok(Json(
        found
            .iter()
            .filter(|a| a.is_addressable())
            .map(|a| present::account(&state, a))
            .collect(),
    ))
}
