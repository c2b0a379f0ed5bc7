//! The worker: per lane, claim a batch of ready jobs with a lease, commit, run them
//! outside any transaction, record each outcome. LISTEN/NOTIFY wakes idle lanes at once;
//! a slow poll covers lost notifications; expired leases (dead workers) are reclaimed.

use crate::config::WorkerConfig;
use crate::db;
use crate::db::jobs::JobRow;
use crate::delivery::queue::{Job, Ladder, Lane};
use crate::delivery::{deliver, fanout};
use crate::error::ErrorKind;
use crate::service::account_mail;
use crate::state::AppState;
use sqlx::postgres::PgListener;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// What became of one attempt at a job.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Finished, with something worth keeping in the record (e.g. 410 Gone).
    DoneWithNote(String),
    /// Try again later: after `after` if the other side said so, else per the ladder.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Put back untouched until then (the host is cooling down); not an attempt.
    Defer(OffsetDateTime),
    /// Will never work: dead, kept for operators with the error.
    Final(String),
}

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Identifies this worker's leases.
    pub owner: String,
    pub lanes: Vec<(Lane, usize)>,
    pub poll: Duration,
    pub lease: Duration,
    pub grace: Duration,
    pub keep_done_hours: i64,
}

impl WorkerOptions {
    pub fn from_config(cfg: &WorkerConfig) -> WorkerOptions {
        let owner = format!(
            "{}:{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into()),
            std::process::id(),
            crate::service::secrets::random_token(4)
        );
        WorkerOptions {
            owner,
            lanes: vec![
                (Lane::Local, cfg.local_concurrency.max(1)),
                (Lane::Delivery, cfg.delivery_concurrency.max(1)),
                (Lane::Inbox, cfg.inbox_concurrency.max(1)),
            ],
            poll: Duration::from_secs_f64(cfg.poll_seconds.max(0.05)),
            lease: Duration::from_secs_f64(cfg.lease_seconds.max(1.0)),
            grace: Duration::from_secs_f64(cfg.shutdown_grace_seconds.max(0.0)),
            keep_done_hours: cfg.keep_done_hours.max(0),
        }
    }
}

#[derive(Clone)]
pub struct Worker {
    state: AppState,
    opts: Arc<WorkerOptions>,
}

type Finished = (JobRow, Outcome);

impl Worker {
    pub fn new(state: AppState, opts: WorkerOptions) -> Worker {
        Worker {
            state,
            opts: Arc::new(opts),
        }
    }

    pub fn owner(&self) -> &str {
        &self.opts.owner
    }

    /// Runs every lane until `shutdown` becomes true; then stops claiming, gives
    /// in-flight jobs the grace period and puts back what is still running.
    pub async fn run(&self, shutdown: watch::Receiver<bool>) {
        let wakers: HashMap<Lane, Arc<Notify>> = self
            .opts
            .lanes
            .iter()
            .map(|(l, _)| (*l, Arc::new(Notify::new())))
            .collect();
        let mut tasks = JoinSet::new();
        tasks.spawn(listen(
            self.state.db.clone(),
            wakers.clone(),
            shutdown.clone(),
        ));
        tasks.spawn(maintain(self.clone(), shutdown.clone()));
        for (lane, concurrency) in self.opts.lanes.clone() {
            let waker = wakers.get(&lane).cloned().unwrap_or_default();
            let this = self.clone();
            let stop = shutdown.clone();
            tasks.spawn(async move { this.run_lane(lane, concurrency, waker, stop).await });
        }
        tracing::info!(owner = %self.opts.owner, "worker started");
        while tasks.join_next().await.is_some() {}
        tracing::info!(owner = %self.opts.owner, "worker stopped");
    }

