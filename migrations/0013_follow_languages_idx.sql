-- The home timeline leaves out posts in languages a follow did not ask for; the few
-- follows that name languages get an index of their own, like those hiding boosts.
CREATE INDEX follows_languages_idx ON follows (account_id, target_account_id) WHERE languages IS NOT NULL;
