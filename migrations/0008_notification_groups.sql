-- Grouped notifications (Mastodon 4.3's v2 notifications) and notification policies.
--
-- group_key: favourites and boosts of one post, and follows, made within a 12-hour span
-- share a key ("favourite-<status id>-<hour bucket>", "follow-<hour bucket>"); every
-- other notification, and every filtered one, has none and is its own group
-- ("ungrouped-<id>" on the wire).
-- filtered: held back by the recipient's notification policy; not listed unless asked
-- for, until the recipient accepts the sender's notification request.
ALTER TABLE notifications ADD COLUMN group_key text;
ALTER TABLE notifications ADD COLUMN filtered boolean NOT NULL DEFAULT false;
CREATE INDEX notifications_group_key_idx ON notifications (account_id, group_key, id DESC)
  WHERE group_key IS NOT NULL;
CREATE INDEX notifications_filtered_idx ON notifications (account_id, from_account_id)
  WHERE filtered;

-- What to do with notifications from strangers. No row means Mastodon's defaults.
CREATE TABLE notification_policies (
  account_id           bigint PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  for_not_following    text NOT NULL DEFAULT 'accept' CHECK (for_not_following IN ('accept', 'filter', 'drop')),
  for_not_followers    text NOT NULL DEFAULT 'accept' CHECK (for_not_followers IN ('accept', 'filter', 'drop')),
  for_new_accounts     text NOT NULL DEFAULT 'accept' CHECK (for_new_accounts IN ('accept', 'filter', 'drop')),
  for_private_mentions text NOT NULL DEFAULT 'filter' CHECK (for_private_mentions IN ('accept', 'filter', 'drop')),
  for_limited_accounts text NOT NULL DEFAULT 'filter' CHECK (for_limited_accounts IN ('accept', 'filter', 'drop')),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- One pending request per sender whose mentions were filtered; its count is read from
-- the filtered notifications themselves.
CREATE SEQUENCE notification_requests_id_seq;
CREATE TABLE notification_requests (
  id              bigint PRIMARY KEY DEFAULT timestamp_id('notification_requests'),
  account_id      bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,  -- recipient
  from_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  last_status_id  bigint REFERENCES statuses(id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (account_id, from_account_id)
);
CREATE INDEX notification_requests_account_idx ON notification_requests (account_id, id DESC);

-- Senders whose request was accepted: the policy no longer applies to them.
CREATE TABLE notification_permissions (
  account_id      bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  from_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, from_account_id)
);
