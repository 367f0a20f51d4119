//! Every input a fuzz target ever crashed on (or that is worth keeping) is saved under
//! `server/fuzz/regressions/<target>/` and replayed here through the same code the fuzz
//! target runs, so a fixed crash stays fixed. Also replays a few hand-made inputs.

#[path = "../fuzz/fuzz_targets/bodies.rs"]
mod bodies;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        run(&std::fs::read(&path).unwrap());
        replayed += 1;
    }
    replayed
}

#[test]
fn saved_fuzz_inputs_never_panic() {
    let total = replay("sync_request", bodies::sync_request::run)
        + replay("doc_load", bodies::doc_load::run)
        + replay("order_request_json", bodies::order_request_json::run)
        + replay("login_json", bodies::login_json::run);
    assert!(total > 0, "the regression inputs are missing");
}
