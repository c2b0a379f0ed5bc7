/* Starling — the one script. Progressive enhancement only: every page works without it.
   1. composer: character counter (counted as the server counts), Ctrl/Cmd+Enter, auto-grow
   2. in-place actions: favourite, boost, follow forms sent with fetch
   3. relative times, copy-handle buttons, dismissible notices */
(function () {
  "use strict";

  /* ---------- Counting a post like the server (src/text/count.rs) ----------
     Links (found like the linkify crate, Mastodon's schemes only) count as url-length,
     "@user@domain" counts as "@user", everything else counts Unicode code points. */

  var SCHEMES = ["http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"];
  var HOST_SCHEMES = ["https", "http", "ftp", "ssh"]; // compared case-sensitively, like linkify
  var LETTER = /[A-Za-z]/;
  var DIGIT = /[0-9]/;

  function codePoints(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff) n++; // a low surrogate belongs to the previous code point
    }
    return n;
  }

  // Where the scheme before "://" at sep starts, and the quote in front of it if any.
  function schemeStart(t, from, sep) {
    var first = -1, special = -1, quote = null;
    for (var i = sep - 1; i >= from; i--) {
      var c = t[i];
      if (LETTER.test(c)) first = i;
      else if (DIGIT.test(c)) special = i;
      else if (c === "+" || c === "-" || c === ".") continue;
      else if (c === "@") return null;
      else { if (c === "'" || c === "\"") quote = c; break; }
    }
    if (first < 0) return null;
    if (special >= 0 && first > from && first - 1 === special) return null;
    return { start: first, quote: quote };
  }

  function validTld(s) {
    return /^[A-Za-z]{2}/.test(s);
  }

  // End of the authority (host, userinfo, port) starting at i0; null when it is no host.
  function authorityEnd(t, i0, requireHost) {
    var end = i0, maybeLastDot = -1, lastDot = -1, numberDots = 0;
    var dotAllowed = false, hyphenAllowed = false, allNumeric = true, maybeHost = true;
    var hostEnded = false, userinfo = true;
    for (var i = i0; i < t.length; i++) {
      var c = t[i], code = t.charCodeAt(i), canBeLast;
      if (LETTER.test(c) || code >= 0x80) {
        dotAllowed = hyphenAllowed = true;
        lastDot = maybeLastDot;
        allNumeric = false;
        if (hostEnded) maybeHost = false;
        canBeLast = !requireHost || !hostEnded;
      } else if (DIGIT.test(c)) {
        dotAllowed = hyphenAllowed = true;
        if (lastDot !== maybeLastDot) { lastDot = maybeLastDot; numberDots++; }
        if (hostEnded) maybeHost = false;
        canBeLast = !requireHost || !hostEnded;
      } else if (c === "-") {
        if (!hyphenAllowed) maybeHost = false;
        dotAllowed = false;
        allNumeric = false;
        canBeLast = !requireHost;
      } else if (c === ".") {
        if (!dotAllowed) hostEnded = true;
        dotAllowed = hyphenAllowed = false;
        maybeLastDot = i;
        canBeLast = false;
      } else if (c === "_" || c === "~") {
        maybeHost = false;
        canBeLast = false;
      } else if ("!$&'()*+,;=".indexOf(c) >= 0) {
        hostEnded = true;
        if (!userinfo && requireHost) break;
        canBeLast = false;
      } else if (c === ":") {
        maybeLastDot = lastDot;
        canBeLast = false;
      } else if (c === "@") {
        if (!userinfo) return null;
        userinfo = false;
        maybeLastDot = lastDot = -1;
        dotAllowed = hyphenAllowed = false;
        allNumeric = maybeHost = true;
        hostEnded = false;
        canBeLast = false;
      } else if (c === "/") {
        if (!requireHost) end = i;
        break;
      } else {
        break;
      }
      if (canBeLast) end = i + 1;
    }
    if (requireHost) {
      if (!maybeHost) return null;
      if (allNumeric) { if (numberDots !== 3) return null; }
      else if (lastDot >= 0 && !validTld(t.slice(lastDot + 1))) return null;
    }
    return end;
  }

  // End of the path/query/fragment starting at i0: trailing punctuation and unbalanced
  // brackets are left out.
  function urlEnd(t, i0, quote) {
    if (t[i0] !== "/" && t[i0] !== "?") return i0;
    var round = 0, square = 0, curly = 0, single = false, end = i0;
    for (var i = i0; i < t.length; i++) {
      var c = t[i], code = t.charCodeAt(i), canBeLast = true;
      if (code <= 0x20 || (code >= 0x7f && code <= 0x9f) || "|\"<>`".indexOf(c) >= 0) break;
      if ("?!.,:;*".indexOf(c) >= 0) canBeLast = false;
      else if (c === "(") { round++; canBeLast = false; }
      else if (c === ")") { if (--round < 0) break; }
      else if (c === "[") { square++; canBeLast = false; }
      else if (c === "]") { if (--square < 0) break; }
      else if (c === "{") { curly++; canBeLast = false; }
      else if (c === "}") { if (--curly < 0) break; }
      else if (c === quote) break;
      else if (c === "'") { single = !single; canBeLast = !single; }
      if (canBeLast) end = i + 1;
    }
    return end;
  }

  function scanUrl(t, from, sep) {
    if (sep === from || t.substr(sep, 3) !== "://" || sep + 3 >= t.length) return null;
    var found = schemeStart(t, from, sep);
    if (found === null) return null;
    var start = found.start;
    var scheme = t.slice(start, sep);
    var afterSep = sep + 3;
    var auth = authorityEnd(t, afterSep, HOST_SCHEMES.indexOf(scheme) >= 0);
    if (auth === null) return null;
    var end = urlEnd(t, auth, found.quote);
    if (auth === afterSep && end === auth) return null;
    return [start, end, scheme];
  }

  function findLinks(t) {
    var links = [], rewind = 0, from = 0, sep;
    while ((sep = t.indexOf(":", from)) >= 0) {
      var r = scanUrl(t, rewind, sep);
      if (r) {
        if (SCHEMES.indexOf(r[2].toLowerCase()) >= 0) links.push({ start: r[0], end: r[1], link: true });
        rewind = from = r[1];
      } else {
        from = sep + 1;
      }
    }
    return links;
  }

  var MENTION_RE, WORD_RE;
  try {
    MENTION_RE = new RegExp("^@([A-Za-z0-9_]+(?:[A-Za-z0-9_.\\-]+[A-Za-z0-9_]+)?)(?:@([\\p{L}\\p{M}\\p{N}\\p{Pc}.\\-]+[\\p{L}\\p{M}\\p{N}\\p{Pc}]+))?", "u");
    WORD_RE = new RegExp("^[\\p{L}\\p{M}\\p{N}\\p{Pc}]$", "u");
  } catch (e) { // very old browsers: ASCII approximation
    MENTION_RE = /^@([A-Za-z0-9_]+(?:[A-Za-z0-9_.\-]+[A-Za-z0-9_]+)?)(?:@([\w.\-]+\w+))?/;
    WORD_RE = /^\w$/;
  }

  function charBefore(t, i) {
    if (i <= 0) return "";
    var c = t.charCodeAt(i - 1);
    return c >= 0xdc00 && c <= 0xdfff && i >= 2 ? t.slice(i - 2, i) : t[i - 1];
  }

  function isLatinAccent(cp) {
    return (cp >= 0xc0 && cp <= 0xd6) || (cp >= 0xd8 && cp <= 0xf6) || (cp >= 0xf8 && cp <= 0x24f) ||
      [0x253, 0x254, 0x256, 0x257, 0x259, 0x25b, 0x263, 0x268, 0x26f, 0x272, 0x289, 0x28b, 0x2bb].indexOf(cp) >= 0 ||
      (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1e00 && cp <= 0x1eff);
  }

  function refusesMentionEnd(t, end) {
    if (t.substr(end, 3) === "://") return true;
    if (end >= t.length) return false;
    var cp = t.codePointAt(end);
    return cp === 0x40 || cp === 0xff20 || isLatinAccent(cp);
  }

  function findMentions(t) {
    var found = [], from = 0, at;
    while ((at = t.indexOf("@", from)) >= 0) {
      from = at + 1;
      var before = charBefore(t, at);
      if (before && (before === "=" || before === "/" || WORD_RE.test(before))) continue;
      var m = MENTION_RE.exec(t.slice(at));
      if (!m) continue;
      var end = at + m[0].length;
      from = end;
      if (refusesMentionEnd(t, end)) continue;
      found.push({ start: at, end: end, user: m[1] });
    }
    return found;
  }

  function countText(t, urlLength) {
    var entities = findLinks(t).concat(findMentions(t));
    entities.sort(function (a, b) { return a.start - b.start || (a.link ? -1 : 1); });
    var count = 0, cursor = 0;
    entities.forEach(function (e) {
      if (e.start < cursor) return; // overlaps an earlier entity: plain text
      count += codePoints(t.slice(cursor, e.start));
      count += e.link ? urlLength : 1 + codePoints(e.user);
      cursor = e.end;
    });
    return count + codePoints(t.slice(cursor));
  }

  function countPost(text, spoiler, urlLength) {
    return countText(text.replace(/\r\n/g, "\n").trim(), urlLength) + codePoints(spoiler.trim());
  }

  /* ---------- Composer ---------- */

  function autogrow(ta) {
    function fit() {
      ta.style.height = "auto";
      ta.style.height = (ta.scrollHeight + 2) + "px";
    }
    ta.addEventListener("input", fit);
    if (ta.value) fit();
  }

  function setupComposer(form) {
    var ta = form.querySelector(".js-composer-text");
    if (!ta) return;
    var cw = form.querySelector(".js-composer-cw");
    var counter = form.querySelector(".js-composer-counter");
    var value = form.querySelector(".js-counter-value");
    var spoken = form.querySelector(".js-counter-text");
    var submit = form.querySelector(".js-composer-submit");
    var max = parseInt(ta.getAttribute("data-max-chars"), 10) || 500;
    var urlLength = parseInt(ta.getAttribute("data-url-length"), 10) || 23;
    var speakTimer = 0;

    function update() {
      var left = max - countPost(ta.value, cw ? cw.value : "", urlLength);
      if (value) value.textContent = String(left);
      if (counter) {
        counter.classList.toggle("is-warning", left >= 0 && left <= 20);
        counter.classList.toggle("is-over", left < 0);
      }
      if (submit) submit.disabled = left < 0 || ta.value.trim() === "";
      if (spoken) {
        clearTimeout(speakTimer);
        speakTimer = setTimeout(function () {
          spoken.textContent = left >= 0
            ? left + (left === 1 ? " character left" : " characters left")
            : -left + (left === -1 ? " character over the limit" : " characters over the limit");
        }, 800);
      }
    }

    function shortcut(e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        if (submit && submit.disabled) return;
        if (form.requestSubmit) form.requestSubmit(submit || undefined);
        else form.submit();
      }
    }

    ta.addEventListener("input", update);
    ta.addEventListener("keydown", shortcut);
    if (cw) {
      cw.addEventListener("input", update);
      cw.addEventListener("keydown", shortcut);
    }
    form.addEventListener("submit", function () {
      // Don't let a double click publish twice.
      if (submit) setTimeout(function () { submit.disabled = true; }, 0);
    });
    autogrow(ta);
    update();
    // A reply opens with the mentions prefilled: put the cursor after them.
    if (ta.value && document.activeElement === ta) {
      ta.setSelectionRange(ta.value.length, ta.value.length);
    }
  }

  /* ---------- Announcements for screen readers ---------- */

  var announcer;
  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  /* ---------- In-place actions ---------- */

  var SAID = {
    favourite: "Added to favourites", unfavourite: "Removed from favourites",
    reblog: "Boosted", unreblog: "Boost undone",
    follow: "Following", unfollow: "Unfollowed"
  };

  function label(cls, text, hidden) {
    var span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    if (hidden) span.setAttribute("aria-hidden", "true");
    return span;
  }

  function showFollow(btn, active, requested) {
    // Just followed: keep saying "Following" until the pointer leaves the button once.
    if (active) {
      btn.classList.add("is-fresh");
      btn.addEventListener("mouseleave", function () { btn.classList.remove("is-fresh"); }, { once: true });
    }
    btn.classList.toggle("is-following", active && !requested);
    btn.classList.toggle("is-requested", active && requested);
    btn.classList.toggle("button-primary", !active);
    btn.textContent = "";
    if (!active) {
      btn.appendChild(label("label-idle", "Follow"));
    } else {
      btn.appendChild(label("label-hover", requested ? "Withdraw request" : "Unfollow"));
      btn.appendChild(label("label-idle", requested ? "Requested" : "Following", true));
    }
  }

  function showToggle(form, btn, active, count) {
    btn.setAttribute("aria-pressed", active ? "true" : "false");
    btn.classList.toggle("is-active", active);
    var title = form.getAttribute(active ? "data-title-undo" : "data-title-do");
    if (title) btn.title = title;
    if (typeof count === "number") {
      var c = btn.querySelector(".js-count");
      if (c) c.textContent = count > 0 ? String(count) : "";
      var target = form.getAttribute("data-count-target");
      var article = form.closest("article");
      if (target && article) {
        article.querySelectorAll("." + target).forEach(function (el) { el.textContent = String(count); });
      }
    }
  }

  function onActionSubmit(e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("js-action")) return;
    if (!window.fetch || !window.FormData || !window.URLSearchParams) return;
    e.preventDefault();
    if (form.getAttribute("data-busy")) return;
    var btn = form.querySelector("button[type=submit]") || form.querySelector("button");
    var url = form.getAttribute("action");
    var verb = url.slice(url.lastIndexOf("/") + 1);
    form.setAttribute("data-busy", "1");
    if (btn) { btn.classList.add("is-busy"); btn.setAttribute("aria-busy", "true"); }

    function done() {
      form.removeAttribute("data-busy");
      if (btn) { btn.classList.remove("is-busy"); btn.removeAttribute("aria-busy"); }
    }

    fetch(url, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json();
    }).then(function (data) {
      if (!data || typeof data.active !== "boolean") throw new Error("unexpected answer");
      var active = data.active;
      form.setAttribute("action", form.getAttribute(active ? "data-undo" : "data-do"));
      if (form.getAttribute("data-kind") === "follow") {
        showFollow(btn, active, !!data.requested);
        if (typeof data.count === "number") {
          document.querySelectorAll(".js-count-followers").forEach(function (el) { el.textContent = String(data.count); });
        }
        announce(active && data.requested ? "Follow request sent" : SAID[verb] || "Done");
      } else {
        showToggle(form, btn, active, data.count);
        announce(SAID[verb] || "Done");
      }
      done();
    }).catch(function () {
      done();
      form.submit(); // the ordinary way: the server answers with a page
    });
  }

  /* ---------- Relative times ---------- */

  function relative(date, now) {
    var s = (now - date) / 1000;
    if (s < 45) return "now";
    if (s < 3600) return Math.max(1, Math.round(s / 60)) + "m";
    if (s < 86400) return Math.floor(s / 3600) + "h";
    if (s < 7 * 86400) return Math.floor(s / 86400) + "d";
    var opts = { month: "short", day: "numeric" };
    if (date.getFullYear() !== new Date(now).getFullYear()) opts.year = "numeric";
    return date.toLocaleDateString(document.documentElement.lang || undefined, opts);
  }

  function updateTimes() {
    var now = Date.now();
    document.querySelectorAll("time.js-relative[datetime]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d.getTime())) el.textContent = relative(d, now);
    });
  }

  /* ---------- Copy buttons, notices ---------- */

  function setupCopy(btn) {
    btn.hidden = false;
    var text = btn.getAttribute("data-copy");
    var hiddenLabel = btn.querySelector(".js-copy-label");
    btn.addEventListener("click", function () {
      var ok = function () {
        btn.classList.add("is-copied");
        if (hiddenLabel) hiddenLabel.textContent = "Copied";
        btn.title = "Copied!";
        announce("Copied " + text);
        setTimeout(function () {
          btn.classList.remove("is-copied");
          if (hiddenLabel) hiddenLabel.textContent = "Copy handle";
          btn.title = "Copy handle";
        }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(ok, function () { selectHandle(btn); });
      } else {
        selectHandle(btn);
      }
    });
  }

  // Without clipboard access, select the handle so that Ctrl+C copies it.
  function selectHandle(btn) {
    var handle = btn.parentNode && btn.parentNode.querySelector(".js-handle");
    if (!handle || !window.getSelection) return;
    var range = document.createRange();
    range.selectNodeContents(handle);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function setupDismiss(btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var box = btn.closest(".notice");
      if (!box) return;
      var main = document.getElementById("content");
      box.remove();
      if (main) main.focus();
    });
  }

  /* ---------- Start ---------- */

  function start() {
    document.querySelectorAll("form.js-composer").forEach(setupComposer);
    document.querySelectorAll("textarea.js-autogrow").forEach(autogrow);
    document.querySelectorAll("button.js-copy").forEach(setupCopy);
    document.querySelectorAll("button.js-dismiss").forEach(setupDismiss);
    document.addEventListener("submit", onActionSubmit);
    updateTimes();
    setInterval(updateTimes, 60000);
  }

  // Exposed for tests (e.g. comparing with the server's count); harmless otherwise.
  window.Starling = { countPost: countPost, countText: countText };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
