//! Local actions as activities for other servers. Each function runs inside the
//! caller's transaction and only enqueues work, so an action and its federation commit
//! (or roll back) together; deliveries are signed as the acting account at send time.
//! Nothing is sent for actions whose audience is purely local: the fan-out finds no
//! remote inbox, and single-recipient activities to local accounts are skipped.

use crate::activitypub::types::{Activity, PUBLIC, actor_context, note_context};
use crate::activitypub::{activities, objects, render};
use crate::db;
use crate::db::accounts::Account;
use crate::db::statuses::{Status, Visibility};
use crate::delivery::{Job, enqueue};
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, StatusId};
use crate::service::timelines;
use crate::state::AppState;
use crate::urls::Urls;
use serde_json::Value;
use sqlx::PgConnection;
use time::OffsetDateTime;

fn body(activity: &Activity) -> AppResult<String> {
    serde_json::to_string(activity).map_err(AppError::internal)
}

/// A fresh, unguessable activity id under the actor (`<actor>#<kind>/<token>`), for
/// activities that have no row of their own to name them.
pub fn activity_id(actor: &Account, kind: &str) -> String {
    format!(
        "{}#{}/{}",
        actor.uri,
        kind,
        crate::service::secrets::random_token(12)
    )
}

async fn fan_out(
    tx: &mut PgConnection,
    sender: &Account,
    activity: &Activity,
    followers: bool,
    accounts: Vec<AccountId>,
) -> AppResult<()> {
    let job = Job::Fanout {
        sender: sender.id,
        body: body(activity)?,
        followers,
        accounts,
    };
    enqueue(tx, &[job]).await.map(|_| ())
}

/// Delivers `activity` straight to one remote account's own inbox (follows, likes,
/// blocks and answers to follow requests go to the actor they concern).
async fn deliver_to(
    tx: &mut PgConnection,
    sender: &Account,
    recipient: &Account,
    activity: &Activity,
) -> AppResult<()> {
    if recipient.is_local() {
        return Ok(());
    }
    let Some(inbox) = recipient.inbox_url.clone() else {
        return Ok(());
    };
    let job = Job::Deliver {
        inbox,
        body: body(activity)?,
        sender: Some(sender.id),
    };
    enqueue(tx, &[job]).await.map(|_| ())
}

/// A new local status: its Create is rendered and fanned out by a job.
pub async fn created(tx: &mut PgConnection, status: StatusId) -> AppResult<()> {
    enqueue(
        tx,
        &[Job::PublishStatus {
            status_id: status,
            update: false,
        }],
    )
    .await
    .map(|_| ())
}

/// An edited local status: its Update is rendered and fanned out by a job.
pub async fn edited(tx: &mut PgConnection, status: StatusId) -> AppResult<()> {
    enqueue(
        tx,
        &[Job::PublishStatus {
            status_id: status,
            update: true,
        }],
    )
    .await
    .map(|_| ())
}

/// The `PublishStatus` job: renders the status as it is now and sends it to the
/// author's remote followers (unless it is direct) and the remote accounts it mentions.
/// A status deleted in the meantime sends nothing.
pub async fn publish_status(state: &AppState, id: StatusId, update: bool) -> AppResult<()> {
    let Some(d) = timelines::details(state, &[id], None)
        .await?
        .into_iter()
        .next()
    else {
        return Err(AppError::not_found());
    };
    if !d.status.local || d.status.reblog_of_id.is_some() {
        return Ok(());
    }
    // The same Note as served at its id (self-replies listed and all).
    let note = objects::note(state, &d, true).await?;
    let mut activity = render::create(note);
    if update {
        let at = d.status.edited_at.unwrap_or_else(OffsetDateTime::now_utc);
        activity.kind = "Update".into();
        activity.id = format!("{}#updates/{}", d.status.uri, at.unix_timestamp());
        activity.published = Some(render::iso(at));
    }
    let remote_mentions: Vec<AccountId> = d
        .mentions
        .iter()
        .filter(|a| !a.is_local())
        .map(|a| a.id)
        .collect();
    let followers = d.status.visibility() != Visibility::Direct;
    crate::delivery::fanout::expand(
        state,
        d.account.id,
        &body(&activity)?,
        followers,
        &remote_mentions,
    )
    .await
    .map(|_| ())
}

/// A deleted local status: a Delete with a Tombstone, to everyone who received it.
/// `mentioned` are the accounts it mentioned (read before the rows went away).
pub async fn deleted(
    tx: &mut PgConnection,
    urls: &Urls,
    author: &Account,
    status: &Status,
    mentioned: &[Account],
) -> AppResult<()> {
    if !status.local || status.reblog_of_id.is_some() {
        return Ok(());
    }
    let uris: Vec<String> = mentioned.iter().map(|a| a.uri.clone()).collect();
    let (to, cc) = render::addressing(
        status.visibility(),
        &urls.followers_url(&author.username),
        &uris,
    );
    let mut activity = activities::delete_status(&author.uri, &status.uri, to, cc);
    activity.context = Some(note_context());
    let remote = mentioned
        .iter()
        .filter(|a| !a.is_local())
        .map(|a| a.id)
        .collect();
    fan_out(
        tx,
        author,
        &activity,
        status.visibility() != Visibility::Direct,
        remote,
    )
    .await
}

