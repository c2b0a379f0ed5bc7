//! Set-based SQL that fills an empty database with a synthetic community for benchmarks
//! (`starling admin seed-bench`, `cargo bench --bench timelines`): accounts with logins,
//! a follow graph, statuses with replies, boosts, mentions and hashtags, favourites, and
//! every counter those imply. Each step is one `INSERT … SELECT` over `generate_series`;
//! nothing is sent row by row.
//!
//! Randomness is deterministic: `pg_temp.seed_u(n, stream)` maps a row number and a
//! stream number to [0, 1) with Postgres's `hashint8extended`, so the same counts give
//! the same database. Account `n = 0` is the viewer. Statuses get ids the way
//! [`crate::id`] builds them (milliseconds of `created_at` in the high 48 bits), with
//! `created_at` rising with the row number, so ids increase with time.
//!
//! The plan is built in temporary tables (dropped at commit) with every counter already
//! known, so the real tables are written once and have no dead rows to vacuum.

use super::Executor;
use sqlx::PgConnection;

/// What to create, and the text fragments the service renders for it.
pub struct SeedPlan<'a> {
    pub accounts: i64,
    pub statuses: i64,
    /// Accounts the viewer follows.
    pub viewer_following: i64,
    /// Follows each other account makes (duplicates and self-follows dropped).
    pub follows_per_account: i64,
    pub tags: i64,
    /// Favourites spread over all accounts (the viewer's come on top).
    pub favourites: i64,
    /// Statuses are spread over this many days, ending a minute ago.
    pub days: i64,
    pub viewer_username: &'a str,
    /// Username of account `n > 0`: the prefix followed by `n`.
    pub username_prefix: &'a str,
    /// Domain of the seeded e-mail addresses.
    pub email_domain: &'a str,
    pub password_hash: &'a str,
    /// One key pair for every seeded account (generating 10,000 would take minutes).
    pub public_key_pem: &'a str,
    pub private_key_pem: &'a str,
    pub urls: &'a UrlTemplates,
    pub texts: &'a TextTemplates,
}

/// Our URLs with [`USER`] for the username and [`STATUS`] for a status id, built by
/// `urls.rs` so the seed does not spell them out again.
pub struct UrlTemplates {
    pub account_uri: String,
    pub profile_url: String,
    pub inbox_url: String,
    pub outbox_url: String,
    pub shared_inbox_url: String,
    pub followers_url: String,
    pub following_url: String,
    pub featured_url: String,
    pub key_id: String,
    pub status_uri: String,
    pub status_url: String,
    pub reblog_uri: String,
}

/// Placeholder for a username in [`UrlTemplates`] and [`TextTemplates`].
pub const USER: &str = "zzuserzz";
/// Placeholder for a status id in [`UrlTemplates`] (`i64::MAX`, which no id reaches).
pub const STATUS: &str = "9223372036854775807";
/// Placeholders of [`TextTemplates`] for the sentence and the hashtag.
pub const PHRASE: &str = "zzphrasezz";
pub const TAG: &str = "zztagzz";

/// Source text and rendered HTML of a post, with [`PHRASE`], [`USER`] (a mention) and
/// [`TAG`] to fill in; index 0: plain, 1: with a hashtag, 2: with a mention, 3: both.
pub struct TextTemplates {
    pub text: [String; 4],
    pub html: [String; 4],
    /// Sentences the phrase is made of (plain words: nothing to escape in HTML).
    pub phrases: Vec<String>,
    /// Words hashtags are made of.
    pub tag_words: Vec<String>,
}

/// How a seeded database looks (also used to recognise a complete one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Shape {
    pub accounts: i64,
    pub statuses: i64,
    pub viewer_following: i64,
    pub follows: i64,
    pub boosts: i64,
    pub replies: i64,
    pub mentions: i64,
    pub tagged: i64,
    pub favourites: i64,
}

/// Whether the database holds anything a seed would collide with: people, statuses or
/// follows (the instance actor, settings and rules do not count).
pub async fn is_empty(db: impl Executor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM accounts WHERE actor_type <> 'Application') \
           AND NOT EXISTS (SELECT 1 FROM statuses) AND NOT EXISTS (SELECT 1 FROM follows)",
    )
    .fetch_one(db)
    .await
}

