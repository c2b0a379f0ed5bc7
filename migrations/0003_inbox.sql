-- Federation, receiving side: what the inbox handlers record beyond posts and follows
-- (Like, Announce, Update, Delete of actors, Block, Flag, Move, Add/Remove).

-- `also_known_as`: an actor's aliases (AS2 `alsoKnownAs`), checked when an account
-- announces a Move to it. `deleted_at`: a remote actor deleted itself. Its row stays
-- (as on Mastodon: the URI and handle keep pointing at "gone", and reports about it keep
-- their target), emptied, with `suspended_at` set too so every existing "not suspended"
-- filter hides it; its posts, follows, favourites and notifications are removed.
ALTER TABLE accounts ADD COLUMN also_known_as text[] NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN deleted_at timestamptz;

-- Activity ids that Undo, Accept and Reject refer to.
CREATE INDEX favourites_uri_idx ON favourites (uri) WHERE uri IS NOT NULL;
CREATE INDEX follows_uri_idx ON follows (uri) WHERE uri IS NOT NULL;
CREATE INDEX follow_requests_uri_idx ON follow_requests (uri) WHERE uri IS NOT NULL;
CREATE INDEX blocks_uri_idx ON blocks (uri) WHERE uri IS NOT NULL;
-- Removing what a deleted account left behind.
CREATE INDEX notifications_from_idx ON notifications (from_account_id);

-- Reports for our moderators. From other servers (a Flag) the reporter is the remote
-- actor that sent it and `uri` the Flag's id; `forwarded` is for local reports copied
-- to the reported account's server.
CREATE SEQUENCE reports_id_seq;
CREATE TABLE reports (
  id                bigint PRIMARY KEY DEFAULT timestamp_id('reports'),
  account_id        bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,  -- reporter
  target_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  status_ids        bigint[] NOT NULL DEFAULT '{}',
  comment           text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 5000),
  uri               text UNIQUE,
  forwarded         boolean NOT NULL DEFAULT false,
  action_taken_at   timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_target_idx ON reports (target_account_id, id DESC);
CREATE INDEX reports_open_idx ON reports (id DESC) WHERE action_taken_at IS NULL;

-- Pinned ("featured") statuses: remote ones from Add/Remove on an actor's featured
-- collection, local ones when people pin.
CREATE SEQUENCE status_pins_id_seq;
CREATE TABLE status_pins (
  id         bigint PRIMARY KEY DEFAULT timestamp_id('status_pins'),
  account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  status_id  bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, status_id)
);
CREATE INDEX status_pins_status_idx ON status_pins (status_id);
