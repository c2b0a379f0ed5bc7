#!/usr/bin/env python3
"""Mastodon.py (PyPI) drives a running Starling, as an app would: registers itself, sends
the person through the OAuth authorization-code flow (our real log-in and consent forms,
submitted by a cookie-keeping "browser"), trades the code for a token with the library's
own `log_in`, then reads back what the library decoded. Then, as that person, with the
library's own methods: posts, replies, favourites, boosts, reads the home, local and
hashtag timelines (paging on the Link header), the thread, and deletes.

Run by tests/real_clients.rs with BASE_URL, USERNAME and PASSWORD in the environment.
On success, prints exactly one JSON line (the results) on stdout and exits 0. On any
failure, prints which step failed and why on stderr and exits 1.

Adding a step: write `def step_x(ctx: Context) -> None` below, decorate it with `@step`
(steps run in file order), read what earlier steps left on `ctx`, check with `check(...)`
/ `expect_*`, and put what the Rust test should see into `ctx.out`.
"""

from __future__ import annotations

import datetime
import functools
import html
import importlib.metadata
import json
import os
import re
import secrets
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from mastodon import Mastodon, MastodonNotFoundError, MastodonUnauthorizedError
from mastodon.errors import MastodonWarning

# A custom-scheme redirect URI, as phone apps register.
REDIRECT_URI = "starlingtest://callback"
APP_NAME = "Starling test (Mastodon.py)"
APP_WEBSITE = "https://example.test/mastodon-py"
# Mastodon.py's own default scopes, spelled out: create_app, auth_request_url and log_in
# must be given the same list.
SCOPES = ["read", "write", "follow", "push"]
TIMEOUT = 30
# Only to stop Mastodon.py asking the server when the instance endpoint does not answer.
UNCHECKED_VERSION = "4.0.0"


class Failure(Exception):
    """A check that did not hold: the message says what was expected and what came."""


def check(cond: Any, message: str) -> None:
    if not cond:
        raise Failure(message)


def expect_digits(value: Any, what: str) -> str:
    """An id as Mastodon sends it: a string of digits (Mastodon.py wraps it; str() gives it back)."""
    text = str(value)
    check(re.fullmatch(r"[0-9]+", text), f"{what} should be a string of digits, got {value!r}")
    return text


