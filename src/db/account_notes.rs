//! Private notes users keep on other accounts (shown only to their author, in
//! `Relationship.note`).

use super::Executor;
use crate::id::AccountId;

/// Sets `account`'s note on `target`; an empty comment removes it.
pub async fn set(
    db: impl Executor<'_>,
    account: AccountId,
    target: AccountId,
    comment: &str,
) -> sqlx::Result<()> {
    if comment.is_empty() {
        sqlx::query("DELETE FROM account_notes WHERE account_id = $1 AND target_account_id = $2")
            .bind(account)
            .bind(target)
            .execute(db)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO account_notes (account_id, target_account_id, comment) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, target_account_id) \
         DO UPDATE SET comment = EXCLUDED.comment, updated_at = now()",
    )
    .bind(account)
    .bind(target)
    .bind(comment)
    .execute(db)
    .await
    .map(|_| ())
}