/// The counts a seed is judged by; the viewer is the local account `viewer`.
pub async fn shape(db: impl Executor<'_>, viewer: &str) -> sqlx::Result<Shape> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM accounts WHERE domain IS NULL AND actor_type <> 'Application') AS accounts, \
           (SELECT count(*) FROM statuses) AS statuses, \
           (SELECT count(*) FROM follows f JOIN accounts a ON a.id = f.account_id \
              WHERE a.domain IS NULL AND lower(a.username) = lower($1)) AS viewer_following, \
           (SELECT count(*) FROM follows) AS follows, \
           (SELECT count(*) FROM statuses WHERE reblog_of_id IS NOT NULL) AS boosts, \
           (SELECT count(*) FROM statuses WHERE in_reply_to_id IS NOT NULL) AS replies, \
           (SELECT count(*) FROM mentions) AS mentions, \
           (SELECT count(DISTINCT status_id) FROM statuses_tags) AS tagged, \
           (SELECT count(*) FROM favourites) AS favourites",
    )
    .bind(viewer)
    .fetch_one(db)
    .await
}

/// Runs every step on `tx` (the caller's transaction).
pub async fn fill(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    sqlx::raw_sql(
        "SET LOCAL work_mem = '256MB'; \
         CREATE FUNCTION pg_temp.seed_u(n bigint, stream bigint) RETURNS float8 \
           LANGUAGE sql IMMUTABLE PARALLEL SAFE \
           AS 'SELECT (hashint8extended(n, stream) & 2147483647)::float8 / 2147483648.0'",
    )
    .execute(&mut *tx)
    .await?;
    plan_accounts(&mut *tx, p).await?;
    plan_follows(&mut *tx, p).await?;
    plan_posts(&mut *tx, p).await?;
    fix_posts(&mut *tx).await?;
    plan_favourites(&mut *tx, p).await?;
    insert_accounts(&mut *tx, p).await?;
    insert_follows(&mut *tx).await?;
    insert_tags(&mut *tx, p).await?;
    insert_statuses(&mut *tx, p).await?;
    insert_links(&mut *tx).await?;
    Ok(())
}

/// Accounts `0..accounts` created over the year before the first status, in order of
/// `n`; `rank` is a shuffled order that decides who posts and is mentioned most.
async fn plan_accounts(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "CREATE TEMP TABLE seed_accounts ON COMMIT DROP AS \
         SELECT n, username, created_at, \
           (floor(extract(epoch FROM created_at) * 1000)::bigint << 16) | (n & 65535) AS id, \
           row_number() OVER (ORDER BY pg_temp.seed_u(n, 1), n) - 1 AS rank \
         FROM (SELECT n, CASE WHEN n = 0 THEN $2 ELSE $3 || n END AS username, \
                 now() - make_interval(days => $4::int + 365) \
                   + (n + 0.9 * pg_temp.seed_u(n, 0)) * (interval '365 days' / $1) AS created_at \
               FROM generate_series(0::bigint, $1 - 1) n) a",
    )
    .bind(p.accounts)
    .bind(p.viewer_username)
    .bind(p.username_prefix)
    .bind(p.days)
    .execute(&mut *tx)
    .await?;
    sqlx::raw_sql(
        "CREATE UNIQUE INDEX ON seed_accounts (n); CREATE UNIQUE INDEX ON seed_accounts (rank); \
         ANALYZE seed_accounts",
    )
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// The viewer follows `viewer_following` accounts picked at random; everyone else
/// follows up to `follows_per_account` accounts, popular (low-rank) ones more often.
async fn plan_follows(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "CREATE TEMP TABLE seed_follows ON COMMIT DROP AS \
         SELECT DISTINCT follower, target FROM ( \
           SELECT 0::bigint AS follower, n AS target FROM ( \
             SELECT n FROM seed_accounts WHERE n > 0 ORDER BY pg_temp.seed_u(n, 2), n LIMIT $2) v \
           UNION ALL \
           SELECT a.n, t.n FROM generate_series(1::bigint, $1 - 1) a(n) \
             CROSS JOIN generate_series(1::bigint, $3) k \
             JOIN seed_accounts t ON t.rank = floor($1 * pg_temp.seed_u(a.n * 1000 + k, 3) ^ 2)::bigint \
           ) f WHERE follower <> target",
    )
    .bind(p.accounts)
    .bind(p.viewer_following)
    .bind(p.follows_per_account)
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// One row per status with everything drawn: time, author (a few accounts post most),
/// visibility (75% public, 12% unlisted, 10% followers-only, 3% direct), kind (10%
/// boosts and 20% replies of recent statuses), a hashtag (15%), a mention (8%, and
/// every direct post), a content warning (3%) and a sentence of two or three phrases.
async fn plan_posts(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "CREATE TEMP TABLE seed_posts ON COMMIT DROP AS \
         SELECT d.i, (floor(extract(epoch FROM d.created_at) * 1000)::bigint << 16) | (d.i & 65535) AS id, \
           d.created_at, a.n AS author, \
           CASE WHEN d.i > 0 AND d.k < 0.10 THEN 'boost' WHEN d.i > 0 AND d.k < 0.30 THEN 'reply' ELSE 'post' END AS kind, \
           CASE WHEN d.k < 0.10 THEN d.i - 1 - floor(d.t * least(d.i, 2000))::bigint \
                ELSE d.i - 1 - floor(d.t * least(d.i, 300))::bigint END AS target, \
           CASE WHEN d.v < 0.75 THEN 0 WHEN d.v < 0.87 THEN 1 WHEN d.v < 0.97 THEN 2 ELSE 3 END AS visibility, \
           CASE WHEN d.g < 0.15 THEN floor($4 * pg_temp.seed_u(d.i, 16) ^ 2)::bigint END AS tag, \
           CASE WHEN d.m < 0.08 OR d.v >= 0.97 THEN m.n END AS mention, \
           pg_temp.seed_u(d.i, 19) < 0.03 AS cw \
         FROM (SELECT i, \
                 now() - make_interval(days => $3::int) - interval '1 minute' \
                   + (i + 0.9 * pg_temp.seed_u(i, 10)) * (make_interval(days => $3::int) / $2) AS created_at, \
                 floor($1 * pg_temp.seed_u(i, 11) ^ 2)::bigint AS author_rank, \
                 pg_temp.seed_u(i, 12) AS v, pg_temp.seed_u(i, 13) AS k, pg_temp.seed_u(i, 14) AS t, \
                 pg_temp.seed_u(i, 15) AS g, pg_temp.seed_u(i, 17) AS m, \
                 floor($1 * pg_temp.seed_u(i, 18) ^ 2)::bigint AS mention_rank \
               FROM generate_series(0::bigint, $2 - 1) i) d \
         JOIN seed_accounts a ON a.rank = d.author_rank \
         JOIN seed_accounts m ON m.rank = d.mention_rank",
    )
    .bind(p.accounts)
    .bind(p.statuses)
    .bind(p.days)
    .bind(p.tags)
    .execute(&mut *tx)
    .await?;
    sqlx::raw_sql("CREATE UNIQUE INDEX ON seed_posts (i); ANALYZE seed_posts")
        .execute(&mut *tx)
        .await
        .map(|_| ())
}

