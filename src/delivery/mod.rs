//! The durable job queue in Postgres and the worker that drains it: deliveries to other
//! servers, mail, and (later) inbox processing, fan-out, push and media.

pub mod deliver;
pub mod fanout;
pub mod hosts;
pub mod keys;
pub mod queue;
pub mod worker;

pub use queue::{Job, Lane, enqueue};
pub use worker::{Outcome, Worker, WorkerOptions};
