-- Starling's foundation schema: accounts (local and remote), credentials, sessions,
-- statuses with edit history and tombstones, mentions, tags, follows, favourites,
-- notifications, markers, instance settings and rules. Later migrations add media,
-- OAuth, the job queue, moderation, lists, filters and polls on top of these tables.

-- Time-sortable 64-bit ids, like Mastodon's: milliseconds since the epoch in the high
-- 48 bits, a 16-bit tail from a per-table sequence offset by a secret hash so row counts
-- are not exposed. clock_timestamp() keeps ids of one transaction in insertion order.
DO $do$
DECLARE
  secret text := md5(random()::text || clock_timestamp()::text);
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION timestamp_id(table_name text) RETURNS bigint AS $body$
    DECLARE
      time_part bigint;
      sequence_base bigint;
      tail bigint;
    BEGIN
      time_part := ((date_part('epoch', clock_timestamp()) * 1000)::bigint) << 16;
      sequence_base := ('x' || substr(md5(table_name || %L || time_part::text), 1, 4))::bit(16)::bigint;
      tail := (sequence_base + nextval(table_name || '_id_seq')) & 65535;
      RETURN time_part | tail;
    END
    $body$ LANGUAGE plpgsql VOLATILE;
  $f$, secret);
END
$do$;

CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE rules_id_seq;
CREATE TABLE rules (
  id         bigint PRIMARY KEY DEFAULT timestamp_id('rules'),
  position   integer NOT NULL DEFAULT 0,
  text       text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 1000),
  hint       text NOT NULL DEFAULT '' CHECK (char_length(hint) <= 1000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

-- Local accounts have domain NULL; remote accounts carry their domain and AP endpoints.
CREATE SEQUENCE accounts_id_seq;
CREATE TABLE accounts (
  id                bigint PRIMARY KEY DEFAULT timestamp_id('accounts'),
  username          text NOT NULL,
  domain            text,
  display_name      text NOT NULL DEFAULT '',
  note              text NOT NULL DEFAULT '',        -- rendered HTML
  note_source       text NOT NULL DEFAULT '',        -- what a local user typed
  fields            jsonb NOT NULL DEFAULT '[]',     -- [{name, value (source), value_html, verified_at}]
  uri               text NOT NULL,
  url               text,
  actor_type        text NOT NULL DEFAULT 'Person',  -- Person, Service (bot), Group, Application
  locked            boolean NOT NULL DEFAULT false,
  discoverable      boolean,
  indexable         boolean NOT NULL DEFAULT false,
  inbox_url         text,
  outbox_url        text,
  shared_inbox_url  text,
  followers_url     text,
  following_url     text,
  featured_url      text,
  public_key_pem    text,
  public_key_id     text,
  private_key_pem   text,                            -- only for local accounts
  avatar_remote_url text,
  header_remote_url text,
  moved_to_account_id bigint REFERENCES accounts(id) ON DELETE SET NULL,
  memorial          boolean NOT NULL DEFAULT false,
  suspended_at      timestamptz,
  silenced_at       timestamptz,
  statuses_count    bigint NOT NULL DEFAULT 0,
  followers_count   bigint NOT NULL DEFAULT 0,
  following_count   bigint NOT NULL DEFAULT 0,
  last_status_at    timestamptz,
  last_webfingered_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (char_length(username) BETWEEN 1 AND 2048),
  CHECK (char_length(display_name) <= 2048)
);
CREATE UNIQUE INDEX accounts_username_domain_key ON accounts (lower(username), coalesce(lower(domain), ''));
CREATE UNIQUE INDEX accounts_uri_key ON accounts (uri);
CREATE INDEX accounts_domain_idx ON accounts (domain) WHERE domain IS NOT NULL;

-- Usernames that were ever used locally can never be taken again (a deleted account's
-- followers elsewhere would otherwise follow a stranger).
CREATE TABLE reserved_usernames (
  username   text PRIMARY KEY,             -- lowercase
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE users_id_seq;
CREATE TABLE users (
  id                      bigint PRIMARY KEY DEFAULT timestamp_id('users'),
  account_id              bigint NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
  email                   text NOT NULL,
  encrypted_password      text NOT NULL,
  role                    text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
  confirmed_at            timestamptz,
  confirmation_token_hash bytea,
  confirmation_sent_at    timestamptz,
  reset_password_token_hash bytea,
  reset_password_sent_at  timestamptz,
  agreement_accepted_at   timestamptz,
  approved                boolean NOT NULL DEFAULT true,
  disabled                boolean NOT NULL DEFAULT false,
  locale                  text,
  otp_secret              text,
  settings                jsonb NOT NULL DEFAULT '{}',
  sign_up_ip              inet,
  last_sign_in_at         timestamptz,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_confirmation_token_key ON users (confirmation_token_hash) WHERE confirmation_token_hash IS NOT NULL;
CREATE UNIQUE INDEX users_reset_token_key ON users (reset_password_token_hash) WHERE reset_password_token_hash IS NOT NULL;

-- Browser sessions: the cookie holds a random token, the table only its SHA-256.
CREATE TABLE sessions (
  token_hash   bytea PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  ip           inet,
  user_agent   text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE SEQUENCE statuses_id_seq;
CREATE TABLE statuses (
  id                     bigint PRIMARY KEY DEFAULT timestamp_id('statuses'),
  uri                    text NOT NULL,
  url                    text,
  account_id             bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  in_reply_to_id         bigint REFERENCES statuses(id) ON DELETE SET NULL,
  in_reply_to_account_id bigint REFERENCES accounts(id) ON DELETE SET NULL,
  in_reply_to_uri        text,
  reblog_of_id           bigint REFERENCES statuses(id) ON DELETE CASCADE,
  conversation_uri       text,
  text                   text NOT NULL DEFAULT '',  -- source as written (local); plain text (remote)
  content                text NOT NULL DEFAULT '',  -- rendered, sanitised HTML
  spoiler_text           text NOT NULL DEFAULT '',
  sensitive              boolean NOT NULL DEFAULT false,
  visibility             text NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private', 'direct')),
  language               text,
  local                  boolean NOT NULL,
  application_id         bigint,
  replies_count          bigint NOT NULL DEFAULT 0,
  reblogs_count          bigint NOT NULL DEFAULT 0,
  favourites_count       bigint NOT NULL DEFAULT 0,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  edited_at              timestamptz,
  CHECK (char_length(text) <= 100000),
  CHECK (char_length(spoiler_text) <= 100000)
);
CREATE UNIQUE INDEX statuses_uri_key ON statuses (uri);
CREATE INDEX statuses_account_idx ON statuses (account_id, id DESC);
CREATE INDEX statuses_reply_idx ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_local_public_idx ON statuses (id DESC) WHERE local AND visibility = 'public' AND reblog_of_id IS NULL;
CREATE INDEX statuses_public_idx ON statuses (id DESC) WHERE visibility = 'public' AND reblog_of_id IS NULL;
CREATE UNIQUE INDEX statuses_one_reblog_key ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_reblog_of_idx ON statuses (reblog_of_id) WHERE reblog_of_id IS NOT NULL;

-- Every earlier version of an edited status.
CREATE SEQUENCE status_edits_id_seq;
CREATE TABLE status_edits (
  id           bigint PRIMARY KEY DEFAULT timestamp_id('status_edits'),
  status_id    bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  account_id   bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  text         text NOT NULL,
  content      text NOT NULL,
  spoiler_text text NOT NULL DEFAULT '',
  sensitive    boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_edits_status_idx ON status_edits (status_id, id);

-- A deleted status leaves its URI behind so a late or replayed Create cannot resurrect it.
CREATE TABLE tombstones (
  uri        text PRIMARY KEY,
  account_id bigint REFERENCES accounts(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE mentions_id_seq;
CREATE TABLE mentions (
  id         bigint PRIMARY KEY DEFAULT timestamp_id('mentions'),
  status_id  bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  silent     boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (status_id, account_id)
);
CREATE INDEX mentions_account_idx ON mentions (account_id, status_id DESC);

CREATE SEQUENCE tags_id_seq;
CREATE TABLE tags (
  id           bigint PRIMARY KEY DEFAULT timestamp_id('tags'),
  name         text NOT NULL,                   -- as first written
  usable       boolean NOT NULL DEFAULT true,
  trendable    boolean,
  listable     boolean,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (char_length(name) BETWEEN 1 AND 200)
);
CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));

CREATE TABLE statuses_tags (
  status_id bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  tag_id    bigint NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX statuses_tags_status_idx ON statuses_tags (status_id);

CREATE SEQUENCE follows_id_seq;
CREATE TABLE follows (
  id                bigint PRIMARY KEY DEFAULT timestamp_id('follows'),
  account_id        bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  uri               text,
  show_reblogs      boolean NOT NULL DEFAULT true,
  notify            boolean NOT NULL DEFAULT false,
  languages         text[],
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id),
  CHECK (account_id <> target_account_id)
);
CREATE INDEX follows_target_idx ON follows (target_account_id, id DESC);

-- Pending requests to follow a locked account (local or remote).
CREATE SEQUENCE follow_requests_id_seq;
CREATE TABLE follow_requests (
  id                bigint PRIMARY KEY DEFAULT timestamp_id('follow_requests'),
  account_id        bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  uri               text,
  show_reblogs      boolean NOT NULL DEFAULT true,
  notify            boolean NOT NULL DEFAULT false,
  languages         text[],
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id),
  CHECK (account_id <> target_account_id)
);
CREATE INDEX follow_requests_target_idx ON follow_requests (target_account_id, id DESC);

CREATE SEQUENCE blocks_id_seq;
CREATE TABLE blocks (
  id                bigint PRIMARY KEY DEFAULT timestamp_id('blocks'),
  account_id        bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  uri               text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);
CREATE INDEX blocks_target_idx ON blocks (target_account_id);

CREATE SEQUENCE mutes_id_seq;
CREATE TABLE mutes (
  id                 bigint PRIMARY KEY DEFAULT timestamp_id('mutes'),
  account_id         bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  target_account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  hide_notifications boolean NOT NULL DEFAULT true,
  expires_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, target_account_id)
);

CREATE SEQUENCE favourites_id_seq;
CREATE TABLE favourites (
  id         bigint PRIMARY KEY DEFAULT timestamp_id('favourites'),
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  status_id  bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  uri        text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status_idx ON favourites (status_id);

CREATE SEQUENCE bookmarks_id_seq;
CREATE TABLE bookmarks (
  id         bigint PRIMARY KEY DEFAULT timestamp_id('bookmarks'),
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  status_id  bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, status_id)
);

-- type: mention, status, reblog, follow, follow_request, favourite, poll, update, ...
CREATE SEQUENCE notifications_id_seq;
CREATE TABLE notifications (
  id              bigint PRIMARY KEY DEFAULT timestamp_id('notifications'),
  account_id      bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,  -- recipient
  from_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  type            text NOT NULL,
  status_id       bigint REFERENCES statuses(id) ON DELETE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id DESC);
CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (account_id, from_account_id, type, coalesce(status_id, 0));

-- Read positions per timeline (Mastodon's markers: "home", "notifications").
CREATE TABLE markers (
  user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  timeline     text NOT NULL,
  last_read_id bigint NOT NULL DEFAULT 0,
  version      integer NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, timeline)
);
