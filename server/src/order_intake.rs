//! The authoritative order intake: inside the sync transaction, every request id a sync
//! brought into a shop's requests document is priced from the server's own tables,
//! numbered, recorded in the orders table (whose unique request id makes it exactly once)
//! and answered in the shop's status document. The sync reply is sent only after this
//! commits. What it reads does not grow with the shop's history: the requests the sync
//! brought, the SKUs they name, and counters.

use std::collections::BTreeSet;

use automerge::Automerge;
use docs::intake::{StockSource, answer_requests, confirm_request, settle};
use docs::schema::create_document;
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::{StoredAccept, StoredCancel, StoredRequest, StoredReturn};
use docs::schema::order_status_doc::{
    encode_confirmations, put_encoded_confirmations, set_next_volume,
};
use std::collections::BTreeMap;

use domain::checkout::{Checkout, SalesTerms, ShopProfile, spend_balances};
use domain::ledger::EntryKind;
use domain::order::{HistoryFact, OrderConfirmation, OrderRequest, RequestId};
use domain::order_state::OrderState;
use domain::price_book::PriceBook;
use domain::price_hold::{PricesThen, held_since};
use domain::promotion::{Promotion, PromotionUsage};
use domain::quota::Period;
use domain::sku::TierId;
use domain::sku::{ShopId, Sku, WarehouseId};

use crate::app_error::AppError;
use crate::fulfilment::{self, Action, Applied};
use crate::store::catalog::{CatalogCache, Products};
use crate::store::large_orders as store_flags;
use crate::store::orders::FollowUp;
use crate::store::{
    Tx, catalog, commerce, documents, money, orders, reports, returns, stock, webhooks,
};

/// What an order of a shop is priced and checked with, read from the tables: the shop's
/// profile (its row locked), the catalog, its tier's and its own prices for the SKUs
/// named, the terms, promotions and their use, and what it ordered for its quotas.
pub struct Pricing {
    pub profile: ShopProfile,
    pub products: Products,
    pub tier: Option<TierId>,
    pub book: PriceBook,
    pub terms: SalesTerms,
    pub promotions: Vec<Promotion>,
    pub usage: PromotionUsage,
    pub ordered: BTreeMap<(Sku, Period), u32>,
}

impl Pricing {
    pub fn load(
        tx: &mut Tx<'_>,
        catalog_cache: &CatalogCache,
        shop: &ShopId,
        skus: &BTreeSet<Sku>,
        now_ms: i64,
    ) -> anyhow::Result<Pricing> {
        let profile = commerce::ordering_profile(tx, shop)?;
        let products = catalog::products(tx, catalog_cache)?;
        let tier = catalog::tier_of(tx, shop)?;
        let book = catalog::price_book(tx, shop, tier.as_ref(), skus)?;
        let terms = commerce::terms(tx)?;
        let promotions = commerce::promotions(tx)?;
        let usage = commerce::usage(tx, shop, &promotions)?;
        let ordered = commerce::ordered_for_quotas(tx, shop, &profile, now_ms)?;
        Ok(Pricing {
            profile,
            products,
            tier,
            book,
            terms,
            promotions,
            usage,
            ordered,
        })
    }

    /// The prices the shop's devices had at the times `requests` hold prices from, under
    /// the distributor's price hold (none when it holds no prices).
    pub fn held<'r>(
        &self,
        tx: &mut Tx<'_>,
        shop: &ShopId,
        requests: impl IntoIterator<Item = &'r OrderRequest>,
        skus: &BTreeSet<Sku>,
        now_ms: i64,
    ) -> anyhow::Result<Vec<PricesThen>> {
        let Some(hours) = self.terms.approval.as_ref().map(|r| r.price_hold_hours) else {
            return Ok(Vec::new());
        };
        let since: BTreeSet<i64> = requests
            .into_iter()
            .filter_map(|request| held_since(request, hours, now_ms))
            .collect();
        since
            .into_iter()
            .map(|as_of| catalog::prices_then(tx, shop, (&self.products, &self.book), skus, as_of))
            .collect()
    }

    pub fn checkout<'a>(&'a self, shop: &'a ShopId) -> Checkout<'a> {
        Checkout {
            shop,
            tier: self.tier.as_ref(),
            terms: &self.terms,
            profile: &self.profile,
            promotions: &self.promotions,
            usage: &self.usage,
            ordered: &self.ordered,
        }
    }
}

