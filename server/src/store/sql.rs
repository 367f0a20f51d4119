//! The one SQL interface both databases implement: statements written once with `?1`-style
//! placeholders (rewritten to `$1` for PostgreSQL), parameters and columns as [`Value`]s,
//! and [`Tx`], the transaction every storage function takes.

use std::fmt;

use automerge::Automerge;
use docs::schema::doc_id::DocId;

/// Which database a statement runs on, for the few places the dialects differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A parameter or a column: the four kinds of value our tables hold. Booleans are stored
/// as integers 0/1 on both databases; money is stored as decimal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Int(value)
    }
}
impl From<u32> for Value {
    fn from(value: u32) -> Value {
        Value::Int(i64::from(value))
    }
}
impl From<usize> for Value {
    fn from(value: usize) -> Value {
        Value::Int(i64::try_from(value).unwrap_or(i64::MAX))
    }
}
impl From<bool> for Value {
    fn from(value: bool) -> Value {
        Value::Int(i64::from(value))
    }
}
impl From<&str> for Value {
    fn from(value: &str) -> Value {
        Value::Text(value.to_owned())
    }
}
impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::Text(value)
    }
}
impl From<&String> for Value {
    fn from(value: &String) -> Value {
        Value::Text(value.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(value: Vec<u8>) -> Value {
        Value::Blob(value)
    }
}
impl From<&[u8]> for Value {
    fn from(value: &[u8]) -> Value {
        Value::Blob(value.to_vec())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Value {
        value.map_or(Value::Null, Into::into)
    }
}

/// Builds a `&[Value]` parameter list: `params![shop.as_str(), now]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::store::sql::Value] };
    ($($value:expr),+ $(,)?) => {
        &[$($crate::store::sql::Value::from($value)),+] as &[$crate::store::sql::Value]
    };
}
pub use params;

/// The placeholders of an `IN (…)` list of `count` values numbered from `first`:
/// `?3, ?4, ?5`.
pub fn marks(first: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 5);
    push_marks(&mut out, first, count);
    out
}

/// Appends [`marks`] to `out` (built by hand: these run for every order, and `format!`
/// per placeholder was 2 % of an order's instructions on SQLite).
fn push_marks(out: &mut String, first: usize, count: usize) {
    let mut number = itoa::Buffer::new();
    for i in first..first + count {
        if i > first {
            out.push_str(", ");
        }
        out.push('?');
        out.push_str(number.format(i));
    }
}

/// `(?1, ?2), (?3, ?4)`… : the placeholders of `rows` rows of `columns` values each, for
/// a multi-row `INSERT … VALUES` (one round trip for all of them on PostgreSQL).
pub fn row_marks(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * (columns * 5 + 4));
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        push_marks(&mut out, 1 + row * columns, columns);
        out.push(')');
    }
    out
}

/// The most values one `IN (…)` list names (well within both databases' limits on
/// parameters; see [`Tx::items_per_statement`]).
pub const ITEMS_PER_STATEMENT: usize = 1000;

/// Rows one multi-row statement carries at most ([`row_marks`]; see also
/// [`Tx::items_per_statement`]): well within both databases' limits on parameters for
/// the tables written this way.
pub const ROWS_PER_STATEMENT: usize = 200;

/// Why a statement failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached now (the server answers 503 and recovers by itself).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Another server process wrote the same rows first; the transaction is retried.
    #[error("a concurrent write conflicted: {0}")]
    Conflict(String),
    /// A column did not hold the kind of value asked for.
    #[error("column {index}: expected {expected}, found {found:?}")]
    Type {
        index: usize,
        expected: &'static str,
        found: Value,
    },
    #[error("{0}")]
    Database(String),
    /// A text had the NUL character, which PostgreSQL cannot store: refused on both
    /// databases alike (the caller's input, a 400).
    #[error("text may not contain the NUL character")]
    NulInText,
}

/// Refuses parameters PostgreSQL could not take (and SQLite should not take either, so both
/// answer alike).
fn check_params(params: &[Value]) -> Result<(), StoreError> {
    if params
        .iter()
        .any(|p| matches!(p, Value::Text(text) if text.contains('\0')))
    {
        return Err(StoreError::NulInText);
    }
    Ok(())
}

impl StoreError {
    /// True when running the transaction again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Conflict(_))
    }
}

