-- Private notes a user keeps on other accounts (Relationship.note).
CREATE TABLE account_notes (
  account_id        bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  target_account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  comment           text NOT NULL CHECK (char_length(comment) BETWEEN 1 AND 2000),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, target_account_id)
);
CREATE INDEX account_notes_target_idx ON account_notes (target_account_id);

-- Every status belongs to a conversation: a reply to its parent's, a new thread to its
-- own (or the `context` a remote server named). Muting one silences its notifications.
UPDATE statuses s SET conversation_uri = c.root_uri
FROM (
  WITH RECURSIVE chain(id, root_uri) AS (
    SELECT id, coalesce(conversation_uri, uri) FROM statuses WHERE in_reply_to_id IS NULL
    UNION ALL
    SELECT s.id, chain.root_uri FROM statuses s JOIN chain ON s.in_reply_to_id = chain.id
  )
  SELECT id, root_uri FROM chain
) c
WHERE s.id = c.id AND s.conversation_uri IS NULL;
UPDATE statuses SET conversation_uri = uri WHERE conversation_uri IS NULL;
CREATE INDEX statuses_conversation_idx ON statuses (conversation_uri);

CREATE TABLE conversation_mutes (
  account_id       bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  conversation_uri text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, conversation_uri)
);