    async fn run_lane(
        &self,
        lane: Lane,
        concurrency: usize,
        waker: Arc<Notify>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut running: JoinSet<Finished> = JoinSet::new();
        let mut in_flight: HashSet<i64> = HashSet::new();
        loop {
            let mut done = Vec::new();
            while let Some(res) = running.try_join_next() {
                self.settle(res, &mut in_flight, &mut done).await;
            }
            self.mark_done(&done).await;
            if *shutdown.borrow() {
                break;
            }
            let free = concurrency.saturating_sub(running.len());
            // Claim in batches: when a quarter of the slots is free, or the lane is idle.
            let batch = (concurrency / 4).max(1);
            let mut full_batch = false;
            if free >= batch || (free > 0 && running.is_empty()) {
                let claimed = self.claim(lane, free).await;
                full_batch = claimed.len() == free;
                for job in claimed {
                    in_flight.insert(job.id);
                    let state = self.state.clone();
                    running.spawn(async move {
                        let outcome = execute(&state, &job).await;
                        (job, outcome)
                    });
                }
            }
            if full_batch && running.len() < concurrency {
                continue;
            }
            tokio::select! {
                Some(res) = running.join_next(), if !running.is_empty() => {
                    // Settle it with whatever else finished meanwhile, in one update.
                    let mut done = Vec::new();
                    self.settle(res, &mut in_flight, &mut done).await;
                    while let Some(res) = running.try_join_next() {
                        self.settle(res, &mut in_flight, &mut done).await;
                    }
                    self.mark_done(&done).await;
                }
                _ = waker.notified() => {}
                _ = tokio::time::sleep(self.opts.poll) => {}
                _ = shutdown.changed() => {}
            }
        }
        // Shutting down: let in-flight jobs finish within the grace period.
        let deadline = tokio::time::Instant::now() + self.opts.grace;
        while !running.is_empty() {
            match tokio::time::timeout_at(deadline, running.join_next()).await {
                Ok(Some(res)) => {
                    let mut done = Vec::new();
                    self.settle(res, &mut in_flight, &mut done).await;
                    self.mark_done(&done).await;
                }
                Ok(None) => break,
                Err(_) => break,
            }
        }
        running.abort_all();
        if !in_flight.is_empty() {
            let ids: Vec<i64> = in_flight.into_iter().collect();
            let now = OffsetDateTime::now_utc();
            match db::jobs::defer(&self.state.db, &ids, &self.opts.owner, now).await {
                Ok(()) => tracing::info!(
                    lane = lane.as_str(),
                    jobs = ids.len(),
                    "released unfinished jobs"
                ),
                Err(e) => {
                    tracing::error!(error = %e, "could not release jobs; their leases will expire")
                }
            }
        }
    }

