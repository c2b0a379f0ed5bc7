-- Home feeds hold what the home timeline shows, not candidates for it: the rules that
-- depend on the status and on the owner's follows (replies, boosts turned off, the
-- follow's languages, direct messages, the boosted post's audience) are applied when
-- a status or a follow is written, as Mastodon decides at fan-out. Reading a page then
-- only checks what changes without a write to statuses or follows: blocks and mutes
-- (and expiring mutes), against the author and the boosted post's author.
--
-- The feed stays equal to reading the statuses with the same rules (`statuses::home_ids`):
-- following an account brings in its posts and the replies to it by accounts already
-- followed; unfollowing takes both out; changing a follow's boosts or languages
-- rewrites that account's entries; a status whose language, audience, mentions or
-- addressee changes is placed again. One exception, as on Mastodon: a reply written at
-- the same moment its addressee is followed or unfollowed is judged by the follows as
-- they stood when it was written.

-- The boosted post's author, so reads check it against blocks and mutes without
-- looking the boosted post up.
ALTER TABLE home_feed_entries ADD COLUMN reblog_author_id bigint;

-- Entries written so far were candidates; feeds are built again at their owners' next
-- read.
DELETE FROM home_feed_entries;
DELETE FROM home_feeds;

-- The replies to an account, for bringing them into a feed when it is followed.
CREATE INDEX statuses_in_reply_to_account_idx ON statuses (in_reply_to_account_id, id)
  WHERE in_reply_to_account_id IS NOT NULL;

-- Whether the home timeline of `owner` shows status `sid`, blocks and mutes aside: their
-- own statuses; statuses of accounts they follow, replies only to themselves, to the
-- owner or to someone the owner follows, boosts unless the follow turned them off,
-- direct ones only when they mention the owner, in a language the follow asked for;
-- boosts only of posts the owner may see.
CREATE FUNCTION home_feed_shows(owner bigint, sid bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM statuses s
      LEFT JOIN follows f ON f.account_id = owner AND f.target_account_id = s.account_id
      LEFT JOIN statuses o ON o.id = s.reblog_of_id
     WHERE s.id = sid
       AND (s.account_id = owner OR (f.id IS NOT NULL
            AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id IN (s.account_id, owner)
                 OR EXISTS (SELECT 1 FROM follows rf
                             WHERE rf.account_id = owner AND rf.target_account_id = s.in_reply_to_account_id))
            AND (s.reblog_of_id IS NULL OR f.show_reblogs)
            AND (s.visibility <> 'direct' OR owner = ANY (s.mention_ids))
            AND (s.language IS NULL OR f.languages IS NULL OR s.language = ANY (f.languages))))
       AND (s.reblog_of_id IS NULL OR (o.id IS NOT NULL
            AND (o.account_id = owner OR o.visibility IN ('public', 'unlisted') OR owner = ANY (o.mention_ids)
                 OR (o.visibility = 'private' AND EXISTS (SELECT 1 FROM follows bf
                      WHERE bf.account_id = owner AND bf.target_account_id = o.account_id))))));
END $$;

