//! OAuth 2 as Mastodon speaks it: apps, authorization codes (with PKCE), tokens, scopes.

pub mod authorize;
pub mod scopes;
pub mod token;
