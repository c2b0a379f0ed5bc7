//! JSON snapshots kept as files next to the tests: pretty-printed with keys sorted, with
//! what changes from run to run (base URLs, ids, dates, random tokens, key PEMs) replaced
//! by stable placeholders. `UPDATE_SNAPSHOTS=1` rewrites the files; otherwise a
//! mismatch fails with a line diff of stored (`-`) against actual (`+`).

use regex::Regex;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Turns run-specific values into placeholders.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    literals: Vec<(String, String)>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Replaces every occurrence of `from` in strings by `to` (longest `from` first).
    pub fn replace(&mut self, from: impl Into<String>, to: impl Into<String>) -> &mut Redactor {
        let from = from.into();
        if !from.is_empty() && !self.literals.iter().any(|(f, _)| *f == from) {
            self.literals.push((from, to.into()));
            self.literals
                .sort_by_key(|(f, _)| std::cmp::Reverse(f.len()));
        }
        self
    }

    /// A test server: its base URL becomes `public_base` and its domain (`host:port`,
    /// as in handles) the host of `public_base`.
    pub fn server(&mut self, base: &str, public_base: &str) -> &mut Redactor {
        let domain = base.split("://").nth(1).unwrap_or(base).to_string();
        let public_domain = public_base
            .split("://")
            .nth(1)
            .unwrap_or(public_base)
            .to_string();
        self.replace(base, public_base);
        self.replace(domain, public_domain)
    }

    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (from, to) in &self.literals {
            if out.contains(from.as_str()) {
                out = out.replace(from.as_str(), to);
            }
        }
        generic(&out)
    }

    pub fn json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.json(i)).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), self.json(v))).collect())
            }
            other => other.clone(),
        }
    }
}

struct Rules {
    pem: Regex,
    date: Regex,
    day: Regex,
    token: Regex,
    updates: Regex,
    long_number: Regex,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules {
        pem: Regex::new(r"-----BEGIN ([A-Z ]+)-----[A-Za-z0-9+/=\s]*-----END [A-Z ]+-----\n?")
            .expect("regex"),
        // Timestamps, and plain days (`last_status_at`).
        date: Regex::new(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$")
            .expect("regex"),
        day: Regex::new(r"^\d{4}-\d{2}-\d{2}$").expect("regex"),
        token: Regex::new(r"#(likes|follows|accepts|rejects|blocks|announces)/[A-Za-z0-9_-]{8,}")
            .expect("regex"),
        updates: Regex::new(r"#updates/\d+").expect("regex"),
        long_number: Regex::new(r"\d{9,}").expect("regex"),
    })
}

/// What is redacted whatever the test: key PEMs, timestamps and days, random activity-id
/// tokens, and any long number left (ids the test did not name).
fn generic(s: &str) -> String {
    let r = rules();
    let s = r.pem.replace_all(s, "[$1 PEM]");
    if r.date.is_match(&s) {
        return "[date]".into();
    }
    // Days (an account's `last_status_at`): a run around midnight UTC sees two.
    if r.day.is_match(&s) {
        return "[day]".into();
    }
    let s = r.token.replace_all(&s, "#$1/[token]");
    let s = r.updates.replace_all(&s, "#updates/[timestamp]");
    r.long_number.replace_all(&s, "[id]").into_owned()
}

/// The same value with every bare date (`YYYY-MM-DD`, as an account's `last_status_at`,
/// which is the day the test ran) replaced by `[day]`.
pub fn without_days(v: &Value) -> Value {
    static DAY: OnceLock<Regex> = OnceLock::new();
    let day = DAY.get_or_init(|| Regex::new(r"^\d{4}-\d{2}-\d{2}$").expect("regex"));
    match v {
        Value::String(s) if day.is_match(s) => Value::String("[day]".into()),
        Value::Array(items) => Value::Array(items.iter().map(without_days).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_days(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The same value with every object's keys in sorted order.
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k.clone(), sorted(v));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn snapshot_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(file)
}

fn updating() -> bool {
    std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Compares `actual` with the stored file `tests/snapshots/<file>` (or writes it).
pub fn assert_text_snapshot(file: &str, actual: &str) {
    let path = snapshot_path(file);
    let stored = std::fs::read_to_string(&path).ok();
    if stored.as_deref() == Some(actual) {
        return;
    }
    if updating() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the snapshot directory");
        }
        std::fs::write(&path, actual).expect("write the snapshot");
        eprintln!("snapshot written: {}", path.display());
        return;
    }
    match stored {
        None => panic!(
            "no snapshot {}\n(run `UPDATE_SNAPSHOTS=1 cargo test --test <this test>` to create it)\n\
             --- actual ---\n{actual}",
            path.display()
        ),
        Some(stored) => panic!(
            "snapshot {} differs (- stored, + actual; `UPDATE_SNAPSHOTS=1` accepts the change):\n{}",
            path.display(),
            line_diff(&stored, actual)
        ),
    }
}

/// Redacts, sorts and pretty-prints `value`, then compares it with
/// `tests/snapshots/<file>`.
pub fn assert_json_snapshot(file: &str, redactor: &Redactor, value: &Value) {
    let pretty = serde_json::to_string_pretty(&sorted(&redactor.json(value))).expect("JSON");
    assert_text_snapshot(file, &format!("{pretty}\n"));
}

/// A unified-style diff of two texts by lines, with three lines of context.
pub fn line_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table, from the end.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= 3);
    let mut out = String::new();
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near(k) {
            if skipped {
                out.push_str("  …\n");
                skipped = false;
            }
            out.push_str(&format!("{op} {line}\n"));
        } else {
            skipped = true;
        }
    }
    out
}

#[test]
fn the_diff_shows_changed_lines_with_context() {
    let d = line_diff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nE\nf\ng\nh\n");
    assert!(d.contains("- e\n+ E\n"), "{d}");
    assert!(!d.contains("  a\n"), "far context is left out: {d}");
}

#[test]
fn redaction_names_what_it_replaces() {
    let mut r = Redactor::new();
    r.server("http://127.0.0.1:4321", "https://starling.test");
    r.replace("1234567890123", "[post]");
    let v = serde_json::json!({
        "id": "http://127.0.0.1:4321/users/a/statuses/1234567890123",
        "name": "@a@127.0.0.1:4321",
        "like": "http://127.0.0.1:4321/users/a#likes/AbCdEf_-12345678",
        "update": "http://127.0.0.1:4321/users/a#updates/1764000000",
        "at": "2026-11-27T10:00:00Z",
        "other": "99999999999",
        "pem": "-----BEGIN PUBLIC KEY-----\nMIIB\nIDAQ==\n-----END PUBLIC KEY-----\n",
        "n": 3
    });
    assert_eq!(
        r.json(&v),
        serde_json::json!({
            "id": "https://starling.test/users/a/statuses/[post]",
            "name": "@a@starling.test",
            "like": "https://starling.test/users/a#likes/[token]",
            "update": "https://starling.test/users/a#updates/[timestamp]",
            "at": "[date]",
            "other": "[id]",
            "pem": "[PUBLIC KEY PEM]",
            "n": 3
        })
    );
}
