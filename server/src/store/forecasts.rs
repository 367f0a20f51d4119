//! The forecast's data: the holiday calendar, shops' paused stretches, weekly order
//! history, new products, and the proposals account managers sent (for the accuracy
//! report).

use std::collections::BTreeMap;

use api::Pause;
use docs::schema::proposal_doc::HeldProposal;
use domain::forecast::{Holiday, WEEK_MS};
use domain::proposal::Answer;
use domain::sku::{ShopId, Sku};

use super::sql::{StoreError, Tx};
use crate::params;

fn bad(error: impl std::fmt::Display) -> StoreError {
    StoreError::Database(error.to_string())
}

/// The calendar, by first day.
pub fn holidays(tx: &mut Tx<'_>) -> Result<Vec<Holiday>, StoreError> {
    tx.rows(
        "SELECT name, from_day, until_day, factor FROM holidays ORDER BY from_day, id",
        params![],
    )?
    .into_iter()
    .map(|row| {
        Ok(Holiday {
            name: row.get(0)?,
            from: row.get(1)?,
            until: row.get(2)?,
            factor: row.get::<String>(3)?.parse().map_err(bad)?,
        })
    })
    .collect()
}

/// Replaces the calendar (entries checked by the caller).
pub fn replace_holidays(tx: &mut Tx<'_>, holidays: &[Holiday]) -> Result<(), StoreError> {
    tx.execute("DELETE FROM holidays", params![])?;
    for holiday in holidays {
        tx.execute(
            "INSERT INTO holidays (name, from_day, until_day, factor) VALUES (?1, ?2, ?3, ?4)",
            params![
                holiday.name.trim(),
                holiday.from.trim(),
                holiday.until.trim(),
                holiday.factor.normalize().to_string()
            ],
        )?;
    }
    Ok(())
}

/// `shop`'s paused stretches, latest first.
pub fn pauses(tx: &mut Tx<'_>, shop: &ShopId) -> Result<Vec<Pause>, StoreError> {
    tx.rows(
        "SELECT id, from_day, until_day, note, created_by FROM shop_pauses
         WHERE shop = ?1 ORDER BY from_day DESC, id DESC",
        params![shop.as_str()],
    )?
    .into_iter()
    .map(|row| {
        Ok(Pause {
            id: row.get(0)?,
            from: row.get(1)?,
            until: row.get(2)?,
            note: row.get(3)?,
            by: row.get(4)?,
        })
    })
    .collect()
}

pub fn add_pause(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    (from, until, note): (&str, &str, &str),
    by: &str,
) -> Result<i64, StoreError> {
    tx.value::<i64>(
        "INSERT INTO shop_pauses (shop, from_day, until_day, note, created_by, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        params![shop.as_str(), from, until, note, by, tx.now_ms],
    )?
    .ok_or_else(|| StoreError::Database("no id for the pause".into()))
}

/// Removes a pause of `shop`; false if it has none with that id.
pub fn remove_pause(tx: &mut Tx<'_>, shop: &ShopId, id: i64) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "DELETE FROM shop_pauses WHERE shop = ?1 AND id = ?2",
        params![shop.as_str(), id],
    )? > 0)
}

/// What `shop` ordered of each SKU in each of the `weeks` weeks before `until_ms`
/// (oldest first): orders not rejected or cancelled.
pub fn weekly_by_sku(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    weeks: usize,
    until_ms: i64,
) -> Result<BTreeMap<Sku, Vec<u32>>, StoreError> {
    let since = until_ms - i64::try_from(weeks).unwrap_or(0) * WEEK_MS;
    let mut by_sku: BTreeMap<Sku, Vec<u32>> = BTreeMap::new();
    for row in tx.rows(
        "SELECT sku, received_ms, quantity FROM order_lines
         WHERE shop = ?1 AND received_ms >= ?2 AND received_ms < ?3 AND live = 1",
        params![shop.as_str(), since, until_ms],
    )? {
        let sku = Sku::parse(&row.get::<String>(0)?).map_err(bad)?;
        let week = usize::try_from((row.get::<i64>(1)? - since) / WEEK_MS)
            .unwrap_or(0)
            .min(weeks.saturating_sub(1));
        let quantity: u32 = row.get(2)?;
        let totals = by_sku.entry(sku).or_insert_with(|| vec![0; weeks]);
        totals[week] = totals[week].saturating_add(quantity);
    }
    Ok(by_sku)
}

