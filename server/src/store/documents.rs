//! Documents: stored as chunks (a snapshot, then the changes of each later write, appended
//! with `save_after`), compacted into one snapshot by a background job when the appended
//! bytes outgrow it (the snapshot is made outside any write transaction), and
//! kept in a bounded in-memory cache checked against the stored version on every use, so a
//! cached copy is never served or written stale, even with several server processes: a
//! copy that is behind catches up by loading only the chunks it lacks.

use std::collections::HashMap;
use std::time::Instant;

use hashlink::LinkedHashMap;
use std::sync::Mutex;

use anyhow::Context;
use automerge::{Automerge, ChangeHash};
use docs::schema::doc_id::DocId;

use docs::sync::wire::encode_heads;

use super::sql::{Dialect, StoreError, Tx, Value, WrittenDoc, marks};
use crate::params;

/// The memory the documents kept between requests may take, as [`memory_of`] estimates
/// it. 50 devices placing orders as fast as they can hold about 2,600 documents (21 MB
/// stored); with 512 documents cached they missed on most syncs and loaded whole
/// documents, half the server's time per order. 80 MiB holds about 2,400 of them: with
/// 10,000 shops stored, `make load`'s intake ran at the same rate as with 128 MiB (595–715
/// orders/s in five runs, against 628–686 in three) and the server held 25–40 MiB less
/// before the oversized burst of the steady phase (135–141 MiB against 166, huge pages
/// off; see main.rs).
const CACHE_BYTES: i64 = 80 << 20;

/// What a loaded document takes in memory, estimated from its stored size: a shop's
/// small documents (1 KB stored) took 40 KiB each once loaded, and 2,600 documents of
/// 8 KB on average about 100 MB.
fn memory_of(stored_bytes: i64) -> i64 {
    (32 << 10) + 2 * stored_bytes
}

/// Appended bytes are compacted into a snapshot once they exceed the snapshot's size, or
/// this many bytes for small documents (automerge-repo's rule).
const COMPACT_FLOOR_BYTES: i64 = 1024;

/// A document nobody read or wrote for this long leaves the cache: a burst's working set
/// (50 devices ordering as fast as they can fill the budget) is not kept for the quiet
/// hours after it. A device of a shop syncs more often than this while its app is open.
const CACHE_IDLE: std::time::Duration = std::time::Duration::from_secs(120);

/// The cached documents, each with its version and when it was last used; beyond the
/// budget, the least recently used go, and those idle for [`CACHE_IDLE`].
#[derive(Default)]
pub struct DocCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// Least recently used first.
    docs: LinkedHashMap<DocId, Entry>,
    /// The memory the documents held take ([`memory_of`]).
    bytes: i64,
}

struct Entry {
    version: i64,
    doc: Automerge,
    bytes: i64,
    used: Instant,
}

impl Entries {
    fn remove(&mut self, id: &DocId) -> Option<Entry> {
        let entry = self.docs.remove(id)?;
        self.bytes -= entry.bytes;
        Some(entry)
    }

    /// Drops the least recently used while over the budget or idle since `idle_before`.
    fn evict(&mut self, idle_before: Option<Instant>) {
        while let Some((_, oldest)) = self.docs.front() {
            let idle = idle_before.is_some_and(|before| oldest.used < before);
            if self.bytes <= CACHE_BYTES && !idle {
                break;
            }
            if let Some((_, oldest)) = self.docs.pop_front() {
                self.bytes -= oldest.bytes;
            }
        }
    }
}

impl DocCache {
    fn take(&self, id: &DocId) -> Option<(i64, Automerge)> {
        self.lock()
            .remove(id)
            .map(|entry| (entry.version, entry.doc))
    }

    /// A copy of the cached document, which counts as a use of it.
    fn copy(&self, id: &DocId) -> Option<(i64, Automerge)> {
        let mut entries = self.lock();
        let entry = entries.docs.to_back(id)?;
        entry.used = Instant::now();
        Some((entry.version, entry.doc.clone()))
    }