/// Makes the drawn plan follow the rules the code keeps: a reply answers an original
/// (one that drew a boost as its parent becomes an ordinary post), is at least as
/// private as its parent was drawn, and mentions the parent's author unless it answers
/// itself; a boost is of someone else's public or unlisted original, once per booster,
/// and public itself (one that cannot be becomes an ordinary post).
async fn fix_posts(tx: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::raw_sql(
        "UPDATE seed_posts p SET kind = 'post' FROM seed_posts t \
           WHERE p.kind = 'reply' AND t.i = p.target AND t.kind = 'boost'; \
         UPDATE seed_posts p SET visibility = greatest(p.visibility, t.visibility), \
             mention = CASE WHEN t.author = p.author THEN NULL ELSE t.author END \
           FROM seed_posts t WHERE p.kind = 'reply' AND t.i = p.target; \
         UPDATE seed_posts p SET kind = 'post' FROM seed_posts t \
           WHERE p.kind = 'boost' AND t.i = p.target \
             AND (t.kind = 'boost' OR t.visibility > 1 OR t.author = p.author); \
         UPDATE seed_posts p SET kind = 'post' FROM ( \
           SELECT i, row_number() OVER (PARTITION BY author, target ORDER BY i) AS nth \
           FROM seed_posts WHERE kind = 'boost') d \
           WHERE p.i = d.i AND d.nth > 1; \
         UPDATE seed_posts SET visibility = 0, tag = NULL, mention = NULL, cw = false WHERE kind = 'boost'; \
         UPDATE seed_posts SET mention = NULL WHERE mention = author; \
         UPDATE seed_posts SET target = NULL WHERE kind = 'post'; \
         ANALYZE seed_posts",
    )
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// `favourites` draws of (account, status), keeping those of public or unlisted originals
/// by someone else; then the viewer favourites one in twenty such posts of the accounts
/// it follows, so its own flags show on its home timeline.
async fn plan_favourites(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "CREATE TEMP TABLE seed_favourites ON COMMIT DROP AS \
         SELECT DISTINCT ON (f.account, f.i) f.account, f.i FROM ( \
           SELECT a.n AS account, floor($2 * pg_temp.seed_u(x, 21))::bigint AS i \
           FROM generate_series(0::bigint, $3 - 1) x \
           JOIN seed_accounts a ON a.rank = floor($1 * pg_temp.seed_u(x, 20))::bigint \
           UNION ALL \
           SELECT 0, s.i FROM seed_posts s JOIN seed_follows f ON f.follower = 0 AND f.target = s.author \
           WHERE pg_temp.seed_u(s.i, 22) < 0.05) f \
         JOIN seed_posts s ON s.i = f.i \
         WHERE s.kind <> 'boost' AND s.visibility <= 1 AND s.author <> f.account",
    )
    .bind(p.accounts)
    .bind(p.statuses)
    .bind(p.favourites)
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// Accounts with their counters, and a confirmed login each (all with one password).
async fn insert_accounts(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    let u = p.urls;
    sqlx::query(
        "INSERT INTO accounts (id, username, display_name, note, note_source, uri, url, inbox_url, outbox_url, \
           shared_inbox_url, followers_url, following_url, featured_url, public_key_pem, private_key_pem, \
           public_key_id, discoverable, statuses_count, followers_count, following_count, last_status_at, \
           created_at, updated_at) \
         SELECT a.id, a.username, initcap(a.username), '', '', \
           replace($1, $12, a.username), replace($2, $12, a.username), replace($3, $12, a.username), \
           replace($4, $12, a.username), $5, replace($6, $12, a.username), replace($7, $12, a.username), \
           replace($8, $12, a.username), $9, $10, replace($11, $12, a.username), true, \
           coalesce(s.posts, 0), coalesce(fr.n, 0), coalesce(fg.n, 0), s.last_at, a.created_at, a.created_at \
         FROM seed_accounts a \
         LEFT JOIN (SELECT author, count(*) FILTER (WHERE kind <> 'boost') AS posts, max(created_at) AS last_at \
                    FROM seed_posts GROUP BY author) s ON s.author = a.n \
         LEFT JOIN (SELECT target, count(*) AS n FROM seed_follows GROUP BY target) fr ON fr.target = a.n \
         LEFT JOIN (SELECT follower, count(*) AS n FROM seed_follows GROUP BY follower) fg ON fg.follower = a.n \
         ORDER BY a.n",
    )
    .bind(&u.account_uri)
    .bind(&u.profile_url)
    .bind(&u.inbox_url)
    .bind(&u.outbox_url)
    .bind(&u.shared_inbox_url)
    .bind(&u.followers_url)
    .bind(&u.following_url)
    .bind(&u.featured_url)
    .bind(p.public_key_pem)
    .bind(p.private_key_pem)
    .bind(&u.key_id)
    .bind(USER)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO users (account_id, email, encrypted_password, role, confirmed_at, agreement_accepted_at, \
           created_at, updated_at) \
         SELECT id, username || '@' || $1, $2, 'user', created_at, created_at, created_at, created_at \
         FROM seed_accounts ORDER BY n",
    )
    .bind(p.email_domain)
    .bind(p.password_hash)
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

async fn insert_follows(tx: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO follows (account_id, target_account_id, created_at) \
         SELECT a.id, t.id, greatest(a.created_at, t.created_at) + interval '1 hour' \
         FROM seed_follows f JOIN seed_accounts a ON a.n = f.follower JOIN seed_accounts t ON t.n = f.target",
    )
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// Tags `0..tags`: the words, then the words with a number.
async fn insert_tags(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "CREATE TEMP TABLE seed_tags ON COMMIT DROP AS \
         SELECT k, $2[1 + k % cardinality($2)] || CASE WHEN k >= cardinality($2) THEN (k / cardinality($2))::text ELSE '' END AS name \
         FROM generate_series(0::bigint, $1 - 1) k",
    )
    .bind(p.tags)
    .bind(&p.texts.tag_words)
    .execute(&mut *tx)
    .await?;
    sqlx::raw_sql(
        "ALTER TABLE seed_tags ADD COLUMN id bigint; \
         WITH created AS (INSERT INTO tags (name) SELECT name FROM seed_tags ORDER BY k RETURNING id, name) \
         UPDATE seed_tags s SET id = c.id FROM created c WHERE c.name = s.name",
    )
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// The statuses, with text and HTML filled in from the templates and every counter
/// (public replies, boosts, favourites) already counted.
async fn insert_statuses(tx: &mut PgConnection, p: &SeedPlan<'_>) -> sqlx::Result<()> {
    let (u, t) = (p.urls, p.texts);
    sqlx::query(
        "INSERT INTO statuses (id, uri, url, account_id, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri, \
           reblog_of_id, text, content, spoiler_text, sensitive, visibility, language, local, \
           replies_count, reblogs_count, favourites_count, created_at, updated_at) \
         SELECT s.id, \
           replace(replace(CASE WHEN s.kind = 'boost' THEN $3 ELSE $1 END, $5, a.username), $6, s.id::text), \
           CASE WHEN s.kind <> 'boost' THEN replace(replace($2, $5, a.username), $6, s.id::text) END, \
           a.id, r.id, ra.id, replace(replace($1, $5, ra.username), $6, r.id::text), \
           b.id, \
           CASE WHEN s.kind = 'boost' THEN '' ELSE replace(replace(replace(x.text, $7, x.phrase), $5, coalesce(m.username, '')), $8, coalesce(tg.name, '')) END, \
           CASE WHEN s.kind = 'boost' THEN '' ELSE replace(replace(replace(x.html, $7, x.phrase), $5, coalesce(m.username, '')), $8, coalesce(tg.name, '')) END, \
           CASE WHEN s.cw THEN 'bench' ELSE '' END, s.cw, \
           (ARRAY['public', 'unlisted', 'private', 'direct'])[s.visibility + 1], \
           CASE WHEN s.kind = 'boost' THEN NULL ELSE 'en' END, true, \
           coalesce(rc.n, 0), coalesce(bc.n, 0), coalesce(fc.n, 0), s.created_at, s.created_at \
         FROM seed_posts s \
         JOIN seed_accounts a ON a.n = s.author \
         LEFT JOIN seed_posts r ON s.kind = 'reply' AND r.i = s.target \
         LEFT JOIN seed_accounts ra ON ra.n = r.author \
         LEFT JOIN seed_posts b ON s.kind = 'boost' AND b.i = s.target \
         LEFT JOIN seed_accounts m ON m.n = s.mention \
         LEFT JOIN seed_tags tg ON tg.k = s.tag \
         LEFT JOIN (SELECT target, count(*) AS n FROM seed_posts WHERE kind = 'reply' AND visibility <= 1 GROUP BY target) rc ON rc.target = s.i \
         LEFT JOIN (SELECT target, count(*) AS n FROM seed_posts WHERE kind = 'boost' GROUP BY target) bc ON bc.target = s.i \
         LEFT JOIN (SELECT i, count(*) AS n FROM seed_favourites GROUP BY i) fc ON fc.i = s.i \
         CROSS JOIN LATERAL (SELECT \
             ($9::text[])[1 + (s.mention IS NOT NULL)::int * 2 + (s.tag IS NOT NULL)::int] AS text, \
             ($10::text[])[1 + (s.mention IS NOT NULL)::int * 2 + (s.tag IS NOT NULL)::int] AS html, \
             $4[1 + floor(pg_temp.seed_u(s.i, 30) * cardinality($4))::int] || ' ' || \
             $4[1 + floor(pg_temp.seed_u(s.i, 31) * cardinality($4))::int] || \
             CASE WHEN pg_temp.seed_u(s.i, 32) < 0.5 THEN ' ' || $4[1 + floor(pg_temp.seed_u(s.i, 33) * cardinality($4))::int] ELSE '' END \
               AS phrase) x \
         ORDER BY s.i",
    )
    .bind(&u.status_uri)
    .bind(&u.status_url)
    .bind(&u.reblog_uri)
    .bind(&t.phrases)
    .bind(USER)
    .bind(STATUS)
    .bind(PHRASE)
    .bind(TAG)
    .bind(&t.text[..])
    .bind(&t.html[..])
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// Mentions, hashtags and favourites of the statuses just written.
async fn insert_links(tx: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::raw_sql(
        "INSERT INTO mentions (status_id, account_id, created_at) \
           SELECT s.id, m.id, s.created_at FROM seed_posts s JOIN seed_accounts m ON m.n = s.mention; \
         INSERT INTO statuses_tags (status_id, tag_id) \
           SELECT s.id, t.id FROM seed_posts s JOIN seed_tags t ON t.k = s.tag; \
         INSERT INTO favourites (account_id, status_id, created_at) \
           SELECT a.id, s.id, s.created_at + interval '1 minute' \
           FROM seed_favourites f JOIN seed_accounts a ON a.n = f.account JOIN seed_posts s ON s.i = f.i",
    )
    .execute(&mut *tx)
    .await
    .map(|_| ())
}

/// Fresh statistics and visibility maps for the tables the seed filled (outside any
/// transaction), so the planner knows their sizes and index-only scans work at once.
pub async fn vacuum_analyze(db: impl Executor<'_>) -> sqlx::Result<()> {
    sqlx::raw_sql(
        "VACUUM (ANALYZE) accounts, users, follows, statuses, mentions, tags, statuses_tags, favourites",
    )
    .execute(db)
    .await
    .map(|_| ())
}