    async fn claim(&self, lane: Lane, limit: usize) -> Vec<JobRow> {
        let lease = self.opts.lease.as_secs_f64();
        match db::jobs::claim(
            &self.state.db,
            lane.as_str(),
            limit as i64,
            &self.opts.owner,
            lease,
        )
        .await
        {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::error!(error = %e, lane = lane.as_str(), "claiming jobs failed");
                Vec::new()
            }
        }
    }

    async fn settle(
        &self,
        res: Result<Finished, tokio::task::JoinError>,
        in_flight: &mut HashSet<i64>,
        done: &mut Vec<i64>,
    ) {
        match res {
            Ok((job, Outcome::Done)) => {
                in_flight.remove(&job.id);
                done.push(job.id);
            }
            Ok((job, outcome)) => {
                in_flight.remove(&job.id);
                self.record(&job, outcome).await;
            }
            // A panicking job keeps its lease; it runs again once the lease expires.
            Err(e) => tracing::error!(error = %e, "a job task failed"),
        }
    }

    async fn mark_done(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        if let Err(e) = db::jobs::mark_done(&self.state.db, ids, &self.opts.owner, None).await {
            tracing::error!(error = %e, "could not mark jobs done; they will run again");
        }
    }

    async fn record(&self, job: &JobRow, outcome: Outcome) {
        let db = &self.state.db;
        let owner = &self.opts.owner;
        let result = match outcome {
            Outcome::Done => db::jobs::mark_done(db, &[job.id], owner, None)
                .await
                .map(|_| ()),
            Outcome::DoneWithNote(note) => db::jobs::mark_done(db, &[job.id], owner, Some(&note))
                .await
                .map(|_| ()),
            Outcome::Defer(until) => db::jobs::defer(db, &[job.id], owner, until).await,
            Outcome::Final(error) => {
                tracing::warn!(job = job.id, kind = %job.kind, %error, "job failed for good");
                db::jobs::mark_dead(db, job.id, owner, &error).await
            }
            Outcome::Retry { error, after } => {
                if job.attempts >= job.max_attempts {
                    tracing::warn!(job = job.id, kind = %job.kind, %error, attempts = job.attempts, "job gave up");
                    db::jobs::mark_dead(
                        db,
                        job.id,
                        owner,
                        &format!("gave up after {} attempts: {error}", job.attempts),
                    )
                    .await
                } else {
                    let wait = after.unwrap_or_else(|| ladder_of(job).delay(job.attempts));
                    let at = OffsetDateTime::now_utc() + wait;
                    db::jobs::retry_later(db, job.id, owner, at, &error).await
                }
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, job = job.id, "could not record a job outcome");
        }
    }

    /// Claims and runs every job that is ready now, lane after lane, until none is left
    /// ready (retries scheduled for later stay queued). Returns how many attempts ran.
    /// Tests drain the queue with this instead of sleeping.
    pub async fn run_once(&self) -> usize {
        let _ = db::jobs::reclaim_expired(&self.state.db).await;
        let mut total = 0;
        loop {
            let mut ran = 0;
            for (lane, concurrency) in self.opts.lanes.clone() {
                let claimed = self.claim(lane, concurrency.max(16)).await;
                ran += claimed.len();
                let mut running = JoinSet::new();
                for job in claimed {
                    let state = self.state.clone();
                    running.spawn(async move {
                        let outcome = execute(&state, &job).await;
                        (job, outcome)
                    });
                }
                let mut in_flight = HashSet::new();
                let mut done = Vec::new();
                while let Some(res) = running.join_next().await {
                    self.settle(res, &mut in_flight, &mut done).await;
                }
                self.mark_done(&done).await;
            }
            total += ran;
            if ran == 0 {
                return total;
            }
        }
    }
}

fn ladder_of(job: &JobRow) -> Ladder {
    match Lane::parse(&job.lane) {
        Some(Lane::Delivery) => Ladder::DELIVERY,
        Some(Lane::Inbox) => Ladder::INBOX,
        _ => Ladder::LOCAL,
    }
}

/// Runs one job. The payload is re-read into its typed form; what it names is looked up
/// afresh by the handler.
pub async fn execute(state: &AppState, row: &JobRow) -> Outcome {
    let job: Job = match serde_json::from_value(row.payload.0.clone()) {
        Ok(j) => j,
        Err(e) => return Outcome::Final(format!("unreadable job payload: {e}")),
    };
    match job {
        Job::Deliver {
            inbox,
            body,
            sender,
        } => deliver::deliver(state, &inbox, &body, sender).await,
        Job::Inbox { actor, body } => {
            crate::activitypub::inbox::process::process(state, actor, &body).await
        }
        Job::PublishStatus { status_id, update } => {
            work_outcome(crate::activitypub::outbox::publish_status(state, status_id, update).await)
        }
        Job::Fanout {
            sender,
            body,
            followers,
            accounts,
        } => work_outcome(
            fanout::expand(state, sender, &body, followers, &accounts)
                .await
                .map(|_| ()),
        ),
        Job::BackfillAccount { account_id } => work_outcome(
            crate::service::remote_outbox::backfill(state, account_id)
                .await
                .map(|_| ()),
        ),
        Job::ConfirmationMail { user_id } => {
            mail_outcome(account_mail::mail_confirmation(state, user_id).await)
        }
        Job::PasswordResetMail { user_id } => {
            mail_outcome(account_mail::mail_password_reset(state, user_id).await)
        }
    }
}

