//! Background jobs: plain functions of (transaction, now) that a scheduler calls; a job
//! that must run once per period claims it in `job_runs` first, so it runs once across
//! every server process sharing the database. Document compaction claims each 2-second
//! window the same way (it is idempotent too, so a lost claim costs nothing but time).

use std::time::Duration;

use crate::auth::REFRESH_TTL_MS;
use crate::store::{Store, StoreError, Tx, accounts, documents, jobs, money};

const HOUR_MS: i64 = 60 * 60 * 1000;
/// How often a compaction pass runs (in one process of all).
const COMPACTION_EVERY_MS: i64 = 2_000;

/// Deletes tokens that expired long enough ago to be of no use (and webhook deliveries
/// done a month ago), once an hour. Returns how
/// many went, or `None` if another process already ran it this hour.
pub fn clean_up_tokens(tx: &mut Tx<'_>, now_ms: i64) -> Result<Option<u64>, StoreError> {
    let period = (now_ms / HOUR_MS).to_string();
    if !jobs::claim(tx, "token_cleanup", &period, now_ms)? {
        return Ok(None);
    }
    // Compaction claims a window every 2 seconds; a day of them is plenty to keep.
    jobs::forget(tx, "compaction", now_ms - 24 * HOUR_MS)?;
    crate::store::webhooks::forget_before(tx, now_ms - crate::store::webhooks::KEEP_MS)?;
    accounts::delete_dead_tokens(tx, now_ms, REFRESH_TTL_MS).map(Some)
}

/// Folds scheduled prices a week past their time into the plain prices and forgets price
/// history as old, once an hour across processes; `None` if another process ran it this hour.
pub fn fold_price_changes(
    tx: &mut Tx<'_>,
    docs: (&documents::DocCache, &automerge::ActorId),
    catalog: &crate::store::catalog::CatalogCache,
    now_ms: i64,
) -> anyhow::Result<Option<usize>> {
    let period = (now_ms / HOUR_MS).to_string();
    if !jobs::claim(tx, "price_fold", &period, now_ms)? {
        return Ok(None);
    }
    // Price history older than any order still priced at its placement time is of no use
    // to the price hold.
    crate::store::catalog::forget_prices_before(
        tx,
        now_ms - domain::order::PLACEMENT_PRICE_GRACE_MS,
    )?;
    crate::prices_api::fold_due_changes(tx, docs, catalog, now_ms).map(Some)
}

/// Sends the reminders overdue invoices reached (3, 15 and 30 days past due), each level
/// once: a notice in the shop's account (its devices show it) and a task on finance's
/// list. Runs once an hour across processes; `None` if another process ran it this hour,
/// else how many reminders went out.
pub fn send_reminders(
    tx: &mut Tx<'_>,
    docs: crate::fulfilment::Docs<'_>,
    now_ms: i64,
) -> Result<Option<usize>, crate::app_error::AppError> {
    let period = (now_ms / HOUR_MS).to_string();
    if !jobs::claim(tx, "reminders", &period, now_ms)? {
        return Ok(None);
    }
    remind(tx, docs, now_ms).map(Some)
}

/// [`send_reminders`] without the claim: records each level reached and not yet sent,
/// and republishes the account of every shop that got one.
pub fn remind(
    tx: &mut Tx<'_>,
    docs: crate::fulfilment::Docs<'_>,
    now_ms: i64,
) -> Result<usize, crate::app_error::AppError> {
    let first_after = i64::from(domain::ledger::REMINDER_DAYS[0]) * 24 * HOUR_MS;
    let mut sent = 0;
    let mut shops = std::collections::BTreeSet::new();
    let levels = u32::try_from(domain::ledger::REMINDER_DAYS.len()).unwrap_or(u32::MAX);
    for (shop, invoice, sent_already) in money::overdue(tx, now_ms - first_after, levels)? {
        let Some(due) = invoice.due_ms else { continue };
        for (level, _) in domain::ledger::reminder_levels(due, now_ms) {
            if level <= sent_already {
                continue;
            }
            let days = u32::try_from(invoice.days_overdue(now_ms)).unwrap_or(u32::MAX);
            if money::add_reminder(tx, &shop, &invoice, level, days)? {
                sent += 1;
                shops.insert(shop.clone());
            }
        }
    }
    for shop in shops {
        let shop = domain::sku::ShopId::parse(&shop).map_err(|e| anyhow::anyhow!("{e}"))?;
        crate::ledger::publish_account(tx, docs, &shop)?;
    }
    Ok(sent)
}