/// Units `shop` ordered per SKU since `since_ms` (orders not rejected or cancelled).
pub fn ordered_since(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    since_ms: i64,
) -> Result<BTreeMap<Sku, u32>, StoreError> {
    let mut by_sku = BTreeMap::new();
    for row in tx.rows(
        "SELECT sku, CAST(SUM(quantity) AS BIGINT) FROM order_lines
         WHERE shop = ?1 AND received_ms >= ?2 AND live = 1 GROUP BY sku",
        params![shop.as_str(), since_ms],
    )? {
        let sku = Sku::parse(&row.get::<String>(0)?).map_err(bad)?;
        let units = u32::try_from(row.get::<i64>(1)?).unwrap_or(u32::MAX);
        by_sku.insert(sku, units);
    }
    Ok(by_sku)
}

/// Units every shop ordered per SKU and week over the `weeks` weeks before `until_ms`
/// (oldest first), for the categories' calendar factors.
pub fn weekly_by_sku_all(
    tx: &mut Tx<'_>,
    weeks: usize,
    until_ms: i64,
) -> Result<BTreeMap<Sku, Vec<u64>>, StoreError> {
    let since = until_ms - i64::try_from(weeks).unwrap_or(0) * WEEK_MS;
    let mut by_sku: BTreeMap<Sku, Vec<u64>> = BTreeMap::new();
    for row in tx.rows(
        "SELECT sku, (received_ms - ?1) / ?3, CAST(SUM(quantity) AS BIGINT) FROM order_lines
         WHERE received_ms >= ?1 AND received_ms < ?2 AND live = 1
         GROUP BY 1, 2",
        params![since, until_ms, WEEK_MS],
    )? {
        let sku = Sku::parse(&row.get::<String>(0)?).map_err(bad)?;
        let week = usize::try_from(row.get::<i64>(1)?)
            .unwrap_or(0)
            .min(weeks.saturating_sub(1));
        let quantity = u64::try_from(row.get::<i64>(2)?).unwrap_or(0);
        let totals = by_sku.entry(sku).or_insert_with(|| vec![0; weeks]);
        totals[week] = totals[week].saturating_add(quantity);
    }
    Ok(by_sku)
}

/// Every line `shop` ordered between `from_ms` and `to_ms` (orders not rejected or
/// cancelled): SKU, when it came in, quantity; by time.
pub fn lines_between(
    tx: &mut Tx<'_>,
    shop: &str,
    (from_ms, to_ms): (i64, i64),
) -> Result<Vec<(String, i64, u32)>, StoreError> {
    tx.rows(
        "SELECT sku, received_ms, quantity FROM order_lines
         WHERE shop = ?1 AND received_ms >= ?2 AND received_ms < ?3 AND live = 1
         ORDER BY received_ms",
        params![shop, from_ms, to_ms],
    )?
    .into_iter()
    .map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
    .collect()
}

/// Products created (per the change log) since `since_ms`.
pub fn new_products(tx: &mut Tx<'_>, since_ms: i64) -> Result<Vec<Sku>, StoreError> {
    tx.column::<String>(
        "SELECT DISTINCT object FROM audit_log
         WHERE kind = 'product' AND action = 'create' AND at_ms >= ?1",
        params![since_ms],
    )?
    .into_iter()
    .map(|sku| Sku::parse(&sku).map_err(bad))
    .collect()
}

