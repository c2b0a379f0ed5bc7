//! Pages of statuses as client API JSON, put together from renderings kept between
//! requests: each status's own part and each account, rendered once by
//! [`present`](crate::mastodon::present) and reused while the rows they came from are
//! unchanged.
//!
//! Whether a kept rendering still holds is asked of Postgres with every page, in the same
//! query that fetches the viewer's marks ([`db::status_pages::standings`]): every update
//! of a row gives it a new version (`xmin`), so a favourite counted, an edit, a changed
//! avatar or a new follower shows at once, in every process sharing the database, with
//! no messages between them. What depends on the viewer (favourited, boosted, muted,
//! bookmarked, pinned, filters) is added per request. Statuses whose rendering depends
//! on more than their row (polls, which show the viewer's votes, and custom emoji) are
//! rendered afresh each time.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use crate::db;
use crate::db::status_pages::Standing;
use crate::error::{AppError, AppResult};
use crate::id::{AccountId, StatusId};
use crate::mastodon::pagination::link_header;
use crate::mastodon::present;
use crate::service::timelines::{self, StatusDetail};
use crate::state::AppState;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};

/// Bytes of kept renderings at most, per kind.
const STATUS_BYTES: usize = 24 * 1024 * 1024;
const ACCOUNT_BYTES: usize = 8 * 1024 * 1024;

/// A kept rendering: a JSON object without its closing brace (statuses also without
/// `account` and `reblog`), and the version of what it was rendered from.
struct Piece {
    version: (i64, i64),
    json: Box<str>,
}

/// Renderings by id in two generations: new ones go into the young one; when it is full
/// it becomes the old one and the former old one goes. A rendering found in the old
/// generation moves back to the young one, so what pages keep showing stays.
struct Shelf<K> {
    budget: usize,
    inner: Mutex<Generations<K>>,
}

struct Generations<K> {
    young: HashMap<K, Arc<Piece>>,
    old: HashMap<K, Arc<Piece>>,
    young_bytes: usize,
}

impl<K: Hash + Eq + Copy> Shelf<K> {
    fn new(budget: usize) -> Shelf<K> {
        Shelf {
            budget,
            inner: Mutex::new(Generations {
                young: HashMap::new(),
                old: HashMap::new(),
                young_bytes: 0,
            }),
        }
    }

    /// The renderings of `wanted` keys that were made from the given versions, under
    /// one lock for the whole page (a lock taken per status made requests wait on each
    /// other whenever the holder was descheduled).
    fn get_many(&self, wanted: impl Iterator<Item = (K, (i64, i64))>) -> HashMap<K, Arc<Piece>> {
        let mut found = HashMap::new();
        let Ok(mut g) = self.inner.lock() else {
            return found;
        };
        for (key, version) in wanted {
            if let Some(p) = g.young.get(&key) {
                if p.version == version {
                    found.insert(key, p.clone());
                }
                continue;
            }
            let Some(p) = g.old.remove(&key) else {
                continue;
            };
            if p.version != version {
                continue;
            }
            g.young_bytes += p.json.len();
            g.young.insert(key, p.clone());
            found.insert(key, p);
            self.roll(&mut g);
        }
        found
    }

    fn put(&self, key: K, piece: Arc<Piece>) {
        let Ok(mut g) = self.inner.lock() else { return };
        g.young_bytes += piece.json.len();
        if let Some(before) = g.young.insert(key, piece) {
            g.young_bytes -= before.json.len();
        }
        self.roll(&mut g);
    }

    fn roll(&self, g: &mut Generations<K>) {
        if g.young_bytes > self.budget / 2 {
            g.old = std::mem::take(&mut g.young);
            g.young_bytes = 0;
        }
    }
}

/// The kept renderings of one process.
pub struct Rendered {
    statuses: Shelf<StatusId>,
    accounts: Shelf<AccountId>,
}

impl Default for Rendered {
    fn default() -> Self {
        Rendered {
            statuses: Shelf::new(STATUS_BYTES),
            accounts: Shelf::new(ACCOUNT_BYTES),
        }
    }
}

/// A page as JSON, with the first and last status shown (for the `Link` header).
pub struct Page {
    pub first: Option<StatusId>,
    pub last: Option<StatusId>,
    pub json: Vec<u8>,
}

