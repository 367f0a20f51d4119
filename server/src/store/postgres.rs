//! PostgreSQL, for more than one server process: a pool of connections (each with its
//! prepared statements), READ COMMITTED transactions that lock the rows they will change
//! (`FOR UPDATE`), and write transactions run again when another process wrote the same
//! rows first. Migrations run under an advisory lock, so processes starting together
//! migrate once.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use postgres::{NoTls, Statement};

use super::documents::DocCache;
use super::sql::{Dialect, Row, Sql, StoreError, Tx, Value, to_postgres_placeholders};
use super::{Retryable, now_ms};

/// How many times a write transaction is run when other processes keep writing first.
const WRITE_ATTEMPTS: u32 = 8;
/// The advisory lock key held while migrating.
const MIGRATION_LOCK: i64 = 0x6469_6e67_6875_6f01;

mod embedded {
    refinery::embed_migrations!("migrations/postgres");
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(int) => match *ty {
                Type::INT8 => int.to_sql(ty, out),
                Type::INT4 => i32::try_from(*int)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*int)?.to_sql(ty, out),
                Type::BOOL => (*int != 0).to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Text(text) => text.as_str().to_sql(ty, out),
            Value::Blob(bytes) => bytes.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Value, BoxError> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Value::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::BOOL => Value::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::BYTEA => Value::Blob(Vec::<u8>::from_sql(ty, raw)?),
            _ => Value::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Value, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Sorts PostgreSQL's errors into what the caller can do about them.
fn pg_error(error: postgres::Error) -> StoreError {
    if let Some(db) = error.as_db_error() {
        let code = db.code().code();
        return match code {
            // serialization failure, deadlock, a unique row another process inserted first
            "40001" | "40P01" | "23505" => StoreError::Conflict(db.to_string()),
            _ if code.starts_with("08") || code.starts_with("57P") => {
                StoreError::Unavailable(db.to_string())
            }
            _ => StoreError::Database(db.to_string()),
        };
    }
    if error.is_closed() || error.source().is_some_and(|s| s.is::<std::io::Error>()) {
        return StoreError::Unavailable(error.to_string());
    }
    StoreError::Database(error.to_string())
}

/// A pooled connection and the statements prepared on it.
pub(crate) struct PgConn {
    client: postgres::Client,
    statements: HashMap<String, Statement>,
    /// When it was last handed out ([`PgManager::is_valid`]).
    handed_out: Instant,
}

/// How long after it was last handed out a connection is handed out again without asking
/// PostgreSQL whether it is still there: asking is a round trip, and under load every
/// order checks out connections several times. One that broke meanwhile is closed by the
/// statement that found out, and the pool drops it when it comes back (`has_broken`).
const TRUSTED_FOR: Duration = Duration::from_secs(1);

pub(crate) struct PgManager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: self.config.connect(NoTls)?,
            statements: HashMap::new(),
            handed_out: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        if conn.handed_out.elapsed() >= TRUSTED_FOR {
            conn.client.simple_query("")?;
        }
        conn.handed_out = Instant::now();
        Ok(())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

struct PgSql<'a> {
    session: Session<'a>,
    statements: &'a mut HashMap<String, Statement>,
}

/// Where a [`PgSql`]'s statements run.
enum Session<'a> {
    /// A transaction: writes.
    Tx(postgres::Transaction<'a>),
    /// The connection itself, each statement on its own: reads. Under READ COMMITTED a
    /// transaction around them would give each statement a snapshot of its own all the
    /// same, and cost two more round trips (its start and its end). Statements other than
    /// `SELECT` are refused, as a read-only transaction would.
    Reads(&'a mut postgres::Client),
}

impl PgSql<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let text = to_postgres_placeholders(sql);
        let statement = match &mut self.session {
            Session::Tx(tx) => tx.prepare(&text),
            Session::Reads(client) => client.prepare(&text),
        }
        .map_err(pg_error)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Commits (or rolls back) the transaction; nothing for reads.
    fn end(self, commit: bool) -> Result<(), postgres::Error> {
        match self.session {
            Session::Tx(tx) if commit => tx.commit(),
            Session::Tx(tx) => tx.rollback(),
            Session::Reads(_) => Ok(()),
        }
    }

    fn refuse_writes(&self, sql: &str) -> Result<(), StoreError> {
        let reads = sql
            .trim_start()
            .get(..6)
            .is_some_and(|word| word.eq_ignore_ascii_case("SELECT"));
        match &self.session {
            Session::Reads(_) if !reads => Err(StoreError::Database(format!(
                "a statement that may write, in a read: {sql}"
            ))),
            _ => Ok(()),
        }
    }
}

