//! The Mastodon client REST API: parameters, auth, entities, presenters and handlers.
//! Handlers are thin and call `service/*`, as the web UI does.

pub mod auth;
pub mod entities;
pub mod handlers;
pub mod pagination;
pub mod params;
pub mod present;
pub mod public_cache;
pub mod rendered;
pub mod routes;
