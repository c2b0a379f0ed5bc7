//! Private notes on other accounts, as Mastodon keeps them (at most 2,000 characters;
//! an empty note is no note).

use crate::db;
use crate::db::accounts::Account;
use crate::error::{AppError, AppResult};
use crate::id::AccountId;
use crate::state::AppState;

pub const MAX_CHARS: usize = 2000;

/// Sets `me`'s note on `target` (which must exist: 404 otherwise).
pub async fn set(
    state: &AppState,
    me: &Account,
    target: AccountId,
    comment: &str,
) -> AppResult<()> {
    if comment.chars().count() > MAX_CHARS {
        return Err(AppError::validation(vec![(
            "comment",
            format!("Comment is too long (maximum is {MAX_CHARS} characters)"),
        )]));
    }
    if db::accounts::find(&state.db, target).await?.is_none() {
        return Err(AppError::not_found());
    }
    let comment = if comment.trim().is_empty() {
        ""
    } else {
        comment
    };
    db::account_notes::set(&state.db, me.id, target, comment).await?;
    Ok(())
}
