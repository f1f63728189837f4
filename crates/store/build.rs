//! Rebuilds the crate when a migration is added or changed: `embed_migrations!` reads the
//! folders at compile time, and cargo does not know it depends on them otherwise (a test build
//! would then run an older set of migrations than the folders hold).

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
