// masto.js (npm) drives a running Starling, as an app would: registers itself, sends the
// person through the OAuth authorization-code flow WITH PKCE (S256) — our real log-in and
// consent forms, submitted by a cookie-keeping "browser" built on fetch — trades the code
// for a token with masto's OAuth client, then reads back what masto decoded. Then, as that
// person, with masto's own methods: posts, replies, favourites, boosts, reads the home,
// local and hashtag timelines (paging on the Link header), the thread, and deletes.
//
// masto.js has no helper for the authorize step (building the URL, PKCE): that part is
// written here, as a Node/web app using masto would write it.
//
// Run by tests/real_clients.rs with BASE_URL, USERNAME and PASSWORD in the environment.
// On success, prints exactly one JSON line (the results) on stdout and exits 0. On any
// failure, prints which step failed and why on stderr and exits 1.
//
// Adding a step: append `step("name", async (ctx) => { … })` below (steps run in order),
// read what earlier steps left on `ctx`, check with `check(...)` / `expect*`, and put
// what the Rust test should see into `ctx.out`.

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { createOAuthAPIClient, createRestAPIClient, MastoHttpError } from "masto";

/** A custom-scheme redirect URI, as phone apps register. */
const REDIRECT_URI = "starlingtest://callback";
const APP_NAME = "Starling test (masto.js)";
const APP_WEBSITE = "https://example.test/masto-js";
const SCOPES = "read write follow";
const TIMEOUT_MS = 30_000;

class Failure extends Error {}

function check(cond, message) {
  if (!cond) throw new Failure(message);
}

function expectEqual(actual, expected, what) {
  check(
    actual === expected,
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

/** An id as Mastodon sends it: a string of digits. */
function expectDigits(value, what) {
  check(
    typeof value === "string" && /^[0-9]+$/.test(value),
    `${what} should be a string of digits, got ${JSON.stringify(value)}`,
  );
  return value;
}

/** A timestamp string that parses to a real date. */
function expectDate(value, what) {
  check(
    typeof value === "string" && !Number.isNaN(Date.parse(value)),
    `${what} should be an ISO 8601 date string, got ${JSON.stringify(value)}`,
  );
  return value;
}

/** Runs `fn`, which must fail with a MastoHttpError; returns its status code. */
async function expectHttpError(fn, what) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof MastoHttpError) return e.statusCode;
    throw e;
  }
  throw new Failure(`${what} should have been refused, but succeeded`);
}

function log(message) {
  process.stderr.write(`[masto.js] ${message}\n`);
}

const base64url = (buf) => Buffer.from(buf).toString("base64url");

// --- The browser -----------------------------------------------------------------------

function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (m, e) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower] ?? m;
  });
}

function attributes(tag) {
  const out = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  // Skip the tag name.
  const body = tag.replace(/^<\s*[a-zA-Z]+/, "").replace(/\/?>$/, "");
  for (const m of body.matchAll(re)) {
    out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return out;
}

/** The form of `html` that posts to `action` (a path): its inputs and buttons. */
function formOn(html, action, describeIt) {
  const actions = [];
  for (const m of html.matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[0].slice(0, m[0].indexOf(">") + 1));
    actions.push(attrs.action);
    if (new URL(attrs.action ?? "", "http://x").pathname !== action) continue;
    const inputs = [...m[1].matchAll(/<input\b[^>]*>/gi)].map((t) => attributes(t[0]));
    const buttons = [...m[1].matchAll(/<button\b[^>]*>/gi)].map((t) => attributes(t[0]));
    return { inputs, buttons };
  }
  throw new Failure(`no form posting to ${action} (forms: ${JSON.stringify(actions)})\n${describeIt}`);
}

/** Hidden inputs as [name, value] pairs, in page order. */
const hiddenFields = (form) =>
  form.inputs.filter((i) => i.type === "hidden" && i.name).map((i) => [i.name, i.value ?? ""]);

/**
 * A stand-in for the person's browser: fetch with a cookie jar, no redirect followed,
 * independent of masto as a real browser is.
 */