/// Pays the commissions whose return window ended (分销), once an hour across processes;
/// `None` if another process ran it this hour, else how many orders paid one.
pub fn settle_commissions(
    tx: &mut Tx<'_>,
    docs: crate::fulfilment::Docs<'_>,
    now_ms: i64,
) -> Result<Option<usize>, crate::app_error::AppError> {
    let period = (now_ms / HOUR_MS).to_string();
    if !jobs::claim(tx, "commissions", &period, now_ms)? {
        return Ok(None);
    }
    crate::referrals::settle_due(tx, docs, now_ms).map(Some)
}

/// Cancels the orders whose shop did not give its OK in time (their stock goes back on
/// the shelf), once a minute across processes; `None` if another process ran it this
/// minute, else how many were cancelled.
pub fn expire_unanswered(
    tx: &mut Tx<'_>,
    docs: crate::fulfilment::Docs<'_>,
    now_ms: i64,
) -> Result<Option<usize>, crate::app_error::AppError> {
    let period = (now_ms / 60_000).to_string();
    if !jobs::claim(tx, "unanswered", &period, now_ms)? {
        return Ok(None);
    }
    expire(tx, docs, now_ms).map(Some)
}

/// [`expire_unanswered`] without the claim.
pub fn expire(
    tx: &mut Tx<'_>,
    docs: crate::fulfilment::Docs<'_>,
    now_ms: i64,
) -> Result<usize, crate::app_error::AppError> {
    let mut expired = 0;
    for request_id in crate::store::orders::on_hold(tx, 1_000)? {
        let Some((_, _, order)) = crate::store::orders::confirmation(tx, &request_id)? else {
            continue;
        };
        if order
            .awaiting_shop_until()
            .is_none_or(|until| until > now_ms)
        {
            continue;
        }
        let applied = crate::fulfilment::apply(
            tx,
            "system",
            &request_id,
            crate::fulfilment::Action::NotAnswered,
        )?;
        crate::fulfilment::publish_applied(tx, docs, &applied)?;
        expired += 1;
    }
    Ok(expired)
}

/// Claims the compaction window `now_ms` falls in; false if another process has it.
pub fn claim_compaction(tx: &mut Tx<'_>, now_ms: i64) -> Result<bool, StoreError> {
    let window = (now_ms / COMPACTION_EVERY_MS).to_string();
    jobs::claim(tx, "compaction", &window, now_ms)
}

/// One compaction pass, if this process is the first to claim the current window: how
/// many documents it compacted, or `None` when another process has the window.
pub fn compaction_pass(
    store: &Store,
    runtime: &tokio::runtime::Handle,
) -> anyhow::Result<Option<usize>> {
    let claimed = runtime.block_on(store.write(|tx| {
        let now = tx.now_ms;
        claim_compaction(tx, now)
    }))?;
    if !claimed {
        return Ok(None);
    }
    compact_documents(store, runtime).map(Some)
}

/// Compacts up to 256 documents whose appended chunks outgrew their snapshot: each snapshot
/// is made in a read transaction (the writer is not held), then swapped in by a short
/// write. Idempotent, so processes sharing a database may both run it. Runs on a thread of
/// its own (`runtime` is for the writes). Returns how many documents were compacted.
pub fn compact_documents(store: &Store, runtime: &tokio::runtime::Handle) -> anyhow::Result<usize> {
    let due = store.read_blocking(|tx| documents::due_for_compaction(tx, 256))?;
    let mut compacted = 0;
    for id in due {
        let Some((upto, snapshot)) =
            store.read_blocking(|tx| documents::snapshot(tx, store.docs(), &id))?
        else {
            continue;
        };
        let done = runtime
            .block_on(store.write(move |tx| documents::compact(tx, &id, upto, snapshot.clone())))?;
        compacted += usize::from(done);
    }
    Ok(compacted)
}

