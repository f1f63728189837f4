//! The coverage table (`wacloud_graph::coverage`) against Meta's OpenAPI description:
//! every operation of the spec is covered, omitted with a reason, or listed as not yet
//! covered, exactly once; no list names an operation the spec lacks; every covered
//! method exists in the crate and is called by a test; at most `MAX_OMITTED` are
//! omitted; the README shows the same table. Prints the counts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use wacloud_graph::coverage::{
    readme_section, Operation, BEYOND_SPEC, COVERED, MAX_OMITTED, NOT_YET_COVERED, OMITTED,
    SPEC_FILE, SPEC_OPERATIONS,
};

use crate::common;

const HTTP_METHODS: [&str; 7] = ["get", "post", "put", "delete", "patch", "head", "options"];
const README_START: &str = "<!-- coverage:start -->";
const README_END: &str = "<!-- coverage:end -->";

/// `(METHOD, path)` of every operation of the spec.
fn spec_operations(file: &Path) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(file).expect("read the spec");
    let spec: Value = serde_norway::from_str(&text).expect("the spec is YAML");
    let paths = spec["paths"].as_object().expect("the spec has paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for m in HTTP_METHODS {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

fn key(o: &Operation) -> (String, String) {
    (o.method.to_owned(), o.path.to_owned())
}

/// Every `.rs` file under `dir`, concatenated.
fn sources(dir: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push_str(&std::fs::read_to_string(&p).expect("read source"));
            }
        }
    }
    out
}

#[test]
fn every_spec_operation_is_covered_omitted_or_listed_once() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let spec = spec_operations(&dir.join("openapi").join(SPEC_FILE));
    assert_eq!(
        spec.len(),
        SPEC_OPERATIONS,
        "the spec's operation count changed"
    );

    let mut listed: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for c in COVERED {
        listed.entry(key(&c.operation)).or_default().push("COVERED");
    }
    for o in OMITTED {
        listed.entry(key(&o.operation)).or_default().push("OMITTED");
    }
    for n in NOT_YET_COVERED {
        listed.entry(key(n)).or_default().push("NOT_YET_COVERED");
    }

    let mut problems = Vec::new();
    for op in &spec {
        match listed.get(op).map(Vec::as_slice) {
            None | Some([]) => problems.push(format!("{} {} is in no list", op.0, op.1)),
            Some([_]) => {}
            Some(lists) => problems.push(format!("{} {} is listed in {lists:?}", op.0, op.1)),
        }
    }
    for (op, lists) in &listed {
        if !spec.contains(op) {
            problems.push(format!(
                "{} {} (in {lists:?}) is not an operation of the spec",
                op.0, op.1
            ));
        }
    }
    if OMITTED.len() > MAX_OMITTED {
        problems.push(format!(
            "{} operations omitted; at most {MAX_OMITTED} may be",
            OMITTED.len()
        ));
    }
    for o in OMITTED {
        if o.reason.trim().len() < 20 {
            problems.push(format!(
                "{} {}: the omission needs a reason",
                o.operation.method, o.operation.path
            ));
        }
    }
    println!(
        "coverage of {SPEC_FILE}: {} covered, {} omitted, {} not yet covered, of {}",
        COVERED.len(),
        OMITTED.len(),
        NOT_YET_COVERED.len(),
        spec.len()
    );
    assert!(
        problems.is_empty(),
        "coverage table:\n{}",
        problems.join("\n")
    );
}

/// The methods of [`COVERED`] and of [`BEYOND_SPEC`] exist and some test calls each.
#[test]
fn every_covered_method_exists_and_is_tested() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = sources(&crate_dir.join("src"));
    let tests = sources(&crate_dir.join("tests"));
    let mut problems = Vec::new();
    let beyond = BEYOND_SPEC.iter().map(|b| b.call);
    for call in COVERED.iter().map(|c| c.call).chain(beyond) {
        let Some(name) = call.strip_prefix("GraphClient::") else {
            problems.push(format!("{}: not a GraphClient method", call));
            continue;
        };
        if !src.contains(&format!("pub async fn {name}(")) {
            problems.push(format!("{}: no `pub async fn {name}` in src/", call));
        }
        if !tests.contains(&format!(".{name}(")) {
            problems.push(format!("{}: no test calls `.{name}(`", call));
        }
    }
    assert!(
        problems.is_empty(),
        "covered methods:\n{}",
        problems.join("\n")
    );
}

#[test]
fn readme_shows_the_coverage_table() {
    let readme_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("read README.md");
    let expected = readme_section();
    let (Some(start), Some(end)) = (readme.find(README_START), readme.find(README_END)) else {
        panic!("README.md has no {README_START} … {README_END} section");
    };
    let current = readme[start + README_START.len()..end].trim();
    if current != expected.trim() {
        if std::env::var_os("WACLOUD_BLESS_README").is_some() {
            let updated = format!(
                "{}{README_START}\n{}\n{}",
                &readme[..start],
                expected.trim(),
                &readme[end..]
            );
            std::fs::write(&readme_path, updated).expect("write README.md");
            println!("README.md coverage section rewritten");
            return;
        }
        panic!(
            "README.md's coverage section differs from coverage::readme_section(); rerun \
             with WACLOUD_BLESS_README=1 to rewrite it. Expected:\n{expected}"
        );
    }
}