class Browser {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
  }

  async request(method, url, form) {
    const target = new URL(url, this.base);
    const headers = { "user-agent": "Mozilla/5.0 (starling-test-browser)" };
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    }
    let body;
    if (form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(target, {
      method,
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a)) || value === "";
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return {
      status: res.status,
      location: res.headers.get("location"),
      text,
      describe() {
        const where = this.location ? `\n  Location: ${this.location}` : "";
        const b = text.length > 1500 ? `${text.slice(0, 1500)} …` : text;
        return `${method} ${target} → ${res.status}${where}\n  body: ${b}`;
      },
    };
  }

  get(url) {
    return this.request("GET", url);
  }

  post(url, form) {
    return this.request("POST", url, form);
  }
}

// --- Steps -----------------------------------------------------------------------------

const STEPS = [];
const step = (name, fn) => STEPS.push({ name, fn });

step("instance", async (ctx) => {
  // Apps read the instance at start-up. Ours may not have it yet: use it when it answers,
  // report which path was taken (`instance`: "checked" or "skipped").
  const rest = createRestAPIClient({ url: ctx.base, timeout: TIMEOUT_MS });
  try {
    const v2 = await rest.v2.instance.fetch();
    check(typeof v2.domain === "string" && v2.domain.length > 0, `v2 instance domain: ${v2.domain}`);
    check(typeof v2.version === "string", `v2 instance version: ${v2.version}`);
    const v1 = await rest.v1.instance.fetch();
    check(typeof v1.uri === "string" && v1.uri.length > 0, `v1 instance uri: ${v1.uri}`);
    ctx.out.instance = "checked";
    ctx.out.instanceVersion = v2.version;
    log(`instance endpoint answers: version ${JSON.stringify(v2.version)}`);
  } catch (e) {
    if (!(e instanceof MastoHttpError) || e.statusCode !== 404) throw e;
    ctx.out.instance = "skipped";
    log(`no instance endpoint yet (${e.statusCode}): skipped`);
  }
});

step("register_app", async (ctx) => {
  const rest = createRestAPIClient({ url: ctx.base, timeout: TIMEOUT_MS });
  const app = await rest.v1.apps.create({
    clientName: APP_NAME,
    redirectUris: REDIRECT_URI,
    scopes: SCOPES,
    website: APP_WEBSITE,
  });
  check(app.clientId && app.clientSecret, `no client credentials in ${JSON.stringify(app)}`);
  expectEqual(app.name, APP_NAME, "the registered app's name");
  expectEqual(app.website, APP_WEBSITE, "the registered app's website");
  const uris = app.redirectUris ?? (app.redirectUri ?? "").split(/\s+/);
  check(uris.includes(REDIRECT_URI), `redirect URIs ${JSON.stringify(uris)} lack ${REDIRECT_URI}`);
  ctx.app = app;
  ctx.out.redirectUris = uris;
});