-- Puts statuses into one feed, whatever the rules say (callers decide).
CREATE FUNCTION home_feed_put(owner bigint, ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO home_feed_entries (account_id, status_id, reblog_author_id)
  SELECT owner, s.id, o.account_id
    FROM statuses s LEFT JOIN statuses o ON o.id = s.reblog_of_id
   WHERE s.id = ANY (ids)
  ON CONFLICT DO NOTHING
$$;

-- Puts statuses into the kept feeds that show them: their authors' and their
-- authors' followers'. The rules are asked of feed owners only (`h`, not every
-- follower: most followers of a popular account are on other servers).
CREATE FUNCTION home_feeds_place(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO home_feed_entries (account_id, status_id, reblog_author_id)
  SELECT h.account_id, s.id, o.account_id
    FROM statuses s
    CROSS JOIN LATERAL (SELECT f.account_id AS owner FROM follows f WHERE f.target_account_id = s.account_id
                        UNION ALL SELECT s.account_id) c
    JOIN home_feeds h ON h.account_id = c.owner
    LEFT JOIN statuses o ON o.id = s.reblog_of_id
   WHERE s.id = ANY (ids) AND home_feed_shows(h.account_id, s.id)
  ON CONFLICT DO NOTHING
$$;

-- Brings an account's statuses, and the replies to it by accounts the owner follows,
-- into the owner's feed: the newest 800 above the floor that the feed shows (the floor
-- rises when there are more).
CREATE FUNCTION home_feed_merge(owner bigint, author bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  floor_now bigint;
  picked bigint[];
BEGIN
  SELECT floor_id INTO floor_now FROM home_feeds WHERE account_id = owner;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  picked := ARRAY(
    SELECT c.id FROM (
        (SELECT id FROM statuses WHERE account_id = author AND id >= floor_now ORDER BY id DESC)
        UNION ALL
        (SELECT r.id FROM statuses r
          WHERE r.in_reply_to_account_id = author AND r.id >= floor_now AND r.account_id <> author
            AND r.account_id IN (SELECT target_account_id FROM follows WHERE account_id = owner)
          ORDER BY r.id DESC)) c
     WHERE home_feed_shows(owner, c.id)
     ORDER BY c.id DESC LIMIT 800);
  IF cardinality(picked) = 800 THEN
    UPDATE home_feeds SET floor_id = greatest(floor_id, picked[800]) WHERE account_id = owner;
  END IF;
  PERFORM home_feed_put(owner, picked);
END $$;

-- A new status goes into the feeds that show it.
CREATE OR REPLACE FUNCTION home_feeds_fan_out() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_home_feed_buckets(1, ARRAY(SELECT DISTINCT account_id FROM new_statuses), false);
  -- Read after the lock: a feed built or a follow merged meanwhile is visible now.
  IF NOT EXISTS (SELECT 1 FROM home_feeds) THEN
    RETURN NULL;
  END IF;
  PERFORM home_feeds_place(ARRAY(SELECT id FROM new_statuses));
  RETURN NULL;
END $$;

-- A status whose language, audience, mentions or addressee changed (an edit, mentions
-- written after the status, the addressee's account deleted) is placed again.
CREATE FUNCTION home_feeds_replace() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_home_feed_buckets(1, ARRAY[NEW.account_id], false);
  IF NOT EXISTS (SELECT 1 FROM home_feeds) THEN
    RETURN NULL;
  END IF;
  DELETE FROM home_feed_entries e
   WHERE e.status_id = NEW.id
     AND e.account_id IN (SELECT f.account_id FROM follows f JOIN home_feeds h ON h.account_id = f.account_id
                           WHERE f.target_account_id = NEW.account_id
                          UNION ALL SELECT NEW.account_id)
     AND NOT home_feed_shows(e.account_id, NEW.id);
  PERFORM home_feeds_place(ARRAY[NEW.id]);
  RETURN NULL;
END $$;

CREATE TRIGGER statuses_home_replace AFTER UPDATE OF language, visibility, mention_ids, in_reply_to_account_id
  ON statuses FOR EACH ROW
  WHEN (OLD.language IS DISTINCT FROM NEW.language OR OLD.visibility IS DISTINCT FROM NEW.visibility
        OR OLD.mention_ids IS DISTINCT FROM NEW.mention_ids
        OR OLD.in_reply_to_account_id IS DISTINCT FROM NEW.in_reply_to_account_id)
  EXECUTE FUNCTION home_feeds_replace();

-- Following someone merges them into the follower's feed.
CREATE OR REPLACE FUNCTION home_feeds_merge_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  PERFORM lock_home_feed_buckets(0, ARRAY(SELECT DISTINCT account_id FROM new_follows), true);
  FOR r IN SELECT DISTINCT n.account_id AS owner, n.target_account_id AS author
             FROM new_follows n
            WHERE EXISTS (SELECT 1 FROM home_feeds h WHERE h.account_id = n.account_id)
            ORDER BY 1, 2 LOOP
    PERFORM lock_home_feed_buckets(1, ARRAY[r.author], true);
    PERFORM home_feed_merge(r.owner, r.author);
  END LOOP;
  RETURN NULL;
END $$;

-- Turning a follow's boosts on or off or changing its languages rewrites that
-- account's entries.
CREATE FUNCTION home_feeds_refollow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Locks first: a feed being built meanwhile is read after it.
  PERFORM lock_home_feed_buckets(0, ARRAY[NEW.account_id], true);
  PERFORM lock_home_feed_buckets(1, ARRAY[NEW.target_account_id], true);
  IF NOT EXISTS (SELECT 1 FROM home_feeds WHERE account_id = NEW.account_id) THEN
    RETURN NULL;
  END IF;
  DELETE FROM home_feed_entries e USING statuses s
   WHERE e.account_id = NEW.account_id AND s.id = e.status_id AND s.account_id = NEW.target_account_id;
  PERFORM home_feed_merge(NEW.account_id, NEW.target_account_id);
  RETURN NULL;
END $$;

CREATE TRIGGER follows_home_refollow AFTER UPDATE OF show_reblogs, languages ON follows FOR EACH ROW
  WHEN (OLD.show_reblogs IS DISTINCT FROM NEW.show_reblogs OR OLD.languages IS DISTINCT FROM NEW.languages)
  EXECUTE FUNCTION home_feeds_refollow();

-- Unfollowing takes the account's statuses out of the feed, and the replies to it by
-- others. The authors' buckets are taken exclusively, so a status being written by
-- them is either in the feed before the delete or written after the follow is gone.
CREATE OR REPLACE FUNCTION home_feeds_drop_unfollowed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_home_feed_buckets(1, ARRAY(SELECT DISTINCT target_account_id FROM old_follows), true);
  -- Read after the lock: a feed built meanwhile (from the follows as they were) is
  -- visible now.
  IF NOT EXISTS (SELECT 1 FROM old_follows o JOIN home_feeds h ON h.account_id = o.account_id) THEN
    RETURN NULL;
  END IF;
  DELETE FROM home_feed_entries e
   USING old_follows o, statuses s
   WHERE e.account_id = o.account_id AND s.id = e.status_id
     AND (s.account_id = o.target_account_id
          OR (s.in_reply_to_account_id = o.target_account_id AND s.account_id <> o.account_id))
     AND EXISTS (SELECT 1 FROM home_feeds h WHERE h.account_id = o.account_id);
  RETURN NULL;
END $$;