def expect_equal(actual: Any, expected: Any, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def describe(res: requests.Response) -> str:
    """A response for a failure message: request line, status, Location and the body's start."""
    body = res.text
    if len(body) > 1500:
        body = body[:1500] + " …"
    loc = res.headers.get("Location")
    where = f"\n  Location: {loc}" if loc else ""
    return f"{res.request.method} {res.request.url} → {res.status_code}{where}\n  body: {body}"


def log(message: str) -> None:
    print(f"[mastodon.py] {message}", file=sys.stderr, flush=True)


# --- The browser ----------------------------------------------------------------------


class _Forms(HTMLParser):
    """Collects each <form>'s action and its <input>/<button> name/value pairs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._current = {"action": a.get("action", ""), "inputs": [], "buttons": []}
            self.forms.append(self._current)
        elif self._current is not None and tag == "input" and "name" in a:
            self._current["inputs"].append((a["name"], a.get("value", ""), a.get("type", "text")))
        elif self._current is not None and tag == "button" and "name" in a:
            self._current["buttons"].append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def form_on(page: requests.Response, action: str) -> dict[str, Any]:
    """The form of `page` that posts to `action` (a path)."""
    parser = _Forms()
    parser.feed(page.text)
    for f in parser.forms:
        if urlsplit(html.unescape(f["action"])).path == action:
            return f
    actions = [f["action"] for f in parser.forms]
    raise Failure(f"no form posting to {action} on the page (forms: {actions})\n{describe(page)}")


class Browser:
    """A stand-in for the person's browser: keeps cookies, follows nothing by itself, reads
    and submits our HTML forms. Independent of the client library, as a real browser is."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "Mozilla/5.0 (starling-test-browser)"

    def get(self, url: str) -> requests.Response:
        return self.http.get(urljoin(self.base, url), allow_redirects=False, timeout=TIMEOUT)

    def post(self, url: str, data: list[tuple[str, str]]) -> requests.Response:
        return self.http.post(
            urljoin(self.base, url), data=data, allow_redirects=False, timeout=TIMEOUT
        )

    def log_in(self, page: requests.Response, username: str, password: str) -> requests.Response:
        """Fills in and submits the log-in form of `page`; returns the 303 to return_to."""
        form = form_on(page, "/auth/sign_in")
        fields = [(n, v) for n, v, t in form["inputs"] if t == "hidden"]
        names = [n for n, _ in fields]
        check("authenticity_token" in names, f"the log-in form has no CSRF field: {form}")
        fields += [("login", username), ("password", password)]
        res = self.post("/auth/sign_in", fields)
        check(res.status_code == 303, f"log-in should answer 303\n{describe(res)}")
        return res


# --- Steps ----------------------------------------------------------------------------


@dataclass
class Context:
    base: str
    username: str
    password: str
    browser: Browser
    out: dict[str, Any] = field(default_factory=dict)
    # Filled in by the steps.
    client_id: str = ""
    client_secret: str = ""
    api: Mastodon | None = None
    state: str = ""
    code: str = ""
    account_id: str = ""
    # The statuses the steps post (Mastodon.py's Status entities).
    post: Any = None
    reply: Any = None
    idempotent: Any = None


STEPS: list[Callable[[Context], None]] = []


def step(fn: Callable[[Context], None]) -> Callable[[Context], None]:
    STEPS.append(fn)
    return fn


@step
def step_register_app(ctx: Context) -> None:
    """POST /api/v1/apps through the library."""
    ctx.client_id, ctx.client_secret = Mastodon.create_app(
        APP_NAME,
        scopes=SCOPES,
        redirect_uris=REDIRECT_URI,
        website=APP_WEBSITE,
        api_base_url=ctx.base,
        request_timeout=TIMEOUT,
    )
    check(ctx.client_id and ctx.client_secret, "create_app returned an empty id or secret")
    ctx.out["client_id_length"] = len(ctx.client_id)


@step
def step_version_check(ctx: Context) -> None:
    """The API object. Mastodon.py learns the server version from the instance endpoint
    (GET /api/v1/instance/, with that trailing slash, and /api/v2/instance/). When ours
    answers 200 there, the library's version check is on ("created": it refuses calls the
    version should not have); when it does not, the check is off ("none") and the library
    assumes nothing. The path taken is printed and reported as `version_check`."""
    probes = {}
    for path in ("/api/v1/instance/", "/api/v1/instance", "/api/v2/instance/"):
        try:
            probes[path] = requests.get(urljoin(ctx.base, path), timeout=TIMEOUT).status_code
        except requests.RequestException as e:
            probes[path] = f"error: {e}"
    ctx.out["instance_probe"] = probes
    if probes["/api/v1/instance/"] == 200:
        api = Mastodon(
            client_id=ctx.client_id,
            client_secret=ctx.client_secret,
            api_base_url=ctx.base,
            request_timeout=TIMEOUT,
            version_check_mode="created",
        )
        version = api.retrieve_mastodon_version(fail_hard=True)
        check(
            (api.mastodon_major, api.mastodon_minor) >= (4, 0),
            f"the instance endpoint reports version {version!r}; expected a Mastodon 4.x API",
        )
        ctx.out["version_check"] = "created"
        ctx.out["mastodon_version"] = version
        ctx.out["mastodon_api_version"] = api.mastodon_api_version
        log(f"version check ON: the instance endpoint answers; server version {version!r}")
    else:
        if probes["/api/v1/instance"] == 200:
            log(
                "NOTE: GET /api/v1/instance answers 200 but GET /api/v1/instance/ (the URL "
                "Mastodon.py requests) does not"
            )
        # Mastodon.py 2.3.3 cannot run without a version: when the instance endpoint
        # fails, log_in() retries it from inside verify_minimum_version() until Python's
        # recursion limit (RecursionError). Giving `mastodon_version` marks the version
        # as known; with version_check_mode="none" its value is never consulted.
        api = Mastodon(
            client_id=ctx.client_id,
            client_secret=ctx.client_secret,
            api_base_url=ctx.base,
            request_timeout=TIMEOUT,
            version_check_mode="none",
            mastodon_version=UNCHECKED_VERSION,
        )
        ctx.out["version_check"] = "none"
        log(f"version check OFF: the instance URLs Mastodon.py requests do not answer ({probes})")
    ctx.api = api


@step
def step_authorize(ctx: Context) -> None:
    """The authorization-code flow as a person does it: the app opens the library's
    authorize URL; not signed in, the browser is sent to our log-in page, logs in, comes
    back to the consent page and approves; the 302 to the app's custom-scheme URI carries
    the code (read from Location, not followed)."""
    api = ctx.api
    ctx.state = secrets.token_urlsafe(16)
    url = api.auth_request_url(
        redirect_uris=REDIRECT_URI, scopes=SCOPES, state=ctx.state, allow_http=True
    )
    expect_equal(urlsplit(url).path, "/oauth/authorize", "the library's authorize URL path")
    check(url.startswith(ctx.base), f"the authorize URL {url!r} is not on {ctx.base}")
    ctx.out["authorize_query"] = sorted(parse_qs(urlsplit(url).query, keep_blank_values=True))

    code, state, sign_ins = authorize(ctx, url)
    expect_equal(sign_ins, 1, "log-ins on the way (a visitor logs in once)")
    expect_equal(state, ctx.state, "the state echoed to the redirect URI")
    ctx.code = code


def authorize(ctx: Context, authorize_url: str) -> tuple[str, str | None, int]:
    """What the person does with the app's authorize URL in their browser: open it; when
    sent to our log-in page, log in and follow the way back; approve on the consent page.
    Returns the code and state from the 302 to REDIRECT_URI, and how many log-ins it took."""
    b = ctx.browser
    sign_ins = 0
    page = b.get(authorize_url)
    while page.status_code == 303 and sign_ins < 2:
        sign_in = page.headers["Location"]
        expect_equal(urlsplit(sign_in).path, "/auth/sign_in", f"where {authorize_url} sends us")
        res = b.get(sign_in)
        check(res.status_code == 200, f"the log-in page\n{describe(res)}")
        res = b.log_in(res, ctx.username, ctx.password)
        sign_ins += 1
        back = res.headers["Location"]
        expect_equal(urlsplit(back).path, "/oauth/authorize", "where log-in sends us back")
        page = b.get(back)
    check(page.status_code == 200, f"a signed-in person should see the consent page\n{describe(page)}")
    check(APP_NAME in html.unescape(page.text), f"the consent page should name the app {APP_NAME!r}")
    form = form_on(page, "/oauth/authorize")
    fields = [(n, v) for n, v, t in form["inputs"] if t == "hidden"]
    hidden = dict(fields)
    check(hidden.get("authenticity_token"), f"the consent form has no CSRF token: {form}")
    expect_equal(hidden.get("client_id"), ctx.client_id, "the consent form's client_id")
    expect_equal(hidden.get("redirect_uri"), REDIRECT_URI, "the consent form's redirect_uri")
    expect_equal(hidden.get("scope"), " ".join(SCOPES), "the consent form's scope")
    check(
        ("decision", "approve") in form["buttons"],
        f"the consent form has no decision=approve button: {form['buttons']}",
    )
    res = b.post("/oauth/authorize", fields + [("decision", "approve")])
    check(res.status_code == 302, f"approving should redirect (302) to the app\n{describe(res)}")
    location = res.headers["Location"]
    check(
        location.startswith(REDIRECT_URI + "?"),
        f"the redirect should go to {REDIRECT_URI}?…, went to {location!r}",
    )
    query = parse_qs(urlsplit(location).query)
    check(query.get("code"), f"no code in {location!r}")
    return query["code"][0], query.get("state", [None])[0], sign_ins


@step
def step_token(ctx: Context) -> None:
    """POST /oauth/token through the library's own log_in (authorization_code)."""
    token = ctx.api.log_in(
        code=ctx.code, redirect_uri=REDIRECT_URI, scopes=SCOPES, allow_http=True
    )
    check(isinstance(token, str) and len(token) >= 20, f"an implausible access token {token!r}")
    ctx.out["token_length"] = len(token)


@step
def step_verify_account(ctx: Context) -> None:
    """GET /api/v1/accounts/verify_credentials, decoded by the library."""
    me = ctx.api.account_verify_credentials()
    ctx.out["account_id"] = expect_digits(me.id, "account id")
    expect_equal(me.username, ctx.username, "username")
    expect_equal(me.acct, ctx.username, "acct (local accounts have no domain)")
    check(isinstance(me.created_at, datetime.datetime), f"created_at not decoded: {me.created_at!r}")
    check(me.created_at.tzinfo is not None, f"created_at has no time zone: {me.created_at!r}")
    check(
        isinstance(me.url, str) and me.url.startswith(ctx.base),
        f"url {me.url!r} should be on {ctx.base}",
    )
    check(me.source is not None, "verify_credentials should carry `source` (CredentialAccount)")
    for key in ("followers_count", "following_count", "statuses_count"):
        check(isinstance(me[key], int), f"{key} should be an integer, got {me[key]!r}")
    ctx.out["username"] = me.username
    ctx.out["acct"] = me.acct
    ctx.out["url"] = me.url
    ctx.out["source_privacy"] = me.source.get("privacy")


@step
def step_verify_app(ctx: Context) -> None:
    """GET /api/v1/apps/verify_credentials, decoded by the library."""
    app = ctx.api.app_verify_credentials()
    expect_equal(app.name, APP_NAME, "the app's name")
    expect_equal(app.get("website"), APP_WEBSITE, "the app's website")
    ctx.out["app_name"] = app.name
    ctx.out["app_website"] = app.get("website")


@step
def step_revoke(ctx: Context) -> None:
    """POST /oauth/revoke through the library; the token must stop working."""
    token = ctx.api.access_token
    ctx.api.revoke_access_token(allow_http=True)
    again = Mastodon(access_token=token, api_base_url=ctx.base, request_timeout=TIMEOUT)
    try:
        again.account_verify_credentials()
    except MastodonUnauthorizedError:
        ctx.out["revoked"] = True
        return
    raise Failure("the revoked token still reads verify_credentials")


@step
def step_authorize_again(ctx: Context) -> None:
    """The token is gone; the app asks again, and the person, still signed in to the web
    UI in the same browser, approves again; the new token works."""
    ctx.state = secrets.token_urlsafe(16)
    url = ctx.api.auth_request_url(
        redirect_uris=REDIRECT_URI, scopes=SCOPES, state=ctx.state, allow_http=True
    )
    code, state, sign_ins = authorize(ctx, url)
    # Should be 0. Mastodon.py always sends `force_login=False`; a server that takes
    # "False" for true logs the person out and asks for the password again. Reported
    # here as `reauthorize_sign_ins`; tests/real_clients.rs decides what it accepts.
    ctx.out["reauthorize_sign_ins"] = sign_ins
    if sign_ins:
        log(f"the signed-in browser had to log in again ({sign_ins}×) for {url}")
    expect_equal(state, ctx.state, "the state echoed to the redirect URI")
    ctx.api.log_in(code=code, redirect_uri=REDIRECT_URI, scopes=SCOPES, allow_http=True)
    me = ctx.api.account_verify_credentials()
    expect_equal(me.username, ctx.username, "username with the second token")
    ctx.out["authorized_again"] = True
    ctx.account_id = expect_digits(me.id, "account id with the second token")


# --- Statuses and timelines -------------------------------------------------------------
#
# As the signed-in person, through the library's own methods: a post with a hashtag and a
# content warning, a reply, favourite and boost (and back), the home, local and hashtag
# timelines, Link paging with fetch_next/fetch_previous, the thread, Idempotency-Key,
# delete. Mastodon.py's warnings (MastodonWarning: the library finding something odd about
# the server) fail these steps instead of scrolling by.

HASHTAG = "starlingpy"
POST_TEXT = f"Hello from Mastodon.py #{HASHTAG}"
POST_CW = "Test post (Mastodon.py)"
REPLY_TEXT = "A reply from Mastodon.py, no tag"


def status_step(fn: Callable[[Context], None]) -> Callable[[Context], None]:
    """`@step`, with Mastodon.py's warnings turned into errors."""

    @functools.wraps(fn)
    def strict(ctx: Context) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", MastodonWarning)
            fn(ctx)

    return step(strict)


def ids(statuses: Any) -> list[str]:
    return [str(s.id) for s in statuses]


def expect_status(s: Any, what: str, account_id: str) -> str:
    """The types of a Status as Mastodon.py decoded it; returns its id."""
    sid = expect_digits(s.id, f"{what}: id")
    check(isinstance(s.created_at, datetime.datetime), f"{what}: created_at not decoded: {s.created_at!r}")
    check(s.created_at.tzinfo is not None, f"{what}: created_at has no time zone: {s.created_at!r}")
    expect_equal(str(s.account.id), account_id, f"{what}: account.id")
    check(isinstance(s.content, str) and s.content, f"{what}: content {s.content!r}")
    check(isinstance(s.uri, str) and s.uri, f"{what}: uri {s.uri!r}")
    for key in ("replies_count", "reblogs_count", "favourites_count"):
        check(isinstance(s[key], int), f"{what}: {key} should be an integer, got {s[key]!r}")
    return sid


def expect_newest_first(statuses: Any, what: str) -> None:
    for newer, older in zip(statuses, statuses[1:]):
        check(
            int(str(newer.id)) > int(str(older.id)) and newer.created_at >= older.created_at,
            f"{what} is not newest first: {newer.id} ({newer.created_at}) before "
            f"{older.id} ({older.created_at})",
        )


@status_step
def step_post_status(ctx: Context) -> None:
    """POST /api/v1/statuses: a public post with a hashtag and a content warning."""
    s = ctx.api.status_post(POST_TEXT, spoiler_text=POST_CW, visibility="public", language="en")
    sid = expect_status(s, "the new post", ctx.account_id)
    expect_equal(s.spoiler_text, POST_CW, "spoiler_text")
    # Mastodon.py always sends sensitive=0; a content warning makes the post sensitive.
    expect_equal(s.sensitive, True, "sensitive (a post with a content warning)")
    expect_equal(s.visibility, "public", "visibility")
    expect_equal(s.language, "en", "language")
    expect_equal(s.in_reply_to_id, None, "in_reply_to_id of a new post")
    check(HASHTAG in s.content, f"the content should carry #{HASHTAG}: {s.content!r}")
    expect_equal([t.name.lower() for t in s.tags], [HASHTAG], "the post's tags")
    expect_equal((s.favourited, s.reblogged), (False, False), "(favourited, reblogged)")
    expect_equal((s.favourites_count, s.reblogs_count, s.replies_count), (0, 0, 0), "counts")
    ctx.post = s
    ctx.out["post_id"] = sid
    ctx.out["post_sensitive"] = s.sensitive
    ctx.out["post_tags"] = [t.name for t in s.tags]


@status_step
def step_reply(ctx: Context) -> None:
    """POST /api/v1/statuses with in_reply_to_id."""
    s = ctx.api.status_post(REPLY_TEXT, in_reply_to_id=ctx.post, visibility="public")
    sid = expect_status(s, "the reply", ctx.account_id)
    check(sid != str(ctx.post.id), "the reply has the post's id")
    expect_equal(str(s.in_reply_to_id), str(ctx.post.id), "the reply's in_reply_to_id")
    expect_equal(str(s.in_reply_to_account_id), ctx.account_id, "the reply's in_reply_to_account_id")
    ctx.reply = s
    ctx.out["reply_in_reply_to_id"] = str(s.in_reply_to_id)


@status_step
def step_fetch_status(ctx: Context) -> None:
    """GET /api/v1/statuses/:id: the post, now with one reply."""
    s = ctx.api.status(ctx.post.id)
    expect_status(s, "the fetched post", ctx.account_id)
    expect_equal(str(s.id), str(ctx.post.id), "the fetched post's id")
    expect_equal(s.content, ctx.post.content, "the fetched post's content")
    expect_equal(s.created_at, ctx.post.created_at, "the fetched post's created_at")
    expect_equal(s.replies_count, 1, "replies_count of the post")


@status_step
def step_favourite(ctx: Context) -> None:
    """POST /api/v1/statuses/:id/favourite, then /unfavourite."""
    s = ctx.api.status_favourite(ctx.post)
    expect_equal(str(s.id), str(ctx.post.id), "the favourited status's id")
    expect_equal((s.favourited, s.favourites_count), (True, 1), "(favourited, favourites_count)")
    ctx.out["favourited"] = [s.favourited, s.favourites_count]
    s = ctx.api.status_unfavourite(ctx.post)
    expect_equal(str(s.id), str(ctx.post.id), "the unfavourited status's id")
    expect_equal((s.favourited, s.favourites_count), (False, 0), "(favourited, favourites_count) after unfavourite")
    ctx.out["unfavourited"] = [s.favourited, s.favourites_count]


@status_step
def step_reblog(ctx: Context) -> None:
    """POST /api/v1/statuses/:id/reblog (a new status wrapping the post), then /unreblog."""
    boost = ctx.api.status_reblog(ctx.post)
    bid = expect_digits(boost.id, "the boost's id")
    check(bid != str(ctx.post.id), f"the boost should have its own id, got the post's ({bid})")
    check(boost.reblog is not None, "the boost has no `reblog`")
    expect_equal(str(boost.reblog.id), str(ctx.post.id), "the boost's reblog.id")
    expect_equal(str(boost.account.id), ctx.account_id, "the boost's account.id")
    check(isinstance(boost.created_at, datetime.datetime), f"the boost's created_at: {boost.created_at!r}")
    expect_equal(boost.reblog.reblogged, True, "reblog.reblogged")
    expect_equal(boost.reblog.reblogs_count, 1, "reblog.reblogs_count")
    ctx.out["reblog_id_differs"] = bid != str(ctx.post.id)
    ctx.out["reblog_of"] = str(boost.reblog.id)
    s = ctx.api.status_unreblog(ctx.post)
    expect_equal(str(s.id), str(ctx.post.id), "unreblog returns the original status")
    expect_equal((s.reblogged, s.reblogs_count), (False, 0), "(reblogged, reblogs_count) after unreblog")
    ctx.out["unreblogged"] = [s.reblogged, s.reblogs_count]


@status_step
def step_home(ctx: Context) -> None:
    """GET /api/v1/timelines/home: the reply, then the post (the boost is gone)."""
    home = ctx.api.timeline_home()
    for s in home:
        expect_status(s, "a home timeline status", ctx.account_id)
    expect_equal(ids(home), [str(ctx.reply.id), str(ctx.post.id)], "the home timeline's ids")
    expect_newest_first(home, "the home timeline")
    ctx.out["home_ids"] = ids(home)


@status_step
def step_local(ctx: Context) -> None:
    """GET /api/v1/timelines/public?local=1 (timeline_local) and the whole public one."""
    local = ctx.api.timeline_local()
    check(str(ctx.post.id) in ids(local), f"the local timeline {ids(local)} lacks the post {ctx.post.id}")
    for s in local:
        check("@" not in s.account.acct, f"a remote account on the local timeline: {s.account.acct}")
    expect_newest_first(local, "the local timeline")
    public = ctx.api.timeline_public()
    check(str(ctx.post.id) in ids(public), f"the public timeline {ids(public)} lacks the post {ctx.post.id}")
    ctx.out["local_has_post"] = True


@status_step
def step_hashtag(ctx: Context) -> None:
    """GET /api/v1/timelines/tag/:hashtag: the tagged post, not the untagged reply."""
    tagged = ctx.api.timeline_hashtag(HASHTAG)
    expect_equal(ids(tagged), [str(ctx.post.id)], f"the #{HASHTAG} timeline's ids")
    ctx.out["hashtag_ids"] = ids(tagged)


@status_step
def step_context(ctx: Context) -> None:
    """GET /api/v1/statuses/:id/context, from both ends of the thread."""
    c = ctx.api.status_context(ctx.post)
    expect_equal(ids(c.ancestors), [], "the post's ancestors")
    expect_equal(ids(c.descendants), [str(ctx.reply.id)], "the post's descendants")
    c = ctx.api.status_context(ctx.reply)
    expect_equal(ids(c.ancestors), [str(ctx.post.id)], "the reply's ancestors")
    expect_equal(ids(c.descendants), [], "the reply's descendants")
    ctx.out["context_descendants"] = ids(ctx.api.status_context(ctx.post).descendants)


@status_step
def step_idempotency(ctx: Context) -> None:
    """The same post sent twice with one Idempotency-Key is one status."""
    key = secrets.token_hex(16)
    first = ctx.api.status_post("Posted once, sent twice (Mastodon.py)", idempotency_key=key)
    again = ctx.api.status_post("Posted once, sent twice (Mastodon.py)", idempotency_key=key)
    expect_digits(first.id, "the idempotent post's id")
    expect_equal(str(again.id), str(first.id), "the id of the retried post (same Idempotency-Key)")
    home = ids(ctx.api.timeline_home())
    expect_equal(home.count(str(first.id)), 1, f"the idempotent post in the home timeline {home}")
    expect_equal(len(home), 3, f"statuses in the home timeline {home}")
    ctx.idempotent = first
    ctx.out["idempotent_same_id"] = str(again.id) == str(first.id)


@status_step
def step_page_home(ctx: Context) -> None:
    """The home timeline (the three posts) one status a page, following the Link header with
    fetch_next until it runs out, then back with fetch_previous from the oldest page."""
    expected = [str(ctx.idempotent.id), str(ctx.reply.id), str(ctx.post.id)]
    seen: list[str] = []
    pages = 0
    page = ctx.api.timeline_home(limit=1)
    last = None
    while page:
        pages += 1
        check(pages <= 10, f"fetch_next does not stop: {seen}")
        check(len(page) <= 1, f"limit=1 gave {len(page)} statuses")
        seen += ids(page)
        last = page
        page = ctx.api.fetch_next(page)
    ctx.out["paged_home_ids"] = seen
    ctx.out["paged_home_pages"] = pages
    # How it ran out: an empty page, or a page with no `next` link (fetch_next → None).
    ctx.out["paged_home_end"] = "no_next_link" if page is None else "empty_page"
    expect_equal(seen, expected, "the home timeline paged with fetch_next (limit=1)")
    check(len(set(seen)) == len(seen), f"a status came twice: {seen}")

    back: list[str] = []
    page = ctx.api.fetch_previous(last)
    while page:
        check(len(back) <= 10, f"fetch_previous does not stop: {back}")
        check(len(page) <= 1, f"limit=1 gave {len(page)} statuses (paging back)")
        back += ids(page)
        page = ctx.api.fetch_previous(page)
    ctx.out["paged_back_ids"] = back
    expect_equal(back, list(reversed(expected[:-1])), "the home timeline paged back with fetch_previous")


@status_step
def step_delete(ctx: Context) -> None:
    """DELETE /api/v1/statuses/:id returns the status with its source `text`; it is gone."""
    gone = ctx.api.status_delete(ctx.reply)
    expect_equal(str(gone.id), str(ctx.reply.id), "the deleted status's id")
    expect_equal(gone.get("text"), REPLY_TEXT, "the deleted status's text (its source)")
    ctx.out["deleted_text"] = gone.get("text")
    try:
        ctx.api.status(ctx.reply.id)
    except MastodonNotFoundError as e:
        ctx.out["deleted_fetch_status"] = e.args[1]
    else:
        raise Failure(f"the deleted status {ctx.reply.id} can still be fetched")
    expect_equal(ids(ctx.api.status_context(ctx.post).descendants), [], "the post's descendants after the delete")


# --- Grouped notifications (Mastodon API version 2) -------------------------------------
#
# Before the script runs, tests/real_clients.rs has two people follow this person, then sets
# this person's policy to filter notifications from strangers and has a third follow too.


@status_step
def step_grouped_notifications(ctx: Context) -> None:
    """GET /api/v2/notifications (with Mastodon.py's default expand_accounts=partial_avatars),
    one group by its key, its accounts, the unread group count, the policy, the filtered
    follow with include_filtered, and dismissing the group."""
    api = ctx.api
    page = api.grouped_notifications()
    groups = page.notification_groups
    expect_equal([g.type for g in groups], ["follow"], "the groups' types")
    group = groups[0]
    key = group.group_key
    check(isinstance(key, str) and key.startswith("follow-"), f"the follow group's key: {key!r}")
    expect_equal(group.notifications_count, 2, "notifications_count of the follow group")
    expect_equal(len(group.sample_account_ids), 2, "sample accounts of the follow group")
    check(
        isinstance(group.latest_page_notification_at, datetime.datetime),
        f"latest_page_notification_at not decoded: {group.latest_page_notification_at!r}",
    )
    ctx.out["group_type"] = group.type
    ctx.out["group_count"] = group.notifications_count
    ctx.out["group_accounts"] = [a.acct for a in page.accounts]
    ctx.out["group_partial_accounts"] = [a.acct for a in page.partial_accounts or []]

    one = api.grouped_notification(key)
    expect_equal([g.group_key for g in one.notification_groups], [key], "the group fetched by key")
    ctx.out["group_account_accts"] = [a.acct for a in api.grouped_notification_accounts(key)]
    ctx.out["unread_groups"] = api.unread_grouped_notifications_count()
    policy = api.notifications_policy()
    ctx.out["policy_not_following"] = policy.for_not_following
    with_filtered = api.grouped_notifications(include_filtered=True, expand_accounts="full")
    ctx.out["with_filtered_types"] = [g.type for g in with_filtered.notification_groups]
    api.dismiss_grouped_notification(key)
    ctx.out["groups_after_dismiss"] = len(api.grouped_notifications().notification_groups)


# --- Driver ---------------------------------------------------------------------------


def main() -> int:
    try:
        base = os.environ["BASE_URL"].rstrip("/")
        username = os.environ["USERNAME"]
        password = os.environ["PASSWORD"]
    except KeyError as e:
        print(f"missing environment variable {e}", file=sys.stderr)
        return 2
    ctx = Context(base=base, username=username, password=password, browser=Browser(base))
    ctx.out["library"] = "Mastodon.py"
    ctx.out["library_version"] = importlib.metadata.version("Mastodon.py")
    done = []
    for fn in STEPS:
        name = fn.__name__.removeprefix("step_")
        try:
            fn(ctx)
        except Exception as e:  # noqa: BLE001 — every failure is reported the same way
            kind = "check failed" if isinstance(e, Failure) else type(e).__name__
            print(
                f"[mastodon.py] step `{name}` failed ({kind}): {e}\n"
                f"  steps passed: {done}\n  results so far: {json.dumps(ctx.out, default=str)}",
                file=sys.stderr,
            )
            if not isinstance(e, Failure):
                traceback.print_exc(file=sys.stderr)
            return 1
        done.append(name)
    ctx.out["steps"] = done
    print(json.dumps(ctx.out, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
