//! IndexedDB for documents, their sync states and cached views (localStorage is too small
//! and synchronous): a key-value store written in atomic batches.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const DB = 'dinghuo', STORE = 'kv';
let opened = null;
function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}
export async function idb_get(key) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const request = d.transaction(STORE, 'readonly').objectStore(STORE).get(key);
    request.onsuccess = () => resolve(request.result === undefined ? null : request.result);
    request.onerror = () => reject(request.error);
  });
}
export async function idb_put_all(keys, values) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    for (let i = 0; i < keys.length; i++) {
      if (values[i] === null) store.delete(keys[i]); else store.put(values[i], keys[i]);
    }
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
// One tab at a time reads, merges and writes the documents (Web Locks; a closed tab's
// lock is let go by the browser). Resolves with the function that lets it go.
export function lock_store() {
  if (!navigator.locks) return Promise.resolve(() => {});
  return new Promise((acquired) => {
    navigator.locks.request('dinghuo-store', () => new Promise((release) => acquired(release)));
  });
}
// Tells the app's other tabs which documents this one saved.
let channel = null;
export function announce_saved(ids) {
  if (typeof BroadcastChannel === 'undefined') return;
  channel = channel || new BroadcastChannel('dinghuo-docs');
  channel.postMessage(ids);
}
export function on_saved_elsewhere(callback) {
  if (typeof BroadcastChannel === 'undefined') return;
  const listener = new BroadcastChannel('dinghuo-docs');
  listener.onmessage = (event) => callback(event.data);
}
export async function idb_clear() {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).clear();
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn idb_get(key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn idb_put_all(keys: Array, values: Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn idb_clear() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn lock_store() -> Result<JsValue, JsValue>;
    fn announce_saved(ids: Array);
    fn on_saved_elsewhere(callback: &Closure<dyn FnMut(JsValue)>);
}

/// Holds the store's lock across the app's tabs until dropped.
pub struct StoreLock(Option<js_sys::Function>);

impl Drop for StoreLock {
    fn drop(&mut self) {
        if let Some(release) = self.0.take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// Waits for the store's lock (no other tab of the app reads and writes documents while
/// it is held).
pub async fn lock() -> StoreLock {
    StoreLock(lock_store().await.ok().and_then(|f| f.dyn_into().ok()))
}

/// Tells the app's other tabs that these documents were saved.
pub fn announce(ids: &[String]) {
    announce_saved(ids.iter().map(|id| JsValue::from_str(id)).collect());
}

/// Calls `on_saved` with the documents another tab of the app saved, each time it does.
pub fn listen(mut on_saved: impl FnMut(Vec<String>) + 'static) {
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |ids: JsValue| {
        let ids: Vec<String> = Array::from(&ids)
            .iter()
            .filter_map(|id| id.as_string())
            .collect();
        on_saved(ids);
    });
    on_saved_elsewhere(&callback);
    // The listener lives as long as the page.
    callback.forget();
}

fn describe(error: JsValue) -> String {
    error.as_string().unwrap_or_else(|| format!("{error:?}"))
}

pub async fn get_bytes(key: &str) -> Result<Option<Vec<u8>>, String> {
    let value = idb_get(key).await.map_err(describe)?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    Ok(Some(Uint8Array::new(&value).to_vec()))
}

pub async fn get_text(key: &str) -> Result<Option<String>, String> {
    Ok(idb_get(key).await.map_err(describe)?.as_string())
}

/// A value to write (bytes or text), or the key to delete.
pub enum Value {
    Bytes(Vec<u8>),
    Text(String),
    Delete,
}

/// Writes (or deletes) all entries in one IndexedDB transaction: all land or none do.
pub async fn put_all(entries: Vec<(String, Value)>) -> Result<(), String> {
    let keys = Array::new();
    let values = Array::new();
    for (key, value) in entries {
        keys.push(&JsValue::from_str(&key));
        match value {
            Value::Bytes(bytes) => values.push(&Uint8Array::from(bytes.as_slice()).into()),
            Value::Text(text) => values.push(&JsValue::from_str(&text)),
            Value::Delete => values.push(&JsValue::NULL),
        };
    }
    idb_put_all(keys, values).await.map_err(describe)?;
    Ok(())
}

pub async fn clear() -> Result<(), String> {
    idb_clear().await.map_err(describe)?;
    Ok(())
}