/// A job that may write documents (as `actor`): how many things it did, or `None` when
/// another process ran it this period.
type DocumentJob = fn(
    &mut Tx<'_>,
    crate::fulfilment::Docs<'_>,
    i64,
) -> Result<Option<usize>, crate::app_error::AppError>;

/// Runs `job` now in one transaction and logs what it did (`done`) or why not (`failed`).
async fn run_document_job(
    store: &Store,
    actor: &automerge::ActorId,
    job: DocumentJob,
    (done, failed): (&'static str, &'static str),
) {
    let (actor, docs) = (actor.clone(), store.clone());
    let outcome = store
        .write(move |tx| {
            let now = tx.now_ms;
            let docs = crate::fulfilment::Docs {
                cache: docs.docs(),
                actor: &actor,
            };
            job(tx, docs, now)
        })
        .await;
    match outcome {
        Ok(Some(count)) if count > 0 => tracing::info!(count, "{done}"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "{failed}"),
    }
}

/// Runs the jobs until the process ends: compaction every 2 seconds on a thread of its
/// own, the others every minute (the scheduled backup from the second minute on, so a
/// server that only starts and stops makes none).
pub fn spawn(
    store: Store,
    actor: automerge::ActorId,
    catalog: std::sync::Arc<crate::store::catalog::CatalogCache>,
    backups: Option<std::sync::Arc<crate::backups_api::Backups>>,
) {
    let compacting = store.clone();
    let runtime = tokio::runtime::Handle::current();
    let started = std::thread::Builder::new()
        .name("compaction".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(COMPACTION_EVERY_MS.unsigned_abs()));
                if let Err(error) = compaction_pass(&compacting, &runtime) {
                    tracing::warn!(%error, "document compaction failed");
                }
            }
        });
    if let Err(error) = started {
        tracing::error!(%error, "could not start document compaction");
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let mut first = true;
        loop {
            tick.tick().await;
            if let Some(backups) = backups.as_ref().filter(|_| !std::mem::take(&mut first)) {
                backups.on_schedule(crate::store::now_ms()).await;
            }
            store.docs().forget_idle();
            match store
                .write(|tx| {
                    let now = tx.now_ms;
                    clean_up_tokens(tx, now)
                })
                .await
            {
                Ok(Some(deleted)) => tracing::info!(deleted, "cleaned up expired tokens"),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "the token clean-up did not run"),
            }
            let (folder, catalog, docs) = (actor.clone(), catalog.clone(), store.clone());
            match store
                .write(move |tx| {
                    let now = tx.now_ms;
                    fold_price_changes(tx, (docs.docs(), &folder), &catalog, now)
                })
                .await
            {
                Ok(Some(folded)) if folded > 0 => {
                    tracing::info!(folded, "scheduled prices became plain prices")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "folding scheduled prices did not run"),
            }
            let reminders = ("payment reminders sent", "payment reminders did not run");
            run_document_job(&store, &actor, send_reminders, reminders).await;
            let commissions = ("commissions paid", "commissions were not paid");
            run_document_job(&store, &actor, settle_commissions, commissions).await;
            let unanswered = (
                "orders the shop did not answer in time cancelled",
                "unanswered orders were not cancelled",
            );
            run_document_job(&store, &actor, expire_unanswered, unanswered).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use docs::schema::cart_doc::{read_cart, set_quantity};
    use docs::schema::create_document;
    use docs::schema::doc_id::DocId;
    use domain::sku::{ShopId, Sku};

    use super::*;
    use crate::store::documents::{DocCache, load, put_back, stored_size};

    #[tokio::test]
    async fn each_compaction_window_is_claimed_by_one_process_and_old_claims_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("db.sqlite3")).unwrap();
        let claims = store
            .write(|tx| {
                let first = claim_compaction(tx, 10_000)?;
                let same_window = claim_compaction(tx, 11_999)?;
                let next_window = claim_compaction(tx, 12_000)?;
                Ok::<_, StoreError>((first, same_window, next_window))
            })
            .await
            .unwrap();
        assert_eq!(claims, (true, false, true));
        let day = 24 * HOUR_MS;
        let left = store
            .write(move |tx| {
                clean_up_tokens(tx, 11_000 + day)?;
                jobs::runs(tx, "compaction")
            })
            .await
            .unwrap();
        assert_eq!(left, 1, "claims older than a day are forgotten");
    }

    /// One compaction pass, on a thread of its own as the jobs run it: how many it compacted.
    fn compact_now(store: &Store) -> usize {
        let (compactor, handle) = (store.clone(), tokio::runtime::Handle::current());
        std::thread::spawn(move || compact_documents(&compactor, &handle))
            .join()
            .unwrap()
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn compaction_keeps_the_document_and_its_version_and_later_writes_still_apply() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("db.sqlite3")).unwrap();
        let id = DocId::Cart(ShopId::parse("shop-a").unwrap());
        let created = id.clone();
        store
            .write(move |tx| {
                create_document(&created, automerge::ActorId::random())
                    .map_err(anyhow::Error::from)
                    .and_then(|doc| documents::create(tx, &created, doc))
            })
            .await
            .unwrap();
        let write = |n: u32| {
            let id = id.clone();
            let store = store.clone();
            let cache = store.clone();
            async move {
                store
                    .write(move |tx| {
                        let mut loaded = load(tx, cache.docs(), &id)?.unwrap();
                        let sku = Sku::parse(&format!("SKU-{n:04}"))?;
                        set_quantity(&mut loaded.doc, &sku, n, &format!("line-{n}"))?;
                        put_back(tx, id.clone(), loaded)
                    })
                    .await
                    .unwrap();
            }
        };
        for n in 1..=60 {
            write(n).await;
        }
        let (chunks_before, _) = store
            .read({
                let id = id.clone();
                move |tx| stored_size(tx, &id)
            })
            .await
            .unwrap();
        assert_eq!(
            chunks_before, 61,
            "one chunk per write after the first snapshot"
        );
        assert_eq!(compact_now(&store), 1);
        let (chunks_after, _) = store
            .read({
                let id = id.clone();
                move |tx| stored_size(tx, &id)
            })
            .await
            .unwrap();
        assert_eq!(chunks_after, 1);
        write(61).await;
        // A cold cache reads the compacted snapshot and the chunk written after it.
        let cold = DocCache::default();
        let (version, cart) = store
            .read({
                let id = id.clone();
                move |tx| {
                    let loaded = load(tx, &cold, &id)?.unwrap();
                    anyhow::Ok((loaded.version, read_cart(&loaded.doc)))
                }
            })
            .await
            .unwrap();
        assert_eq!(version, 62);
        assert_eq!(cart.len(), 61);
        assert_eq!(
            cart.iter().map(|l| l.quantity).sum::<u32>(),
            (1..=61).sum::<u32>()
        );
        // The first compaction saved the cached copy; with nothing cached, the chunks are
        // loaded and saved whole, to the same effect.
        for n in 62..=140 {
            write(n).await;
        }
        store.docs().clear();
        assert_eq!(compact_now(&store), 1);
        let cold = DocCache::default();
        let (chunks, version, cart) = store
            .read({
                let id = id.clone();
                move |tx| {
                    let (chunks, _) = stored_size(tx, &id)?;
                    let loaded = load(tx, &cold, &id)?.unwrap();
                    anyhow::Ok((chunks, loaded.version, read_cart(&loaded.doc)))
                }
            })
            .await
            .unwrap();
        assert_eq!((chunks, version), (1, 141));
        assert_eq!(cart.len(), 140);
    }
}
