//! [`Prepared`]: raw SQL that diesel keeps prepared.
//!
//! Diesel never keeps raw SQL (`sql_query`) or `UPDATE` statements in its prepared-statement
//! cache, so each run parses the SQL again; on SQLite, where a statement costs no round trip,
//! that parse is most of a small statement's cost. A [`Prepared`] statement's SQL is a constant
//! of a type of its own ([`Statement`]), which is its key in diesel's cache: after the first
//! run, a run only binds its values (no SQL is built, parsed or hashed).

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{AsExpression, TypedExpressionType};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::{Error, QueryResult};
use diesel::sql_types::SqlType;
use diesel::RunQueryDsl;

type Bind<'a, DB> = Box<dyn QueryFragment<DB> + Send + 'a>;

/// One SQL statement, as a type: its key in diesel's statement cache.
pub(crate) trait Statement: 'static {
    /// The SQL, with plain `?` markers that take the bound values in order (no `?` may appear
    /// elsewhere in it, e.g. in a string literal).
    const SQL: &'static str;

    /// [`Statement::SQL`] cut at its markers, computed once (diesel walks a statement twice
    /// per run, and cutting the text each time was a visible share of a run's cost).
    fn parts() -> &'static [&'static str];
}

/// Declares unit types that implement [`Statement`] with the given SQL.
macro_rules! statements {
    ($($(#[$doc:meta])* $name:ident = $sql:expr;)+) => {
        $(
            $(#[$doc])*
            pub(crate) struct $name;
            impl $crate::repo::prepared::Statement for $name {
                const SQL: &'static str = $sql;
                fn parts() -> &'static [&'static str] {
                    static PARTS: ::std::sync::OnceLock<Vec<&'static str>> =
                        ::std::sync::OnceLock::new();
                    PARTS.get_or_init(|| Self::SQL.split('?').collect())
                }
            }
        )+
    };
}
pub(crate) use statements;

/// Statement `S` and the values bound to its markers, in order.
pub(crate) struct Prepared<'a, DB: Backend, S: Statement> {
    binds: Vec<Bind<'a, DB>>,
    statement: PhantomData<S>,
}

impl<'a, DB: Backend, S: Statement> Prepared<'a, DB, S> {
    /// Statement `S`, nothing bound yet.
    pub(crate) fn new() -> Self {
        Self {
            binds: Vec::with_capacity(32),
            statement: PhantomData,
        }
    }

    /// Binds the next `?` to `value` as SQL type `ST`.
    pub(crate) fn bind<ST, V>(mut self, value: V) -> Self
    where
        ST: SqlType + TypedExpressionType,
        V: AsExpression<ST>,
        V::Expression: QueryFragment<DB> + Send + 'a,
    {
        self.binds.push(Box::new(value.as_expression()));
        self
    }
}

impl<DB: Backend, S: Statement> QueryFragment<DB> for Prepared<'_, DB, S> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let mut binds = self.binds.iter();
        for (i, part) in S::parts().iter().enumerate() {
            if i > 0 {
                // Each bound value writes its own marker.
                binds
                    .next()
                    .ok_or_else(|| mismatch(self))?
                    .walk_ast(out.reborrow())?;
            }
            out.push_sql(part);
        }
        if binds.next().is_some() {
            return Err(mismatch(self));
        }
        Ok(())
    }
}

fn mismatch<DB: Backend, S: Statement>(p: &Prepared<'_, DB, S>) -> Error {
    Error::QueryBuilderError(
        format!(
            "{} values bound to SQL with {} markers",
            p.binds.len(),
            S::SQL.matches('?').count()
        )
        .into(),
    )
}

impl<DB: Backend, S: Statement> QueryId for Prepared<'_, DB, S> {
    type QueryId = S;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<DB: Backend, S: Statement, Conn> RunQueryDsl<Conn> for Prepared<'_, DB, S> {}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{Integer, Text};
    use diesel::sqlite::{Sqlite, SqliteConnection};
    use diesel::{Connection, RunQueryDsl};

    use super::Prepared;

    statements! {
        Insert = "INSERT INTO t (a, b, c) VALUES (?, ?, ?)";
        Bump = "UPDATE t SET b = b + ? WHERE a = ? AND c = ?";
        SetWhere = "UPDATE t SET b = ? WHERE a = ?";
        Set = "UPDATE t SET b = ?";
        InsertAb = "INSERT INTO t (a, b) VALUES (?, ?)";
    }

    #[test]
    fn binds_in_order_and_refuses_a_count_mismatch() {
        let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
        c.batch_execute("CREATE TABLE t (a TEXT, b INTEGER, c TEXT)")
            .expect("table");
        let n = Prepared::<Sqlite, Insert>::new()
            .bind::<Text, _>("x")
            .bind::<Integer, _>(7)
            .bind::<Text, _>("y")
            .execute(&mut c)
            .expect("insert");
        assert_eq!(n, 1);
        let n = Prepared::<Sqlite, Bump>::new()
            .bind::<Integer, _>(5)
            .bind::<Text, _>("x")
            .bind::<Text, _>("y")
            .execute(&mut c)
            .expect("update");
        assert_eq!(n, 1);
        let b: Vec<i32> = diesel::dsl::sql::<Integer>("SELECT b FROM t")
            .load(&mut c)
            .expect("select");
        assert_eq!(b, vec![12]);
        let too_few = Prepared::<Sqlite, SetWhere>::new()
            .bind::<Integer, _>(1)
            .execute(&mut c);
        assert!(too_few.is_err(), "one value for two markers must fail");
        let too_many = Prepared::<Sqlite, Set>::new()
            .bind::<Integer, _>(1)
            .bind::<Integer, _>(2)
            .execute(&mut c);
        assert!(too_many.is_err(), "two values for one marker must fail");
    }

    /// The point of [`Prepared`]: run three times, its SQL is prepared and cached once, where
    /// diesel's own `sql_query` is never cached.
    #[test]
    fn is_prepared_once_and_kept() {
        use diesel::connection::InstrumentationEvent;
        use std::sync::{Arc, Mutex};

        let cached: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut c = SqliteConnection::establish(":memory:").expect("sqlite");
        c.batch_execute("CREATE TABLE t (a TEXT, b INTEGER, c TEXT)")
            .expect("table");
        let seen = Arc::clone(&cached);
        c.set_instrumentation(move |e: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = e {
                seen.lock().expect("lock").push(sql.to_owned());
            }
        });
        for i in 0..3 {
            Prepared::<Sqlite, InsertAb>::new()
                .bind::<Text, _>("x")
                .bind::<Integer, _>(i)
                .execute(&mut c)
                .expect("insert");
            diesel::sql_query("INSERT INTO t (a, b) VALUES (?, ?)")
                .bind::<Text, _>("y")
                .bind::<Integer, _>(i)
                .execute(&mut c)
                .expect("insert");
        }
        let cached = cached.lock().expect("lock").clone();
        assert_eq!(
            cached,
            vec!["INSERT INTO t (a, b) VALUES (?, ?)".to_owned()]
        );
    }
}