/// A boost: Announce to the booster's followers and the original's author.
pub async fn boosted(
    tx: &mut PgConnection,
    urls: &Urls,
    booster: &Account,
    reblog: &Status,
    original: &Status,
    original_author: &Account,
) -> AppResult<()> {
    let activity = render::announce(urls, booster, reblog, original, original_author);
    fan_out(tx, booster, &activity, true, vec![original_author.id]).await
}

/// A withdrawn boost: Undo of the Announce, to the same audience.
pub async fn unboosted(
    tx: &mut PgConnection,
    urls: &Urls,
    booster: &Account,
    reblog: &Status,
    original: &Status,
    original_author: &Account,
) -> AppResult<()> {
    let announce = render::announce(urls, booster, reblog, original, original_author);
    let activity = activities::undo(&announce);
    fan_out(tx, booster, &activity, true, vec![original_author.id]).await
}

/// A favourite of a remote status: Like to its author. `like_id` is stored with the
/// favourite so the Undo can name it.
pub async fn liked(
    tx: &mut PgConnection,
    actor: &Account,
    status: &Status,
    author: &Account,
    like_id: &str,
) -> AppResult<()> {
    let activity = activities::like(like_id.to_string(), &actor.uri, &status.uri, &author.uri);
    deliver_to(tx, actor, author, &activity).await
}

pub async fn unliked(
    tx: &mut PgConnection,
    actor: &Account,
    status: &Status,
    author: &Account,
    like_id: &str,
) -> AppResult<()> {
    let like = activities::like(like_id.to_string(), &actor.uri, &status.uri, &author.uri);
    deliver_to(tx, actor, author, &activities::undo(&like)).await
}

/// A follow of (or request to follow) a remote account.
pub async fn followed(
    tx: &mut PgConnection,
    actor: &Account,
    target: &Account,
    follow_id: &str,
) -> AppResult<()> {
    let activity = activities::follow(follow_id.to_string(), &actor.uri, &target.uri);
    deliver_to(tx, actor, target, &activity).await
}

/// An unfollow, or a withdrawn request: Undo of the Follow.
pub async fn unfollowed(
    tx: &mut PgConnection,
    actor: &Account,
    target: &Account,
    follow_id: &str,
) -> AppResult<()> {
    let follow = activities::follow(follow_id.to_string(), &actor.uri, &target.uri);
    let mut undo = activities::undo(&follow);
    undo.to = vec![target.uri.clone()];
    deliver_to(tx, actor, target, &undo).await
}

/// A local account's answer to a remote account's follow request.
pub async fn answered_follow(
    tx: &mut PgConnection,
    owner: &Account,
    follower: &Account,
    follow_id: &str,
    accept: bool,
) -> AppResult<()> {
    let follow = activities::follow(follow_id.to_string(), &follower.uri, &owner.uri);
    let kind = if accept { "accepts" } else { "rejects" };
    let answer = activities::answer_follow(activity_id(owner, kind), accept, &owner.uri, &follow);
    deliver_to(tx, owner, follower, &answer).await
}

/// A block of a remote account: Block to it (Mastodon hides the blocker's posts there).
pub async fn blocked(
    tx: &mut PgConnection,
    actor: &Account,
    target: &Account,
    block_id: &str,
) -> AppResult<()> {
    let activity = activities::block(block_id.to_string(), &actor.uri, &target.uri);
    deliver_to(tx, actor, target, &activity).await
}

pub async fn unblocked(
    tx: &mut PgConnection,
    actor: &Account,
    target: &Account,
    block_id: &str,
) -> AppResult<()> {
    let block = activities::block(block_id.to_string(), &actor.uri, &target.uri);
    deliver_to(tx, actor, target, &activities::undo(&block)).await
}

/// A changed profile: Update of the whole actor document, to the followers.
pub async fn profile_updated(
    tx: &mut PgConnection,
    urls: &Urls,
    account: &Account,
) -> AppResult<()> {
    let Some(pem) = db::accounts::public_key_pem(&mut *tx, account.id).await? else {
        return Ok(());
    };
    let mut actor =
        serde_json::to_value(render::actor(account, &pem, urls)).map_err(AppError::internal)?;
    if let Value::Object(map) = &mut actor {
        map.remove("@context");
    }
    let now = OffsetDateTime::now_utc();
    let mut activity = activities::update(
        format!("{}#updates/{}", account.uri, now.unix_timestamp()),
        &account.uri,
        actor,
        vec![PUBLIC.into()],
        Vec::new(),
    );
    activity.context = Some(actor_context());
    fan_out(tx, account, &activity, true, Vec::new()).await
}
