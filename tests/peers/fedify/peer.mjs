// A test-only ActivityPub peer built on Fedify 1.5 (Node 20), driven by tests/peer_fedify.rs.
//
//   node peer.mjs --port N [--verbose] [--exit-with-stdin]
//
// serves http://localhost:N (N = 0 picks a free port); --verbose copies Fedify's debug log
// to stderr; --exit-with-stdin ends the peer when its stdin closes (the test's safety net).
//
// On start it prints one JSON line to stdout, {"listening":"http://localhost:N"}, once the
// socket accepts connections. One actor, `fern` (/users/fern), with an RSA key pair made at
// start. Fedify itself verifies every incoming activity (HTTP signatures); only verified
// activities reach the listeners below, and each of them is recorded.
//
// Control routes, for the test driver only (never federated, never signed):
//   POST /control/follow {"actor": url}            fern sends a Follow to that actor
//   POST /control/note   {"to": [..], "cc": [..], "content": "..", "mention": url,
//                         "inReplyTo": url, "inbox": url?}
//                                                  fern sends a Create(Note); it goes to
//                                                  `inbox` if given, else to every actor
//                                                  named in to/cc (looked up by URL)
//   GET  /control/received                         verified activities, oldest first
//   GET  /control/followers                        who follows fern
//   GET  /control/following                        whom fern follows: {url: "pending"|"accepted"}
//   GET  /control/log                              Fedify's warnings and errors
//
// Look remote actors up by their http:// URL: Fedify builds acct: WebFinger lookups with
// https:, which nothing on this machine serves.

import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

import {
  Accept,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  isActor,
  Like,
  MemoryKvStore,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Undo,
  Update,
  createFederation,
  generateCryptoKeyPair,
} from "@fedify/fedify";
import { serve } from "@hono/node-server";
import { Temporal } from "@js-temporal/polyfill";
import { configure } from "@logtape/logtape";

const ACTOR = "fern";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    verbose: { type: "boolean", default: false },
    "exit-with-stdin": { type: "boolean", default: false },
  },
});

// What the test reads back.
const received = [];
const followers = new Map(); // actor id -> { id, inbox, sharedInbox }
const following = new Map(); // actor id -> "pending" | "accepted"
const log = [];

await configure({
  sinks: {
    memory(record) {
      log.push({
        level: record.level,
        category: record.category.join("."),
        message: record.message.map((m) => (typeof m === "string" ? m : String(m))).join(""),
      });
      if (log.length > 500) log.shift();
      if (args.verbose) console.error(`[${record.level}] ${record.category.join(".")}:`, ...record.message);
    },
  },
  loggers: [
    { category: "fedify", sinks: ["memory"], lowestLevel: args.verbose ? "debug" : "warning" },
    { category: ["logtape", "meta"], sinks: [], lowestLevel: "fatal" },
  ],
});

// Fedify makes 4096-bit keys, which takes a second or two: start now, await on first use,
// so the socket is up while the key is still being made.
const keyPair = generateCryptoKeyPair("RSASSA-PKCS1-v1_5");

const federation = createFederation({
  kv: new MemoryKvStore(),
  // Without a queue, sendActivity delivers before it returns and throws when the other
  // side refuses — so the control routes report delivery failures to the test directly.
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fern",
      summary: "<p>A Fedify test peer.</p>",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === ACTOR ? [await keyPair] : []));

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    const items = [...followers.values()].map((f) => ({
      id: new URL(f.id),
      inboxId: f.inbox ? new URL(f.inbox) : null,
      endpoints: f.sharedInbox ? { sharedInbox: new URL(f.sharedInbox) } : null,
    }));
    return { items };
  })
  .setCounter((_ctx, identifier) => (identifier === ACTOR ? followers.size : null));

federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    const items = [...following.entries()].filter(([, s]) => s === "accepted").map(([id]) => new URL(id));
    return { items };
  });

/** What the test sees of an object: plain JSON, full IRIs. */
async function describeObject(ctx, object) {
  if (object == null) return null;
  const out = {
    type: object.constructor.typeId?.href?.split("#").pop() ?? object.constructor.name,
    id: object.id?.href ?? null,
  };
  if (object instanceof Note) {
    out.content = object.content?.toString() ?? null;
    out.attributedTo = object.attributionId?.href ?? null;
    out.inReplyTo = object.replyTargetId?.href ?? null;
    out.to = object.toIds.map((u) => u.href);
    out.cc = object.ccIds.map((u) => u.href);
    out.tags = [];
    for await (const tag of object.getTags(ctx)) {
      out.tags.push({ type: tag.constructor.name, href: tag.href?.href ?? null, name: tag.name?.toString() ?? null });
    }
  }
  if (object instanceof Follow || object instanceof Like || object instanceof Announce) {
    out.actor = object.actorId?.href ?? null;
    out.object = object.objectId?.href ?? null;
  }
  return out;
}

