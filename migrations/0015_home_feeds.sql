-- Home feeds kept ready for the people who read them, as Mastodon keeps its home feeds
-- in Redis: a row (owner, status) for every status by the owner or by an account the
-- owner follows, written when the status arrives (fan-out on write) instead of looked
-- for among all statuses at every read. Only feeds of people who read their home
-- timeline are kept: a feed is built on first read, filled while it is read and dropped
-- after two weeks without reading (housekeeping), so a server with many dormant
-- accounts writes nothing for them.
--
-- The rows are candidates: reading still checks everything the home timeline rules
-- (follows, blocks, mutes, replies, languages, audience), so a mute, block or unfollow
-- takes effect at once without rewriting feeds. A feed holds every candidate with an id
-- at or above its `floor_id`; older pages are read from the statuses themselves.

CREATE TABLE home_feeds (
  account_id bigint PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  -- Every candidate status with id >= floor_id is in the feed.
  floor_id   bigint NOT NULL DEFAULT 0,
  read_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX home_feeds_read_idx ON home_feeds (read_at);

-- No foreign keys: a status deleted or a feed dropped while a row is being written must
-- not fail the write; readers join statuses, and housekeeping removes strays.
CREATE TABLE home_feed_entries (
  account_id bigint NOT NULL,
  status_id  bigint NOT NULL,
  PRIMARY KEY (account_id, status_id)
);

-- Writers of feeds meet on advisory locks so that no status is missed when it arrives
-- while a feed is being built or a follow is being merged into one. Locks cover buckets
-- of account ids (128 per kind, so a bulk insert takes a bounded number), always taken
-- in bucket order, owners' buckets before authors'. Status inserts take their authors'
-- buckets shared (posts never wait for each other); building a feed and merging a
-- follow take the authors' buckets exclusively, so each waits for statuses already
-- being written, and statuses written after see the new feed or follow. Building a feed
-- and inserting follows take the owner's bucket exclusively, so a follow made while its
-- follower's feed is being built is either read by the build or merged after it.
CREATE FUNCTION lock_home_feed_buckets(kind int, ids bigint[], exclusive boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  b int;
BEGIN
  FOR b IN SELECT DISTINCT ((a % 128) + 128) % 128 FROM unnest(ids) a ORDER BY 1 LOOP
    IF exclusive THEN
      PERFORM pg_advisory_xact_lock(71510 + kind, b);
    ELSE
      PERFORM pg_advisory_xact_lock_shared(71510 + kind, b);
    END IF;
  END LOOP;
END $$;

-- A new status goes into its author's feed and the feeds of the author's followers.
CREATE FUNCTION home_feeds_fan_out() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_home_feed_buckets(1, ARRAY(SELECT DISTINCT account_id FROM new_statuses), false);
  -- Read after the lock: a feed built or a follow merged meanwhile is visible now.
  IF NOT EXISTS (SELECT 1 FROM home_feeds) THEN
    RETURN NULL;
  END IF;
  INSERT INTO home_feed_entries (account_id, status_id)
  SELECT f.account_id, n.id
    FROM new_statuses n
    JOIN follows f ON f.target_account_id = n.account_id
    JOIN home_feeds h ON h.account_id = f.account_id
  UNION
  SELECT n.account_id, n.id
    FROM new_statuses n
    JOIN home_feeds h ON h.account_id = n.account_id
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER statuses_home_fan_out AFTER INSERT ON statuses
  REFERENCING NEW TABLE AS new_statuses FOR EACH STATEMENT EXECUTE FUNCTION home_feeds_fan_out();

-- Following someone brings their recent statuses into the follower's feed (at most the
-- newest 800 above the floor; the floor rises when there are more).
CREATE FUNCTION home_feeds_merge_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  floor_now bigint;
  cut bigint;
BEGIN
  PERFORM lock_home_feed_buckets(0, ARRAY(SELECT DISTINCT account_id FROM new_follows), true);
  FOR r IN SELECT DISTINCT n.account_id AS owner, n.target_account_id AS author
             FROM new_follows n
            WHERE EXISTS (SELECT 1 FROM home_feeds h WHERE h.account_id = n.account_id)
            ORDER BY 1, 2 LOOP
    PERFORM lock_home_feed_buckets(1, ARRAY[r.author], true);
    SELECT floor_id INTO floor_now FROM home_feeds WHERE account_id = r.owner;
    CONTINUE WHEN NOT FOUND;
    SELECT id INTO cut FROM statuses
     WHERE account_id = r.author AND id >= floor_now
     ORDER BY id DESC OFFSET 799 LIMIT 1;
    IF cut IS NOT NULL THEN
      UPDATE home_feeds SET floor_id = greatest(floor_id, cut) WHERE account_id = r.owner;
      floor_now := greatest(floor_now, cut);
    END IF;
    INSERT INTO home_feed_entries (account_id, status_id)
    SELECT r.owner, s.id FROM statuses s
     WHERE s.account_id = r.author AND s.id >= floor_now
    ON CONFLICT DO NOTHING;
  END LOOP;
  RETURN NULL;
END $$;

CREATE TRIGGER follows_home_merge AFTER INSERT ON follows
  REFERENCING NEW TABLE AS new_follows FOR EACH STATEMENT EXECUTE FUNCTION home_feeds_merge_follows();

-- Unfollowing takes the account's statuses out of the feed (readers check follows too,
-- so this only keeps feeds short).
CREATE FUNCTION home_feeds_drop_unfollowed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM home_feed_entries e
   USING old_follows o, statuses s
   WHERE e.account_id = o.account_id AND s.id = e.status_id AND s.account_id = o.target_account_id
     AND EXISTS (SELECT 1 FROM home_feeds h WHERE h.account_id = o.account_id);
  RETURN NULL;
END $$;

CREATE TRIGGER follows_home_drop AFTER DELETE ON follows
  REFERENCING OLD TABLE AS old_follows FOR EACH STATEMENT EXECUTE FUNCTION home_feeds_drop_unfollowed();