step("server_metadata", async (ctx) => {
  // RFC 8414, as newer apps read it to find the endpoints and whether PKCE is on offer.
  const res = await fetch(new URL("/.well-known/oauth-authorization-server", ctx.base), {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  expectEqual(res.status, 200, "GET /.well-known/oauth-authorization-server");
  const meta = await res.json();
  expectEqual(meta.authorization_endpoint, `${ctx.base}/oauth/authorize`, "authorization_endpoint");
  expectEqual(meta.token_endpoint, `${ctx.base}/oauth/token`, "token_endpoint");
  check(
    meta.code_challenge_methods_supported?.includes("S256"),
    `S256 missing from code_challenge_methods_supported: ${meta.code_challenge_methods_supported}`,
  );
  ctx.meta = meta;
});

step("sign_in", async (ctx) => {
  // The person is already signed in to the web UI before the app sends them over.
  const b = ctx.browser;
  const page = await b.get("/auth/sign_in");
  expectEqual(page.status, 200, "GET /auth/sign_in");
  const form = formOn(page.text, "/auth/sign_in", page.describe());
  const fields = hiddenFields(form);
  check(
    fields.some(([n, v]) => n === "authenticity_token" && v),
    `the log-in form has no CSRF token: ${JSON.stringify(form)}`,
  );
  const res = await b.post("/auth/sign_in", [
    ...fields,
    ["login", ctx.username],
    ["password", ctx.password],
  ]);
  check(res.status === 303, `log-in should answer 303\n${res.describe()}`);
  check(b.cookies.size > 0, "log-in set no cookie");
});

step("authorize", async (ctx) => {
  // PKCE: a random verifier, its S256 challenge on the authorize URL.
  ctx.verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash("sha256").update(ctx.verifier).digest());
  ctx.state = base64url(randomBytes(12));
  const url = new URL(ctx.meta.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: ctx.app.clientId,
    redirect_uri: REDIRECT_URI,
    scope: SCOPES,
    state: ctx.state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();

  const b = ctx.browser;
  const page = await b.get(url);
  check(page.status === 200, `a signed-in person should see the consent page\n${page.describe()}`);
  check(decodeEntities(page.text).includes(APP_NAME), `the consent page should name ${APP_NAME}`);
  const form = formOn(page.text, "/oauth/authorize", page.describe());
  const fields = hiddenFields(form);
  const hidden = Object.fromEntries(fields);
  check(hidden.authenticity_token, `the consent form has no CSRF token: ${JSON.stringify(form)}`);
  expectEqual(hidden.client_id, ctx.app.clientId, "the consent form's client_id");
  expectEqual(hidden.redirect_uri, REDIRECT_URI, "the consent form's redirect_uri");
  expectEqual(hidden.code_challenge, challenge, "the consent form's code_challenge");
  expectEqual(hidden.code_challenge_method, "S256", "the consent form's code_challenge_method");
  check(
    form.buttons.some((x) => x.name === "decision" && x.value === "approve"),
    `no decision=approve button: ${JSON.stringify(form.buttons)}`,
  );
  const res = await b.post("/oauth/authorize", [...fields, ["decision", "approve"]]);
  check(res.status === 302, `approving should redirect (302) to the app\n${res.describe()}`);
  check(
    res.location?.startsWith(`${REDIRECT_URI}?`),
    `the redirect should go to ${REDIRECT_URI}?…, went to ${res.location}`,
  );
  const back = new URL(res.location);
  ctx.code = back.searchParams.get("code");
  check(ctx.code, `no code in ${res.location}`);
  expectEqual(back.searchParams.get("state"), ctx.state, "the state echoed to the redirect URI");
});

step("token", async (ctx) => {
  // masto's own token call (POST /oauth/token, JSON body). Its types have no PKCE field;
  // masto snake_cases every key, so `codeVerifier` goes out as `code_verifier`.
  const oauth = createOAuthAPIClient({ url: ctx.base, timeout: TIMEOUT_MS });
  const params = {
    grantType: "authorization_code",
    clientId: ctx.app.clientId,
    clientSecret: ctx.app.clientSecret,
    redirectUri: REDIRECT_URI,
    code: ctx.code,
    scope: SCOPES,
  };
  ctx.out.wrongVerifierStatus = await expectHttpError(
    () => oauth.token.create({ ...params, codeVerifier: base64url(randomBytes(32)) }),
    "the code with a wrong code_verifier",
  );
  const token = await oauth.token.create({ ...params, codeVerifier: ctx.verifier });
  check(typeof token.accessToken === "string" && token.accessToken.length >= 20, "no access token");
  expectEqual(token.tokenType, "Bearer", "token_type");
  expectEqual(token.scope, SCOPES, "the granted scope");
  check(Number.isInteger(token.createdAt), `created_at should be UNIX seconds: ${token.createdAt}`);
  ctx.token = token.accessToken;
  ctx.oauth = oauth;
  ctx.out.tokenScope = token.scope;
});

step("verify_account", async (ctx) => {
  const rest = createRestAPIClient({ url: ctx.base, accessToken: ctx.token, timeout: TIMEOUT_MS });
  const me = await rest.v1.accounts.verifyCredentials();
  ctx.out.accountId = expectDigits(me.id, "account id");
  expectEqual(me.username, ctx.username, "username");
  expectEqual(me.acct, ctx.username, "acct (local accounts have no domain)");
  expectDate(me.createdAt, "createdAt");
  check(me.url?.startsWith(ctx.base), `url ${me.url} should be on ${ctx.base}`);
  check(me.source && typeof me.source === "object", "verify_credentials should carry `source`");
  for (const key of ["followersCount", "followingCount", "statusesCount"]) {
    check(Number.isInteger(me[key]), `${key} should be an integer, got ${me[key]}`);
  }
  ctx.rest = rest;
  ctx.out.username = me.username;
  ctx.out.acct = me.acct;
  ctx.out.url = me.url;
});

step("verify_app", async (ctx) => {
  const app = await ctx.rest.v1.apps.verifyCredentials();
  expectEqual(app.name, APP_NAME, "the app's name");
  expectEqual(app.website, APP_WEBSITE, "the app's website");
  ctx.out.appName = app.name;
});

step("client_credentials", async (ctx) => {
  // An app-only token: reads the app, but is nobody's account.
  const token = await ctx.oauth.token.create({
    grantType: "client_credentials",
    clientId: ctx.app.clientId,
    clientSecret: ctx.app.clientSecret,
    redirectUri: REDIRECT_URI,
    scope: "read",
  });
  const appOnly = createRestAPIClient({
    url: ctx.base,
    accessToken: token.accessToken,
    timeout: TIMEOUT_MS,
  });
  const app = await appOnly.v1.apps.verifyCredentials();
  expectEqual(app.name, APP_NAME, "the app's name (app-only token)");
  ctx.out.appTokenAccountStatus = await expectHttpError(
    () => appOnly.v1.accounts.verifyCredentials(),
    "verify_credentials with an app-only token",
  );
});

// --- Statuses and timelines ----------------------------------------------------------------
//
// As the signed-in person, through masto's own methods: a post with a hashtag and a
// content warning, a reply, favourite and boost (and back), the home, local and hashtag
// timelines, Link paging with masto's paginator, the thread, Idempotency-Key, delete.
// Before `revoke`, which ends the token.

const HASHTAG = "starlingjs";
const POST_TEXT = `Hello from masto.js #${HASHTAG}`;
const POST_CW = "Test post (masto.js)";
const REPLY_TEXT = "A reply from masto.js, no tag";

const ids = (statuses) => statuses.map((s) => s.id);

/** The types of a Status as masto decoded it; returns its id. */
function expectStatus(s, what, accountId) {
  const id = expectDigits(s.id, `${what}: id`);
  expectDate(s.createdAt, `${what}: createdAt`);
  expectEqual(s.account?.id, accountId, `${what}: account.id`);
  check(typeof s.content === "string" && s.content, `${what}: content ${JSON.stringify(s.content)}`);
  check(typeof s.uri === "string" && s.uri, `${what}: uri ${JSON.stringify(s.uri)}`);
  for (const key of ["repliesCount", "reblogsCount", "favouritesCount"]) {
    check(Number.isInteger(s[key]), `${what}: ${key} should be an integer, got ${s[key]}`);
  }
  return id;
}

function expectNewestFirst(statuses, what) {
  for (let i = 1; i < statuses.length; i++) {
    const [newer, older] = [statuses[i - 1], statuses[i]];
    check(
      BigInt(newer.id) > BigInt(older.id) && Date.parse(newer.createdAt) >= Date.parse(older.createdAt),
      `${what} is not newest first: ${newer.id} (${newer.createdAt}) before ${older.id} (${older.createdAt})`,
    );
  }
}

function expectSame(actual, expected, what) {
  check(
    JSON.stringify(actual) === JSON.stringify(expected),
    `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
  );
}

step("post_status", async (ctx) => {
  const s = await ctx.rest.v1.statuses.create({
    status: POST_TEXT,
    spoilerText: POST_CW,
    visibility: "public",
    language: "en",
  });
  ctx.out.postId = expectStatus(s, "the new post", ctx.out.accountId);
  expectEqual(s.spoilerText, POST_CW, "spoilerText");
  expectEqual(s.sensitive, true, "sensitive (a post with a content warning)");
  expectEqual(s.visibility, "public", "visibility");
  expectEqual(s.language, "en", "language");
  expectEqual(s.inReplyToId, null, "inReplyToId of a new post");
  check(s.content.includes(HASHTAG), `the content should carry #${HASHTAG}: ${s.content}`);
  expectSame(s.tags.map((t) => t.name.toLowerCase()), [HASHTAG], "the post's tags");
  expectSame([s.favourited, s.reblogged], [false, false], "[favourited, reblogged]");
  expectSame([s.favouritesCount, s.reblogsCount, s.repliesCount], [0, 0, 0], "counts");
  ctx.post = s;
  ctx.out.postSensitive = s.sensitive;
  ctx.out.postTags = s.tags.map((t) => t.name);
});

step("reply", async (ctx) => {
  const s = await ctx.rest.v1.statuses.create({
    status: REPLY_TEXT,
    inReplyToId: ctx.post.id,
    visibility: "public",
  });
  const id = expectStatus(s, "the reply", ctx.out.accountId);
  check(id !== ctx.post.id, "the reply has the post's id");
  expectEqual(s.inReplyToId, ctx.post.id, "the reply's inReplyToId");
  expectEqual(s.inReplyToAccountId, ctx.out.accountId, "the reply's inReplyToAccountId");
  ctx.reply = s;
  ctx.out.replyInReplyToId = s.inReplyToId;
});

step("fetch_status", async (ctx) => {
  const s = await ctx.rest.v1.statuses.$select(ctx.post.id).fetch();
  expectStatus(s, "the fetched post", ctx.out.accountId);
  expectEqual(s.id, ctx.post.id, "the fetched post's id");
  expectEqual(s.content, ctx.post.content, "the fetched post's content");
  expectEqual(s.createdAt, ctx.post.createdAt, "the fetched post's createdAt");
  expectEqual(s.repliesCount, 1, "repliesCount of the post");
});

step("favourite", async (ctx) => {
  const post = ctx.rest.v1.statuses.$select(ctx.post.id);
  let s = await post.favourite();
  expectEqual(s.id, ctx.post.id, "the favourited status's id");
  expectSame([s.favourited, s.favouritesCount], [true, 1], "[favourited, favouritesCount]");
  ctx.out.favourited = [s.favourited, s.favouritesCount];
  s = await post.unfavourite();
  expectEqual(s.id, ctx.post.id, "the unfavourited status's id");
  expectSame([s.favourited, s.favouritesCount], [false, 0], "[favourited, favouritesCount] after unfavourite");
  ctx.out.unfavourited = [s.favourited, s.favouritesCount];
});

step("reblog", async (ctx) => {
  const post = ctx.rest.v1.statuses.$select(ctx.post.id);
  const boost = await post.reblog();
  const id = expectDigits(boost.id, "the boost's id");
  check(id !== ctx.post.id, `the boost should have its own id, got the post's (${id})`);
  check(boost.reblog, "the boost has no `reblog`");
  expectEqual(boost.reblog.id, ctx.post.id, "the boost's reblog.id");
  expectEqual(boost.account?.id, ctx.out.accountId, "the boost's account.id");
  expectDate(boost.createdAt, "the boost's createdAt");
  expectEqual(boost.reblog.reblogged, true, "reblog.reblogged");
  expectEqual(boost.reblog.reblogsCount, 1, "reblog.reblogsCount");
  ctx.out.reblogIdDiffers = id !== ctx.post.id;
  ctx.out.reblogOf = boost.reblog.id;
  const s = await post.unreblog();
  expectEqual(s.id, ctx.post.id, "unreblog returns the original status");
  expectSame([s.reblogged, s.reblogsCount], [false, 0], "[reblogged, reblogsCount] after unreblog");
  ctx.out.unreblogged = [s.reblogged, s.reblogsCount];
});

step("home", async (ctx) => {
  // A paginator is a thenable: awaiting it is its first page.
  const home = await ctx.rest.v1.timelines.home.list();
  for (const s of home) expectStatus(s, "a home timeline status", ctx.out.accountId);
  expectSame(ids(home), [ctx.reply.id, ctx.post.id], "the home timeline's ids");
  expectNewestFirst(home, "the home timeline");
  ctx.out.homeIds = ids(home);
});

step("local", async (ctx) => {
  const local = await ctx.rest.v1.timelines.public.list({ local: true });
  check(ids(local).includes(ctx.post.id), `the local timeline ${ids(local)} lacks the post ${ctx.post.id}`);
  for (const s of local) {
    check(!s.account.acct.includes("@"), `a remote account on the local timeline: ${s.account.acct}`);
  }
  expectNewestFirst(local, "the local timeline");
  const pub = await ctx.rest.v1.timelines.public.list();
  check(ids(pub).includes(ctx.post.id), `the public timeline ${ids(pub)} lacks the post ${ctx.post.id}`);
  ctx.out.localHasPost = true;
});

step("hashtag", async (ctx) => {
  const tagged = await ctx.rest.v1.timelines.tag.$select(HASHTAG).list();
  expectSame(ids(tagged), [ctx.post.id], `the #${HASHTAG} timeline's ids`);
  ctx.out.hashtagIds = ids(tagged);
});

step("context", async (ctx) => {
  let c = await ctx.rest.v1.statuses.$select(ctx.post.id).context.fetch();
  expectSame(ids(c.ancestors), [], "the post's ancestors");
  expectSame(ids(c.descendants), [ctx.reply.id], "the post's descendants");
  ctx.out.contextDescendants = ids(c.descendants);
  c = await ctx.rest.v1.statuses.$select(ctx.reply.id).context.fetch();
  expectSame(ids(c.ancestors), [ctx.post.id], "the reply's ancestors");
  expectSame(ids(c.descendants), [], "the reply's descendants");
});

step("idempotency", async (ctx) => {
  // masto 7 has no idempotencyKey option: the header goes in through requestInit.
  const key = base64url(randomBytes(16));
  const meta = { requestInit: { headers: { "Idempotency-Key": key } } };
  const params = { status: "Posted once, sent twice (masto.js)" };
  const first = await ctx.rest.v1.statuses.create(params, meta);
  const again = await ctx.rest.v1.statuses.create(params, meta);
  expectDigits(first.id, "the idempotent post's id");
  expectEqual(again.id, first.id, "the id of the retried post (same Idempotency-Key)");
  const home = ids(await ctx.rest.v1.timelines.home.list());
  expectEqual(home.filter((id) => id === first.id).length, 1, `the idempotent post in the home timeline ${home}`);
  expectEqual(home.length, 3, `statuses in the home timeline ${home}`);
  ctx.idempotent = first;
  ctx.out.idempotentSameId = again.id === first.id;
});

step("page_home", async (ctx) => {
  // masto's paginator follows the Link header's rel="next" until a page has none.
  // The three posts: with limit=1 each page must hold one, so the Link URLs keep `limit`.
  const expected = [ctx.idempotent.id, ctx.reply.id, ctx.post.id];
  const pages = [];
  for await (const page of ctx.rest.v1.timelines.home.list({ limit: 1 })) {
    check(pages.length < 10, `the paginator does not stop: ${JSON.stringify(pages)}`);
    check(page.length <= 1, `limit=1 gave ${page.length} statuses`);
    pages.push(ids(page));
  }
  const seen = pages.flat();
  ctx.out.pagedHomeIds = seen;
  ctx.out.pagedHomePages = pages.map((p) => p.length);
  expectSame(seen, expected, "the home timeline paged with the paginator (limit=1)");
  check(new Set(seen).size === seen.length, `a status came twice: ${seen}`);

  // And the other way: from the oldest (min_id=0), following rel="prev" with .values().
  const back = [];
  const older = ctx.rest.v1.timelines.home.list({ limit: 1, minId: "0" }).setDirection("prev");
  expectEqual(older.getDirection(), "prev", "the paginator's direction");
  for await (const page of older.values()) {
    check(back.length < 10, `the paginator does not stop: ${JSON.stringify(back)}`);
    check(page.length <= 1, `limit=1 gave ${page.length} statuses (paging back)`);
    back.push(...ids(page));
  }
  ctx.out.pagedBackIds = back;
  expectSame(back, [...expected].reverse(), "the home timeline paged back (rel=prev from min_id=0)");
});

step("delete", async (ctx) => {
  const reply = ctx.rest.v1.statuses.$select(ctx.reply.id);
  const gone = await reply.remove();
  expectEqual(gone.id, ctx.reply.id, "the deleted status's id");
  expectEqual(gone.text, REPLY_TEXT, "the deleted status's text (its source)");
  ctx.out.deletedText = gone.text;
  ctx.out.deletedFetchStatus = await expectHttpError(() => reply.fetch(), "fetching the deleted status");
  const c = await ctx.rest.v1.statuses.$select(ctx.post.id).context.fetch();
  expectSame(ids(c.descendants), [], "the post's descendants after the delete");
});

// --- Grouped notifications (Mastodon API version 2) ------------------------------------
//
// Before the script runs, tests/real_clients.rs has two people follow this person, then sets
// this person's policy to filter notifications from strangers and has a third follow too.

step("grouped_notifications", async (ctx) => {
  const notifications = ctx.rest.v2.notifications;
  const page = await notifications.list({ expandAccounts: "partial_avatars" });
  const groups = page.notificationGroups;
  expectSame(groups.map((g) => g.type), ["follow"], "the groups' types");
  const group = groups[0];
  const key = group.groupKey;
  check(typeof key === "string" && key.startsWith("follow-"), `the follow group's key: ${key}`);
  expectEqual(group.notificationsCount, 2, "notificationsCount of the follow group");
  expectDigits(group.mostRecentNotificationId, "mostRecentNotificationId");
  expectDate(group.latestPageNotificationAt, "latestPageNotificationAt");
  ctx.out.groupType = group.type;
  ctx.out.groupCount = group.notificationsCount;
  ctx.out.groupAccounts = page.accounts.map((a) => a.acct);
  ctx.out.groupPartialAccounts = (page.partialAccounts ?? []).map((a) => a.acct);

  const one = await notifications.$select(key).fetch();
  expectSame(one.notificationGroups.map((g) => g.groupKey), [key], "the group fetched by key");
  ctx.out.groupAccountAccts = (await notifications.$select(key).accounts.fetch()).map((a) => a.acct);
  ctx.out.unreadGroups = (await notifications.unreadCount.fetch()).count;
  ctx.out.policyNotFollowing = (await notifications.policy.fetch()).forNotFollowing;
  const withFiltered = await notifications.list({ includeFiltered: true });
  ctx.out.withFilteredTypes = withFiltered.notificationGroups.map((g) => g.type);
  await notifications.$select(key).dismiss();
  ctx.out.groupsAfterDismiss = (await notifications.list()).notificationGroups.length;
});

step("revoke", async (ctx) => {
  await ctx.oauth.revoke({
    clientId: ctx.app.clientId,
    clientSecret: ctx.app.clientSecret,
    token: ctx.token,
  });
  ctx.out.revokedStatus = await expectHttpError(
    () => ctx.rest.v1.accounts.verifyCredentials(),
    "verify_credentials with a revoked token",
  );
});

// --- Driver ----------------------------------------------------------------------------

async function main() {
  const env = (k) => {
    const v = process.env[k];
    if (!v) throw new Failure(`missing environment variable ${k}`);
    return v;
  };
  const base = env("BASE_URL").replace(/\/+$/, "");
  const ctx = {
    base,
    username: env("USERNAME"),
    password: env("PASSWORD"),
    browser: new Browser(base),
    out: {
      library: "masto",
      libraryVersion: JSON.parse(
        readFileSync(new URL("./node_modules/masto/package.json", import.meta.url), "utf8"),
      ).version,
    },
  };
  const done = [];
  for (const { name, fn } of STEPS) {
    try {
      await fn(ctx);
    } catch (e) {
      const kind = e instanceof Failure ? "check failed" : e?.constructor?.name ?? "error";
      let detail = e instanceof Failure ? e.message : (e?.stack ?? String(e));
      if (e instanceof MastoHttpError) {
        detail += `\n  status ${e.statusCode}, description ${JSON.stringify(e.description)}` +
          `, details ${JSON.stringify(e.details)}`;
      }
      if (e?.cause) detail += `\n  cause: ${e.cause?.stack ?? e.cause}`;
      process.stderr.write(
        `[masto.js] step \`${name}\` failed (${kind}): ${detail}\n` +
          `  steps passed: ${JSON.stringify(done)}\n  results so far: ${JSON.stringify(ctx.out)}\n`,
      );
      return 1;
    }
    done.push(name);
  }
  ctx.out.steps = done;
  process.stdout.write(`${JSON.stringify(ctx.out)}\n`);
  return 0;
}

process.exitCode = await main();
