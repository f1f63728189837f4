//! Shared test helpers: where Meta's fixtures live.

use std::path::PathBuf;

/// `/work/shared/fixtures/meta`, computed from the crate dir; `None` (with a printed
/// reason) when the folder is absent so the tests skip instead of failing.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/meta");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: fixtures folder {} is absent; fixture-based assertions not run",
            dir.display()
        );
        None
    }
}

/// Reads one fixture file (relative to the fixtures folder) as bytes.
pub fn fixture_bytes(rel: &str) -> Option<Vec<u8>> {
    let dir = fixtures_dir()?;
    Some(std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("read fixture {rel}: {e}")))
}

/// Reads one fixture file as JSON.
pub fn fixture_json(rel: &str) -> Option<serde_json::Value> {
    let b = fixture_bytes(rel)?;
    Some(serde_json::from_slice(&b).unwrap_or_else(|e| panic!("fixture {rel} is not JSON: {e}")))
}

/// Every `.json` file under the fixtures folder, sorted.
pub fn all_json_files() -> Option<Vec<PathBuf>> {
    let dir = fixtures_dir()?;
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read fixtures dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|x| x.to_str()) == Some("json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Some(out)
}