/// A value read out of a column.
pub trait FromValue: Sized {
    fn from_value(index: usize, value: &Value) -> Result<Self, StoreError>;
}

fn type_error(index: usize, expected: &'static str, value: &Value) -> StoreError {
    StoreError::Type {
        index,
        expected,
        found: value.clone(),
    }
}

impl FromValue for i64 {
    fn from_value(index: usize, value: &Value) -> Result<i64, StoreError> {
        match value {
            Value::Int(int) => Ok(*int),
            other => Err(type_error(index, "integer", other)),
        }
    }
}
impl FromValue for u32 {
    fn from_value(index: usize, value: &Value) -> Result<u32, StoreError> {
        let int = i64::from_value(index, value)?;
        u32::try_from(int).map_err(|_| type_error(index, "u32", value))
    }
}
impl FromValue for bool {
    fn from_value(index: usize, value: &Value) -> Result<bool, StoreError> {
        Ok(i64::from_value(index, value)? != 0)
    }
}
impl FromValue for String {
    fn from_value(index: usize, value: &Value) -> Result<String, StoreError> {
        match value {
            Value::Text(text) => Ok(text.clone()),
            other => Err(type_error(index, "text", other)),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(index: usize, value: &Value) -> Result<Vec<u8>, StoreError> {
        match value {
            Value::Blob(bytes) => Ok(bytes.clone()),
            other => Err(type_error(index, "bytes", other)),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(index: usize, value: &Value) -> Result<Option<T>, StoreError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(index, other).map(Some),
        }
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub(crate) Vec<Value>);

impl Row {
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, StoreError> {
        let value = self.0.get(index).unwrap_or(&Value::Null);
        T::from_value(index, value)
    }
}

/// What a database connection inside a transaction can do.
pub trait Sql {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError>;
    fn dialect(&self) -> Dialect;
}

/// A document written in this transaction, to be put in the cache once it commits.
pub(crate) struct WrittenDoc {
    pub(crate) id: DocId,
    pub(crate) version: i64,
    pub(crate) doc: Automerge,
    /// Its stored size (snapshot and appended chunks), from which the cache estimates its
    /// memory.
    pub(crate) bytes: i64,
}

/// One transaction: every storage function takes `&mut Tx`. Documents written in it reach
/// the shared cache only after it commits.
pub struct Tx<'a> {
    sql: &'a mut dyn Sql,
    pub(crate) written: Vec<WrittenDoc>,
    read_only: bool,
    /// True when this transaction alone uses the document cache until it ends (SQLite's
    /// writer runs one at a time): it takes documents out of the cache and puts them back
    /// when it ends. Otherwise (PostgreSQL, concurrent) it works on copies and the cache
    /// learns its documents only once it has committed.
    pub(crate) owns_cache: bool,
    /// When this transaction started (milliseconds since the epoch), for rows it stamps.
    pub now_ms: i64,
    /// The event lists of the enabled webhook endpoints, read once per transaction
    /// (`webhooks::wanted`); every write to the endpoints' events or state clears it.
    pub(crate) webhook_events: Option<Vec<String>>,
    /// Writes [`Tx::write`] holds back while deferring ([`Tx::defer_writes`]), run together
    /// before the next other statement or when the deferring ends.
    pending: Option<Writes>,
}

impl fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx").field("now_ms", &self.now_ms).finish()
    }
}

