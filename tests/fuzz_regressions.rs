//! Replays the fuzz inputs kept in the tree — the seed corpus `fuzz/corpus/<target>/` and
//! the saved crashes `fuzz/regressions/<target>/` — through the same code as the fuzz
//! targets (`fuzz/fuzz_targets/common.rs`), so a fixed crash stays fixed without nightly.

#[path = "../fuzz/fuzz_targets/common.rs"]
mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The saved inputs of `target`, in a stable order.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for kind in ["corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        files.extend(
            dir.map(|entry| entry.expect("readable directory").path())
                .filter(|path| path.is_file()),
        );
    }
    files.sort();
    files
}

/// Runs `run` on every input of `target`, then fails naming each input that panicked.
fn replay(target: &str, run: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no seed corpus for {target}");
    let panicked: Vec<String> = files
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).expect("readable input");
            catch_unwind(AssertUnwindSafe(|| run(&data))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(panicked.is_empty(), "{target} panicked on {panicked:#?}");
}

#[test]
fn httpsig_inputs_never_panic() {
    replay("httpsig_parse", common::httpsig_parse);
}

#[test]
fn activity_inputs_never_panic() {
    replay("activity_parse", common::activity_parse);
}

#[test]
fn sanitize_inputs_never_panic() {
    replay("sanitize", common::sanitize);
}

/// The signed seeds must verify, or the fuzzer never reaches the RSA check and the
/// request layout in `common.rs` has drifted from what the inbox sees.
#[test]
fn signed_seed_requests_verify() {
    let signed: Vec<PathBuf> = inputs("httpsig_parse")
        .into_iter()
        .filter(|path| path.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus")))
        .filter(|path| {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("signed-"))
        })
        .collect();
    assert!(!signed.is_empty(), "no signed seed requests");
    for path in signed {
        let data = std::fs::read(&path).expect("readable input");
        let key_id = common::verify_request(&data);
        assert_eq!(
            key_id.as_deref(),
            Ok("https://remote.test/users/bob#main-key"),
            "{}",
            path.display()
        );
    }
}
