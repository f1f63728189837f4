//! `schema.rs` matches what the migrations make, on both backends: the same tables, and for
//! every column the same name, type, nullability and primary key.
//!
//! `schema.rs` is read as text (its `diesel::table!` blocks), the database after all
//! migrations through `PRAGMA table_info` (SQLite) and `information_schema` (PostgreSQL).

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::conn::{establish, run_migrations, DatabaseUrl, DbConnection};
use crate::testdb::TestDb;

/// A column as both sides describe it: (diesel type without `Nullable`, nullable, in the
/// primary key).
type Columns = Vec<(String, (String, bool, bool))>;

/// The tables of `schema.rs`, columns in their order.
fn declared() -> BTreeMap<String, Columns> {
    let src = include_str!("../schema.rs");
    let mut out = BTreeMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in src.lines() {
        let t = line.trim();
        if let Some((name, rest)) = t.split_once(" (") {
            if let Some(pk) = rest.strip_suffix(") {") {
                let pk = pk.split(',').map(|s| s.trim().to_owned()).collect();
                current = Some((name.to_owned(), pk));
                out.insert(name.to_owned(), Vec::new());
                continue;
            }
        }
        if let (Some((table, pk)), Some((col, ty))) = (&current, t.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',');
            let (ty, nullable) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (ty, false),
            };
            let in_pk = pk.iter().any(|p| p == col);
            out.get_mut(table)
                .expect("table")
                .push((col.to_owned(), (ty.to_owned(), nullable, in_pk)));
        }
        if t == "}" {
            current = None;
        }
    }
    assert_eq!(
        out.len(),
        31,
        "schema.rs should declare the thirty-one tables (DESIGN.md's seven, whatsapp_idempotency, \
         the three of /stats's counts (removed rows still counted included), the operators' accounts, failed logins and audit trail, \
         the team inbox's conversations, timeline, note mentions and canned replies, \
         the instances' shares of a number's rate, the call log, the batches' budgets, \
         the groups and their participants, \
         the outbox's subscriptions, events, deliveries and attempts, \
         and the automations' rules, settings and runs): \
         {out:?}"
    );
    out
}

fn diesel_type(backend: &str, sql: &str) -> String {
    let sql = sql.to_ascii_lowercase();
    let t = match (backend, sql.as_str()) {
        (_, "text") => "Text",
        (_, "boolean") => "Bool",
        (_, "bigint") => "BigInt",
        (_, "integer") => "Integer",
        ("sqlite", "timestamp") | ("postgres", "timestamp without time zone") => "Timestamp",
        ("sqlite", "blob") | ("postgres", "bytea") => "Binary",
        _ => return format!("unmapped SQL type {sql}"),
    };
    t.to_owned()
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = BigInt)]
    notnull: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
    #[diesel(sql_type = BigInt)]
    in_pk: i64,
}

fn actual(conn: &mut DbConnection) -> BTreeMap<String, Columns> {
    let mut out = BTreeMap::new();
    match conn {
        DbConnection::Sqlite(c) => {
            let tables: Vec<Name> = diesel::sql_query(
                // The message search's FTS5 table, its shadow tables and the indexer's mark
                // exist on SQLite only and are read by raw SQL (`repo/search.rs`), not diesel.
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name != '__diesel_schema_migrations' \
                 AND name NOT LIKE 'whatsapp_messages_fts%' AND name != 'whatsapp_search_state'",
            )
            .load(c)
            .expect("tables");
            for t in tables {
                let cols: Vec<SqliteColumn> = diesel::sql_query(format!(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{}')",
                    t.name
                ))
                .load(c)
                .expect("columns");
                let cols = cols
                    .into_iter()
                    .map(|col| {
                        (
                            col.name,
                            (
                                diesel_type("sqlite", &col.r#type),
                                col.notnull == 0,
                                col.pk > 0,
                            ),
                        )
                    })
                    .collect();
                out.insert(t.name, cols);
            }
        }
        DbConnection::Pg(c) => {
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT table_name::text AS name FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
            )
            .load(c)
            .expect("tables");
            for t in tables {
                let cols: Vec<PgColumn> = diesel::sql_query(
                    "SELECT c.column_name::text AS column_name, c.data_type::text AS data_type, \
                            c.is_nullable::text AS is_nullable, \
                            (SELECT count(*) FROM information_schema.table_constraints tc \
                               JOIN information_schema.key_column_usage k \
                                 ON k.constraint_name = tc.constraint_name \
                                AND k.table_name = tc.table_name \
                              WHERE tc.table_name = c.table_name \
                                AND tc.constraint_type = 'PRIMARY KEY' \
                                AND k.column_name = c.column_name) AS in_pk \
                       FROM information_schema.columns c \
                      WHERE c.table_schema = 'public' AND c.table_name = $1 \
                      ORDER BY c.ordinal_position",
                )
                .bind::<Text, _>(&t.name)
                .load(c)
                .expect("columns");
                let cols = cols
                    .into_iter()
                    .map(|col| {
                        (
                            col.column_name,
                            (
                                diesel_type("postgres", &col.data_type),
                                col.is_nullable == "YES",
                                col.in_pk > 0,
                            ),
                        )
                    })
                    .collect();
                out.insert(t.name, cols);
            }
        }
    }
    out
}

fn check(db: &TestDb) {
    let url = DatabaseUrl::parse(db.url());
    let mut conn = establish(&url, false).expect("open");
    run_migrations(&mut conn).expect("migrate");
    let want = declared();
    let got = actual(&mut conn);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{}: the tables differ",
        db.backend().as_str()
    );
    for (table, cols) in &want {
        assert_eq!(
            &got[table],
            cols,
            "{}: table {table} differs from schema.rs (left: migrations, right: schema.rs)",
            db.backend().as_str()
        );
    }
}

#[test]
fn schema_rs_matches_the_sqlite_migrations() {
    check(&TestDb::sqlite());
}

#[test]
fn schema_rs_matches_the_postgres_migrations() {
    // Made from an empty database rather than the test template, so it is the migrations that
    // are checked.
    let Some(db) = TestDb::postgres_empty() else {
        eprintln!("skipped: WACLOUD_TEST_POSTGRES_URL is not set");
        return;
    };
    check(&db);
}

/// The migrations go down and up again cleanly, and end where they started.
fn down_and_up(db: &TestDb) {
    use diesel_migrations::MigrationHarness;
    let mut conn = establish(&DatabaseUrl::parse(db.url()), false).expect("open");
    run_migrations(&mut conn).expect("migrate");
    match &mut conn {
        DbConnection::Sqlite(c) => c
            .revert_all_migrations(crate::conn::SQLITE_MIGRATIONS)
            .map(drop),
        DbConnection::Pg(c) => c
            .revert_all_migrations(crate::conn::POSTGRES_MIGRATIONS)
            .map(drop),
    }
    .expect("revert every migration");
    assert!(actual(&mut conn).is_empty(), "tables left after reverting");
    drop(conn);
    check(db);
}

#[test]
fn every_migration_can_be_undone_and_redone_on_sqlite() {
    down_and_up(&TestDb::sqlite());
}

#[test]
fn every_migration_can_be_undone_and_redone_on_postgres() {
    let Some(db) = TestDb::postgres_empty() else {
        eprintln!("skipped: WACLOUD_TEST_POSTGRES_URL is not set");
        return;
    };
    down_and_up(&db);
}
