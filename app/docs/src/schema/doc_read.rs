//! Small readers over `automerge::hydrate` values: one bulk hydrate, then plain lookups
//! (measured 3–5× faster than reading a large document field by field).

use automerge::ScalarValue;
use automerge::hydrate::{Map, Value};

pub(crate) fn as_map(value: &Value) -> Option<&Map> {
    match value {
        Value::Map(map) => Some(map),
        _ => None,
    }
}

pub(crate) fn get_map<'a>(map: &'a Map, key: &str) -> Option<&'a Map> {
    map.get(key).and_then(as_map)
}

pub(crate) fn get_str<'a>(map: &'a Map, key: &str) -> Option<&'a str> {
    match map.get(key) {
        Some(Value::Scalar(ScalarValue::Str(text))) => Some(text.as_str()),
        _ => None,
    }
}

pub(crate) fn get_i64(map: &Map, key: &str) -> Option<i64> {
    match map.get(key) {
        Some(Value::Scalar(scalar)) => scalar.as_i64(),
        _ => None,
    }
}

pub(crate) fn get_bool(map: &Map, key: &str) -> Option<bool> {
    match map.get(key) {
        Some(Value::Scalar(ScalarValue::Boolean(flag))) => Some(*flag),
        _ => None,
    }
}

/// The hydrated root map of a document.
pub(crate) fn root(doc: &automerge::Automerge) -> Map {
    match doc.hydrate(None) {
        Value::Map(map) => map,
        _ => Map::default(),
    }
}