impl Page {
    /// The `Link` header of this page of the list at `uri`.
    pub fn links(&self, state: &AppState, uri: &Uri) -> HeaderMap {
        link_header(
            state,
            uri,
            self.first.map(|i| i.to_string()),
            self.last.map(|i| i.to_string()),
        )
    }

    /// The page as the answer to `uri`, with its `Link` header.
    pub fn into_response(self, state: &AppState, uri: &Uri) -> Response {
        (
            self.links(state, uri),
            [(header::CONTENT_TYPE, "application/json")],
            self.json,
        )
            .into_response()
    }
}

fn internal(e: serde_json::Error) -> AppError {
    AppError::internal(format!("rendering statuses: {e}"))
}

/// `value` (a JSON object) as text without its closing brace, less `drop`ped keys.
fn open_object(mut value: serde_json::Value, drop: &[&str]) -> AppResult<Box<str>> {
    let Some(map) = value.as_object_mut() else {
        return Err(AppError::internal("rendering statuses: not an object"));
    };
    for key in drop {
        map.remove(*key);
    }
    let mut text = serde_json::to_string(&value).map_err(internal)?;
    if text.len() < 3 || text.pop() != Some('}') {
        return Err(AppError::internal("rendering statuses: empty object"));
    }
    Ok(text.into_boxed_str())
}

/// The statuses of `ids` in order, as `present::statuses` renders them for `viewer`,
/// less those gone since the ids were listed (and boosts whose original went).
pub async fn page(
    state: &AppState,
    ids: &[StatusId],
    viewer: Option<AccountId>,
) -> AppResult<Page> {
    let standings = db::status_pages::standings_of(&state.db, viewer, ids).await?;
    page_of(state, ids, standings, viewer).await
}

/// [`page`] with the standings of `ids` already read.
pub async fn page_of(
    state: &AppState,
    ids: &[StatusId],
    standings: Vec<Standing>,
    viewer: Option<AccountId>,
) -> AppResult<Page> {
    let [page] = render(state, [ids], standings, viewer).await?;
    Ok(page)
}

/// Several lists of statuses (a thread's ancestors and descendants), each as [`page`]
/// renders it, with the standings of all read in one round trip.
pub async fn pages<const N: usize>(
    state: &AppState,
    lists: [&[StatusId]; N],
    viewer: Option<AccountId>,
) -> AppResult<[Page; N]> {
    let all: Vec<StatusId> = lists.iter().flat_map(|l| l.iter().copied()).collect();
    let standings = db::status_pages::standings_of(&state.db, viewer, &all).await?;
    render(state, lists, standings, viewer).await
}

/// The pages of `lists`, from the standings of all their statuses (and of the
/// originals of their boosts).
async fn render<const N: usize>(
    state: &AppState,
    lists: [&[StatusId]; N],
    standings: Vec<Standing>,
    viewer: Option<AccountId>,
) -> AppResult<[Page; N]> {
    let standings: HashMap<StatusId, Standing> = standings.into_iter().map(|s| (s.id, s)).collect();
    let kept = &state.rendered;
    let mut statuses = kept.statuses.get_many(
        standings
            .values()
            .filter(|s| s.self_contained)
            .map(|s| (s.id, (s.version, s.mentions_version))),
    );
    let mut accounts = kept.accounts.get_many(
        standings
            .values()
            .map(|s| (s.account_id, (s.account_version, 0))),
    );
    let mut missing: Vec<StatusId> = standings
        .keys()
        .filter(|id| !statuses.contains_key(id))
        .copied()
        .collect();
    let mut missing_accounts: HashSet<AccountId> = standings
        .values()
        .map(|s| s.account_id)
        .filter(|a| !accounts.contains_key(a))
        .collect();
    // Statuses rendered for this viewer alone (polls, emoji), not kept.
    let mut own: HashSet<StatusId> = HashSet::new();
    if !missing.is_empty() {
        missing.sort_unstable();
        let details = timelines::details(state, &missing, viewer).await?;
        let mut rendered: Vec<&StatusDetail> = Vec::new();
        for d in &details {
            rendered.push(d);
            rendered.extend(d.reblog.as_deref());
        }
        for d in rendered {
            let id = d.status.id;
            let Some(s) = standings.get(&id) else {
                continue;
            };
            if statuses.contains_key(&id) {
                continue;
            }
            let for_all = s.self_contained;
            let entity = present::status(state, d, if for_all { None } else { viewer });
            let value = serde_json::to_value(&entity).map_err(internal)?;
            let piece = Arc::new(Piece {
                version: (s.version, s.mentions_version),
                json: open_object(value, &["account", "reblog"])?,
            });
            if for_all {
                kept.statuses.put(id, piece.clone());
            } else {
                own.insert(id);
            }
            statuses.insert(id, piece);
            if missing_accounts.remove(&d.account.id) {
                let piece = account_piece(state, &d.account, s.account_version)?;
                accounts.insert(d.account.id, piece);
            }
        }
    }
    if !missing_accounts.is_empty() {
        let wanted: Vec<AccountId> = missing_accounts.into_iter().collect();
        for a in db::accounts::find_many(&state.db, &wanted).await? {
            let version = standings
                .values()
                .find(|s| s.account_id == a.id)
                .map_or(0, |s| s.account_version);
            accounts.insert(a.id, account_piece(state, &a, version)?);
        }
    }
    let parts = Parts {
        standings: &standings,
        statuses: &statuses,
        accounts: &accounts,
        own: &own,
        viewer,
    };
    Ok(lists.map(|ids| parts.page(ids)))
}