fn as_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Sql for PgSql<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        self.refuse_writes(sql)?;
        let statement = self.statement(sql)?;
        let params = as_params(params);
        match &mut self.session {
            Session::Tx(tx) => tx.execute(&statement, &params),
            Session::Reads(client) => client.execute(&statement, &params),
        }
        .map_err(pg_error)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        self.refuse_writes(sql)?;
        let statement = self.statement(sql)?;
        let params = as_params(params);
        let rows = match &mut self.session {
            Session::Tx(tx) => tx.query(&statement, &params),
            Session::Reads(client) => client.query(&statement, &params),
        }
        .map_err(pg_error)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|index| row.try_get::<_, Value>(index).map_err(pg_error))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

pub(crate) struct PgBackend {
    /// Always there until the backend is dropped.
    pool: Option<r2d2::Pool<PgManager>>,
}

impl Drop for PgBackend {
    /// The synchronous client runs a small runtime of its own, which may not be dropped on
    /// an async thread: the pool (with its connections) is moved out and dropped on a
    /// thread of its own. (A clone sent there instead raced with the original, and the last
    /// one, dropped here, could take the connections with it.)
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::Builder::new()
                .name("postgres-pool-drop".into())
                .spawn(move || drop(pool));
        }
    }
}

impl PgBackend {
    /// Connects, and migrates the schema under an advisory lock.
    pub(crate) fn open(url: &str) -> anyhow::Result<PgBackend> {
        let mut config: postgres::Config = url
            .parse()
            .with_context(|| "DINGHUO_DATABASE_URL is not a PostgreSQL connection string")?;
        config.connect_timeout(Duration::from_secs(5));
        if config.get_application_name().is_none() {
            config.application_name("dinghuo");
        }
        let mut client = config.connect(NoTls).context("connecting to PostgreSQL")?;
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
        let migrated = embedded::migrations::runner().run(&mut client);
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
        for migration in migrated
            .context("migrating the PostgreSQL database")?
            .applied_migrations()
        {
            tracing::info!(migration = %migration, "applied a migration");
        }
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .min_idle(Some(2))
            .connection_timeout(Duration::from_secs(3))
            .build_unchecked(PgManager { config });
        Ok(PgBackend { pool: Some(pool) })
    }

    fn connection(&self) -> Result<r2d2::PooledConnection<PgManager>, StoreError> {
        self.pool
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the store is closing".into()))?
            .get()
            .map_err(|error| StoreError::Unavailable(error.to_string()))
    }

    pub(crate) fn read<T>(
        &self,
        now: i64,
        work: impl FnOnce(&mut Tx<'_>) -> T,
    ) -> Result<T, StoreError> {
        let mut conn = self.connection()?;
        let PgConn {
            client, statements, ..
        } = &mut *conn;
        let mut sql = PgSql {
            session: Session::Reads(client),
            statements,
        };
        let mut tx = Tx::read_only(&mut sql, now);
        Ok(work(&mut tx))
    }

    /// Runs `work` in a transaction, again from the start (up to [`WRITE_ATTEMPTS`] times)
    /// when it fails because another process wrote first.
    pub(crate) fn write<T, E>(
        &self,
        docs: &DocCache,
        mut work: impl FnMut(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + Retryable,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.connection()?;
            let PgConn {
                client, statements, ..
            } = &mut *conn;
            let tx = client.transaction().map_err(pg_error)?;
            let mut sql = PgSql {
                session: Session::Tx(tx),
                statements,
            };
            let (result, written) = {
                let mut tx = Tx::new(&mut sql, now_ms());
                // What it left deferred is written before the commit.
                let result = work(&mut tx)
                    .and_then(|value| tx.flush_writes().map(|()| value).map_err(E::from));
                (result, std::mem::take(&mut tx.written))
            };
            match result {
                Ok(value) => match sql.end(true).map_err(pg_error) {
                    Ok(()) => {
                        docs.keep_all(written);
                        return Ok(value);
                    }
                    Err(error) if error.is_retryable() && attempt < WRITE_ATTEMPTS => {}
                    Err(error) => return Err(E::from(error)),
                },
                Err(error) if error.is_retryable() && attempt < WRITE_ATTEMPTS => {
                    let _ = sql.end(false);
                }
                Err(error) => {
                    let _ = sql.end(false);
                    return Err(error);
                }
            }
            // Another process wrote first: back off a little, more each time.
            std::thread::sleep(Duration::from_millis(u64::from(attempt) * 3));
        }
    }
}
