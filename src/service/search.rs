//! Finding accounts: by name here, or by `@user@domain` / profile URL on other servers.

use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::id::AccountId;
use crate::service::remote_accounts;
use crate::state::AppState;

pub enum Query<'a> {
    Handle(&'a str),
    Url(&'a str),
    Text(&'a str),
}

pub fn classify(q: &str) -> Query<'_> {
    let q = q.trim();
    if q.starts_with("https://") || q.starts_with("http://") {
        Query::Url(q)
    } else if q.trim_start_matches('@').contains('@') {
        Query::Handle(q)
    } else {
        Query::Text(q.trim_start_matches('@'))
    }
}

/// Which of the matching accounts a search answers with: `limit` after skipping `skip`,
/// only those `followed_by` follows when set (Mastodon's `offset`, `limit`, `following`).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub skip: u64,
    pub limit: u64,
    pub followed_by: Option<AccountId>,
}

impl Window {
    /// The first `limit` matches, whoever follows them.
    pub fn first(limit: u64) -> Self {
        Window {
            skip: 0,
            limit,
            followed_by: None,
        }
    }
}

#[derive(Default)]
pub struct Found {
    pub accounts: Vec<Account>,
    pub statuses: Vec<crate::id::StatusId>,
}

/// Accounts or posts matching `q`. A link is tried as a profile, then as a post.
pub async fn search(
    state: &AppState,
    q: &str,
    may_resolve: bool,
    window: Window,
) -> AppResult<Found> {
    if let Query::Url(u) = classify(q)
        && may_resolve
    {
        return match accounts(state, q, true, window).await {
            Ok(accounts) => Ok(Found {
                accounts,
                statuses: Vec::new(),
            }),
            Err(account_error) => {
                match crate::service::remote_statuses::fetch_and_store(state, u).await {
                    Ok(s) => Ok(Found {
                        accounts: Vec::new(),
                        statuses: vec![s.id],
                    }),
                    Err(_) => Err(account_error),
                }
            }
        };
    }
    Ok(Found {
        accounts: accounts(state, q, may_resolve, window).await?,
        statuses: Vec::new(),
    })
}

/// Accounts matching `q`, in `window`. Looking up other servers (a handle or a URL) is
/// for signed-in people only, so visitors cannot make us fetch on their behalf.
pub async fn accounts(
    state: &AppState,
    q: &str,
    may_resolve: bool,
    window: Window,
) -> AppResult<Vec<Account>> {
    let q = q.trim();
    if q.is_empty() || q.chars().count() > 300 || window.limit == 0 {
        return Ok(Vec::new());
    }
    let exact = match classify(q) {
        Query::Text("") => return Ok(Vec::new()),
        Query::Text(t) => {
            let skip = i64::try_from(window.skip).unwrap_or(i64::MAX);
            let limit = i64::try_from(window.limit).unwrap_or(i64::MAX);
            return Ok(db::accounts::search(&state.db, t, window.followed_by, skip, limit).await?);
        }
        // A handle or a link names one account: only the first page holds it.
        _ if window.skip > 0 => return Ok(Vec::new()),
        Query::Handle(h) if may_resolve => {
            let found = remote_accounts::resolve_handle(state, h).await?;
            backfill_if_new(state, &found).await?;
            vec![found]
        }
        Query::Url(u) if may_resolve => match local_by_url(state, u).await? {
            Some(local) => vec![local],
            None => {
                let found = remote_accounts::fetch_and_store(state, u).await?;
                backfill_if_new(state, &found).await?;
                vec![found]
            }
        },
        Query::Handle(h) => {
            let (user, domain) = h.trim_start_matches('@').split_once('@').unwrap_or((h, ""));
            let domain =
                Some(domain.to_lowercase()).filter(|d| *d != state.urls.domain().to_lowercase());
            db::accounts::find_by_handles(&state.db, &[(user.to_lowercase(), domain)]).await?
        }
        Query::Url(u) => db::accounts::find_by_uri(&state.db, u)
            .await?
            .into_iter()
            .collect(),
    };
    let Some(follower) = window.followed_by else {
        return Ok(exact);
    };
    let mut kept = Vec::with_capacity(exact.len());
    for account in exact {
        if db::follows::relationship(&state.db, follower, account.id)
            .await?
            .following
        {
            kept.push(account);
        }
    }
    Ok(kept)
}

/// `GET /api/v1/accounts/lookup`: the account `acct` names (`user` here, `user@domain`
/// elsewhere). One we do not know yet is looked up on its server (WebFinger) for
/// signed-in people only; a visitor's lookup never makes us fetch (S31).
pub async fn lookup(state: &AppState, acct: &str, may_resolve: bool) -> AppResult<Account> {
    let acct = acct.trim().trim_start_matches('@');
    let found = if !acct.contains('@') {
        db::accounts::find_local(&state.db, acct).await?
    } else if may_resolve {
        remote_accounts::resolve_handle(state, acct).await.ok()
    } else {
        accounts(state, acct, false, Window::first(1))
            .await?
            .into_iter()
            .next()
    };
    found
        .filter(|a| a.actor_type != "Application")
        .ok_or_else(AppError::not_found)
}

/// A remote account we hold no posts of gets its recent ones read from its outbox (in
/// the background), so its profile shows what it has been posting.
async fn backfill_if_new(state: &AppState, account: &Account) -> AppResult<()> {
    if account.is_local() || db::statuses::any_by_account(&state.db, account.id).await? {
        return Ok(());
    }
    let mut conn = state.db.acquire().await?;
    crate::delivery::enqueue(
        &mut conn,
        &[crate::delivery::Job::BackfillAccount {
            account_id: account.id,
        }],
    )
    .await
    .map(|_| ())
}

async fn local_by_url(state: &AppState, url: &str) -> AppResult<Option<Account>> {
    if !state.urls.is_local(url) {
        return Ok(None);
    }
    let path = url.strip_prefix(state.urls.base()).unwrap_or("");
    let name = path
        .strip_prefix("/users/")
        .or_else(|| path.strip_prefix("/@"))
        .unwrap_or("");
    if name.is_empty() {
        return Err(AppError::not_found());
    }
    Ok(db::accounts::find_local(&state.db, name).await?)
}
