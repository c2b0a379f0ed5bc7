-- Federation, sending side.

-- A remote account whose inbox answered 410 Gone: deliveries skip it until it is fetched
-- again (a successful refetch clears the mark).
ALTER TABLE accounts ADD COLUMN gone_at timestamptz;