fn mail_outcome(r: crate::error::AppResult<()>) -> Outcome {
    match r {
        Ok(()) => Outcome::Done,
        Err(e) if e.kind == ErrorKind::Validation => Outcome::Final(e.message().to_string()),
        Err(e) => Outcome::Retry {
            error: format!("{e:?}"),
            after: None,
        },
    }
}

/// Outcome of local work other than mail: missing subjects end quietly, the rest retries.
fn work_outcome(r: crate::error::AppResult<()>) -> Outcome {
    match r {
        Ok(()) => Outcome::Done,
        Err(e) if matches!(e.kind, ErrorKind::Validation | ErrorKind::NotFound) => {
            Outcome::DoneWithNote(e.message().to_string())
        }
        Err(e) => Outcome::Retry {
            error: format!("{e:?}"),
            after: None,
        },
    }
}

/// Wakes the lane named in each notification on the jobs channel.
async fn listen(
    pool: sqlx::PgPool,
    wakers: HashMap<Lane, Arc<Notify>>,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot LISTEN for jobs; polling only for now");
                tokio::select! { _ = tokio::time::sleep(Duration::from_secs(5)) => continue, _ = shutdown.changed() => return }
            }
        };
        if let Err(e) = listener.listen(db::jobs::NOTIFY_CHANNEL).await {
            tracing::warn!(error = %e, "LISTEN failed");
            tokio::select! { _ = tokio::time::sleep(Duration::from_secs(5)) => continue, _ = shutdown.changed() => return }
        }
        // After (re)connecting, look once in case a notification was missed meanwhile.
        wakers.values().for_each(|w| w.notify_one());
        loop {
            tokio::select! {
                n = listener.recv() => match n {
                    Ok(n) => {
                        if let Some(w) = Lane::parse(n.payload()).and_then(|l| wakers.get(&l)) {
                            w.notify_one();
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "job notifications interrupted; reconnecting");
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// Home feeds stay at their size, and those nobody reads go.
async fn keep_home_feeds(db: &sqlx::PgPool) -> sqlx::Result<()> {
    let trimmed = db::home_feeds::trim(db, db::home_feeds::FEED_SIZE).await?;
    let dropped = db::home_feeds::drop_idle(db).await?;
    if trimmed + dropped > 0 {
        tracing::info!(trimmed, dropped, "home feeds kept");
    }
    Ok(())
}

/// Housekeeping: reclaim expired leases often, prune old finished jobs now and then.
async fn maintain(worker: Worker, mut shutdown: watch::Receiver<bool>) {
    let reclaim_every =
        (worker.opts.lease / 2).clamp(Duration::from_millis(200), Duration::from_secs(30));
    let prune_every = Duration::from_secs(600);
    let mut last_prune = tokio::time::Instant::now() - prune_every;
    loop {
        match db::jobs::reclaim_expired(&worker.state.db).await {
            Ok(n) if n > 0 => tracing::info!(jobs = n, "reclaimed jobs whose worker went away"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reclaiming expired leases failed"),
        }
        if last_prune.elapsed() >= prune_every {
            last_prune = tokio::time::Instant::now();
            loop {
                match db::jobs::prune_done(&worker.state.db, worker.opts.keep_done_hours, 5000)
                    .await
                {
                    Ok(5000) => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "pruning finished jobs failed");
                        break;
                    }
                }
            }
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            if let Err(e) = db::rate_limits::prune(&worker.state.db, now).await {
                tracing::warn!(error = %e, "pruning ended throttle windows failed");
            }
            if let Err(e) = keep_home_feeds(&worker.state.db).await {
                tracing::warn!(error = %e, "trimming home feeds failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(reclaim_every) => {}
            _ = shutdown.changed() => return,
        }
    }
}