    /// A copy of the cached document if it is at `version`, which does not count as a use
    /// (compaction reads it; that should not keep it cached).
    fn copy_at(&self, id: &DocId, version: i64) -> Option<Automerge> {
        let entries = self.lock();
        let entry = entries
            .docs
            .get(id)
            .filter(|entry| entry.version == version)?;
        Some(entry.doc.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Puts documents back after their transaction committed (or, in SQLite's writer, after
    /// their job ended), evicting the least recently used beyond [`CACHE_BYTES`].
    pub(crate) fn keep_all(&self, written: Vec<WrittenDoc>) {
        let mut entries = self.lock();
        for WrittenDoc {
            id,
            version,
            doc,
            bytes,
        } in written
        {
            let bytes = memory_of(bytes);
            entries.remove(&id);
            entries.bytes += bytes;
            entries.docs.insert(
                id,
                Entry {
                    version,
                    doc,
                    bytes,
                    used: Instant::now(),
                },
            );
        }
        entries.evict(Instant::now().checked_sub(CACHE_IDLE));
    }

    /// Drops the documents idle for [`CACHE_IDLE`] (the jobs call it every minute, so a
    /// server that went quiet frees the memory too; mimalloc hands it back to the system
    /// when it next purges, which an idle process may not do for a while: 116 MB stayed
    /// after the cache emptied with 10,000 shops seeded, 77 MB with `MIMALLOC_PURGE_DELAY=0`).
    pub fn forget_idle(&self) {
        self.forget_idle_at(Instant::now());
    }

    fn forget_idle_at(&self, now: Instant) {
        let mut entries = self.lock();
        entries.evict(now.checked_sub(CACHE_IDLE));
        tracing::debug!(
            documents = entries.docs.len(),
            estimated_bytes = entries.bytes,
            "document cache"
        );
    }

    /// Forgets everything (another process may have written anything).
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.docs.clear();
        entries.bytes = 0;
    }
}

/// A document checked out of the store for one transaction.
pub struct LoadedDoc {
    pub doc: Automerge,
    pub version: i64,
    saved_heads: Vec<ChangeHash>,
    snapshot_bytes: i64,
    tail_bytes: i64,
    /// The stored row says its heads (rows from before V30 do not until saved again).
    heads_stored: bool,
}

impl LoadedDoc {
    /// True when the document moved since it was loaded (so it must be saved).
    pub fn is_changed(&self) -> bool {
        self.doc.get_heads() != self.saved_heads
    }
}

/// A stored document's version, the bytes appended since its snapshot, and its heads.
#[derive(Debug, Clone)]
pub struct Stored {
    version: i64,
    snapshot_bytes: i64,
    tail_bytes: i64,
    heads: Option<Vec<u8>>,
}

impl Stored {
    /// True when the stored document's heads are exactly `heads`
    /// (`docs::sync::wire::encode_heads`): a device holding them lacks nothing.
    pub fn has_heads(&self, heads: &[u8]) -> bool {
        self.heads.as_deref() == Some(heads)
    }

    /// The stored version (one more with each write).
    pub fn version(&self) -> i64 {
        self.version
    }
}

/// `Stored` from a row of `version, snapshot_bytes, tail_bytes, heads` from column `from`.
fn stored_row(row: &super::sql::Row, from: usize) -> Result<Stored, StoreError> {
    Ok(Stored {
        version: row.get(from)?,
        snapshot_bytes: row.get(from + 1)?,
        tail_bytes: row.get(from + 2)?,
        heads: row.get(from + 3)?,
    })
}

/// The stored version of each of `ids` that exists, read in one statement (a sync names
/// up to 512 documents; one statement each was a third of PostgreSQL's work per order).
pub fn stored(tx: &mut Tx<'_>, ids: &[String]) -> Result<HashMap<String, Stored>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let values: Vec<Value> = ids.iter().map(|id| Value::from(id.as_str())).collect();
    tx.rows(
        &format!(
            "SELECT id, version, snapshot_bytes, tail_bytes, heads FROM docs WHERE id IN ({})",
            marks(1, ids.len())
        ),
        &values,
    )?
    .into_iter()
    .map(|row| Ok((row.get::<String>(0)?, stored_row(&row, 1)?)))
    .collect()
}

/// Loads `id`, from the cache when its version is current. `None` if it does not exist.
pub fn load(tx: &mut Tx<'_>, cache: &DocCache, id: &DocId) -> anyhow::Result<Option<LoadedDoc>> {
    let key = id.to_string();
    let Some(row) = tx.row(
        "SELECT version, snapshot_bytes, tail_bytes, heads FROM docs WHERE id = ?1",
        params![key.as_str()],
    )?
    else {
        return Ok(None);
    };
    let stored = stored_row(&row, 0)?;
    load_stored(tx, cache, id, stored).map(Some)
}

/// Loads `id`, whose stored version [`stored`] read in this transaction.
pub fn load_stored(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    id: &DocId,
    stored: Stored,
) -> anyhow::Result<LoadedDoc> {
    let key = id.to_string();
    let Stored {
        version,
        snapshot_bytes,
        tail_bytes,
        heads,
    } = stored;
    let cached = if tx.owns_cache {
        cache.take(id)
    } else {
        cache.copy(id)
    };
    let doc = match cached {
        Some((cached, doc)) if cached == version => doc,
        Some((cached, mut doc)) if cached < version => {
            for bytes in tx.column::<Vec<u8>>(
                "SELECT bytes FROM doc_chunks WHERE doc = ?1 AND seq > ?2 ORDER BY seq",
                params![key.as_str(), cached],
            )? {
                doc.load_incremental(&bytes)
                    .with_context(|| format!("catching up stored document {key}"))?;
            }
            doc
        }
        _ => {
            let chunks = tx.column::<Vec<u8>>(
                "SELECT bytes FROM doc_chunks WHERE doc = ?1 ORDER BY seq",
                params![key.as_str()],
            )?;
            Automerge::load(&chunks.concat())
                .with_context(|| format!("loading stored document {key}"))?
        }
    };
    let saved_heads = doc.get_heads();
    Ok(LoadedDoc {
        doc,
        version,
        saved_heads,
        snapshot_bytes,
        tail_bytes,
        heads_stored: heads.is_some(),
    })
}

/// Stores a new document.
pub fn create(tx: &mut Tx<'_>, id: &DocId, doc: Automerge) -> anyhow::Result<()> {
    let bytes = doc.save();
    let key = id.to_string();
    tx.execute(
        "INSERT INTO docs (id, version, snapshot_bytes, tail_bytes, heads) VALUES (?1, 1, ?2, 0, ?3)",
        params![key.as_str(), bytes.len(), encode_heads(&doc.get_heads())],
    )?;
    tx.execute(
        "INSERT INTO doc_chunks (doc, seq, bytes) VALUES (?1, 1, ?2)",
        params![key.as_str(), bytes],
    )?;
    // Not cached: most documents are created in bulk (a first run, a new shop) and read
    // much later; the cache keeps what is in use.
    drop(doc);
    Ok(())
}

/// What saving a changed document appends: its next version, the new chunk, its stored
/// tail after it and its heads.
struct Save {
    key: String,
    version: i64,
    appended: Vec<u8>,
    tail: i64,
    heads: Vec<u8>,
}

impl Save {
    fn of(id: &DocId, loaded: &LoadedDoc) -> anyhow::Result<Save> {
        let appended = loaded.doc.save_after(&loaded.saved_heads);
        Ok(Save {
            key: id.to_string(),
            version: loaded.version + 1,
            tail: loaded.tail_bytes + i64::try_from(appended.len())?,
            appended,
            heads: encode_heads(&loaded.doc.get_heads()),
        })
    }

    /// `loaded` as saved, handed to the cache when the transaction commits.
    fn done(self, tx: &mut Tx<'_>, id: DocId, mut loaded: LoadedDoc) {
        loaded.version = self.version;
        loaded.tail_bytes = self.tail;
        loaded.saved_heads = loaded.doc.get_heads();
        written(tx, id, loaded);
    }
}

fn written(tx: &mut Tx<'_>, id: DocId, loaded: LoadedDoc) {
    tx.written.push(WrittenDoc {
        id,
        version: loaded.version,
        doc: loaded.doc,
        bytes: loaded.snapshot_bytes + loaded.tail_bytes,
    });
}

fn conflict(key: &str) -> anyhow::Error {
    StoreError::Conflict(format!("{key} was written by another server")).into()
}

/// Saves what changed since `loaded` was loaded (appending its new changes as one chunk),
/// then hands the document to the cache. A document another process saved meanwhile is a
/// [`StoreError::Conflict`]: the transaction is run again from fresh copies. Compaction is
/// left to [`compact`], off the write path.
pub fn put_back(tx: &mut Tx<'_>, id: DocId, loaded: LoadedDoc) -> anyhow::Result<()> {
    if !loaded.is_changed() {
        if !loaded.heads_stored {
            // A row from before V30 learns its heads the first time it is used.
            tx.execute(
                "UPDATE docs SET heads = ?3 WHERE id = ?1 AND version = ?2",
                params![
                    id.to_string().as_str(),
                    loaded.version,
                    encode_heads(&loaded.saved_heads)
                ],
            )?;
        }
        written(tx, id, loaded);
        return Ok(());
    }
    if tx.dialect() == Dialect::Postgres {
        return save_together(tx, vec![(id, loaded)]);
    }
    let save = Save::of(&id, &loaded)?;
    let moved = tx.execute(
        "UPDATE docs SET version = ?2, tail_bytes = ?3, heads = ?5 WHERE id = ?1 AND version = ?4",
        params![
            save.key.as_str(),
            save.version,
            save.tail,
            loaded.version,
            save.heads.as_slice()
        ],
    )?;
    if moved != 1 {
        return Err(conflict(&save.key));
    }
    tx.execute(
        "INSERT INTO doc_chunks (doc, seq, bytes) VALUES (?1, ?2, ?3)",
        params![save.key.as_str(), save.version, save.appended.as_slice()],
    )?;
    save.done(tx, id, loaded);
    Ok(())
}

/// Saves `docs` as [`put_back`] saves each; on PostgreSQL the changed ones in one
/// statement ([`save_together`]).
pub fn put_back_all(tx: &mut Tx<'_>, docs: Vec<(DocId, LoadedDoc)>) -> anyhow::Result<()> {
    let mut changed = Vec::new();
    for (id, loaded) in docs {
        if loaded.is_changed() && tx.dialect() == Dialect::Postgres {
            changed.push((id, loaded));
        } else {
            put_back(tx, id, loaded)?;
        }
    }
    save_together(tx, changed)
}

/// Saves changed documents on PostgreSQL in one statement, however many (an intake saves
/// them after it locked stock rows and the order counter, which other orders wait for): an
/// UPDATE of `docs` and an INSERT of the chunk per document, as data-modifying `WITH`
/// parts, whose reply names the documents saved, so that one another process saved
/// meanwhile is still a conflict.
fn save_together(tx: &mut Tx<'_>, docs: Vec<(DocId, LoadedDoc)>) -> anyhow::Result<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let mut parts = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut saves = Vec::new();
    for (id, loaded) in docs {
        let save = Save::of(&id, &loaded)?;
        let (n, k) = (values.len(), saves.len());
        parts.push(format!(
            "m{k} AS (UPDATE docs SET version = ?{v}, tail_bytes = ?{t}, heads = ?{h} \
             WHERE id = ?{i} AND version = ?{was} RETURNING id), \
             c{k} AS (INSERT INTO doc_chunks (doc, seq, bytes) \
             SELECT id, CAST(?{v} AS BIGINT), CAST(?{b} AS BYTEA) FROM m{k} RETURNING doc)",
            i = n + 1,
            v = n + 2,
            t = n + 3,
            h = n + 4,
            was = n + 5,
            b = n + 6,
        ));
        values.extend([
            Value::from(save.key.as_str()),
            Value::from(save.version),
            Value::from(save.tail),
            Value::from(save.heads.as_slice()),
            Value::from(loaded.version),
            Value::from(save.appended.as_slice()),
        ]);
        saves.push((id, loaded, save));
    }
    let selects: Vec<String> = (0..saves.len())
        .map(|k| format!("SELECT doc FROM c{k}"))
        .collect();
    let sql = format!("WITH {} {}", parts.join(", "), selects.join(" UNION ALL "));
    let saved: Vec<String> = tx.column(&sql, &values)?;
    for (id, loaded, save) in saves {
        if !saved.contains(&save.key) {
            return Err(conflict(&save.key));
        }
        save.done(tx, id, loaded);
    }
    Ok(())
}

/// Loads `id`, applies `edit` as the server's actor, and saves it.
pub fn edit(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    id: &DocId,
    actor: &automerge::ActorId,
    edit: impl FnOnce(&mut Automerge) -> Result<(), docs::schema::SchemaError>,
) -> anyhow::Result<()> {
    let mut loaded = load(tx, cache, id)?.ok_or_else(|| anyhow::anyhow!("{id} is missing"))?;
    loaded.doc.set_actor(actor.clone());
    edit(&mut loaded.doc)?;
    put_back(tx, id.clone(), loaded)
}

/// Documents whose appended chunks outgrew their snapshot (automerge-repo's rule: more
/// appended bytes than snapshot bytes, past a small floor), at most `limit`.
pub fn due_for_compaction(tx: &mut Tx<'_>, limit: usize) -> anyhow::Result<Vec<DocId>> {
    tx.column::<String>(
        "SELECT id FROM docs WHERE tail_bytes > snapshot_bytes AND tail_bytes > ?1 LIMIT ?2",
        params![COMPACT_FLOOR_BYTES, limit],
    )?
    .iter()
    .map(|id| Ok(DocId::parse(id)?))
    .collect()
}

/// The document as of its newest chunk, saved whole: (that chunk's number, the snapshot).
/// The newest chunk's number is the stored version; a copy cached at that version is
/// saved as it is (loading the chunks again cost as much as saving: half the compaction's
/// work, which was a fifth of the server's during intake). Run in a read transaction, off
/// the write path.
pub fn snapshot(
    tx: &mut Tx<'_>,
    cache: &DocCache,
    id: &DocId,
) -> anyhow::Result<Option<(i64, Vec<u8>)>> {
    let key = id.to_string();
    let Some(version) = tx.value::<i64>(
        "SELECT version FROM docs WHERE id = ?1",
        params![key.as_str()],
    )?
    else {
        return Ok(None);
    };
    if let Some(doc) = cache.copy_at(id, version) {
        return Ok(Some((version, doc.save())));
    }
    let chunks = tx.rows(
        "SELECT seq, bytes FROM doc_chunks WHERE doc = ?1 ORDER BY seq",
        params![key.as_str()],
    )?;
    let Some(last) = chunks.last() else {
        return Ok(None);
    };
    let upto: i64 = last.get(0)?;
    let mut bytes = Vec::new();
    for chunk in &chunks {
        bytes.extend(chunk.get::<Vec<u8>>(1)?);
    }
    let doc = Automerge::load(&bytes).with_context(|| format!("loading stored document {key}"))?;
    Ok(Some((upto, doc.save())))
}

/// Replaces the chunks up to `upto` by `snapshot` (the document as of chunk `upto`). The
/// version does not move, so cached copies stay valid; chunks written since stay after it.
/// Nothing happens if chunk `upto` is gone (another compaction got there first).
pub fn compact(tx: &mut Tx<'_>, id: &DocId, upto: i64, snapshot: Vec<u8>) -> anyhow::Result<bool> {
    let key = id.to_string();
    let present = tx
        .value::<i64>(
            "SELECT 1 FROM doc_chunks WHERE doc = ?1 AND seq = ?2",
            params![key.as_str(), upto],
        )?
        .is_some();
    if !present {
        return Ok(false);
    }
    let size = snapshot.len();
    tx.execute(
        "DELETE FROM doc_chunks WHERE doc = ?1 AND seq <= ?2",
        params![key.as_str(), upto],
    )?;
    tx.execute(
        "INSERT INTO doc_chunks (doc, seq, bytes) VALUES (?1, ?2, ?3)",
        params![key.as_str(), upto, snapshot],
    )?;
    tx.execute(
        "UPDATE docs SET snapshot_bytes = ?2, tail_bytes =
             (SELECT CAST(COALESCE(SUM(LENGTH(bytes)), 0) AS BIGINT) FROM doc_chunks
              WHERE doc = ?1 AND seq > ?3)
         WHERE id = ?1",
        params![key.as_str(), size, upto],
    )?;
    Ok(true)
}

/// How many bytes `ids` take as stored, together (their snapshots and appended chunks).
pub fn stored_bytes(tx: &mut Tx<'_>, ids: &[DocId]) -> anyhow::Result<i64> {
    let ids: Vec<Value> = ids.iter().map(|id| Value::from(id.to_string())).collect();
    let mut total = 0;
    for row in tx.rows_in(
        "SELECT CAST(SUM(snapshot_bytes + tail_bytes) AS BIGINT) FROM docs WHERE id IN (?items)",
        &[],
        &ids,
    )? {
        total += row.get::<Option<i64>>(0)?.unwrap_or(0);
    }
    Ok(total)
}

/// How many chunks and bytes a document is stored in (for tests and the bench).
pub fn stored_size(tx: &mut Tx<'_>, id: &DocId) -> anyhow::Result<(i64, i64)> {
    let row = tx
        .row(
            "SELECT COUNT(*), CAST(COALESCE(SUM(LENGTH(bytes)), 0) AS BIGINT) FROM doc_chunks WHERE doc = ?1",
            params![id.to_string()],
        )?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok((row.get(0)?, row.get(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::sku::ShopId;

    fn written(shop: &str, stored_bytes: i64) -> WrittenDoc {
        WrittenDoc {
            id: DocId::Cart(ShopId::parse(shop).unwrap()),
            version: 1,
            doc: Automerge::new(),
            bytes: stored_bytes,
        }
    }

    #[test]
    fn the_cache_keeps_the_recently_used_within_its_memory_budget() {
        let cache = DocCache::default();
        let id = |shop: &str| DocId::Cart(ShopId::parse(shop).unwrap());
        // Each of these is estimated at a little over 40 % of the budget: two fit.
        let large = CACHE_BYTES / 5;
        cache.keep_all(vec![written("shop-a", large), written("shop-b", large)]);
        assert!(cache.copy(&id("shop-a")).is_some());
        // Used again (taken and put back): shop-a is now the most recent.
        let (version, doc) = cache.take(&id("shop-a")).unwrap();
        cache.keep_all(vec![WrittenDoc {
            id: id("shop-a"),
            version,
            doc,
            bytes: large,
        }]);
        cache.keep_all(vec![written("shop-c", large)]);
        assert!(cache.copy(&id("shop-b")).is_none(), "the least recent went");
        assert!(cache.copy(&id("shop-a")).is_some());
        assert!(cache.copy(&id("shop-c")).is_some());
        assert_eq!(cache.lock().bytes, 2 * memory_of(large));
        // Many small documents are bounded by the budget too.
        let shops: Vec<String> = (0..5000).map(|n| format!("shop-{n}")).collect();
        cache.keep_all(shops.iter().map(|shop| written(shop, 1000)).collect());
        let held = cache.lock().docs.len();
        assert!(held < 5000 && i64::try_from(held).unwrap() * memory_of(1000) <= CACHE_BYTES);
        assert!(cache.copy(&id("shop-4999")).is_some());
        cache.clear();
        assert_eq!(cache.lock().bytes, 0);
    }

    #[test]
    fn compaction_reads_a_cached_copy_only_at_the_stored_version_and_leaves_its_place() {
        let cache = DocCache::default();
        let id = |shop: &str| DocId::Cart(ShopId::parse(shop).unwrap());
        cache.keep_all(vec![written("shop-a", 1000), written("shop-b", 1000)]);
        assert!(cache.copy_at(&id("shop-a"), 2).is_none(), "another version");
        assert!(cache.copy_at(&id("shop-c"), 1).is_none());
        assert!(cache.copy_at(&id("shop-a"), 1).is_some());
        // Not a use: shop-a is still the least recently used.
        let order: Vec<DocId> = cache.lock().docs.keys().cloned().collect();
        assert_eq!(order, [id("shop-a"), id("shop-b")]);
    }

    #[test]
    fn documents_idle_for_two_minutes_leave_the_cache_and_a_read_keeps_one() {
        let cache = DocCache::default();
        let id = |shop: &str| DocId::Cart(ShopId::parse(shop).unwrap());
        cache.keep_all(vec![written("shop-a", 1000), written("shop-b", 1000)]);
        let start = Instant::now();
        cache.forget_idle_at(start + CACHE_IDLE / 2);
        assert_eq!(cache.lock().docs.len(), 2, "not idle long enough");
        // shop-a is read (a sync answered from it) later than shop-b was last used.
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(cache.copy(&id("shop-a")).is_some());
        cache.forget_idle_at(start + CACHE_IDLE + std::time::Duration::from_millis(10));
        assert!(cache.copy(&id("shop-b")).is_none(), "idle: gone");
        assert!(cache.copy(&id("shop-a")).is_some(), "read since: kept");
        assert_eq!(cache.lock().bytes, memory_of(1000));
        cache.forget_idle_at(Instant::now() + CACHE_IDLE * 2);
        assert!(cache.lock().docs.is_empty());
        assert_eq!(cache.lock().bytes, 0);
    }
}