fn account_piece(
    state: &AppState,
    account: &db::accounts::Account,
    version: i64,
) -> AppResult<Arc<Piece>> {
    let value = serde_json::to_value(present::account(state, account)).map_err(internal)?;
    let piece = Arc::new(Piece {
        version: (version, 0),
        json: open_object(value, &[])?,
    });
    state.rendered.accounts.put(account.id, piece.clone());
    Ok(piece)
}

/// What a page is put together from.
struct Parts<'a> {
    standings: &'a HashMap<StatusId, Standing>,
    statuses: &'a HashMap<StatusId, Arc<Piece>>,
    accounts: &'a HashMap<AccountId, Arc<Piece>>,
    /// Rendered for this viewer, marks included.
    own: &'a HashSet<StatusId>,
    viewer: Option<AccountId>,
}

impl Parts<'_> {
    /// The statuses of `ids` that are all there, in order, as one JSON array.
    fn page(&self, ids: &[StatusId]) -> Page {
        let mut json = Vec::with_capacity(ids.len() * 1800 + 2);
        json.push(b'[');
        let (mut first, mut last) = (None, None);
        for &id in ids {
            let mark = json.len();
            if !json.ends_with(b"[") {
                json.push(b',');
            }
            if self.write(&mut json, id, true) {
                first.get_or_insert(id);
                last = Some(id);
            } else {
                json.truncate(mark);
            }
        }
        json.push(b']');
        Page { first, last, json }
    }

    /// Writes status `id` (with its original, for a boost); false when something it
    /// needs is gone, and then what was written is to be dropped.
    fn write(&self, out: &mut Vec<u8>, id: StatusId, outer: bool) -> bool {
        let (Some(s), Some(piece)) = (self.standings.get(&id), self.statuses.get(&id)) else {
            return false;
        };
        let Some(account) = self.accounts.get(&s.account_id) else {
            return false;
        };
        out.extend_from_slice(piece.json.as_bytes());
        out.extend_from_slice(b",\"account\":");
        out.extend_from_slice(account.json.as_bytes());
        out.push(b'}');
        out.extend_from_slice(b",\"reblog\":");
        match s.reblog_of_id {
            Some(original) if outer => {
                if !self.write(out, original, false) {
                    return false;
                }
            }
            Some(_) => return false,
            None => out.extend_from_slice(b"null"),
        }
        if let Some(viewer) = self.viewer
            && !self.own.contains(&id)
        {
            let flag = |b: bool| if b { "true" } else { "false" };
            out.extend_from_slice(
                format!(
                    ",\"favourited\":{},\"reblogged\":{},\"muted\":{},\"bookmarked\":{}",
                    flag(s.favourited),
                    flag(s.reblogged),
                    flag(s.muted),
                    flag(s.bookmarked)
                )
                .as_bytes(),
            );
            if s.account_id == viewer {
                out.extend_from_slice(format!(",\"pinned\":{}", flag(s.pinned)).as_bytes());
            }
            out.extend_from_slice(b",\"filtered\":[]");
        }
        out.push(b'}');
        true
    }
}