/// Records, beside what another channel charged for each line of its orders, what the
/// distributor's own price was at the order's pricing time (the difference on record).
pub fn record_our_prices(
    tx: &mut Tx<'_>,
    pricing: &Pricing,
    channel: &BTreeMap<String, domain::channel::ChannelPrices>,
    answers: &[OrderConfirmation],
) -> anyhow::Result<()> {
    for answer in answers {
        let Some(prices) = channel.get(answer.request_id.as_str()) else {
            continue;
        };
        let lines: Vec<domain::pricing::RequestedLine> = answer
            .priced
            .lines
            .iter()
            .filter(|l| prices.contains_key(&l.sku))
            .map(|l| domain::pricing::RequestedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect();
        let at = domain::order::pricing_time(answer.placed_at_ms, tx.now_ms);
        let ours = domain::pricing::price_order(
            &lines,
            pricing.products.as_ref(),
            &pricing.book,
            domain::money::Currency::Cny,
            at,
        );
        let Ok(ours) = ours else { continue };
        for line in ours.lines {
            orders::record_our_price(
                tx,
                answer.request_id.as_str(),
                &line.sku,
                line.quantity,
                line.unit_price,
            )?;
        }
    }
    Ok(())
}

/// What `request` would become if taken in now (priced, checked, stock reserved on a
/// copy), without writing anything: the back office's preview of an order it enters.
pub fn preview(
    tx: &mut Tx<'_>,
    catalog_cache: &CatalogCache,
    request: &OrderRequest,
    now_ms: i64,
) -> anyhow::Result<OrderConfirmation> {
    let shop = &request.shop;
    let skus: BTreeSet<Sku> = request.lines.iter().map(|l| l.sku.clone()).collect();
    let pricing = Pricing::load(tx, catalog_cache, shop, &skus, now_ms)?;
    let gifts = pricing.promotions.iter().filter_map(|p| p.kind.gift_sku());
    let mut inventory = stock::levels(tx, skus.iter().chain(gifts))?;
    let nearest_first = catalog::nearest_warehouses(tx, shop)?;
    let mut answers = answer_requests(
        vec![StoredRequest {
            key: request.id.to_string(),
            request: Ok(request.clone()),
        }],
        pricing.products.as_ref(),
        &pricing.book,
        &pricing.checkout(shop),
        &[],
        &orders::channel_prices(tx, [request.id.as_str()])?,
        StockSource {
            inventory: &mut inventory,
            nearest_first: &nearest_first,
        },
        |_| false,
        String::new,
        now_ms,
    );
    answers
        .pop()
        .ok_or_else(|| anyhow::anyhow!("a previewed order was not answered"))
}

/// A sync's one new order of a shop priced on a read snapshot, outside the writer: what it
/// was priced with and its confirmation before stock. The writer keeps it while nothing it
/// was priced with has moved: the pricing version (`catalog::pricing_version`) and the
/// shop's profile, promotion use and quota counts, which the writer reads again (locking
/// them, as it would to price) and compares. Otherwise the writer prices it again itself.
pub struct Draft {
    key: String,
    version: i64,
    pricing: Pricing,
    nearest_first: Vec<WarehouseId>,
    confirmed: OrderConfirmation,
}

/// Drafts the writer kept, and drafts it threw away (the tests check which way an order went).
static DRAFTS: [std::sync::atomic::AtomicU64; 2] = [
    std::sync::atomic::AtomicU64::new(0),
    std::sync::atomic::AtomicU64::new(0),
];

/// How many drafts the writer kept, and how many it priced again.
pub fn drafts_kept_and_redone() -> (u64, u64) {
    let load = |i: usize| DRAFTS[i].load(std::sync::atomic::Ordering::Relaxed);
    (load(0), load(1))
}

/// Prices the one new request `requests` holds for `shop` on a read snapshot (`None` when
/// there are several: each is priced after the one before, in the writer).
pub fn draft(
    tx: &mut Tx<'_>,
    catalog_cache: &CatalogCache,
    shop: &ShopId,
    requests: &[StoredRequest],
    now_ms: i64,
) -> anyhow::Result<Option<Draft>> {
    let [stored] = requests else {
        return Ok(None);
    };
    let Ok(request) = &stored.request else {
        return Ok(None);
    };
    // A request applied before is not looked up here: the writer finds it applied and
    // never looks at the draft.
    if RequestId::parse(&stored.key).is_err() {
        return Ok(None);
    }
    let version = catalog::pricing_version(tx)?;
    let skus: BTreeSet<Sku> = request.lines.iter().map(|l| l.sku.clone()).collect();
    let pricing = Pricing::load(tx, catalog_cache, shop, &skus, now_ms)?;
    let nearest_first = catalog::nearest_warehouses(tx, shop)?;
    let held = pricing.held(tx, shop, [request], &skus, now_ms)?;
    let confirmed = confirm_request(
        request,
        None,
        pricing.products.as_ref(),
        &pricing.book,
        &pricing.checkout(shop),
        &held,
        String::new(),
        now_ms,
    );
    Ok(Some(Draft {
        key: stored.key.clone(),
        version,
        pricing,
        nearest_first,
        confirmed,
    }))
}

impl Draft {
    /// The draft if it still stands for `requests` in the writer: the same one request,
    /// priced with what is stored now.
    fn kept(
        self,
        tx: &mut Tx<'_>,
        shop: &ShopId,
        requests: &[StoredRequest],
        now_ms: i64,
    ) -> anyhow::Result<Option<Draft>> {
        let same_request = matches!(requests, [only] if only.key == self.key);
        let kept = same_request && catalog::pricing_version(tx)? == self.version && {
            // Read as `Pricing::load` reads them, in the same order (the profile's row
            // first: it locks the shop's balances).
            let profile = commerce::ordering_profile(tx, shop)?;
            profile == self.pricing.profile
                && commerce::usage(tx, shop, &self.pricing.promotions)? == self.pricing.usage
                && commerce::ordered_for_quotas(tx, shop, &profile, now_ms)? == self.pricing.ordered
        };
        DRAFTS[usize::from(!kept)].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(kept.then_some(self))
    }
}

/// What one intake did.
#[derive(Debug, Default)]
pub struct Intake {
    /// How many requests were answered.
    pub answered: usize,
    /// The shop's profile when its balances changed (publish it to its prices document).
    pub profile: Option<ShopProfile>,
    /// The shop's account when its prepaid balance moved (publish it there too).
    pub account: Option<domain::ledger::AccountSummary>,
}

/// Answers the requests of `shop` (the ones a sync brought into its order volume
/// `volume`) that were not applied before.
#[allow(clippy::too_many_arguments)]
pub fn take_in_orders(
    tx: &mut Tx<'_>,
    catalog_cache: &CatalogCache,
    shop: &ShopId,
    volume: u32,
    requests: Vec<StoredRequest>,
    status_doc: &mut Automerge,
    device_id: i64,
    channel: &str,
    draft: Option<Draft>,
    now_ms: i64,
) -> anyhow::Result<Intake> {
    let applied = orders::applied(tx, requests.iter().map(|r| r.key.as_str()))?;
    let requests: Vec<StoredRequest> = requests
        .into_iter()
        .filter(|r| !applied.contains(&r.key) && RequestId::parse(&r.key).is_ok())
        .collect();
    if requests.is_empty() {
        return Ok(Intake::default());
    }
    let requested: BTreeSet<Sku> = requests
        .iter()
        .filter_map(|stored| stored.request.as_ref().ok())
        .flat_map(|request| request.lines.iter().map(|line| line.sku.clone()))
        .collect();
    // The shop's profile first (its row locks the shop's balances), then stock in SKU
    // order, then the order counter: every transaction takes them in this order.
    let draft = match draft {
        Some(draft) if channel != "api" => draft.kept(tx, shop, &requests, now_ms)?,
        _ => None,
    };
    let (pricing, nearest_first, drafted) = match draft {
        Some(draft) => (draft.pricing, draft.nearest_first, Some(draft.confirmed)),
        None => {
            let pricing = Pricing::load(tx, catalog_cache, shop, &requested, now_ms)?;
            // What needs no lock is read before the stock rows and the counter are locked:
            // on PostgreSQL every other order waits for those until this one commits.
            let nearest_first = catalog::nearest_warehouses(tx, shop)?;
            (pricing, nearest_first, None)
        }
    };
    let held = match drafted {
        Some(_) => Vec::new(),
        None => pricing.held(
            tx,
            shop,
            requests
                .iter()
                .filter_map(|stored| stored.request.as_ref().ok()),
            &requested,
            now_ms,
        )?,
    };
    // Another channel's own prices: only for the orders it placed through the API (a
    // device cannot claim them; they are written by the API before the order is placed).
    let channel_prices = if channel == "api" {
        orders::channel_prices(tx, requests.iter().map(|r| r.key.as_str()))?
    } else {
        BTreeMap::new()
    };
    // Gifts are reserved like the lines they come with.
    let gifts: Vec<&Sku> = pricing
        .promotions
        .iter()
        .filter_map(|p| p.kind.gift_sku())
        .collect();
    // Read now what is written after the stock rows are locked (the cost prices, who
    // subscribes to order and stock events): on PostgreSQL every other order of these
    // products waits from that lock until this one commits.
    let costs = reports::costs_for(tx, requested.iter().chain(gifts.iter().copied()), now_ms)?;
    webhooks::wanted(tx, "order.")?;
    let before = stock::levels(tx, requested.iter().chain(gifts))?;
    let mut inventory = before.clone();
    let numbers = orders::take_numbers(tx, requests.len())?;
    let first_seq = numbers.seq;
    let mut seq = first_seq - 1;
    let checkout = pricing.checkout(shop);
    let (products, book, profile) = (&pricing.products, &pricing.book, &pricing.profile);
    let placed_by: Vec<(String, String)> = requests
        .iter()
        .filter_map(|s| Some((s.key.clone(), s.request.as_ref().ok()?.placed_by.clone())))
        .collect();
    let mut stock_source = StockSource {
        inventory: &mut inventory,
        nearest_first: &nearest_first,
    };
    let answers = match (drafted, requests.first().map(|r| &r.request)) {
        // Priced outside the writer: numbered and given its stock here.
        (Some(mut answer), Some(Ok(request))) => {
            answer.number = format!("DH-{first_seq:06}");
            settle(&mut answer, request, &checkout, &mut stock_source, now_ms);
            vec![answer]
        }
        _ => answer_requests(
            requests,
            products.as_ref(),
            book,
            &checkout,
            &held,
            &channel_prices,
            stock_source,
            |_| false,
            || {
                seq += 1;
                format!("DH-{seq:06}")
            },
            now_ms,
        ),
    };
    // Encoded once, for the orders table and the status document alike.
    let encoded = encode_confirmations(&answers)?;
    // From here on, what the order writes goes together (one statement on PostgreSQL
    // until something is read), for the rows locked above are held until the commit.
    let deferring = tx.defer_writes();
    let mut owed = domain::money::Money::zero(domain::money::Currency::Cny);
    for (offset, (answer, (_, json))) in answers.iter().zip(&encoded).enumerate() {
        let by = placed_by
            .iter()
            .find(|(key, _)| key == answer.request_id.as_str())
            .map(|(_, by)| by.as_str())
            .unwrap_or_default();
        let origin = orders::Origin {
            placed_by: by,
            device: device_id,
            channel,
            home_warehouse: nearest_first.first().map(|w| w.as_str()),
        };
        orders::insert(
            tx,
            numbers.nth(offset),
            shop,
            volume,
            (answer, json),
            origin,
            &costs,
            now_ms,
        )?;
        owed = owed.checked_add(commerce::owed_by(answer, commerce::terms_of(profile))?)?;
    }
    stock::save(tx, &before, &inventory)?;
    record_our_prices(tx, &pricing, &channel_prices, &answers)?;
    commerce::record_uses(tx, shop, &answers)?;
    if profile.account.is_some() && !owed.is_zero() {
        commerce::add_unbilled(tx, shop, owed)?;
    }
    let mut spent = profile.clone();
    if let Some(account) = &mut spent.account {
        account.unbilled = account.unbilled.checked_add(owed)?;
    }
    let mut prepaid_moved = false;
    for answer in answers.iter().filter(|a| a.state != OrderState::Rejected) {
        if let Some(quote) = &answer.quote {
            let held = prepaid_of(&spent);
            let points = spent.points_balance;
            spend_balances(&mut spent, quote);
            let by = placed_by
                .iter()
                .find(|(key, _)| key == answer.request_id.as_str())
                .map_or("", |(_, by)| by.as_str());
            // Points redeemed and earned are an entry too (the account is not republished
            // for them alone: the profile carries the balance).
            money::add_points_entry(
                tx,
                shop,
                by,
                (&answer.number, "订单积分 points for the order"),
                (points, spent.points_balance),
            )?;
            if let (Some(before), Some(after)) = (held, prepaid_of(&spent))
                && before != after
            {
                // Every move of the prepaid balance is an entry on the shop's account.
                money::add_entry(
                    tx,
                    shop,
                    by,
                    EntryKind::Prepaid,
                    (&answer.number, "订单付款 paid for the order"),
                    (after.checked_sub(before)?, after),
                )?;
                prepaid_moved = true;
            }
        }
    }
    let profile = if spent != *profile {
        commerce::set_profile(tx, shop, &spent)?;
        Some(spent)
    } else {
        None
    };
    // Last, because it reads (which sends what is deferred so far).
    guard_large_orders(tx, shop, &answers, now_ms)?;
    if deferring {
        tx.flush_writes()?;
    }
    put_encoded_confirmations(status_doc, &encoded)?;
    let account = if prepaid_moved {
        Some(crate::ledger::account_summary(tx, shop).map_err(|e| anyhow::anyhow!("{e}"))?)
    } else {
        None
    };
    Ok(Intake {
        answered: answers.len(),
        profile,
        account,
    })
}

/// How many weeks of a shop's history the bullwhip guard reads.
const GUARD_WEEKS: usize = 12;

/// The bullwhip guard: flags each product an order left waiting for stock (in short
/// supply) when the order holds far more of it than the shop's smoothed weekly demand
/// (`domain::forecast::far_above_demand`), for staff and the account manager to look at
/// before the stock is allocated. Reads history only for backordered products.
fn guard_large_orders(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    answers: &[OrderConfirmation],
    now_ms: i64,
) -> anyhow::Result<()> {
    for answer in answers.iter().filter(|a| !a.backordered.is_empty()) {
        for (sku, waiting) in &answer.backordered {
            let ordered: u32 = answer
                .priced
                .lines
                .iter()
                .filter(|l| &l.sku == sku)
                .map(|l| l.quantity)
                .sum();
            let history: Vec<domain::forecast::DemandWeek> = store_flags::weekly_history(
                tx,
                shop,
                sku,
                (GUARD_WEEKS, domain::forecast::GUARD_MIN_WEEKS),
                now_ms,
            )?
            .into_iter()
            .map(|quantity| domain::forecast::DemandWeek {
                quantity,
                paused: false,
                factor: rust_decimal::Decimal::ONE,
                capped: false,
            })
            .collect();
            if let Some(weekly) = domain::forecast::far_above_demand(&history, ordered) {
                store_flags::add(
                    tx,
                    &store_flags::NewFlag {
                        request_id: answer.request_id.as_str(),
                        sku,
                        shop,
                        ordered,
                        backordered: *waiting,
                        weekly: &weekly.to_string(),
                    },
                    now_ms,
                )?;
            }
        }
    }
    Ok(())
}

/// Whether `shop`'s order volume `volume` is its current one and holds `limit` stored
/// bytes or more, so that an intake into it opens the next ([`open_next_volume`]). Read
/// before the intake locks stock rows and the order counter, so that the statements are
/// not among what other orders wait for on PostgreSQL; the volume's documents as the
/// batch found them (its status document is written after the intake).
pub fn volume_full(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    volume: u32,
    limit: i64,
) -> anyhow::Result<bool> {
    if orders::current_volume(tx, shop)? != volume {
        return Ok(false);
    }
    let documents = [
        DocId::OrderRequests(shop.clone(), volume),
        DocId::OrderStatus(shop.clone(), volume),
    ];
    Ok(documents::stored_bytes(tx, &documents)? >= limit)
}

/// Opens `shop`'s next order volume after `volume` (full, as [`volume_full`] said):
/// creates the next volume's documents and names it in `status_doc` (this volume's status
/// document), where the shop's devices learn to write there. A request that arrives later
/// in a closed volume is still taken in and answered in it. Nothing when another
/// transaction opened it first.
pub fn open_next_volume(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    volume: u32,
    status_doc: &mut Automerge,
    actor: &automerge::ActorId,
) -> anyhow::Result<()> {
    if !orders::advance_volume(tx, shop, volume)? {
        return Ok(());
    }
    let next = volume + 1;
    for id in [
        DocId::OrderRequests(shop.clone(), next),
        DocId::OrderStatus(shop.clone(), next),
    ] {
        documents::create(tx, &id, create_document(&id, actor.clone())?)?;
    }
    set_next_volume(status_doc, next)?;
    tracing::debug!(shop = %shop, volume = next, "opened the next order volume");
    Ok(())
}

/// Applies the cancel requests of `shop` a sync brought, each once: before picking starts
/// the order is cancelled (its stock released, its balances given back); after, the
/// request is written into the order's history for staff to decide. Returns what changed,
/// for the sync to write into the documents it holds.
pub fn take_in_cancels(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    cancels: Vec<StoredCancel>,
    now_ms: i64,
) -> anyhow::Result<Vec<Applied>> {
    let mut changed = Vec::new();
    for stored in cancels {
        let Ok(cancel) = stored.cancel else {
            continue;
        };
        let target = cancel.cancels.as_str();
        if !orders::record_follow_up(tx, FollowUp::Cancel, (&stored.key, shop, target), now_ms)? {
            continue;
        }
        let state = match orders::confirmation(tx, target)? {
            Some((owner, _, order)) if &owner == shop => order.state,
            _ => {
                orders::set_follow_up_outcome(tx, FollowUp::Cancel, &stored.key, "unknown_order")?;
                continue;
            }
        };
        let reason = cancel.reason.chars().take(200).collect::<String>();
        let (action, outcome) = if state.shop_may_cancel() {
            (Action::ShopCancel(reason), "cancelled")
        } else {
            (
                Action::Note(HistoryFact::ShopAsksToCancel { reason }),
                "asked",
            )
        };
        match fulfilment::apply(tx, &cancel.placed_by, target, action) {
            Ok(applied) => {
                orders::set_follow_up_outcome(tx, FollowUp::Cancel, &stored.key, outcome)?;
                changed.push(applied);
            }
            Err(AppError::Internal(error)) => return Err(error),
            Err(refused) => {
                tracing::warn!(order = target, reason = %refused, "a cancel request was refused");
                orders::set_follow_up_outcome(tx, FollowUp::Cancel, &stored.key, "refused")?;
            }
        }
    }
    Ok(changed)
}

/// Takes in `shop`'s OKs to orders held for it, each once: an order still waiting is
/// released to where it was held (its stock stays reserved); one that no longer waits
/// (cancelled, expired, released by staff) is left as it is. Returns what changed.
pub fn take_in_accepts(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    accepts: Vec<StoredAccept>,
    now_ms: i64,
) -> anyhow::Result<Vec<Applied>> {
    let mut changed = Vec::new();
    for stored in accepts {
        let Ok(accept) = stored.accept else {
            continue;
        };
        let target = accept.accepts.as_str();
        if !orders::record_follow_up(tx, FollowUp::Accept, (&stored.key, shop, target), now_ms)? {
            continue;
        }
        match orders::confirmation(tx, target)? {
            Some((owner, _, order)) if &owner == shop => {
                if order.awaiting_shop_until().is_none() {
                    orders::set_follow_up_outcome(
                        tx,
                        FollowUp::Accept,
                        &stored.key,
                        "not_waiting",
                    )?;
                    continue;
                }
            }
            _ => {
                orders::set_follow_up_outcome(tx, FollowUp::Accept, &stored.key, "unknown_order")?;
                continue;
            }
        }
        match fulfilment::apply(tx, &accept.placed_by, target, Action::ShopAccept) {
            Ok(applied) => {
                orders::set_follow_up_outcome(tx, FollowUp::Accept, &stored.key, "accepted")?;
                changed.push(applied);
            }
            Err(AppError::Internal(error)) => return Err(error),
            Err(refused) => {
                tracing::warn!(order = target, reason = %refused, "a shop's OK was refused");
                orders::set_follow_up_outcome(tx, FollowUp::Accept, &stored.key, "refused")?;
            }
        }
    }
    Ok(changed)
}

/// Takes in the return requests of `shop` a sync brought, each once, on the order each
/// names: a return waiting for customer service, or declined at once with the reason when
/// it asks for what was not shipped. Returns what changed, for the sync to write into the
/// documents it holds.
pub fn take_in_returns(
    tx: &mut Tx<'_>,
    shop: &ShopId,
    requests: Vec<StoredReturn>,
    now_ms: i64,
) -> anyhow::Result<Vec<Applied>> {
    let mut changed = Vec::new();
    for stored in requests {
        let Ok(request) = stored.request else {
            continue;
        };
        let target = request.returns.to_string();
        let target = target.as_str();
        if !returns::record(tx, &stored.key, shop, target, now_ms)? {
            continue;
        }
        match orders::confirmation(tx, target)? {
            Some((owner, _, _)) if &owner == shop => {}
            _ => continue,
        }
        let by = request.placed_by.clone();
        match fulfilment::apply(tx, &by, target, Action::OpenReturn(request)) {
            Ok(applied) => changed.push(applied),
            Err(AppError::Internal(error)) => return Err(error),
            Err(refused) => {
                tracing::warn!(order = target, reason = %refused, "a return request was refused");
            }
        }
    }
    Ok(changed)
}

/// The prepaid balance of a shop with an account.
pub fn prepaid_of(profile: &ShopProfile) -> Option<domain::money::Money> {
    profile
        .account
        .as_ref()
        .map(|account| account.prepaid_balance)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::store::catalog::PriceList;
    use docs::schema::doc_id::DocId;
    use domain::money::{Currency, Money};
    use domain::order::OrderRequest;
    use domain::pricing::RequestedLine;

    use super::*;
    use crate::store::Store;

    /// An order of `shop-lotus` priced on a snapshot, then taken in by the writer after
    /// `meanwhile` ran: its price per unit, and whether the writer kept the draft.
    async fn drafted_then_taken_in(
        store: &Store,
        cache: &Arc<CatalogCache>,
        line: RequestedLine,
        meanwhile: impl FnMut(&mut Tx<'_>) -> anyhow::Result<()> + Send + 'static,
    ) -> (Money, bool) {
        let shop = ShopId::parse("shop-lotus").unwrap();
        let id = crate::placing::new_request_id().unwrap();
        let request = OrderRequest::new(id, shop.clone(), 1, "lotus", vec![line]);
        let stored = vec![StoredRequest {
            key: request.id.to_string(),
            request: Ok(request),
        }];
        let (drafting, for_draft) = (cache.clone(), (shop.clone(), stored.clone()));
        let draft = store
            .read(move |tx| {
                assert!(tx.is_read_only());
                let now = tx.now_ms;
                super::draft(tx, &drafting, &for_draft.0, &for_draft.1, now)
            })
            .await
            .unwrap()
            .expect("one new order is drafted");
        store.write(meanwhile).await.unwrap();
        let (kept_before, _) = drafts_kept_and_redone();
        let cache = cache.clone();
        let mut draft = Some(draft);
        let answer = store
            .write(move |tx| {
                let mut status = create_document(
                    &DocId::OrderStatus(shop.clone(), 1),
                    automerge::ActorId::random(),
                )?;
                let now = tx.now_ms;
                take_in_orders(
                    tx,
                    &cache,
                    &shop,
                    1,
                    stored.clone(),
                    &mut status,
                    0,
                    "storefront",
                    draft.take(),
                    now,
                )?;
                orders::peek(tx, &stored[0].key)
            })
            .await
            .unwrap();
        let kept = drafts_kept_and_redone().0 > kept_before;
        let answer = answer.expect("the order is taken in");
        assert_eq!(answer.state, OrderState::Confirmed, "{answer:?}");
        assert!(answer.number.starts_with("DH-"), "numbered by the writer");
        (answer.priced.lines[0].unit_price, kept)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_order_priced_outside_the_writer_is_kept_only_while_its_prices_stand() {
        let (_dir, store) = crate::demo_data::seeded_sqlite(40).await;
        let cache = Arc::new(CatalogCache::default());
        let reading = cache.clone();
        let products = store
            .read(move |tx| catalog::products(tx, &reading))
            .await
            .unwrap();
        // A product sold at one price whatever the quantity, to everyone.
        let product = products
            .values()
            .find(|p| {
                p.active
                    && p.limited_to.is_none()
                    && p.promo_price.is_none()
                    && p.volume_prices.is_empty()
            })
            .unwrap()
            .clone();
        let line = RequestedLine {
            sku: product.sku.clone(),
            quantity: product.min_quantity.max(1).div_ceil(product.pack_size) * product.pack_size,
        };
        // Nothing moved: the writer keeps the draft.
        let (price, kept) = drafted_then_taken_in(&store, &cache, line.clone(), |_| Ok(())).await;
        assert!(kept, "a draft nothing changed under is kept");
        // The shop's own price changes between the snapshot and the writer: priced again.
        let new_price = Money::parse_price("1.23", Currency::Cny).unwrap();
        assert_ne!(price, new_price);
        let (shop, sku) = (ShopId::parse("shop-lotus").unwrap(), product.sku.clone());
        let (repriced, kept) = drafted_then_taken_in(&store, &cache, line, move |tx| {
            catalog::set_price(tx, &PriceList::Shop(shop.clone()), &sku, Some(new_price))?;
            Ok(())
        })
        .await;
        assert!(!kept, "a draft whose price moved is priced again");
        assert_eq!(repriced, new_price);
    }
}
