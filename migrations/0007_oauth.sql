-- OAuth 2 for the Mastodon client API: registered apps, short-lived authorization codes
-- and access tokens. Codes and tokens are stored only as SHA-256 hashes; a leaked
-- database does not hand out logins.

CREATE SEQUENCE oauth_applications_id_seq;
CREATE TABLE oauth_applications (
  id            bigint PRIMARY KEY DEFAULT timestamp_id('oauth_applications'),
  name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 60),
  website       text CHECK (char_length(website) <= 2000),
  redirect_uris text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 20),
  scopes        text NOT NULL,
  client_id     text NOT NULL UNIQUE,
  client_secret text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE oauth_codes_id_seq;
CREATE TABLE oauth_codes (
  id                    bigint PRIMARY KEY DEFAULT timestamp_id('oauth_codes'),
  code_hash             bytea NOT NULL UNIQUE,
  application_id        bigint NOT NULL REFERENCES oauth_applications(id) ON DELETE CASCADE,
  user_id               bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri          text NOT NULL,
  scopes                text NOT NULL,
  code_challenge        text,           -- PKCE, S256 only
  expires_at            timestamptz NOT NULL,
  redeemed_at           timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE oauth_tokens_id_seq;
CREATE TABLE oauth_tokens (
  id             bigint PRIMARY KEY DEFAULT timestamp_id('oauth_tokens'),
  token_hash     bytea NOT NULL UNIQUE,
  application_id bigint NOT NULL REFERENCES oauth_applications(id) ON DELETE CASCADE,
  user_id        bigint REFERENCES users(id) ON DELETE CASCADE,  -- NULL: an app's own token
  code_id        bigint REFERENCES oauth_codes(id) ON DELETE SET NULL,
  scopes         text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz,
  revoked_at     timestamptz
);
CREATE INDEX oauth_tokens_user_idx ON oauth_tokens (user_id, application_id) WHERE revoked_at IS NULL;
CREATE INDEX oauth_tokens_code_idx ON oauth_tokens (code_id) WHERE code_id IS NOT NULL;

-- Idempotency-Key of status creation: (account, key) -> the status, kept an hour.
CREATE TABLE idempotency_keys (
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  key        text NOT NULL CHECK (char_length(key) <= 200),
  status_id  bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);
