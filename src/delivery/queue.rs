//! What a job is, which lane it runs in, how often it is tried (the retry ladder, all in
//! one place), and enqueueing in the caller's transaction.

use crate::db;
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, StatusId, UserId};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Lanes keep kinds of work from starving each other: a delivery backlog never delays
/// mail or notifications for local people, and an inbox flood never stalls deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Work for local people: mail, notifications, home fan-out.
    Local,
    /// Outgoing deliveries to other servers.
    Delivery,
    /// Processing activities other servers sent us.
    Inbox,
}

impl Lane {
    pub const ALL: [Lane; 3] = [Lane::Local, Lane::Delivery, Lane::Inbox];

    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Local => "local",
            Lane::Delivery => "delivery",
            Lane::Inbox => "inbox",
        }
    }

    pub fn parse(s: &str) -> Option<Lane> {
        Lane::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A job: only ids and small data; the handler re-reads what it needs, so a job whose
/// subject was deleted finishes as a no-op.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Job {
    /// POST `body` (an activity, stored as sent) to `inbox`; signed at send time.
    Deliver {
        inbox: String,
        body: String,
        sender: Option<AccountId>,
    },
    /// Process an activity `actor` sent to one of our inboxes (already verified).
    Inbox { actor: AccountId, body: String },
    /// Send a local status to other servers: its Create (or, after an edit, its Update)
    /// is rendered when the job runs, then fanned out like [`Job::Fanout`].
    PublishStatus { status_id: StatusId, update: bool },
    /// Deliver a rendered activity of `sender` to its audience: the sender's remote
    /// followers (when `followers`) and the remote `accounts`, one delivery per distinct
    /// (shared) inbox.
    Fanout {
        sender: AccountId,
        body: String,
        followers: bool,
        accounts: Vec<AccountId>,
    },
    /// Read a remote account's recent posts from its outbox (someone looked it up).
    BackfillAccount { account_id: AccountId },
    /// Mail a fresh confirmation link to a user who has not confirmed yet.
    ConfirmationMail { user_id: UserId },
    /// Mail a fresh password-reset link.
    PasswordResetMail { user_id: UserId },
}

impl Job {
    pub fn kind(&self) -> &'static str {
        match self {
            Job::Deliver { .. } => "deliver",
            Job::Inbox { .. } => "inbox",
            Job::PublishStatus { .. } => "publish_status",
            Job::Fanout { .. } => "fanout",
            Job::BackfillAccount { .. } => "backfill_account",
            Job::ConfirmationMail { .. } => "confirmation_mail",
            Job::PasswordResetMail { .. } => "password_reset_mail",
        }
    }

    pub fn lane(&self) -> Lane {
        match self {
            Job::Deliver { .. } => Lane::Delivery,
            Job::Inbox { .. } => Lane::Inbox,
            Job::PublishStatus { .. }
            | Job::Fanout { .. }
            | Job::BackfillAccount { .. }
            | Job::ConfirmationMail { .. }
            | Job::PasswordResetMail { .. } => Lane::Local,
        }
    }

    /// The host a delivery goes to (`host` or `host:port`), lowercase.
    pub fn host(&self) -> Option<String> {
        match self {
            Job::Deliver { inbox, .. } => host_of(inbox),
            _ => None,
        }
    }

    pub fn ladder(&self) -> Ladder {
        match self.lane() {
            Lane::Delivery => Ladder::DELIVERY,
            Lane::Local => Ladder::LOCAL,
            Lane::Inbox => Ladder::INBOX,
        }
    }
}

/// `host[:port]` of a URL, lowercase.
pub fn host_of(url: &str) -> Option<String> {
    crate::urls::authority(&url::Url::parse(url).ok()?)
}

/// How often and how far apart a job is tried.
#[derive(Debug, Clone, Copy)]
pub struct Ladder {
    pub max_attempts: i32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Ladder {
    /// Like Mastodon's deliveries: 17 attempts, doubling from 30 s to at most 12 h apart,
    /// a little over three days in all.
    pub const DELIVERY: Ladder = Ladder {
        max_attempts: 17,
        first_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(12 * 3600),
    };
    /// Mail and other local work: 10 attempts over about five hours.
    pub const LOCAL: Ladder = Ladder {
        max_attempts: 10,
        first_delay: Duration::from_secs(15),
        max_delay: Duration::from_secs(3600),
    };
    /// Received activities: 8 attempts over about two hours (a missing referenced object
    /// may appear later).
    pub const INBOX: Ladder = Ladder {
        max_attempts: 8,
        first_delay: Duration::from_secs(30),
        max_delay: Duration::from_secs(3600),
    };

    /// The pause after failed attempt number `attempt` (1-based), with ±20 % jitter so
    /// retries of one burst spread out.
    pub fn delay(&self, attempt: i32) -> Duration {
        let exp = (attempt.max(1) - 1).min(20) as u32;
        let base = self
            .first_delay
            .saturating_mul(2u32.saturating_pow(exp))
            .min(self.max_delay);
        let jitter: f64 = rand::rng().random_range(0.8..1.2);
        base.mul_f64(jitter)
    }

    /// The whole span of the ladder without jitter (for documentation and tests).
    pub fn total(&self) -> Duration {
        (1..self.max_attempts)
            .map(|a| {
                let exp = (a - 1).min(20) as u32;
                self.first_delay
                    .saturating_mul(2u32.saturating_pow(exp))
                    .min(self.max_delay)
            })
            .sum()
    }
}

/// Enqueues jobs inside the caller's transaction: they exist if and only if it commits.
pub async fn enqueue(tx: &mut sqlx::PgConnection, jobs: &[Job]) -> AppResult<Vec<i64>> {
    let payloads: Vec<serde_json::Value> = jobs
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(AppError::internal)?;
    let hosts: Vec<Option<String>> = jobs.iter().map(Job::host).collect();
    let rows: Vec<db::jobs::NewJob<'_>> = jobs
        .iter()
        .zip(&payloads)
        .zip(&hosts)
        .map(|((job, payload), host)| db::jobs::NewJob {
            lane: job.lane().as_str(),
            kind: job.kind(),
            payload,
            host: host.as_deref(),
            max_attempts: job.ladder().max_attempts,
            run_at: None,
        })
        .collect();
    Ok(db::jobs::insert(tx, &rows).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_keep_trying_for_days() {
        let total = Ladder::DELIVERY.total();
        assert!(
            total > Duration::from_secs(3 * 86400) && total < Duration::from_secs(5 * 86400),
            "{total:?}"
        );
        assert!(Ladder::DELIVERY.delay(1) < Duration::from_secs(40));
        assert!(Ladder::DELIVERY.delay(30) <= Duration::from_secs(12 * 3600).mul_f64(1.2));
    }

    #[test]
    fn jobs_know_their_lane_kind_and_host() {
        let d = Job::Deliver {
            inbox: "https://Remote.Example:8443/inbox".into(),
            body: "{}".into(),
            sender: None,
        };
        assert_eq!(d.lane(), Lane::Delivery);
        assert_eq!(d.kind(), "deliver");
        assert_eq!(d.host().as_deref(), Some("remote.example:8443"));
        let m = Job::ConfirmationMail { user_id: UserId(1) };
        assert_eq!(m.lane(), Lane::Local);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "confirmation_mail", "user_id": "1"})
        );
        assert_eq!(serde_json::from_value::<Job>(v).unwrap(), m);
    }
}
