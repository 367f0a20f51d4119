//! Documents in SQLite: loaded on demand, saved whole, with a bounded in-memory cache
//! validated by a version number (so several servers can share one database).

use std::collections::HashMap;

use anyhow::Context;
use app::schema::doc_id::DocId;
use automerge::Automerge;
use rusqlite::{Connection, OptionalExtension, params};

/// Documents kept in memory between requests, at most this many.
const CACHE_CAPACITY: usize = 512;

#[derive(Default)]
pub struct DocCache {
    entries: HashMap<DocId, (i64, Automerge)>,
}

/// A document checked out of the store for one request.
pub struct LoadedDoc {
    pub doc: Automerge,
    pub version: i64,
    loaded_heads: Vec<automerge::ChangeHash>,
}

impl LoadedDoc {
    fn new(doc: Automerge, version: i64) -> LoadedDoc {
        let loaded_heads = doc.get_heads();
        LoadedDoc {
            doc,
            version,
            loaded_heads,
        }
    }

    /// True when the document moved since it was loaded (so it must be saved).
    pub fn is_changed(&self) -> bool {
        self.doc.get_heads() != self.loaded_heads
    }
}

impl DocCache {
    /// Loads `id`, from the cache if its version is current. `None` if it does not exist.
    pub fn load(&mut self, conn: &Connection, id: &DocId) -> anyhow::Result<Option<LoadedDoc>> {
        let key = id.to_string();
        let Some(version) = conn
            .query_row("SELECT version FROM docs WHERE id = ?1", [&key], |row| {
                row.get::<_, i64>(0)
            })
            .optional()?
        else {
            return Ok(None);
        };
        if let Some((cached_version, doc)) = self.entries.remove(id)
            && cached_version == version
        {
            return Ok(Some(LoadedDoc::new(doc, version)));
        }
        let bytes: Vec<u8> =
            conn.query_row("SELECT bytes FROM docs WHERE id = ?1", [&key], |row| {
                row.get(0)
            })?;
        let doc =
            Automerge::load(&bytes).with_context(|| format!("loading stored document {key}"))?;
        Ok(Some(LoadedDoc::new(doc, version)))
    }

    /// Writes a document that is not stored yet.
    pub fn create(&mut self, conn: &Connection, id: &DocId, doc: &Automerge) -> anyhow::Result<()> {
        conn.execute(
            "INSERT INTO docs (id, bytes, version) VALUES (?1, ?2, 1)",
            params![id.to_string(), doc.save()],
        )?;
        Ok(())
    }

    /// Replaces a stored document, returning its new version.
    pub fn save(
        &mut self,
        conn: &Connection,
        id: &DocId,
        loaded: &LoadedDoc,
    ) -> anyhow::Result<i64> {
        let version = loaded.version + 1;
        conn.execute(
            "INSERT INTO docs (id, bytes, version) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET bytes = excluded.bytes, version = excluded.version",
            params![id.to_string(), loaded.doc.save(), version],
        )?;
        Ok(version)
    }

    /// Puts a document back after its transaction committed.
    pub fn keep(&mut self, id: DocId, version: i64, doc: Automerge) {
        if self.entries.len() >= CACHE_CAPACITY
            && let Some(evict) = self.entries.keys().next().cloned()
        {
            self.entries.remove(&evict);
        }
        self.entries.insert(id, (version, doc));
    }
}
