//! Carriers and the rules that choose one for a shipment (`domain::carrier`).

use anyhow::Context;
use domain::carrier::CarrierRule;

use super::sql::{StoreError, Tx};
use crate::params;

/// Every carrier, by id.
pub fn list(tx: &mut Tx<'_>) -> anyhow::Result<Vec<CarrierRule>> {
    tx.column::<String>("SELECT json FROM carriers ORDER BY id", params![])?
        .iter()
        .map(|json| serde_json::from_str(json).context("a stored carrier"))
        .collect()
}

/// The carrier `id`, if there is one.
pub fn get(tx: &mut Tx<'_>, id: &str) -> anyhow::Result<Option<CarrierRule>> {
    tx.value::<String>("SELECT json FROM carriers WHERE id = ?1", params![id])?
        .map(|json| serde_json::from_str(&json).context("a stored carrier"))
        .transpose()
}

/// Creates or replaces a carrier.
pub fn put(tx: &mut Tx<'_>, rule: &CarrierRule) -> anyhow::Result<()> {
    tx.execute(
        "INSERT INTO carriers (id, json) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET json = excluded.json",
        params![rule.id.as_str(), serde_json::to_string(rule)?],
    )?;
    Ok(())
}

/// Removes a carrier (shipments keep its name); false if there was none.
pub fn delete(tx: &mut Tx<'_>, id: &str) -> Result<bool, StoreError> {
    Ok(tx.execute("DELETE FROM carriers WHERE id = ?1", params![id])? == 1)
}