/// Records the proposals a shop's proposal document holds: each once, as it was sent
/// (`sender` is the user whose sync brought it first), and its answer once there is one.
pub fn record_proposals(
    tx: &mut Tx<'_>,
    held: &[HeldProposal],
    sender: &str,
) -> Result<(), StoreError> {
    for entry in held {
        let proposal = &entry.proposal;
        let lines: BTreeMap<&str, u32> = proposal
            .lines
            .iter()
            .map(|l| (l.sku.as_str(), l.quantity))
            .collect();
        let lines = serde_json::to_string(&lines).map_err(bad)?;
        let answer = entry.answer.as_ref().map(|a| match a.answer {
            Answer::Ordered => "ordered",
            Answer::Declined => "declined",
        });
        // The weeks it covers: its lines' (a line added by hand says one week).
        let weeks = proposal
            .lines
            .iter()
            .map(|l| l.why.weeks)
            .max()
            .unwrap_or(1)
            .clamp(1, domain::forecast::MAX_COVER_WEEKS);
        // Its manager's counts of the shop's shelf: each product's latest stands. The
        // phone's clock may run ahead: a count is never later than it reached us.
        let counted_ms = proposal.sent_ms.min(tx.now_ms);
        for line in proposal.lines.iter().filter(|l| l.why.counted) {
            tx.execute(
                "INSERT INTO shelf_counts (shop, sku, units, counted_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (shop, sku) DO UPDATE SET units = excluded.units, counted_ms = excluded.counted_ms
                 WHERE shelf_counts.counted_ms < excluded.counted_ms",
                params![
                    proposal.shop.as_str(),
                    line.sku.as_str(),
                    i64::from(line.why.on_hand),
                    counted_ms
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO proposals (id, shop, sender, by_name, sent_ms, lines, answer, answered_ms, recorded_ms, weeks)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET answer = excluded.answer, answered_ms = excluded.answered_ms
             WHERE proposals.answer IS NULL AND excluded.answer IS NOT NULL",
            params![
                proposal.id.as_str(),
                proposal.shop.as_str(),
                sender,
                proposal.by.as_str(),
                proposal.sent_ms,
                lines.as_str(),
                answer,
                entry.answer.as_ref().map(|a| a.at_ms),
                tx.now_ms,
                weeks
            ],
        )?;
    }
    Ok(())
}

/// `shop`'s shelf counts made since `since_ms`, each with the units the shop ordered after
/// it and before `until_ms` (orders not rejected or cancelled): by SKU, (units counted,
/// when, ordered since).
pub fn shelf_counts(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    since_ms: i64,
    until_ms: i64,
) -> Result<BTreeMap<Sku, (u32, i64, u32)>, StoreError> {
    let mut counts = BTreeMap::new();
    for row in tx.rows(
        "SELECT c.sku, c.units, c.counted_ms,
                (SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l
                 WHERE l.shop = c.shop AND l.sku = c.sku AND l.live = 1
                   AND l.received_ms >= c.counted_ms AND l.received_ms < ?3)
         FROM shelf_counts c WHERE c.shop = ?1 AND c.counted_ms >= ?2",
        params![shop.as_str(), since_ms, until_ms],
    )? {
        let sku = Sku::parse(&row.get::<String>(0)?).map_err(bad)?;
        let units = u32::try_from(row.get::<i64>(1)?).unwrap_or(u32::MAX);
        let ordered = u32::try_from(row.get::<i64>(3)?).unwrap_or(u32::MAX);
        counts.insert(sku, (units, row.get::<i64>(2)?, ordered));
    }
    Ok(counts)
}

/// A recorded proposal.
pub struct ProposalRow {
    pub id: String,
    pub shop: String,
    pub sender: String,
    pub sent_ms: i64,
    pub lines: BTreeMap<String, u32>,
    pub answer: Option<String>,
    /// The weeks it covers (1–4).
    pub weeks: u32,
}

/// The proposals sent between `from_ms` and `to_ms`, of `shops` when given.
pub fn proposals_between(
    tx: &mut Tx<'_>,
    (from_ms, to_ms): (i64, i64),
    shops: Option<&[String]>,
) -> Result<Vec<ProposalRow>, StoreError> {
    let mut rows = Vec::new();
    for row in tx.rows(
        "SELECT id, shop, sender, sent_ms, lines, answer, weeks FROM proposals
         WHERE sent_ms >= ?1 AND sent_ms < ?2 ORDER BY sent_ms",
        params![from_ms, to_ms],
    )? {
        let shop: String = row.get(1)?;
        if shops.is_some_and(|shops| !shops.contains(&shop)) {
            continue;
        }
        rows.push(ProposalRow {
            id: row.get(0)?,
            shop,
            sender: row.get(2)?,
            sent_ms: row.get(3)?,
            lines: serde_json::from_str(&row.get::<String>(4)?).map_err(bad)?,
            answer: row.get(5)?,
            weeks: row.get(6)?,
        });
    }
    Ok(rows)
}

/// Records a visit once (its id is the phone's); false when it was recorded before.
pub fn add_visit(tx: &mut Tx<'_>, visit: &api::Visit) -> Result<bool, StoreError> {
    Ok(tx.execute(
        "INSERT INTO visits (id, manager, shop, visited_ms, note, next_day, recorded_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
        params![
            visit.id.as_str(),
            visit.manager.as_str(),
            visit.shop.as_str(),
            visit.visited_ms,
            visit.note.as_str(),
            visit.next_visit.as_deref(),
            tx.now_ms
        ],
    )? > 0)
}

/// `shop`'s visits, newest first, at most `limit`.
pub fn visits_of(tx: &mut Tx<'_>, shop: &str, limit: i64) -> Result<Vec<api::Visit>, StoreError> {
    tx.rows(
        "SELECT v.id, v.shop, v.visited_ms, v.note, v.next_day, v.manager, u.display_name
         FROM visits v LEFT JOIN users u ON u.username = v.manager
         WHERE v.shop = ?1 ORDER BY v.visited_ms DESC, v.id LIMIT ?2",
        params![shop, limit],
    )?
    .iter()
    .map(visit)
    .collect()
}

/// A visit from a row of `id, shop, visited_ms, note, next_day, manager, display_name`.
fn visit(row: &super::sql::Row) -> Result<api::Visit, StoreError> {
    Ok(api::Visit {
        id: row.get(0)?,
        shop: row.get(1)?,
        visited_ms: row.get(2)?,
        note: row.get(3)?,
        next_visit: row.get(4)?,
        manager: row.get(5)?,
        manager_name: row.get::<Option<String>>(6)?.unwrap_or_default(),
    })
}

/// The latest visit of each of `shops` (all shops when None).
pub fn latest_visits(
    tx: &mut Tx<'_>,
    shops: Option<&[String]>,
) -> Result<Vec<api::Visit>, StoreError> {
    let mut latest: BTreeMap<String, api::Visit> = BTreeMap::new();
    for row in tx.rows(
        "SELECT v.id, v.shop, v.visited_ms, v.note, v.next_day, v.manager, u.display_name
         FROM visits v
         JOIN (SELECT shop, MAX(visited_ms) AS last FROM visits GROUP BY shop) m
           ON m.shop = v.shop AND m.last = v.visited_ms
         LEFT JOIN users u ON u.username = v.manager
         ORDER BY v.shop, v.id",
        params![],
    )? {
        let shop: String = row.get(1)?;
        if shops.is_some_and(|shops| !shops.contains(&shop)) {
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(entry) = latest.entry(shop) {
            entry.insert(visit(&row)?);
        }
    }
    Ok(latest.into_values().collect())
}
