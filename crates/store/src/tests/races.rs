//! Two transactions (as two server instances on one PostgreSQL database would run them) create
//! the same contact at the same moment: the second waits for the first, then returns the first
//! one's contact instead of failing.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::PgConnection;
use wacloud_core::changes::ChangeSet;
use wacloud_core::contact::Contact;
use wacloud_core::events::CustomerRef;
use wacloud_core::ports::{Repos, StoreError};

use crate::conn::DbConnection;
use crate::repo::Repo;
use crate::testdb::TestDb;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(url: &str, sql: &str) -> i64 {
    let mut c = PgConnection::establish(url).expect("connect");
    diesel::sql_query(sql)
        .get_result::<Count>(&mut c)
        .expect("count")
        .n
}

/// Polls until a session of this database waits for a lock.
fn wait_until_blocked(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting = count(
            url,
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE NOT l.granted AND a.datname = current_database()",
        );
        if waiting > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the second insert never waited");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn insert_in_tx(
    url: &str,
    id: &str,
    who: &CustomerRef,
    started: Option<mpsc::Sender<()>>,
    commit: Option<mpsc::Receiver<()>>,
) -> Result<Contact, StoreError> {
    let mut conn = DbConnection::Pg(PgConnection::establish(url).expect("connect"));
    let mut out = None;
    conn.transaction::<(), diesel::result::Error, _>(|c| {
        let mut changes = ChangeSet::default();
        let mut repo = Repo::new(c, &mut changes);
        out = Some(repo.insert_contact(id, who, Utc::now()));
        if let Some(s) = started {
            let _ = s.send(());
        }
        if let Some(r) = commit {
            let _ = r.recv();
        }
        Ok(())
    })
    .expect("transaction");
    out.expect("ran")
}

fn race(who: &CustomerRef) {
    let Some(db) = TestDb::postgres() else {
        eprintln!("skipped: WACLOUD_TEST_POSTGRES_URL is not set");
        return;
    };
    let url = db.url().to_owned();
    let (started_tx, started_rx) = mpsc::channel();
    let (commit_tx, commit_rx) = mpsc::channel();
    let first = {
        let (url, who) = (url.clone(), who.clone());
        std::thread::spawn(move || {
            insert_in_tx(&url, "first", &who, Some(started_tx), Some(commit_rx))
        })
    };
    started_rx.recv().expect("first inserted");
    let second = {
        let (url, who) = (url.clone(), who.clone());
        std::thread::spawn(move || insert_in_tx(&url, "second", &who, None, None))
    };
    // The second insert now waits on the first transaction's row; let the first commit.
    wait_until_blocked(&url);
    commit_tx.send(()).expect("commit");
    let first = first.join().expect("first thread").expect("first insert");
    let second = second
        .join()
        .expect("second thread")
        .expect("second insert");
    assert_eq!(first.id, "first");
    assert_eq!(
        second.id, "first",
        "the second transaction gets the first's contact"
    );
    assert_eq!(
        count(&url, "SELECT count(*) AS n FROM whatsapp_contacts"),
        1
    );
}

#[test]
fn a_customer_writing_to_two_instances_at_once_becomes_one_contact() {
    race(&CustomerRef {
        wa_id: Some("15550000001".into()),
        profile_name: Some("Alice".into()),
        ..CustomerRef::default()
    });
}

#[test]
fn two_instances_sending_to_a_new_number_at_once_make_one_contact() {
    race(&CustomerRef {
        phone_number: Some("+15550000002".into()),
        ..CustomerRef::default()
    });
}

#[test]
fn a_bsuid_customer_on_two_instances_at_once_becomes_one_contact() {
    race(&CustomerRef {
        user_id: Some("US.13491208655302741918".into()),
        ..CustomerRef::default()
    });
}
