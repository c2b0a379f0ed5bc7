-- Timelines (found by `cargo bench --bench timelines`).
-- The home timeline leaves out boosts by accounts followed with "show boosts" off. With
-- only the (account_id, target_account_id) key to go on, checking that read the heap row
-- of every follow of the viewer on each request; the few follows with boosts hidden now
-- have an index of their own.
CREATE INDEX follows_hide_reblogs_idx ON follows (account_id, target_account_id) WHERE NOT show_reblogs;