impl<'a> Tx<'a> {
    pub(crate) fn new(sql: &'a mut dyn Sql, now_ms: i64) -> Tx<'a> {
        Tx {
            sql,
            written: Vec::new(),
            read_only: false,
            owns_cache: false,
            now_ms,
            webhook_events: None,
            pending: None,
        }
    }

    pub(crate) fn read_only(sql: &'a mut dyn Sql, now_ms: i64) -> Tx<'a> {
        Tx {
            read_only: true,
            ..Tx::new(sql, now_ms)
        }
    }

    pub fn dialect(&self) -> Dialect {
        self.sql.dialect()
    }

    /// True where write transactions run one at a time (SQLite's one writer thread): work
    /// moved out of them is work every other write stops waiting for. On PostgreSQL they
    /// run side by side, and one that only reads holds nothing others wait for.
    pub fn writes_one_at_a_time(&self) -> bool {
        matches!(self.dialect(), Dialect::Sqlite)
    }

    /// Runs a statement, returning how many rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        check_params(params)?;
        self.run_pending()?;
        self.sql.execute(sql, params)
    }

    pub fn rows(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        check_params(params)?;
        self.run_pending()?;
        self.sql.query(sql, params)
    }

    /// Runs a write whose outcome nobody reads: at once, or while deferring
    /// ([`Tx::defer_writes`]) with the writes around it ([`Writes`]: one round trip on
    /// PostgreSQL), in the order written, before any other statement runs.
    pub fn write(&mut self, sql: &str, params: &[Value]) -> Result<(), StoreError> {
        check_params(params)?;
        match &mut self.pending {
            Some(pending) => pending.add(sql, params.to_vec()),
            None => {
                self.sql.execute(sql, params)?;
            }
        }
        Ok(())
    }

    /// Starts holding back [`Tx::write`]s; true when this call started it, and then the
    /// caller ends it with [`Tx::flush_writes`] (the store flushes what is left before it
    /// commits, so nothing is lost if it does not).
    pub fn defer_writes(&mut self) -> bool {
        let started = self.pending.is_none();
        if started {
            self.pending = Some(Writes::default());
        }
        started
    }

    /// Runs the writes held back and stops deferring.
    pub fn flush_writes(&mut self) -> Result<(), StoreError> {
        match self.pending.take() {
            Some(pending) if !pending.is_empty() => pending.run(self),
            _ => Ok(()),
        }
    }

    /// Runs the writes held back, still deferring the next ones.
    fn run_pending(&mut self) -> Result<(), StoreError> {
        if self.pending.as_ref().is_some_and(|p| !p.is_empty()) {
            self.flush_writes()?;
            self.pending = Some(Writes::default());
        }
        Ok(())
    }

    /// The next number of counter `name`. Its row stays locked until the transaction ends, so
    /// numbers follow the order of commits (what the change cursors rely on).
    pub fn next_of(&mut self, name: &str) -> Result<i64, StoreError> {
        self.value(
            "UPDATE counters SET value = value + 1 WHERE name = ?1 RETURNING value",
            crate::params![name],
        )?
        .ok_or_else(|| StoreError::Database(format!("the {name} counter is missing")))
    }

    /// The first row, if any.
    pub fn row(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    /// The first column of the first row, if there is a row.
    pub fn value<T: FromValue>(
        &mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Option<T>, StoreError> {
        self.row(sql, params)?.map(|row| row.get(0)).transpose()
    }

    /// The first column of every row.
    pub fn column<T: FromValue>(
        &mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<T>, StoreError> {
        self.rows(sql, params)?
            .iter()
            .map(|row| row.get(0))
            .collect()
    }

    /// True in a read-only transaction (nothing may be written).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// How many items (SKUs, rows to insert…) one statement should carry. On PostgreSQL
    /// every statement is a round trip, so as many as the statement allows (`most`): an
    /// order took 56 statements there, then 43. On SQLite a statement is a function call,
    /// and one cached statement per item is cheapest: a list of several (`IN (?1, ?2)`)
    /// makes SQLite build a temporary index for it each time (measured with callgrind:
    /// lists everywhere cost 2.6 % more instructions per order).
    pub fn items_per_statement(&self, most: usize) -> usize {
        match self.dialect() {
            Dialect::Postgres => most.max(1),
            _ => 1,
        }
    }

    /// The rows of `sql` for all of `items`: its `?items` (in an `IN (?items)` list, maybe
    /// more than once) names a part of them, numbered after the `leading` parameters, as
    /// many per statement as [`Tx::items_per_statement`] gives for
    /// [`ITEMS_PER_STATEMENT`]; the rows of every part, in order.
    pub fn rows_in(
        &mut self,
        sql: &str,
        leading: &[Value],
        items: &[Value],
    ) -> Result<Vec<Row>, StoreError> {
        let mut rows = Vec::new();
        for part in items.chunks(self.items_per_statement(ITEMS_PER_STATEMENT)) {
            let params: Vec<Value> = leading.iter().chain(part).cloned().collect();
            let sql = sql.replace("?items", &marks(leading.len() + 1, part.len()));
            rows.extend(self.rows(&sql, &params)?);
        }
        Ok(rows)
    }

    /// `" FOR UPDATE"` in a PostgreSQL write transaction, where rows read to be changed are
    /// locked until the transaction ends; nothing on SQLite, whose single writer already
    /// excludes others, nor in a read-only transaction.
    pub fn for_update(&self) -> &'static str {
        match self.dialect() {
            Dialect::Postgres if !self.read_only => " FOR UPDATE",
            _ => "",
        }
    }
}

/// `?1`, `?2`… → `$1`, `$2`… (outside quoted strings) for PostgreSQL.
/// Writes whose outcome nobody reads (inserts, mostly), run together by [`Writes::run`]:
/// on PostgreSQL as one statement, a chain of data-modifying `WITH` parts (one round trip
/// instead of one each: an intake writes an order's rows while other orders wait for the
/// stock rows it locked); on SQLite one after another, as written.
#[derive(Debug, Default)]
pub struct Writes {
    statements: Vec<(String, Vec<Value>)>,
}

/// The most parameters one chain of [`Writes`] binds (PostgreSQL takes 65,535).
const WRITES_MAX_PARAMS: usize = 20_000;

impl Writes {
    /// Adds a statement (placeholders `?1`, `?2`… of its own; no `RETURNING`).
    pub fn add(&mut self, sql: impl Into<String>, params: Vec<Value>) {
        self.statements.push((sql.into(), params));
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    pub fn run(self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        if tx.dialect() == Dialect::Sqlite {
            for (sql, params) in self.statements {
                tx.execute(&sql, &params)?;
            }
            return Ok(());
        }
        // One table at most once a statement: PostgreSQL runs the parts of a chain in an
        // order of its own and cannot change one row twice in a statement, so two writes
        // to a table (two ledger entries, whose ids say which came first) go in turns.
        let mut groups: Vec<Vec<(String, Vec<Value>)>> = Vec::new();
        let mut bound = 0;
        let mut tables: Vec<String> = Vec::new();
        for statement in self.statements {
            let table = written_table(&statement.0);
            let joins = table.as_ref().is_some_and(|table| !tables.contains(table))
                && bound + statement.1.len() <= WRITES_MAX_PARAMS;
            match groups.last_mut() {
                Some(group) if joins => {
                    bound += statement.1.len();
                    group.push(statement);
                }
                _ => {
                    bound = statement.1.len();
                    tables.clear();
                    groups.push(vec![statement]);
                }
            }
            tables.extend(table);
        }
        for group in groups {
            let (sql, params) = chain(group);
            tx.execute(&sql, &params)?;
        }
        Ok(())
    }
}

/// The table an `INSERT INTO`, `UPDATE` or `DELETE FROM` statement writes (None for any
/// other statement, which then goes alone).
fn written_table(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    let table = match words.next()?.to_ascii_uppercase().as_str() {
        "INSERT" | "DELETE" => {
            words.next()?;
            words.next()?
        }
        "UPDATE" => words.next()?,
        _ => return None,
    };
    let table = table.split('(').next()?.to_ascii_lowercase();
    (!table.is_empty()).then_some(table)
}

/// One statement doing what `statements` do: `WITH w0 AS (first), w1 AS (second), … last`,
/// each part's placeholders numbered after the parts before it.
fn chain(statements: Vec<(String, Vec<Value>)>) -> (String, Vec<Value>) {
    let last = statements.len().saturating_sub(1);
    let mut text = String::new();
    let mut bound = Vec::new();
    for (index, (sql, params)) in statements.into_iter().enumerate() {
        let part = renumber(&sql, bound.len());
        if index < last {
            text.push_str(if index == 0 { "WITH " } else { ", " });
            text.push_str(&format!("w{index} AS ({part})"));
        } else {
            if index > 0 {
                text.push(' ');
            }
            text.push_str(&part);
        }
        bound.extend(params);
    }
    (text, bound)
}

/// `sql` with each placeholder `?N` as `?{N + offset}` (outside strings).
fn renumber(sql: &str, offset: usize) -> String {
    rewrite_placeholders(sql, '?', offset)
}

pub(crate) fn to_postgres_placeholders(sql: &str) -> String {
    rewrite_placeholders(sql, '$', 0)
}

/// `sql` with each placeholder `?N` outside strings written `{mark}{N + offset}`.
fn rewrite_placeholders(sql: &str, mark: char, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut in_string = false;
    let mut chars = sql.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\'' => {
                in_string = !in_string;
                out.push(ch);
            }
            '?' if !in_string => {
                out.push(mark);
                let mut number = 0usize;
                let mut digits = false;
                while let Some(digit) = chars.peek().and_then(|d| d.to_digit(10)) {
                    number = number * 10 + digit as usize;
                    digits = true;
                    chars.next();
                }
                if digits {
                    out.push_str(&(number + offset).to_string());
                }
            }
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_strings_only() {
        assert_eq!(
            to_postgres_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12"
        );
    }

    #[test]
    fn writes_chain_into_one_statement_numbered_in_order() {
        let (sql, params) = chain(vec![
            (
                "INSERT INTO a (x) VALUES (?1)".into(),
                vec![Value::from(1i64)],
            ),
            (
                "INSERT INTO b (x, y) VALUES (?1, '?3'), (?2, ?1)".into(),
                vec![Value::from(2i64), Value::from(3i64)],
            ),
            ("UPDATE c SET x = ?1".into(), vec![Value::from(4i64)]),
        ]);
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO a (x) VALUES (?1)), \
             w1 AS (INSERT INTO b (x, y) VALUES (?2, '?3'), (?3, ?2)) UPDATE c SET x = ?4"
        );
        assert_eq!(params, [1i64, 2, 3, 4].map(Value::from));
        let (one, _) = chain(vec![(
            "DELETE FROM d WHERE x = ?1".into(),
            vec![Value::Null],
        )]);
        assert_eq!(one, "DELETE FROM d WHERE x = ?1");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deferred_writes_are_read_back_in_order_and_never_left_behind() {
        let (_dir, store) = crate::demo_data::seeded_sqlite(1).await;
        let seen = store
            .write(|tx| -> Result<(bool, bool, Option<i64>), StoreError> {
                let started = tx.defer_writes();
                let again = tx.defer_writes();
                tx.write(
                    "INSERT INTO counters (name, value) VALUES ('deferred_a', 1)",
                    crate::params![],
                )?;
                tx.write(
                    "UPDATE counters SET value = value + 1 WHERE name = 'deferred_a'",
                    crate::params![],
                )?;
                // A read runs what is held back first, in the order written.
                let a = tx.value("SELECT value FROM counters WHERE name = 'deferred_a'", &[])?;
                // Still deferring, and not flushed by the work: the store writes it.
                tx.write(
                    "INSERT INTO counters (name, value) VALUES ('deferred_b', 7)",
                    crate::params![],
                )?;
                Ok((started, again, a))
            })
            .await
            .unwrap();
        assert_eq!(seen, (true, false, Some(2)));
        let b = store
            .read(|tx| tx.value::<i64>("SELECT value FROM counters WHERE name = 'deferred_b'", &[]))
            .await
            .unwrap();
        assert_eq!(b, Some(7));
    }

    #[test]
    fn a_chain_writes_each_table_once() {
        assert_eq!(
            written_table("INSERT INTO a (x) VALUES (?1)").as_deref(),
            Some("a")
        );
        assert_eq!(
            written_table("insert into B(x) values (?1)").as_deref(),
            Some("b")
        );
        assert_eq!(written_table("UPDATE c SET x = 1").as_deref(), Some("c"));
        assert_eq!(
            written_table("DELETE FROM d WHERE x = 1").as_deref(),
            Some("d")
        );
        assert_eq!(written_table("SELECT 1"), None);
    }

    #[test]
    fn placeholder_lists_and_rows_are_numbered_in_order() {
        assert_eq!(marks(3, 3), "?3, ?4, ?5");
        assert_eq!(marks(9, 2), "?9, ?10");
        assert_eq!(marks(1, 0), "");
        assert_eq!(row_marks(2, 3), "(?1, ?2, ?3), (?4, ?5, ?6)");
        assert_eq!(row_marks(1, 1), "(?1)");
    }

    #[test]
    fn columns_convert_or_say_what_they_hold() {
        let row = Row(vec![Value::Int(3), Value::Null, Value::Text("x".into())]);
        assert_eq!(row.get::<i64>(0).unwrap(), 3);
        assert!(row.get::<bool>(0).unwrap());
        assert_eq!(row.get::<Option<String>>(1).unwrap(), None);
        assert_eq!(row.get::<String>(2).unwrap(), "x");
        assert!(matches!(
            row.get::<i64>(2),
            Err(StoreError::Type { index: 2, .. })
        ));
        assert!(row.get::<u32>(5).is_err(), "a missing column is NULL");
    }
}