async function record(ctx, activity) {
  let object = null;
  try {
    object = await describeObject(ctx, await activity.getObject(ctx));
  } catch (error) {
    object = { id: activity.objectId?.href ?? null, error: String(error) };
  }
  const json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  received.push({
    type: activity.constructor.name,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    // null: the shared inbox; else the identifier of the personal inbox.
    recipient: ctx.recipient ?? null,
    object,
    json,
    receivedAt: new Date().toISOString(),
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    const target = ctx.parseUri(follow.objectId);
    if (target?.type !== "actor" || target.identifier !== ACTOR || follow.actorId == null) return;
    const follower = await follow.getActor(ctx);
    if (follower == null) return;
    followers.set(follower.id.href, {
      id: follower.id.href,
      inbox: follower.inboxId?.href ?? null,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    });
    const accept = new Accept({
      id: new URL(`${ctx.getActorUri(ACTOR).href}#accepts/${randomUUID()}`),
      actor: ctx.getActorUri(ACTOR),
      object: follow,
    });
    await ctx.sendActivity({ identifier: ACTOR }, follower, accept);
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept);
    const follow = await accept.getObject(ctx).catch(() => null);
    if (!(follow instanceof Follow)) return;
    if (follow.actorId?.href !== ctx.getActorUri(ACTOR).href) return;
    const whom = accept.actorId?.href;
    if (whom != null && following.has(whom)) following.set(whom, "accepted");
  })
  .on(Create, record)
  .on(Update, record)
  .on(Delete, record)
  .on(Like, record)
  .on(Announce, record)
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    const inner = await undo.getObject(ctx).catch(() => null);
    if (inner instanceof Follow && inner.actorId != null && inner.actorId.href === undo.actorId?.href) {
      followers.delete(inner.actorId.href);
    }
  })
  .onError((_ctx, error) => {
    log.push({ level: "error", category: "peer.inbox", message: String(error?.stack ?? error) });
  });

// ---- control routes -------------------------------------------------------------------

function json(body, status = 200) {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

async function lookupActor(ctx, url) {
  const found = await ctx.lookupObject(new URL(url));
  if (!isActor(found)) throw new Error(`${url} is not an actor (got ${found?.constructor?.name ?? "nothing"})`);
  return found;
}

async function controlFollow(ctx, body) {
  const actor = await lookupActor(ctx, body.actor);
  const follow = new Follow({
    id: new URL(`${ctx.getActorUri(ACTOR).href}/follows/${randomUUID()}`),
    actor: ctx.getActorUri(ACTOR),
    object: actor.id,
  });
  following.set(actor.id.href, following.get(actor.id.href) === "accepted" ? "accepted" : "pending");
  await ctx.sendActivity({ identifier: ACTOR }, actor, follow);
  return { id: follow.id.href, to: actor.id.href, inbox: actor.inboxId?.href ?? null };
}

async function controlNote(ctx, body) {
  const fern = ctx.getActorUri(ACTOR);
  const noteId = new URL(`${fern.href}/notes/${randomUUID()}`);
  const iri = (u) => (u === "Public" || u === "as:Public" ? PUBLIC_COLLECTION : new URL(u));
  const tos = (body.to ?? []).map(iri);
  const ccs = (body.cc ?? []).map(iri);
  const tags = [];
  if (body.mention) {
    const mentioned = await lookupActor(ctx, body.mention);
    const host = new URL(mentioned.id.href).host;
    tags.push(new Mention({ href: mentioned.id, name: `@${mentioned.preferredUsername}@${host}` }));
  }
  const note = new Note({
    id: noteId,
    attribution: fern,
    content: body.content ?? "",
    tos,
    ccs,
    tags,
    replyTarget: body.inReplyTo ? new URL(body.inReplyTo) : null,
    published: Temporal.Now.instant(),
  });
  const create = new Create({
    id: new URL(`${noteId.href}/activity`),
    actor: fern,
    object: note,
    tos,
    ccs,
    published: note.published,
  });
  let recipients;
  if (body.inbox) {
    recipients = [{ id: null, inboxId: new URL(body.inbox) }];
  } else {
    const named = [...tos, ...ccs]
      .map((u) => u.href)
      .filter((u) => u !== PUBLIC_COLLECTION.href && u !== ctx.getFollowersUri(ACTOR).href);
    recipients = await Promise.all([...new Set(named)].map((u) => lookupActor(ctx, u)));
  }
  if (recipients.length === 0) throw new Error("no recipient: give `inbox`, or actors in to/cc");
  await ctx.sendActivity({ identifier: ACTOR }, recipients, create);
  return { id: create.id.href, note: noteId.href };
}

async function control(request) {
  const url = new URL(request.url);
  const ctx = federation.createContext(request, undefined);
  try {
    if (request.method === "GET") {
      switch (url.pathname) {
        case "/control/received":
          return json(received);
        case "/control/followers":
          return json([...followers.keys()]);
        case "/control/following":
          return json(Object.fromEntries(following));
        case "/control/log":
          return json(log);
      }
    } else if (request.method === "POST") {
      const body = await request.json();
      switch (url.pathname) {
        case "/control/follow":
          return json(await controlFollow(ctx, body));
        case "/control/note":
          return json(await controlNote(ctx, body));
      }
    }
    return json({ error: `no control route ${request.method} ${url.pathname}` }, 404);
  } catch (error) {
    log.push({ level: "error", category: "peer.control", message: String(error?.stack ?? error) });
    return json({ error: String(error?.message ?? error) }, 502);
  }
}

async function handle(request) {
  if (new URL(request.url).pathname.startsWith("/control/")) return control(request);
  return federation.fetch(request, { contextData: undefined });
}

const server = serve({ fetch: handle, port: Number(args.port), hostname: "127.0.0.1" }, (info) => {
  console.log(JSON.stringify({ listening: `http://localhost:${info.port}` }));
});

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
if (args["exit-with-stdin"]) {
  // The test holds our stdin: should it die without killing us, the pipe closes and we go.
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
