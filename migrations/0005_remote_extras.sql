-- What remote posts carry besides text: attachments (shown by their remote URL until the
-- media issue stores files), custom emoji, and polls (Question). Local media and local
-- polls will use the same tables.

CREATE SEQUENCE media_attachments_id_seq;
CREATE TABLE media_attachments (
  id          bigint PRIMARY KEY DEFAULT timestamp_id('media_attachments'),
  status_id   bigint REFERENCES statuses(id) ON DELETE CASCADE,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('image', 'gifv', 'video', 'audio', 'unknown')),
  remote_url  text,                          -- the file on its own server
  media_type  text,                          -- MIME type as announced
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1500),
  blurhash    text CHECK (char_length(blurhash) <= 100),
  width       integer,
  height      integer,
  position    smallint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_attachments_status_idx ON media_attachments (status_id, position) WHERE status_id IS NOT NULL;

CREATE SEQUENCE custom_emojis_id_seq;
CREATE TABLE custom_emojis (
  id               bigint PRIMARY KEY DEFAULT timestamp_id('custom_emojis'),
  shortcode        text NOT NULL CHECK (char_length(shortcode) BETWEEN 1 AND 100),
  domain           text,                   -- NULL for our own emoji
  uri              text,
  image_remote_url text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX custom_emojis_shortcode_domain_key ON custom_emojis (shortcode, coalesce(domain, ''));

CREATE TABLE status_emojis (
  status_id bigint NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  emoji_id  bigint NOT NULL REFERENCES custom_emojis(id) ON DELETE CASCADE,
  PRIMARY KEY (status_id, emoji_id)
);

CREATE SEQUENCE polls_id_seq;
CREATE TABLE polls (
  id           bigint PRIMARY KEY DEFAULT timestamp_id('polls'),
  status_id    bigint NOT NULL UNIQUE REFERENCES statuses(id) ON DELETE CASCADE,
  account_id   bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  multiple     boolean NOT NULL DEFAULT false,
  options      jsonb NOT NULL DEFAULT '[]',  -- [{"title": …, "votes_count": n}]
  voters_count bigint,
  expires_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
