//! Commissions (分销): shops' invite codes, who brought whom in, and what each shipment to a
//! shop brought in earns its inviter (`commissions`, whole cents).

use domain::sku::ShopId;

use super::sql::{StoreError, Tx};
use crate::params;

/// The letters of an invite code: no 0/O, 1/I/L, so it reads aloud and types on a phone.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CODE_LEN: usize = 6;

/// The invite code of `shop`, made (and kept) the first time it is asked for. None for a
/// shop that does not exist.
pub fn invite_code(tx: &mut Tx<'_>, shop: &ShopId) -> anyhow::Result<Option<String>> {
    let Some(row) = tx.row(
        "SELECT invite_code FROM shops WHERE id = ?1",
        params![shop.as_str()],
    )?
    else {
        return Ok(None);
    };
    if let Some(code) = row.get::<Option<String>>(0)? {
        return Ok(Some(code));
    }
    // 31^6 ≈ 887 million codes: a clash is rare, and tried again.
    for _ in 0..8 {
        let mut bytes = [0u8; CODE_LEN];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let code: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect();
        let taken = tx
            .value::<String>(
                "SELECT id FROM shops WHERE invite_code = ?1",
                params![code.as_str()],
            )?
            .is_some();
        if !taken {
            tx.execute(
                "UPDATE shops SET invite_code = ?2 WHERE id = ?1",
                params![shop.as_str(), code.as_str()],
            )?;
            return Ok(Some(code));
        }
    }
    anyhow::bail!("no free invite code after 8 tries")
}

/// The shop whose invite code is `code` (as typed: any case, spaces around).
pub fn shop_by_code(tx: &mut Tx<'_>, code: &str) -> Result<Option<ShopId>, StoreError> {
    let code = code.trim().to_uppercase();
    tx.value::<String>(
        "SELECT id FROM shops WHERE invite_code = ?1",
        params![code.as_str()],
    )?
    .map(|id| ShopId::parse(&id).map_err(|e| StoreError::Database(e.to_string())))
    .transpose()
}

/// The shop that brought `shop` in, and when.
pub fn inviter_of(tx: &mut Tx<'_>, shop: &str) -> Result<Option<(ShopId, i64)>, StoreError> {
    let Some(row) = tx.row(
        "SELECT invited_by, invited_ms FROM shops WHERE id = ?1 AND invited_by IS NOT NULL",
        params![shop],
    )?
    else {
        return Ok(None);
    };
    let inviter: String = row.get(0)?;
    let at: Option<i64> = row.get(1)?;
    Ok(Some((
        ShopId::parse(&inviter).map_err(|e| StoreError::Database(e.to_string()))?,
        at.unwrap_or(0),
    )))
}

/// Records that `inviter` brought `shop` in (None: nobody did).
pub fn set_inviter(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    inviter: Option<&ShopId>,
    now_ms: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE shops SET invited_by = ?2, invited_ms = ?3 WHERE id = ?1",
        params![
            shop.as_str(),
            inviter.map(ShopId::as_str),
            inviter.map(|_| now_ms)
        ],
    )?;
    Ok(())
}

/// Whether anything was ever shipped to `shop`.
pub fn has_shipments(tx: &mut Tx<'_>, shop: &ShopId) -> Result<bool, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT 1 FROM shipments WHERE shop = ?1 LIMIT 1",
            params![shop.as_str()],
        )?
        .is_some())
}

/// A shipment's commission, as it is expected when the shipment leaves.
pub struct NewCommission<'a> {
    pub shipment: &'a str,
    pub request_id: &'a str,
    pub order_number: &'a str,
    pub inviter: &'a ShopId,
    pub invitee: &'a ShopId,
    pub shipped_ms: i64,
    pub due_ms: i64,
    pub goods_cents: i64,
    pub expected_cents: i64,
}

pub fn add(tx: &mut Tx<'_>, row: &NewCommission<'_>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO commissions (shipment, request_id, order_number, inviter, invitee,
                                  shipped_ms, due_ms, goods_cents, expected_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (shipment) DO NOTHING",
        params![
            row.shipment,
            row.request_id,
            row.order_number,
            row.inviter.as_str(),
            row.invitee.as_str(),
            row.shipped_ms,
            row.due_ms,
            row.goods_cents,
            row.expected_cents
        ],
    )?;
    Ok(())
}

/// The orders with a shipment whose window ended by `now_ms` and is not settled: their
/// request ids and inviters, oldest first, at most `limit`.
pub fn due_orders(
    tx: &mut Tx<'_>,
    now_ms: i64,
    limit: i64,
) -> Result<Vec<(String, ShopId)>, StoreError> {
    tx.rows(
        "SELECT request_id, inviter, MIN(due_ms) FROM commissions
         WHERE settled_ms IS NULL AND due_ms <= ?1
         GROUP BY request_id, inviter ORDER BY MIN(due_ms), request_id LIMIT ?2",
        params![now_ms, limit],
    )?
    .into_iter()
    .map(|row| {
        let inviter: String = row.get(1)?;
        Ok((
            row.get(0)?,
            ShopId::parse(&inviter).map_err(|e| StoreError::Database(e.to_string()))?,
        ))
    })
    .collect()
}

