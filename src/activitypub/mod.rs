//! ActivityPub: the documents other servers fetch (actors now; objects, collections and
//! the inbox as the federation work continues).

pub mod activities;
pub mod fetch;
pub mod inbox;
pub mod negotiation;
pub mod objects;
pub mod outbox;
pub mod parse;
pub mod render;
pub mod routes;
pub mod types;

pub const CONTENT_TYPE: &str = "application/activity+json; charset=utf-8";
