//! The store's tests against real databases: SQLite always, PostgreSQL when
//! `WACLOUD_TEST_POSTGRES_URL` is set (see `testdb`).

mod feed;
mod outbox;
mod plans;
mod races;
mod schema;