/// The unsettled shipments of order `request_id`, with when each one's window ends.
pub fn unsettled_of(tx: &mut Tx<'_>, request_id: &str) -> Result<Vec<(String, i64)>, StoreError> {
    tx.rows(
        "SELECT shipment, due_ms FROM commissions
         WHERE request_id = ?1 AND settled_ms IS NULL ORDER BY shipment",
        params![request_id],
    )?
    .into_iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?)))
    .collect()
}

/// What was paid for order `request_id` so far (cents).
pub fn paid_for(tx: &mut Tx<'_>, request_id: &str) -> Result<i64, StoreError> {
    Ok(tx
        .value::<i64>(
            "SELECT CAST(COALESCE(SUM(paid_cents), 0) AS BIGINT) FROM commissions
             WHERE request_id = ?1",
            params![request_id],
        )?
        .unwrap_or(0))
}

/// Moves when a shipment's window ends (its delivery was recorded after it left).
pub fn postpone(tx: &mut Tx<'_>, shipment: &str, due_ms: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE commissions SET due_ms = ?2 WHERE shipment = ?1 AND settled_ms IS NULL",
        params![shipment, due_ms],
    )?;
    Ok(())
}

/// Settles a shipment's commission with `paid_cents` paid for it.
pub fn settle(
    tx: &mut Tx<'_>,
    shipment: &str,
    paid_cents: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "UPDATE commissions SET paid_cents = ?2, settled_ms = ?3
         WHERE shipment = ?1 AND settled_ms IS NULL",
        params![shipment, paid_cents, now_ms],
    )? == 1)
}

/// One shop brought in, with what it brought its inviter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InviteeRow {
    pub shop: String,
    pub name: String,
    pub since_ms: i64,
    /// Goods shipped to it since (net before tax, cents).
    pub goods_cents: i64,
    /// Expected on shipments whose return window is still open (cents).
    pub pending_cents: i64,
    /// Paid to the inviter (cents).
    pub paid_cents: i64,
}

/// The shops `inviter` brought in, newest first, with their commissions.
pub fn invitees(tx: &mut Tx<'_>, inviter: &ShopId) -> Result<Vec<InviteeRow>, StoreError> {
    tx.rows(
        "SELECT s.id, s.name, COALESCE(s.invited_ms, 0),
                CAST(COALESCE(SUM(c.goods_cents), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN c.settled_ms IS NULL THEN c.expected_cents ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(c.paid_cents), 0) AS BIGINT)
         FROM shops s LEFT JOIN commissions c ON c.invitee = s.id AND c.inviter = s.invited_by
         WHERE s.invited_by = ?1
         GROUP BY s.id, s.name, s.invited_ms ORDER BY COALESCE(s.invited_ms, 0) DESC, s.id",
        params![inviter.as_str()],
    )?
    .into_iter()
    .map(|row| {
        Ok(InviteeRow {
            shop: row.get(0)?,
            name: row.get(1)?,
            since_ms: row.get(2)?,
            goods_cents: row.get(3)?,
            pending_cents: row.get(4)?,
            paid_cents: row.get(5)?,
        })
    })
    .collect()
}

/// One inviter's commissions, for finance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InviterRow {
    pub shop: String,
    pub name: String,
    pub invitees: i64,
    pub goods_cents: i64,
    pub pending_cents: i64,
    pub paid_cents: i64,
    /// Paid in the period asked for (cents).
    pub paid_in_period_cents: i64,
}

/// Every shop that brought another in, with its commissions (paid within `from..to`
/// counted apart), most paid first.
pub fn inviters(tx: &mut Tx<'_>, (from, to): (i64, i64)) -> Result<Vec<InviterRow>, StoreError> {
    tx.rows(
        "SELECT s.id, s.name,
                (SELECT COUNT(*) FROM shops i WHERE i.invited_by = s.id),
                CAST(COALESCE(SUM(c.goods_cents), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN c.settled_ms IS NULL THEN c.expected_cents ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(c.paid_cents), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN c.settled_ms >= ?1 AND c.settled_ms < ?2
                                       THEN c.paid_cents ELSE 0 END), 0) AS BIGINT)
         FROM shops s LEFT JOIN commissions c ON c.inviter = s.id
         WHERE s.id IN (SELECT invited_by FROM shops WHERE invited_by IS NOT NULL)
            OR s.id IN (SELECT inviter FROM commissions)
         GROUP BY s.id, s.name ORDER BY 6 DESC, 5 DESC, s.id",
        params![from, to],
    )?
    .into_iter()
    .map(|row| {
        Ok(InviterRow {
            shop: row.get(0)?,
            name: row.get(1)?,
            invitees: row.get(2)?,
            goods_cents: row.get(3)?,
            pending_cents: row.get(4)?,
            paid_cents: row.get(5)?,
            paid_in_period_cents: row.get(6)?,
        })
    })
    .collect()
}

/// The shipments of order `request_id` that earn a commission.
pub fn shipments_of(tx: &mut Tx<'_>, request_id: &str) -> Result<Vec<String>, StoreError> {
    tx.rows(
        "SELECT shipment FROM commissions WHERE request_id = ?1",
        params![request_id],
    )?
    .into_iter()
    .map(|row| row.get(0))
    .collect()
}
