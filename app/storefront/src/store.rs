//! The storefront's state: the device's replicas (in IndexedDB), the views the pages show,
//! local edits, and the sync loop that runs whenever there is a network.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::Automerge;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::api::{self, CallError, Session, ShopSummary};
use super::i18n::{Lang, Phrase, tr};
use super::idb;
use docs::schema::cart_doc::{CartLine, read_cart, set_quantity, take_ordered};
use docs::schema::catalog_doc::{CatalogView, read_catalog};
use docs::schema::doc_id::DocId;
use docs::schema::order_requests_doc::{add_accept, add_cancel, add_request, add_return};
use docs::schema::price_doc::{read_prices, read_profile, read_promotions};
use docs::schema::proposal_doc::{self, HeldProposal, open_proposal};
use docs::sync::device_sync::DeviceSync;
use docs::sync::wire::SyncResponse;
use domain::checkout::{
    Blocked, Checkout, ShopProfile, UTC_OFFSET_MINUTES, check_blocks, quote_request,
};
use domain::money::Currency;
use domain::order::{CancelRequest, OrderConfirmation, OrderRequest, RequestId};
use domain::order_state::OrderState;
use domain::price_book::PriceBook;
use domain::pricing::{PricedOrder, RequestedLine, price_order};
use domain::promotion::{Promotion, PromotionUsage};
use domain::quota::{Period, period_start};
use domain::quote::{Quote, QuoteError};
use domain::returns::{Remedy, ReturnLine, ReturnRequest};
use domain::sku::Sku;

/// Where a shop's demand is kept whole (IndexedDB).
fn demand_key(shop: &domain::sku::ShopId) -> String {
    format!("demand/{shop}")
}

const DEMAND_GLANCE_PREFIX: &str = "dinghuo.demand-glance.";

/// What the list of a manager's shops shows of a shop's kept demand.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemandGlance {
    pub as_of_ms: i64,
    pub next_paused: bool,
    /// What each product's quota leaves.
    pub quotas: Vec<(Sku, u32)>,
}

/// Forgets every shop's demand kept in localStorage (another user signs in, or this one
/// signs out: it is the shops' business).
fn forget_demands() {
    let storage = LocalStorage::raw();
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with("dinghuo.demand"))
        .collect();
    for key in keys {
        let _ = storage.remove_item(&key);
    }
}

const SESSION_KEY: &str = "dinghuo.session";
/// Where the back office reads its session (`office::api::SESSION_KEY`).
const OFFICE_SESSION_KEY: &str = "dinghuo.office.session";
/// Who last signed in on this device: signing in again as them keeps the local data
/// (orders not yet sent survive a revoked or expired session).
const LAST_USER_KEY: &str = "dinghuo.last_user";
const FAVOURITES_KEY: &str = "dinghuo.favourites";
/// Who holds orders on this device that have not reached the server, and how many.
const UNSENT_KEY: &str = "dinghuo.unsent";
const DATA_SAVER_KEY: &str = "dinghuo.data_saver";
/// What the app downloaded this month (`{month, bytes}`, counted by `boot.js`).
const DATA_USED_KEY: &str = "dinghuo.data_used";
/// Set once the user answered the data saver's offer on a slow connection.
const DATA_SAVER_ASKED_KEY: &str = "dinghuo.data_saver_asked";
const LANG_KEY: &str = "dinghuo.lang";
const SHOP_KEY: &str = "dinghuo.shop";
const CATALOG_VIEW_KEY: &str = "view:catalog";
/// The documents this device holds (the session's, and order volumes it followed since).
const DOC_LIST_KEY: &str = "docs";
const LAST_SYNCED_KEY: &str = "dinghuo.last_synced";
/// The server's time at the last full sync: what the prices on this device are as of, sent
/// with each order for the distributor's price hold.
const PRICES_AS_OF_KEY: &str = "dinghuo.prices_as_of";
/// An account manager's latest visit per shop, and the visits not sent yet.
const VISITS_KEY: &str = "dinghuo.visits";
const VISIT_QUEUE_KEY: &str = "dinghuo.visits.queue";

/// A visit of an account manager to a shop, as `POST /api/visits` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub id: String,
    pub shop: String,
    pub visited_ms: i64,
    pub note: String,
    pub next_visit: Option<String>,
    #[serde(default)]
    pub manager: String,
}

/// The most round trips one sync session makes (a session of 100 requests carries up to
/// 6,400 documents with messages, and up to 51,200 quiet ones).
const SYNC_ROUNDS_MAX: usize = 100;

thread_local! {
    static REPLICAS: RefCell<DeviceSync> = RefCell::new(DeviceSync::new());
}

/// A shop at a glance, from what the device holds ([`Store::glance`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopGlance {
    pub last_order_ms: Option<i64>,
    pub open_orders: usize,
    pub owes: Option<domain::money::Money>,
    pub blocked: bool,
    /// A proposed order is waiting for the shop's answer.
    pub proposal_waiting: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncPhase {
    /// Not synced since the app opened.
    Starting,
    Idle,
    Syncing,
    Offline,
    Failed,
}

/// The hydrated catalog cached beside the document, keyed by the heads it was read at,
/// so the app opens without reading the whole Automerge document.
#[derive(Serialize, Deserialize)]
struct CachedCatalog {
    heads: Vec<String>,
    view: CatalogView,
}

fn heads_of(doc: &Automerge) -> Vec<String> {
    doc.get_heads().iter().map(|h| h.to_string()).collect()
}

fn random_id() -> RequestId {
    let mut bytes = [0u8; 16];
    // The browser's crypto.getRandomValues; if it ever failed, fall back to the clock.
    if getrandom::fill(&mut bytes).is_err() {
        let now = js_sys::Date::now().to_bits().to_le_bytes();
        bytes[..8].copy_from_slice(&now);
    }
    RequestId::from_random_bytes(bytes)
}

/// Checkout choices: coupons entered, points to pay with, prepaid balance, pickup.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choices {
    pub coupon_codes: Vec<String>,
    pub redeem_points: u32,
    pub use_prepaid: bool,
    pub pickup: bool,
}

#[derive(Clone, Copy)]
pub struct Store {
    pub session: RwSignal<Option<Session>>,
    pub lang: RwSignal<Lang>,
    pub shop: RwSignal<Option<ShopSummary>>,
    pub catalog: RwSignal<Arc<CatalogView>>,
    pub book: RwSignal<Arc<PriceBook>>,
    pub cart: RwSignal<Vec<CartLine>>,
    pub requests: RwSignal<Vec<OrderRequest>>,
    pub confirmations: RwSignal<BTreeMap<RequestId, OrderConfirmation>>,
    /// The shop's requests to cancel orders, by the order they cancel.
    pub cancels: RwSignal<BTreeMap<RequestId, CancelRequest>>,
    /// The shop's OKs to orders held for it, by the order they accept.
    pub accepts: RwSignal<BTreeMap<RequestId, domain::order::AcceptRequest>>,
    /// The shop's requests to return goods, as this device holds them.
    pub returns: RwSignal<Vec<ReturnRequest>>,
    /// What happened to the shop's orders that the user has not read yet.
    pub notices: RwSignal<Vec<super::notices::Notice>>,
    pub phase: RwSignal<SyncPhase>,
    /// When a sync session last ended with everything in step (kept across reloads).
    pub last_synced_ms: RwSignal<Option<i64>>,
    pub notice: RwSignal<Option<String>>,
    pub ready: RwSignal<bool>,
    /// Promotions this shop may use (its tier's and its own).
    pub promotions: RwSignal<Arc<Vec<Promotion>>>,
    /// The shop's region, points, account and quotas.
    pub profile: RwSignal<Arc<ShopProfile>>,
    /// The shop's account (what it owes, open invoices, recent entries, reminders), as
    /// of the last sync that brought it.
    pub account: RwSignal<Option<Arc<domain::ledger::AccountSummary>>>,
    /// What the user chose at checkout.
    pub choices: RwSignal<Choices>,
    /// An account manager's latest visit of each of his shops (kept on the phone).
    pub visits: RwSignal<BTreeMap<String, Visit>>,
    /// The proposed order from the shop's account manager waiting for an answer.
    pub proposal: RwSignal<Option<HeldProposal>>,
    /// Set when a scheduled price or a dated promotion starts or ends, so prices and the
    /// cart are worked out again at that moment (offline too).
    pub clock: RwSignal<i64>,
    /// The cart line removed last, which the user may still put back.
    pub removed: RwSignal<Option<Removed>>,
    /// What the last "order again" added and left out.
    pub reorder_report: RwSignal<Option<Vec<ReorderNote>>>,
    /// Each shop's favourite products (kept on this device).
    pub favourites: RwSignal<BTreeMap<String, std::collections::BTreeSet<Sku>>>,
    /// The catalog's search and filter, kept while the user looks at a product.
    pub catalog_query: RwSignal<String>,
    pub catalog_filter: RwSignal<CatalogFilter>,
    /// Whether the browser keeps this site's storage for good (`None`: not known yet, or
    /// the browser cannot say).
    pub persistent: RwSignal<Option<bool>>,
    /// How far the server's clock is ahead of this phone's, from the last sync.
    pub server_ahead_ms: RwSignal<Option<i64>>,
    /// The data saver (2G mode): no photos, a sync every few minutes rather than every 20
    /// seconds (still at once for the user's own changes and when the network returns).
    pub data_saver: RwSignal<bool>,
}

/// Between two background syncs in the data saver.
pub const DATA_SAVER_SYNC_MS: i64 = 5 * 60 * 1000;

/// What one sync session covers: the shared documents and whatever the phone changed
/// always go. Working and Visits narrow it on a phone that holds several shops' documents
/// (an account manager's), Sending after a change of this phone's own.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Everything,
    /// After this device placed or changed something: what it changed, the documents
    /// that are not order volumes and each shop's newest two volumes
    /// (`DeviceSync::start_sending_session`).
    Sending,
    /// The shop he is working with (the data saver's background sync).
    Working,
    /// That shop and those he visits within two days (the data saver's opening sync).
    Visits,
}

/// A phone clock this far off the server's is said to be wrong.
pub const CLOCK_OFF_MS: i64 = 10 * 60 * 1000;

/// Which products the catalog shows before the search narrows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogFilter {
    All,
    Category(domain::sku::CategoryId),
    /// The shop's favourites.
    Favourites,
    /// What the shop has ordered, most often first.
    Usual,
}

/// One line of a past order put into the cart again: the units added (0 when none) and,
/// when not all of it was, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderNote {
    pub sku: Sku,
    pub added: u32,
    pub why: Option<Phrase>,
}

/// A cart line just removed: what it held, to undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub sku: Sku,
    pub quantity: u32,
    pub at_ms: i64,
}

impl Default for Store {
    fn default() -> Store {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        let session: Option<Session> = LocalStorage::get(SESSION_KEY).ok();
        let lang = LocalStorage::get::<String>(LANG_KEY)
            .map(|code| Lang::from_code(&code))
            .unwrap_or_default();
        let shop_id: Option<String> = LocalStorage::get(SHOP_KEY).ok();
        let shop = session.as_ref().and_then(|s| {
            s.shops
                .iter()
                .find(|shop| Some(shop.id.as_str()) == shop_id.as_deref())
                .or(s.shops.first())
                .cloned()
        });
        Store {
            session: RwSignal::new(session),
            lang: RwSignal::new(lang),
            shop: RwSignal::new(shop),
            catalog: RwSignal::new(Arc::new(CatalogView::default())),
            book: RwSignal::new(Arc::new(PriceBook::default())),
            cart: RwSignal::new(Vec::new()),
            requests: RwSignal::new(Vec::new()),
            confirmations: RwSignal::new(BTreeMap::new()),
            cancels: RwSignal::new(BTreeMap::new()),
            accepts: RwSignal::new(BTreeMap::new()),
            returns: RwSignal::new(Vec::new()),
            notices: RwSignal::new(Vec::new()),
            phase: RwSignal::new(SyncPhase::Starting),
            last_synced_ms: RwSignal::new(LocalStorage::get(LAST_SYNCED_KEY).ok()),
            notice: RwSignal::new(None),
            ready: RwSignal::new(false),
            promotions: RwSignal::new(Arc::new(Vec::new())),
            profile: RwSignal::new(Arc::new(ShopProfile::default())),
            account: RwSignal::new(None),
            choices: RwSignal::new(Choices::default()),
            proposal: RwSignal::new(None),
            visits: RwSignal::new(LocalStorage::get(VISITS_KEY).unwrap_or_default()),
            clock: RwSignal::new(js_sys::Date::now() as i64),
            removed: RwSignal::new(None),
            reorder_report: RwSignal::new(None),
            favourites: RwSignal::new(LocalStorage::get(FAVOURITES_KEY).unwrap_or_default()),
            catalog_query: RwSignal::new(String::new()),
            catalog_filter: RwSignal::new(CatalogFilter::All),
            persistent: RwSignal::new(None),
            server_ahead_ms: RwSignal::new(None),
            data_saver: RwSignal::new(LocalStorage::get(DATA_SAVER_KEY).unwrap_or(false)),
        }
    }

    /// The next moment after `now_ms` at which a price or a promotion this shop sees
    /// changes: a scheduled price, a dated price, a promotion's start or end.
    fn next_change_after(&self, now_ms: i64) -> Option<i64> {
        let book = self.book.get_untracked();
        let catalog = self.catalog.get_untracked();
        let promotions = self.promotions.get_untracked();
        let scheduled = book
            .tier_schedule
            .values()
            .chain(book.customer_schedule.values())
            .flatten()
            .map(|change| change.from_ms);
        let products = catalog.products.values().flat_map(|product| {
            product
                .price_changes
                .iter()
                .map(|change| change.from_ms)
                .chain(
                    product
                        .promo_price
                        .iter()
                        .flat_map(|dated| [dated.from_ms, dated.until_ms]),
                )
        });
        let offers = promotions
            .iter()
            .flat_map(|p| p.valid_from_ms.into_iter().chain(p.valid_until_ms));
        scheduled
            .chain(products)
            .chain(offers)
            .filter(|at| *at > now_ms)
            .min()
    }

    /// Moves [`Store::clock`] at every change of price or promotion (and every minute), for
    /// as long as the app runs.
    pub async fn keep_time(self) {
        // Looks again at least every 5 seconds, so a change a sync brought in after the
        // wait began (a price scheduled a moment ahead) is not missed; prices are worked out
        // again only when a change's moment passed.
        let mut last = js_sys::Date::now() as i64;
        loop {
            let now = js_sys::Date::now() as i64;
            let wait = self.next_change_after(now).map_or(5_000, |at| {
                at.saturating_sub(now).saturating_add(20).clamp(20, 5_000)
            });
            ui_kit::sleep_ms(i32::try_from(wait).unwrap_or(5_000)).await;
            let now = js_sys::Date::now() as i64;
            if self.next_change_after(last).is_some_and(|at| at <= now) {
                self.clock.set(now);
            }
            last = now;
        }
    }

    pub fn t(&self, phrase: Phrase) -> &'static str {
        tr(self.lang.get(), phrase)
    }

    pub fn set_lang(&self, lang: Lang) {
        let _ = LocalStorage::set(LANG_KEY, lang.code());
        self.lang.set(lang);
    }

    /// What this device holds of `shop` (an account manager's phone holds each of his
    /// shops' documents), offline: its last order, its open orders, what it owes and
    /// whether overdue invoices block it. Read again after each sync.
    pub fn glance(&self, shop: &domain::sku::ShopId) -> ShopGlance {
        self.last_synced_ms.track();
        let now = self.clock.get();
        REPLICAS.with(|replicas| {
            let replicas = replicas.borrow();
            let confirmations = replicas.confirmations_of(shop);
            let requests = replicas.requests_of(shop);
            let last_order_ms = requests
                .iter()
                .map(|r| r.placed_at_ms)
                .chain(confirmations.values().map(|c| c.placed_at_ms))
                .max();
            let open_orders = confirmations
                .values()
                .filter(|c| !c.state.is_final() && c.state != OrderState::Delivered)
                .count()
                + requests
                    .iter()
                    .filter(|r| !confirmations.contains_key(&r.id))
                    .count();
            let prices = replicas.doc(&DocId::ShopPrices(shop.clone()));
            let profile = prices.map(read_profile).unwrap_or_default();
            let owes = prices
                .and_then(docs::schema::price_doc::read_account)
                .map(|a| a.receivable);
            let blocked = profile
                .account
                .as_ref()
                .is_some_and(|account| domain::credit::overdue_blocks(account, now));
            let proposal_waiting = replicas
                .doc(&DocId::Proposal(shop.clone()))
                .and_then(open_proposal)
                .is_some();
            ShopGlance {
                last_order_ms,
                open_orders,
                owes,
                blocked,
                proposal_waiting,
            }
        })
    }

    pub fn select_shop(&self, shop: ShopSummary) {
        let _ = LocalStorage::set(SHOP_KEY, shop.id.as_str());
        self.shop.set(Some(shop));
        self.refresh_all();
        // In the data saver the background sync covers the active shop only: bring the
        // one just chosen up to date now.
        if self.data_saver.get_untracked() {
            spawn_local(self.sync_background());
        }
    }

    /// Remembers (across sign-outs and reloads) how many of the signed-in user's orders
    /// have not reached the server, so another user cannot sign in over them.
    pub fn remember_unsent(&self) {
        let Some(session) = self.session.get() else {
            return;
        };
        // Not before this device's copy is loaded: until then it shows no orders at all.
        if !self.ready.get() {
            return;
        }
        let count = self.pending_count();
        if count == 0 {
            LocalStorage::delete(UNSENT_KEY);
        } else {
            let _ = LocalStorage::set(UNSENT_KEY, (session.username, count));
        }
    }

    /// Another user's orders on this device that have not reached the server: their
    /// username and how many. Signing in as someone else would wipe them.
    pub fn unsent_of_another(&self, username: &str) -> Option<(String, usize)> {
        let (holder, count): (String, usize) = LocalStorage::get(UNSENT_KEY).ok()?;
        (holder != username.trim() && count > 0).then_some((holder, count))
    }

    /// Turns the data saver on or off (kept on this device).
    pub fn set_data_saver(&self, on: bool) {
        let _ = LocalStorage::set(DATA_SAVER_KEY, on);
        let _ = LocalStorage::set(DATA_SAVER_ASKED_KEY, true);
        self.data_saver.set(on);
    }

    /// True when the connection is slow (2G, or the browser's data saver asks) and the
    /// user has not yet said whether to use the data saver.
    pub fn offer_data_saver(&self) -> bool {
        if self.data_saver.get() || LocalStorage::get::<bool>(DATA_SAVER_ASKED_KEY).unwrap_or(false)
        {
            return false;
        }
        let Some(connection) = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"connection".into()).ok())
            .filter(|c| c.is_object())
        else {
            return false;
        };
        let get = |key: &str| js_sys::Reflect::get(&connection, &key.into()).ok();
        let slow = get("effectiveType")
            .and_then(|t| t.as_string())
            .is_some_and(|t| t == "2g" || t == "slow-2g");
        let save_data = get("saveData").and_then(|s| s.as_bool()).unwrap_or(false);
        slow || save_data
    }

    /// Says no to the data saver's offer (asked once).
    pub fn decline_data_saver(&self) {
        let _ = LocalStorage::set(DATA_SAVER_ASKED_KEY, true);
        self.data_saver.set(false);
    }

    /// Bytes the app downloaded this month on this device.
    pub fn data_used_this_month(&self) -> u64 {
        #[derive(Deserialize)]
        struct Used {
            month: String,
            bytes: u64,
        }
        let month = js_sys::Date::new_0()
            .to_iso_string()
            .as_string()
            .and_then(|iso| iso.get(..7).map(str::to_owned))
            .unwrap_or_default();
        LocalStorage::get::<Used>(DATA_USED_KEY)
            .ok()
            .filter(|used| used.month == month)
            .map_or(0, |used| used.bytes)
    }

    /// Asks the browser to keep this site's storage under pressure (orders not yet sent
    /// live there); `persistent` says whether it will.
    async fn ask_persistent_storage(self) {
        let Some(storage) = web_sys::window().map(|w| w.navigator().storage()) else {
            return;
        };
        let granted = async |promise: Result<js_sys::Promise, wasm_bindgen::JsValue>| {
            let promise = promise.ok()?;
            wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()?
                .as_bool()
        };
        let mut kept = granted(storage.persisted()).await;
        if kept == Some(false) {
            kept = granted(storage.persist()).await;
        }
        self.persistent.set(kept);
    }

    /// A product by its name in the reader's language (its SKU when the catalog does not
    /// have it, or no longer does).
    pub fn product_name(&self, sku: &Sku) -> String {
        let lang = self.lang.get();
        self.catalog
            .with(|c| c.products.get(sku).map(|p| lang.pick(&p.name).to_owned()))
            .unwrap_or_else(|| sku.to_string())
    }

    /// True when `sku` is one of this shop's favourites.
    pub fn is_favourite(&self, sku: &Sku) -> bool {
        let shop = self.shop.with(|s| s.as_ref().map(|s| s.id.to_string()));
        shop.is_some_and(|shop| {
            self.favourites
                .with(|f| f.get(&shop).is_some_and(|set| set.contains(sku)))
        })
    }

    /// This shop's favourites.
    pub fn favourite_skus(&self) -> std::collections::BTreeSet<Sku> {
        let shop = self.shop.with(|s| s.as_ref().map(|s| s.id.to_string()));
        shop.and_then(|shop| self.favourites.with(|f| f.get(&shop).cloned()))
            .unwrap_or_default()
    }

    /// Adds `sku` to this shop's favourites, or takes it out.
    pub fn toggle_favourite(&self, sku: &Sku) {
        let Some(shop) = self
            .shop
            .with_untracked(|s| s.as_ref().map(|s| s.id.to_string()))
        else {
            return;
        };
        self.favourites.update(|f| {
            let set = f.entry(shop).or_default();
            if !set.remove(sku) {
                set.insert(sku.clone());
            }
        });
        let _ = LocalStorage::set(FAVOURITES_KEY, self.favourites.get_untracked());
    }

    /// The products this shop orders, most often first (its orders this device holds).
    pub fn usual_skus(&self) -> Vec<Sku> {
        let mut counts: BTreeMap<Sku, usize> = BTreeMap::new();
        self.requests.with(|requests| {
            for request in requests {
                for line in &request.lines {
                    *counts.entry(line.sku.clone()).or_default() += 1;
                }
            }
        });
        let mut usual: Vec<(Sku, usize)> = counts.into_iter().collect();
        usual.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        usual.into_iter().map(|(sku, _)| sku).collect()
    }

    /// Orders placed on this device or another that the server has not answered yet.
    pub fn pending_count(&self) -> usize {
        let confirmations = self.confirmations.get();
        self.requests
            .get()
            .iter()
            .filter(|r| !confirmations.contains_key(&r.id))
            .count()
    }

    /// When the shop's own prices document names another tier than the session said (an
    /// admin moved the shop), the shop is of that tier from now on, here and in the saved
    /// session.
    fn follow_tier(&self) {
        let Some(shop) = self.shop.get_untracked() else {
            return;
        };
        let named = REPLICAS.with_borrow(|r| {
            r.doc(&DocId::ShopPrices(shop.id.clone()))
                .and_then(docs::schema::price_doc::read_tier)
        });
        let Some(tier) = named.filter(|tier| *tier != shop.tier) else {
            return;
        };
        if let Some(mut session) = self.session.get_untracked() {
            for summary in session.shops.iter_mut().filter(|s| s.id == shop.id) {
                summary.tier = tier.clone();
            }
            let _ = LocalStorage::set(SESSION_KEY, &session);
            self.session.set(Some(session));
        }
        self.shop.set(Some(ShopSummary { tier, ..shop }));
    }

    /// The selected shop, its cart, its own prices and its tier's prices.
    fn active_docs(&self) -> Option<(ShopSummary, DocId, DocId, DocId)> {
        let shop = self.shop.get_untracked()?;
        let docs = (
            DocId::Cart(shop.id.clone()),
            DocId::ShopPrices(shop.id.clone()),
            DocId::TierPrices(shop.tier.clone()),
        );
        Some((shop, docs.0, docs.1, docs.2))
    }

    /// Reads what the pages show from the replicas (the catalog only when it changed).
    fn refresh(&self, changed: &[DocId]) {
        self.follow_tier();
        let Some((shop, cart, own_prices, tier_prices)) = self.active_docs() else {
            return;
        };
        let tier = self.shop.get_untracked().map(|s| s.tier);
        REPLICAS.with_borrow(|replicas| {
            if changed.contains(&DocId::Catalog)
                && let Some(doc) = replicas.doc(&DocId::Catalog)
            {
                let view = read_catalog(doc);
                let cached = CachedCatalog {
                    heads: heads_of(doc),
                    view: view.clone(),
                };
                self.catalog.set(Arc::new(view));
                if let Ok(json) = serde_json::to_string(&cached) {
                    spawn_local(async move {
                        let _ =
                            idb::put_all(vec![(CATALOG_VIEW_KEY.into(), idb::Value::Text(json))])
                                .await;
                    });
                }
            }
            let book = PriceBook {
                tier: tier.clone(),
                tier_prices: replicas
                    .doc(&tier_prices)
                    .map(read_prices)
                    .unwrap_or_default(),
                customer_prices: replicas
                    .doc(&own_prices)
                    .map(read_prices)
                    .unwrap_or_default(),
                allowed: replicas
                    .doc(&own_prices)
                    .map(docs::schema::price_doc::read_allowed)
                    .unwrap_or_default(),
                tier_schedule: replicas
                    .doc(&tier_prices)
                    .map(docs::schema::price_doc::read_schedule)
                    .unwrap_or_default(),
                customer_schedule: replicas
                    .doc(&own_prices)
                    .map(docs::schema::price_doc::read_schedule)
                    .unwrap_or_default(),
            };
            self.book.set(Arc::new(book));
            let mut promotions: Vec<Promotion> = replicas
                .doc(&tier_prices)
                .map(read_promotions)
                .unwrap_or_default();
            promotions.extend(
                replicas
                    .doc(&own_prices)
                    .map(read_promotions)
                    .unwrap_or_default(),
            );
            self.promotions.set(Arc::new(promotions));
            self.profile.set(Arc::new(
                replicas
                    .doc(&own_prices)
                    .map(read_profile)
                    .unwrap_or_default(),
            ));
            let account = replicas
                .doc(&own_prices)
                .and_then(docs::schema::price_doc::read_account);
            if self
                .account
                .with_untracked(|held| held.as_deref() != account.as_ref())
            {
                self.account.set(account.map(Arc::new));
            }
            self.cart
                .set(replicas.doc(&cart).map(read_cart).unwrap_or_default());
            let proposal = replicas
                .doc(&DocId::Proposal(shop.id.clone()))
                .and_then(open_proposal);
            if self.proposal.with_untracked(|held| *held != proposal) {
                self.proposal.set(proposal);
            }
            let mut requests: Vec<OrderRequest> = replicas.requests_of(&shop.id);
            requests.sort_by_key(|r| std::cmp::Reverse(r.placed_at_ms));
            self.requests.set(requests);
            let confirmations = replicas.confirmations_of(&shop.id);
            let fresh =
                super::notices::note_changes(&shop.id, &confirmations, js_sys::Date::now() as i64);
            self.confirmations.set(confirmations);
            self.cancels.set(replicas.cancels_of(&shop.id));
            self.accepts.set(replicas.accepts_of(&shop.id));
            let returns = replicas.returns_of(&shop.id);
            if self.returns.with_untracked(|held| *held != returns) {
                self.returns.set(returns);
            }
            let unread = super::notices::unread(&shop.id);
            if self.notices.with_untracked(|shown| *shown != unread) {
                self.notices.set(unread);
            }
            for notice in fresh {
                super::notices::show(
                    self.t(Phrase::AppName).to_owned(),
                    self.notice_text(&notice),
                );
            }
        });
    }

    /// A notice in the user's words: `DH-000042 已发货 · 运单号 SF1001`.
    pub fn notice_text(&self, notice: &super::notices::Notice) -> String {
        if let Some(reason) = &notice.edited {
            return format!(
                "{} {}: {reason}",
                notice.number,
                self.t(Phrase::OrderChanged)
            );
        }
        if let Some((number, state)) = &notice.ret {
            return format!(
                "{number} {} {}",
                self.t(Phrase::Returns),
                self.t(crate::components::returns::state_phrase(*state))
            );
        }
        let state = if notice.awaiting {
            self.t(Phrase::AwaitingYourOk)
        } else {
            crate::routes::orders::state_label(self, Some(notice.state))
        };
        match &notice.tracking {
            Some(tracking) => format!(
                "{} {state} · {} {tracking}",
                notice.number,
                self.t(Phrase::TrackingNumber)
            ),
            None => format!("{} {state}", notice.number),
        }
    }

    /// Marks the shop's notices read.
    pub fn clear_notices(&self) {
        if let Some(shop) = self.shop.get_untracked() {
            super::notices::clear(&shop.id);
        }
        self.notices.set(Vec::new());
    }

    fn refresh_all(&self) {
        let ids: Vec<DocId> = REPLICAS.with_borrow(|r| r.doc_ids().cloned().collect());
        self.refresh(&ids);
    }

    /// Opens the device's copy: the cached catalog view first (fast), then the documents,
    /// then a sync.
    pub async fn open(self) {
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        spawn_local(self.ask_persistent_storage());
        let cached: Option<CachedCatalog> = idb::get_text(CATALOG_VIEW_KEY)
            .await
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok());
        let cached_heads = cached.as_ref().map(|c| c.heads.clone());
        if let Some(cached) = cached {
            self.catalog.set(Arc::new(cached.view));
        }
        let mut replicas = DeviceSync::new();
        // The documents this device held when it last saved (sign-in merges the session's
        // list in; order volumes followed and let go since are accounted for), or the
        // session's list if nothing was saved: that list is as of sign-in and may name
        // volumes dropped since.
        let held: Option<Vec<String>> = idb::get_text(DOC_LIST_KEY)
            .await
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok());
        // Signed in, orders waiting to be sent, and nothing in IndexedDB: the browser (or
        // someone) cleared this device's copy. Say so plainly; what the server has comes
        // back with the sync, the unsent orders cannot.
        if held.is_none()
            && let Ok((holder, count)) = LocalStorage::get::<(String, usize)>(UNSENT_KEY)
            && holder == session.username
            && count > 0
        {
            let lang = self.lang.get_untracked();
            self.notice.set(Some(format!(
                "{}{count}{}",
                tr(lang, Phrase::StorageCleared),
                tr(lang, Phrase::OrdersLost)
            )));
        }
        let mut ids: Vec<DocId> = held
            .as_ref()
            .unwrap_or(&session.docs)
            .iter()
            .filter_map(|id| DocId::parse(id).ok())
            .collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let bytes = idb::get_bytes(&format!("doc:{id}")).await.ok().flatten();
            let state = idb::get_bytes(&format!("state:{id}")).await.ok().flatten();
            let doc = bytes
                .and_then(|b| Automerge::load(&b).ok())
                .unwrap_or_default();
            replicas.insert(id, doc, state.as_deref());
        }
        let catalog_stale = replicas.doc(&DocId::Catalog).map(heads_of) != cached_heads;
        REPLICAS.with_borrow_mut(|r| *r = replicas);
        let mut changed: Vec<DocId> = Vec::new();
        if catalog_stale {
            changed.push(DocId::Catalog);
        }
        self.refresh(&changed);
        self.ready.set(true);
        if self
            .session
            .get_untracked()
            .is_some_and(|s| s.role == "manager")
        {
            // Only an account manager's phone keeps the QR scanner (jsQR) for offline use.
            spawn_local(crate::routes::handover::keep_scanner_offline());
        }
        // Opening the app brings every document up to date; in the data saver a manager's
        // phone brings those of the shop he works with and the shops he visits within two
        // days ("sync now" brings every shop's).
        if self.data_saver.get_untracked() {
            self.sync_with(Scope::Visits).await;
        } else {
            self.sync_now().await;
        }
    }

    /// Saves documents and every sync state in one IndexedDB transaction, with the list
    /// of documents held and the deletion of documents dropped.
    async fn persist(&self, ids: &[DocId], dropped: &[DocId]) {
        // Another tab of the app may have saved its own edits of these documents since
        // this one read them: merge them in before writing, under a lock no other tab
        // holds meanwhile, so no tab's order or cart line is overwritten.
        let lock = idb::lock().await;
        let merged = self.merge_saved_elsewhere(ids).await;
        let entries = REPLICAS.with_borrow(|replicas| {
            let mut entries = Vec::new();
            for id in dropped {
                entries.push((format!("doc:{id}"), idb::Value::Delete));
                entries.push((format!("state:{id}"), idb::Value::Delete));
            }
            let held: Vec<String> = replicas.doc_ids().map(|id| id.to_string()).collect();
            if let Ok(json) = serde_json::to_string(&held) {
                entries.push((DOC_LIST_KEY.to_owned(), idb::Value::Text(json)));
            }
            for id in ids {
                if let Some(doc) = replicas.doc(id) {
                    entries.push((format!("doc:{id}"), idb::Value::Bytes(doc.save())));
                }
            }
            for id in replicas.doc_ids() {
                if let Some(state) = replicas.encoded_state(id) {
                    entries.push((format!("state:{id}"), idb::Value::Bytes(state)));
                }
            }
            entries
        });
        if let Err(error) = idb::put_all(entries).await {
            leptos::logging::error!("saving to IndexedDB failed: {error}");
        }
        drop(lock);
        if !merged.is_empty() {
            self.refresh(&merged);
        }
        let saved: Vec<String> = ids
            .iter()
            .filter(|id| id.is_shop_writable())
            .map(ToString::to_string)
            .collect();
        if !saved.is_empty() {
            idb::announce(&saved);
        }
    }

    /// Merges into this tab's replicas what another tab saved of the documents among
    /// `ids` a device writes (the cart, order requests, proposals; the server writes the
    /// others and each tab syncs them itself). Returns those that gained changes.
    async fn merge_saved_elsewhere(&self, ids: &[DocId]) -> Vec<DocId> {
        let mut saved = Vec::new();
        for id in ids.iter().filter(|id| id.is_shop_writable()) {
            if let Ok(Some(bytes)) = idb::get_bytes(&format!("doc:{id}")).await {
                saved.push((id.clone(), bytes));
            }
        }
        REPLICAS.with_borrow_mut(|replicas| {
            let mut merged = Vec::new();
            for (id, bytes) in saved {
                let (Some(doc), Ok(mut theirs)) = (replicas.doc_mut(&id), Automerge::load(&bytes))
                else {
                    continue;
                };
                let before = doc.get_heads();
                if doc.merge(&mut theirs).is_ok() && doc.get_heads() != before {
                    merged.push(id);
                }
            }
            merged
        })
    }

    /// Another tab saved documents: merge them in (without writing; the next save here
    /// writes the merged copy) and show what changed.
    pub fn follow_other_tabs(&self) {
        let store = *self;
        idb::listen(move |ids| {
            let ids: Vec<DocId> = ids.iter().filter_map(|id| DocId::parse(id).ok()).collect();
            spawn_local(async move {
                if !store.ready.get_untracked() {
                    return;
                }
                let merged = store.merge_saved_elsewhere(&ids).await;
                if !merged.is_empty() {
                    store.refresh(&merged);
                    // What another tab put here reaches the server from this one too.
                    store.sync_background().await;
                }
            });
        });
    }

    /// Sets a cart quantity (0 removes the line), saves it and syncs.
    pub fn set_cart_quantity(&self, sku: &Sku, quantity: u32) {
        let Some((_, cart, ..)) = self.active_docs() else {
            return;
        };
        let line_id = random_id().to_string();
        let done = REPLICAS.with_borrow_mut(|replicas| {
            replicas
                .doc_mut(&cart)
                .map(|doc| set_quantity(doc, sku, quantity, &line_id).is_ok())
                .unwrap_or(false)
        });
        if done {
            self.refresh(&[]);
            let store = *self;
            spawn_local(async move {
                store.persist(&[cart], &[]).await;
                store.sync_sent().await;
            });
        }
    }

    /// Takes a line out of the cart, keeping what it held so the user can undo it.
    pub fn remove_from_cart(&self, sku: &Sku) {
        let quantity = self.cart_quantity_untracked(sku);
        if quantity == 0 {
            return;
        }
        self.set_cart_quantity(sku, 0);
        self.removed.set(Some(Removed {
            sku: sku.clone(),
            quantity,
            at_ms: js_sys::Date::now() as i64,
        }));
    }

    /// Adds a past order's lines to the cart, each to today's rules: a discontinued
    /// product, one no longer offered to this shop or gone from the catalog is left out;
    /// a quantity is raised to the minimum, rounded to whole packs, and lowered to the
    /// maximum or the quota left. The notes say what happened to each line.
    pub fn reorder(&self, lines: &[(Sku, u32)]) {
        let catalog = self.catalog.get_untracked();
        let book = self.book.get_untracked();
        let mut notes = Vec::new();
        for (sku, quantity) in lines {
            let in_cart = self.cart_quantity_untracked(sku);
            let note = |added, why| ReorderNote {
                sku: sku.clone(),
                added,
                why,
            };
            let Some(product) = catalog.products.get(sku) else {
                notes.push(note(0, Some(Phrase::UnknownProduct)));
                continue;
            };
            if !product.active {
                notes.push(note(0, Some(Phrase::Discontinued)));
                continue;
            }
            if !book.may_buy(product) {
                notes.push(note(0, Some(Phrase::NotOffered)));
                continue;
            }
            let pack = product.pack_size.max(1);
            let asked = in_cart.saturating_add(*quantity);
            let mut wanted = asked.max(product.first_quantity());
            wanted = wanted.div_ceil(pack).saturating_mul(pack);
            let mut why = (wanted != asked).then_some(Phrase::QuantityAdjusted);
            if let Some(max) = product.max_quantity
                && wanted > max
            {
                wanted = max / pack * pack;
                why = Some(Phrase::QuantityAdjusted);
            }
            if let Some((left, _)) = self.quota_left(sku)
                && wanted > left
            {
                wanted = left / pack * pack;
                why = Some(Phrase::QuotaReached);
            }
            if wanted < product.first_quantity() || wanted <= in_cart {
                notes.push(note(0, why.or(Some(Phrase::QuantityRule))));
                continue;
            }
            self.set_cart_quantity(sku, wanted);
            notes.push(note(wanted - in_cart, why));
        }
        self.reorder_report.set(Some(notes));
    }

    /// Puts the line removed last back, as it was.
    pub fn undo_remove(&self) {
        if let Some(removed) = self.removed.get_untracked() {
            self.removed.set(None);
            if self.cart_quantity_untracked(&removed.sku) == 0 {
                self.set_cart_quantity(&removed.sku, removed.quantity);
            }
        }
    }

    /// What the cart holds of `sku`, without tracking it.
    pub fn cart_quantity_untracked(&self, sku: &Sku) -> u32 {
        self.cart
            .with_untracked(|cart| cart.iter().find(|l| &l.sku == sku).map(|l| l.quantity))
            .unwrap_or(0)
    }

    /// What this shop may still order of `sku` under its tightest quota this period (its
    /// orders so far, those waiting to sync included), and that quota's period; `None`
    /// when no quota limits it.
    pub fn quota_left(&self, sku: &Sku) -> Option<(u32, Period)> {
        let now = js_sys::Date::now() as i64;
        let quotas: Vec<_> = self
            .profile
            .with_untracked(|p| p.quotas.iter().filter(|q| &q.sku == sku).cloned().collect());
        if quotas.is_empty() {
            return None;
        }
        let (_, ordered) = self.own_history(now);
        quotas
            .into_iter()
            .map(|q| {
                let used = ordered.get(&(sku.clone(), q.period)).copied().unwrap_or(0);
                (q.max_quantity.saturating_sub(used), q.period)
            })
            .min_by_key(|(left, _)| *left)
    }

    pub fn cart_quantity(&self, sku: &Sku) -> u32 {
        self.cart
            .with(|cart| cart.iter().find(|l| &l.sku == sku).map(|l| l.quantity))
            .unwrap_or(0)
    }

    /// The cart priced by the shared engine, as the server will price it.
    pub fn priced_cart(&self) -> Option<PricedOrder> {
        self.priced_lines(self.cart.get())
    }

    /// `lines` priced by the shared engine, as the server will price them.
    fn priced_lines(&self, lines: Vec<CartLine>) -> Option<PricedOrder> {
        let lines: Vec<RequestedLine> = lines
            .into_iter()
            .map(|l| RequestedLine {
                sku: l.sku,
                quantity: l.quantity,
            })
            .collect();
        price_order(
            &lines,
            &self.catalog.get().products,
            &self.book.get(),
            Currency::Cny,
            js_sys::Date::now() as i64,
        )
        .ok()
    }

    /// The cart as an order request with the checkout choices (not placed yet).
    fn draft_request(&self, id: RequestId, placed_by: String) -> Option<OrderRequest> {
        self.draft_request_of(id, placed_by, self.cart.get(), self.choices.get())
    }

    /// `lines` as an order request with `choices` (not placed yet).
    fn draft_request_of(
        &self,
        id: RequestId,
        placed_by: String,
        lines: Vec<CartLine>,
        choices: Choices,
    ) -> Option<OrderRequest> {
        let shop = self.shop.get()?;
        let expected = self.priced_lines(lines)?;
        let lines = expected
            .lines
            .iter()
            .map(|l| RequestedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect();
        let placed_at_ms = js_sys::Date::now() as i64;
        Some(OrderRequest {
            expected,
            coupon_codes: choices.coupon_codes,
            redeem_points: choices.redeem_points,
            use_prepaid: choices.use_prepaid,
            pickup: choices.pickup,
            prices_as_of_ms: LocalStorage::get(PRICES_AS_OF_KEY).ok(),
            ..OrderRequest::new(id, shop.id, placed_at_ms, placed_by, lines)
        })
    }

    /// Promotions used and SKUs ordered so far by this shop, as this device knows them:
    /// its confirmed orders and those still waiting to sync.
    fn own_history(&self, now_ms: i64) -> (PromotionUsage, BTreeMap<(Sku, Period), u32>) {
        let confirmations = self.confirmations.get();
        let requests = self.requests.get();
        let profile = self.profile.get();
        let mut usage = PromotionUsage::default();
        let mut ordered: BTreeMap<(Sku, Period), u32> = BTreeMap::new();
        for request in requests.iter() {
            let confirmation = confirmations.get(&request.id);
            if confirmation
                .is_some_and(|c| matches!(c.state, OrderState::Rejected | OrderState::Cancelled))
            {
                continue;
            }
            let quote = confirmation
                .and_then(|c| c.quote.as_ref())
                .or(request.expected_quote.as_ref());
            let promotions = quote.map_or(&[][..], |q| &q.promotions[..]);
            let current: Vec<_> = profile
                .quotas
                .iter()
                .filter(|q| {
                    request.placed_at_ms >= period_start(q.period, now_ms, UTC_OFFSET_MINUTES)
                })
                .cloned()
                .collect();
            // The same rule as the server's: what was priced (accepted) once it was, what
            // this device priced while it waits, what was asked when nothing was priced.
            let lines: Vec<(&Sku, u32)> = match (confirmation, quote) {
                (Some(c), _) => c
                    .priced
                    .lines
                    .iter()
                    .map(|l| (&l.sku, l.quantity))
                    .collect(),
                (None, Some(q)) => q
                    .lines
                    .iter()
                    .map(|l| (&l.line.sku, l.line.quantity))
                    .collect(),
                (None, None) => request.lines.iter().map(|l| (&l.sku, l.quantity)).collect(),
            };
            domain::checkout::add_use(promotions, lines, &current, (&mut usage, &mut ordered));
        }
        (usage, ordered)
    }

    /// The cart quoted offline exactly as the server will: promotions, gifts, shipping,
    /// tax, points, prepaid balance; and whether the shop's quotas or credit block it.
    pub fn quote_cart(&self) -> Option<(Result<Quote, QuoteError>, Option<Blocked>)> {
        let request = self.draft_request(RequestId::from_random_bytes([0; 16]), String::new())?;
        self.quote_of(&request)
    }

    /// `request` quoted offline exactly as the server will, and whether the shop's quotas
    /// or credit block it.
    fn quote_of(
        &self,
        request: &OrderRequest,
    ) -> Option<(Result<Quote, QuoteError>, Option<Blocked>)> {
        let shop = self.shop.get()?;
        // Worked out again when a price or promotion changes.
        self.clock.track();
        let now = js_sys::Date::now() as i64;
        let (usage, ordered) = self.own_history(now);
        let profile = self.profile.get();
        let promotions = self.promotions.get();
        let catalog = self.catalog.get();
        let book = self.book.get();
        let checkout = Checkout {
            shop: &shop.id,
            tier: Some(&shop.tier),
            terms: &catalog.terms,
            profile: &profile,
            promotions: &promotions,
            usage: &usage,
            ordered: &ordered,
        };
        let quote = quote_request(request, &catalog.products, &book, &checkout, now);
        let blocked = quote
            .as_ref()
            .ok()
            .and_then(|q| check_blocks(request, q, &checkout, now).err());
        Some((quote, blocked))
    }

    /// Places the cart as an order (offline too) and returns once it is kept on the
    /// device (IndexedDB, told to the other tabs): a tab closed the moment the order shows
    /// as placed does not lose it. Syncs it after.
    pub async fn place_order(self) -> Option<RequestId> {
        let (id, written) = self.write_order()?;
        self.keep_then_sync(&written).await;
        Some(id)
    }

    /// Saves the documents `written` on the device (told to the other tabs), then syncs in
    /// the background.
    async fn keep_then_sync(self, written: &[DocId]) {
        self.persist(written, &[]).await;
        spawn_local(self.sync_sent());
    }

    /// Writes the cart's order into the newest order volume and takes its lines out of the
    /// cart (in memory): the order's id and the documents written.
    fn write_order(&self) -> Option<(RequestId, [DocId; 2])> {
        let (shop, cart, ..) = self.active_docs()?;
        // The newest order volume the server has sent (none before the first sync).
        let orders = REPLICAS.with_borrow(|r| r.writable_volume(&shop.id))?;
        let session = self.session.get_untracked()?;
        let mut request = self.draft_request(random_id(), session.display_name)?;
        if request.lines.is_empty() {
            return None;
        }
        request.expected_quote = self.quote_cart().and_then(|(quote, _)| quote.ok());
        let ordered: Vec<CartLine> = request
            .expected
            .lines
            .iter()
            .map(|l| CartLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect();
        let placed = REPLICAS.with_borrow_mut(|replicas| {
            let added = replicas
                .doc_mut(&orders)
                .map(|doc| add_request(doc, &request).is_ok())
                .unwrap_or(false);
            if added
                && let Some(doc) = replicas.doc_mut(&cart)
                && let Err(error) = take_ordered(doc, &ordered)
            {
                leptos::logging::error!(
                    "could not take the ordered lines out of the cart: {error}"
                );
            }
            added
        });
        if !placed {
            return None;
        }
        self.refresh(&[]);
        Some((request.id, [orders, cart]))
    }

    /// Writes `write` into the active shop's proposal document, keeps it and syncs.
    fn edit_proposal(&self, write: impl FnOnce(&mut automerge::Automerge) -> bool) -> bool {
        let Some(shop) = self.shop.get_untracked() else {
            return false;
        };
        let id = DocId::Proposal(shop.id);
        let done = REPLICAS.with_borrow_mut(|replicas| replicas.doc_mut(&id).is_some_and(write));
        if done {
            self.refresh(&[]);
            let store = *self;
            spawn_local(async move {
                store.persist(&[id], &[]).await;
                store.sync_sent().await;
            });
        }
        done
    }

    /// Sends the manager's proposed order for the week from `week_ms` to the active shop
    /// (works offline).
    pub fn send_proposal(&self, week_ms: i64, lines: Vec<domain::proposal::ProposedLine>) -> bool {
        let (Some(shop), Some(session)) = (self.shop.get_untracked(), self.session.get_untracked())
        else {
            return false;
        };
        let lines: Vec<_> = lines.into_iter().filter(|l| l.quantity > 0).collect();
        if lines.is_empty() {
            return false;
        }
        let proposal = domain::proposal::Proposal {
            id: random_id(),
            shop: shop.id,
            by: session.display_name,
            sent_ms: js_sys::Date::now() as i64,
            week_ms,
            lines,
        };
        self.edit_proposal(|doc| proposal_doc::send(doc, &proposal).is_ok())
    }

    /// Changes a line of the open proposal (both sides' edits count, as in the cart).
    pub fn set_proposal_quantity(&self, sku: &Sku, quantity: u32) {
        let Some(held) = self.proposal.get_untracked() else {
            return;
        };
        let tail = random_id().to_string()[..12].to_owned();
        self.edit_proposal(|doc| {
            proposal_doc::set_quantity(doc, held.proposal.id.as_str(), sku, quantity, &tail).is_ok()
        });
    }

    /// What the open proposal's lines would cost and whether something blocks ordering them.
    pub fn quote_proposal(&self) -> Option<(Result<Quote, QuoteError>, Option<Blocked>)> {
        let held = self.proposal.get()?;
        let request = self.draft_request_of(
            held.proposal.id.clone(),
            String::new(),
            held.lines,
            Choices::default(),
        )?;
        self.quote_of(&request)
    }

    /// Places the open proposal as the shop's order under the proposal's id (works
    /// offline): if the shop and its manager both place it, it is still one order.
    pub async fn order_proposal(self) -> Option<RequestId> {
        let (id, written) = self.write_proposal_order()?;
        // Shown as placed once kept on the device (like `place_order`).
        self.keep_then_sync(&written).await;
        Some(id)
    }

    /// Writes the open proposal as the shop's order and its answer (in memory).
    fn write_proposal_order(&self) -> Option<(RequestId, [DocId; 2])> {
        let held = self.proposal.get_untracked()?;
        let shop = self.shop.get_untracked()?;
        let session = self.session.get_untracked()?;
        let orders = REPLICAS.with_borrow(|r| r.writable_volume(&shop.id))?;
        let mut request = self.draft_request_of(
            held.proposal.id.clone(),
            session.display_name.clone(),
            held.lines.clone(),
            Choices::default(),
        )?;
        if request.lines.is_empty() {
            return None;
        }
        let (quote, blocked) = self.quote_of(&request)?;
        if blocked.is_some() {
            return None;
        }
        request.expected_quote = quote.ok();
        let answer = domain::proposal::ProposalAnswer {
            proposal: held.proposal.id.clone(),
            answer: domain::proposal::Answer::Ordered,
            by: session.display_name,
            at_ms: js_sys::Date::now() as i64,
        };
        let proposal = DocId::Proposal(shop.id.clone());
        let placed = REPLICAS.with_borrow_mut(|replicas| {
            let added = replicas
                .doc_mut(&orders)
                .is_some_and(|doc| add_request(doc, &request).is_ok());
            added
                && replicas
                    .doc_mut(&proposal)
                    .is_some_and(|doc| proposal_doc::answer(doc, &answer).is_ok())
        });
        if !placed {
            return None;
        }
        self.refresh(&[]);
        Some((request.id, [orders, proposal]))
    }

    /// Declines the open proposal (works offline).
    pub fn decline_proposal(&self) -> bool {
        let (Some(held), Some(session)) =
            (self.proposal.get_untracked(), self.session.get_untracked())
        else {
            return false;
        };
        let answer = domain::proposal::ProposalAnswer {
            proposal: held.proposal.id,
            answer: domain::proposal::Answer::Declined,
            by: session.display_name,
            at_ms: js_sys::Date::now() as i64,
        };
        self.edit_proposal(|doc| proposal_doc::answer(doc, &answer).is_ok())
    }

    /// What the active shop's suggested order is worked out from: fetched from the server
    /// when there is a network and kept on the device (IndexedDB: two years of weeks per
    /// product, for each of a manager's shops, is more than localStorage holds), so it
    /// works offline after.
    pub async fn shop_demand(self) -> Option<domain::forecast::ShopDemand> {
        let shop = self.shop.get_untracked()?;
        match self.fetch_demand(&shop.id).await {
            Some(demand) => Some(demand),
            None => idb::get_text(&demand_key(&shop.id))
                .await
                .ok()
                .flatten()
                .and_then(|json| serde_json::from_str(&json).ok())
                // Where earlier versions kept it.
                .or_else(|| LocalStorage::get(format!("dinghuo.demand.{}", shop.id)).ok()),
        }
    }

    /// Fetches `shop`'s demand unless the copy this device keeps is younger than
    /// `fresh_ms` (a manager's phone keeps each of his shops' for the visits ahead).
    pub async fn keep_demand(self, shop: &domain::sku::ShopId, fresh_ms: i64) {
        let fresh = self
            .kept_demand(shop)
            .is_some_and(|kept| js_sys::Date::now() as i64 - kept.as_of_ms < fresh_ms);
        if !fresh {
            self.fetch_demand(shop).await;
        }
    }

    /// `shop`'s demand from the server, kept whole in IndexedDB and at a glance (what
    /// the list of shops shows) in localStorage; None when the server cannot be reached.
    async fn fetch_demand(
        self,
        shop: &domain::sku::ShopId,
    ) -> Option<domain::forecast::ShopDemand> {
        let demand = self
            .call::<domain::forecast::ShopDemand>("GET", &format!("/api/shops/{shop}/demand"))
            .await
            .ok()?;
        if let Ok(json) = serde_json::to_string(&demand) {
            let _ = idb::put_all(vec![(demand_key(shop), idb::Value::Text(json))]).await;
        }
        let glance = DemandGlance {
            as_of_ms: demand.as_of_ms,
            next_paused: demand.next_paused,
            quotas: demand
                .products
                .iter()
                .filter_map(|p| p.quota_remaining.map(|left| (p.sku.clone(), left)))
                .collect(),
        };
        let _ = LocalStorage::set(format!("{DEMAND_GLANCE_PREFIX}{shop}"), &glance);
        // Where earlier versions kept the whole demand.
        LocalStorage::delete(format!("dinghuo.demand.{shop}"));
        Some(demand)
    }

    /// Takes an order a shop's phone showed as a QR code (an account manager's phone,
    /// offline too): the same request, priced again with the shop's prices this phone
    /// holds, written into the shop's orders to sync. The server takes its id in once,
    /// whichever phone brings it first.
    pub fn take_handover(
        &self,
        text: &str,
    ) -> Result<RequestId, crate::routes::handover::HandoverRefused> {
        use crate::routes::handover::{Handover, HandoverRefused};
        let handover = Handover::decode(text).ok_or(HandoverRefused::NotAnOrder)?;
        let session = self
            .session
            .get_untracked()
            .ok_or(HandoverRefused::NotYourShop)?;
        let shop = session
            .shops
            .iter()
            .find(|s| s.id == handover.shop)
            .cloned()
            .ok_or(HandoverRefused::NotYourShop)?;
        if self.shop.get_untracked().as_ref().map(|s| &s.id) != Some(&shop.id) {
            self.select_shop(shop.clone());
        }
        let lines = handover
            .lines
            .iter()
            .map(|(sku, quantity)| CartLine {
                sku: sku.clone(),
                quantity: *quantity,
            })
            .collect();
        let choices = Choices {
            coupon_codes: handover.coupons.clone(),
            redeem_points: handover.points,
            use_prepaid: handover.prepaid,
            pickup: handover.pickup,
        };
        let mut request = self
            .draft_request_of(handover.id.clone(), handover.by.clone(), lines, choices)
            .ok_or(HandoverRefused::CannotPlace)?;
        request.placed_at_ms = handover.at;
        request.note = handover.note.chars().take(1000).collect();
        request.expected_quote = self.quote_of(&request).and_then(|(quote, _)| quote.ok());
        let orders = REPLICAS
            .with_borrow(|r| r.writable_volume(&shop.id))
            .ok_or(HandoverRefused::CannotPlace)?;
        // Already here (scanned twice): nothing to add.
        let held =
            REPLICAS.with_borrow(|r| r.requests_of(&shop.id).iter().any(|r| r.id == request.id));
        if !held {
            let added = REPLICAS.with_borrow_mut(|replicas| {
                replicas
                    .doc_mut(&orders)
                    .is_some_and(|doc| add_request(doc, &request).is_ok())
            });
            if !added {
                return Err(HandoverRefused::CannotPlace);
            }
            self.refresh(&[]);
            let store = *self;
            spawn_local(async move {
                store.persist(&[orders], &[]).await;
                store.sync_sent().await;
            });
        }
        Ok(request.id)
    }

    /// What this phone keeps of `shop`'s demand at a glance (from the last time it was
    /// fetched).
    pub fn kept_demand(&self, shop: &domain::sku::ShopId) -> Option<DemandGlance> {
        LocalStorage::get(format!("{DEMAND_GLANCE_PREFIX}{shop}")).ok()
    }

    /// Asks to cancel the shop's order `order` (works offline): a cancel request beside
    /// the order, which the server applies once. False when the device does not hold the
    /// order's volume.
    pub fn cancel_order(&self, order: &RequestId, reason: String) -> bool {
        self.write_beside(order, |shop, by| {
            let cancel = CancelRequest {
                id: random_id(),
                shop,
                cancels: order.clone(),
                placed_at_ms: js_sys::Date::now() as i64,
                placed_by: by,
                reason: reason.chars().take(200).collect(),
            };
            move |doc: &mut automerge::Automerge| add_cancel(doc, &cancel).is_ok()
        })
    }

    /// Accepts the shop's order `order` as the server priced it, when it waits for the
    /// shop's OK (works offline): an OK beside the order, which the server applies once.
    /// False when the device does not hold the order's volume.
    pub fn accept_order(&self, order: &RequestId) -> bool {
        self.write_beside(order, |shop, by| {
            let accept = domain::order::AcceptRequest {
                id: random_id(),
                shop,
                accepts: order.clone(),
                placed_at_ms: js_sys::Date::now() as i64,
                placed_by: by,
            };
            move |doc: &mut automerge::Automerge| add_accept(doc, &accept).is_ok()
        })
    }

    /// Asks to return goods of the shop's order `order` (works offline): a return request
    /// beside the order, which the server takes in once. False when the device does not
    /// hold the order's volume or nothing is to be returned.
    pub fn return_goods(
        &self,
        order: &RequestId,
        lines: Vec<ReturnLine>,
        remedy: Remedy,
        note: String,
    ) -> bool {
        let lines: Vec<ReturnLine> = lines.into_iter().filter(|l| l.quantity > 0).collect();
        if lines.is_empty() {
            return false;
        }
        self.write_beside(order, |shop, by| {
            let request = ReturnRequest {
                id: random_id(),
                shop,
                returns: order.clone(),
                lines,
                remedy,
                note: note.chars().take(500).collect(),
                placed_at_ms: js_sys::Date::now() as i64,
                placed_by: by,
            };
            move |doc: &mut automerge::Automerge| add_return(doc, &request).is_ok()
        })
    }

    /// Writes what `make` builds (from the shop and the signed-in person's name) into the
    /// order volume holding `order`, keeps it and syncs. False when the device does not
    /// hold that volume or the write failed.
    fn write_beside<W: FnOnce(&mut automerge::Automerge) -> bool>(
        &self,
        order: &RequestId,
        make: impl FnOnce(domain::sku::ShopId, String) -> W,
    ) -> bool {
        let (Some(shop), Some(session)) = (self.shop.get_untracked(), self.session.get_untracked())
        else {
            return false;
        };
        let Some(volume) = REPLICAS.with_borrow(|r| r.volume_of(&shop.id, order)) else {
            return false;
        };
        let write = make(shop.id.clone(), session.display_name);
        let added =
            REPLICAS.with_borrow_mut(|replicas| replicas.doc_mut(&volume).is_some_and(write));
        if !added {
            return false;
        }
        // Shown once kept on the device: a page closed or reloaded the moment the request
        // shows as made does not lose it.
        let store = *self;
        spawn_local(async move {
            store.persist(&[volume], &[]).await;
            store.refresh(&[]);
            store.sync_background().await;
        });
        true
    }

    /// One sync session with the server; safe to call at any time.
    pub async fn sync_now(self) {
        self.sync_with(Scope::Everything).await;
    }

    /// The background sync: in the data saver, a manager's phone syncs the shop he is
    /// working with (and the catalog, and whatever it changed), not every shop he looks
    /// after; opening the app adds the shops he visits within two days; "sync now" and
    /// a returning network sync them all.
    pub async fn sync_background(self) {
        self.sync_saving_or(Scope::Everything).await;
    }

    /// The sync after this device placed an order or changed a cart or proposal: what it
    /// changed, the catalog, prices, cart and proposal, and each shop's newest two order
    /// volumes, where an order just placed is answered (on a manager's phone, of the shop
    /// he is working with only). Older volumes (orders still underway) wait for the
    /// background sync every 20 seconds, so a shop with many open orders does not name
    /// them all to send one. In the data saver, the background sync's own scope.
    pub async fn sync_sent(self) {
        self.sync_saving_or(Scope::Sending).await;
    }

    /// In the data saver, the shop he is working with; otherwise `scope`.
    async fn sync_saving_or(self, scope: Scope) {
        let scope = if self.data_saver.get_untracked() {
            Scope::Working
        } else {
            scope
        };
        self.sync_with(scope).await;
    }

    /// The shops whose next visit is within two days (or overdue): their documents and
    /// demand are what a manager's phone fetches in the data saver.
    pub fn visits_due(&self) -> BTreeSet<String> {
        let soon = domain::quota::local_date(
            js_sys::Date::now() as i64 + 2 * 24 * 60 * 60 * 1000,
            domain::checkout::UTC_OFFSET_MINUTES,
        );
        self.visits
            .get_untracked()
            .into_values()
            .filter(|visit| visit.next_visit.as_ref().is_some_and(|next| *next <= soon))
            .map(|visit| visit.shop)
            .collect()
    }

    async fn sync_with(self, scope: Scope) {
        if self.phase.get_untracked() == SyncPhase::Syncing || !self.ready.get_untracked() {
            return;
        }
        let Some(mut session) = self.session.get_untracked() else {
            return;
        };
        // The browser knows it has no network (`onLine` false is reliable; true is only a
        // maybe): no request is tried, it would only fail. The `online` event syncs again.
        if web_sys::window().is_some_and(|w| !w.navigator().on_line()) {
            self.phase.set(SyncPhase::Offline);
            return;
        }
        self.phase.set(SyncPhase::Syncing);
        let active = self.shop.get_untracked().map(|shop| shop.id);
        let due = match scope {
            Scope::Visits => self.visits_due(),
            Scope::Working | Scope::Everything | Scope::Sending => BTreeSet::new(),
        };
        // On a phone holding several shops (a manager's), the shop he is working with.
        let scoped = active.filter(|_| scope != Scope::Everything && session.shops.len() > 1);
        let start = move || match &scoped {
            only if scope == Scope::Sending => {
                REPLICAS.with_borrow_mut(|r| r.start_sending_session(only.as_ref()));
            }
            Some(active) => REPLICAS.with_borrow_mut(|r| {
                r.start_session_for(|id| {
                    id.shop()
                        .is_none_or(|shop| shop == active || due.contains(shop.as_str()))
                });
            }),
            None => REPLICAS.with_borrow_mut(|r| r.start_session()),
        };
        start();
        let mut changed: Vec<DocId> = Vec::new();
        let mut outcome = SyncPhase::Idle;
        let mut refreshed = false;
        // A session starts with every held document saying where it stands (quiet, at
        // most 512 a request; 64 with messages): a manager with 200 shops (about 1,000
        // documents) needs 2 requests. The bound only stops a session that never settles.
        for _ in 0..SYNC_ROUNDS_MAX {
            let Some(request) = REPLICAS.with_borrow_mut(|r| r.make_request()) else {
                // In step: forget the order volumes no longer needed (their orders are in
                // the server's history).
                let dropped = REPLICAS.with_borrow_mut(|r| r.prune_volumes());
                if !dropped.is_empty() {
                    self.persist(&[], &dropped).await;
                    changed.extend(dropped);
                }
                break;
            };
            match api::post_sync(&session.token, request.encode()).await {
                Ok(bytes) => {
                    let Ok(response) = SyncResponse::decode(&bytes) else {
                        outcome = SyncPhase::Failed;
                        break;
                    };
                    let received = REPLICAS.with_borrow_mut(|r| r.receive(response));
                    match received {
                        Ok(received) => {
                            // A tier's prices a shop no longer belongs to are refused
                            // until follow_tiers drops them below: nothing to tell.
                            let refused_tier = |id: &DocId| matches!(id, DocId::TierPrices(_));
                            if received.refused.iter().any(|(id, ..)| !refused_tier(id)) {
                                leptos::logging::warn!("refused: {:?}", received.refused);
                                let lang = self.lang.get_untracked();
                                let rolled_back = received
                                    .refused
                                    .iter()
                                    .find(|(id, ..)| received.rolled_back.contains(id));
                                self.notice.set(Some(match rolled_back {
                                    Some((_, _, code)) => {
                                        format!("{}: {code}", tr(lang, Phrase::RolledBack))
                                    }
                                    None => tr(lang, Phrase::Refused).to_owned(),
                                }));
                            }
                            // A closed order volume names the next: hold it too (the next
                            // request of this session fetches it).
                            let followed = REPLICAS.with_borrow_mut(|r| r.follow_volumes());
                            // A shop moved to another tier: hold that tier's prices instead.
                            let (new_tiers, old_tiers) =
                                REPLICAS.with_borrow_mut(|r| r.follow_tiers());
                            self.persist(&received.changed, &old_tiers).await;
                            changed.extend(received.changed);
                            changed.extend(followed);
                            changed.extend(new_tiers);
                        }
                        Err(error) => {
                            leptos::logging::error!("{error}");
                            outcome = SyncPhase::Failed;
                            break;
                        }
                    }
                }
                Err(CallError::Offline) => {
                    outcome = SyncPhase::Offline;
                    break;
                }
                Err(CallError::Refused { status: 401, code })
                    if code == "token_expired" && !refreshed =>
                {
                    // The access token ran out while offline: buy a new pair and go on.
                    refreshed = true;
                    match self.refresh_session(&session).await {
                        Ok(renewed) => {
                            session = renewed;
                            start();
                        }
                        Err(CallError::Offline) => {
                            outcome = SyncPhase::Offline;
                            break;
                        }
                        Err(CallError::Refused { .. }) => {
                            outcome = SyncPhase::Failed;
                            break;
                        }
                    }
                }
                Err(CallError::Refused { status: 401, .. }) => {
                    self.require_sign_in();
                    outcome = SyncPhase::Failed;
                    break;
                }
                Err(CallError::Refused { .. }) => {
                    outcome = SyncPhase::Failed;
                    break;
                }
            }
        }
        self.refresh(&changed);
        if outcome == SyncPhase::Idle {
            let now = js_sys::Date::now() as i64;
            let _ = LocalStorage::set(LAST_SYNCED_KEY, now);
            let ahead = api::server_ahead_ms();
            let _ = LocalStorage::set(PRICES_AS_OF_KEY, now + ahead.unwrap_or(0));
            self.last_synced_ms.set(Some(now));
            self.server_ahead_ms.set(ahead);
        }
        let settled = outcome == SyncPhase::Idle;
        self.phase.set(outcome);
        if settled {
            self.send_visits().await;
        }
    }

    /// Records a visit to `shop` (works offline): kept on the phone and sent when the
    /// network is there (under an id the phone mints, so it is stored once).
    pub fn record_visit(
        &self,
        shop: &domain::sku::ShopId,
        note: String,
        next_visit: Option<String>,
    ) {
        let visit = Visit {
            id: format!("v-{}", random_id()),
            shop: shop.to_string(),
            visited_ms: js_sys::Date::now() as i64,
            note: note.trim().chars().take(1000).collect(),
            next_visit: next_visit.filter(|d| !d.trim().is_empty()),
            manager: String::new(),
        };
        let mut queue: Vec<Visit> = LocalStorage::get(VISIT_QUEUE_KEY).unwrap_or_default();
        queue.push(visit.clone());
        let _ = LocalStorage::set(VISIT_QUEUE_KEY, &queue);
        self.visits.update(|latest| {
            latest.insert(visit.shop.clone(), visit);
        });
        let _ = LocalStorage::set(VISITS_KEY, self.visits.get_untracked());
        let store = *self;
        spawn_local(async move { store.send_visits().await });
    }

    /// Sends the visits recorded offline; takes the server's latest visits of the
    /// manager's shops when it answers.
    pub async fn send_visits(self) {
        if self
            .session
            .get_untracked()
            .is_none_or(|s| s.role != "manager")
        {
            return;
        }
        let mut queue: Vec<Visit> = LocalStorage::get(VISIT_QUEUE_KEY).unwrap_or_default();
        let mut latest: Option<Vec<Visit>> = None;
        while let Some(visit) = queue.first().cloned() {
            match self
                .call_with::<Vec<Visit>>(
                    "POST",
                    "/api/visits",
                    serde_json::to_value(&visit).ok().as_ref(),
                )
                .await
            {
                Ok(answer) => {
                    latest = Some(answer);
                    queue.remove(0);
                    let _ = LocalStorage::set(VISIT_QUEUE_KEY, &queue);
                }
                // A refused visit (the shop is no longer his) is dropped; no network: later.
                Err(CallError::Refused { .. }) => {
                    queue.remove(0);
                    let _ = LocalStorage::set(VISIT_QUEUE_KEY, &queue);
                }
                Err(_) => return,
            }
        }
        let latest = match latest {
            Some(latest) => Some(latest),
            None => self.call::<Vec<Visit>>("GET", "/api/visits").await.ok(),
        };
        if let Some(latest) = latest {
            let map: BTreeMap<String, Visit> =
                latest.into_iter().map(|v| (v.shop.clone(), v)).collect();
            let _ = LocalStorage::set(VISITS_KEY, &map);
            if self.visits.with_untracked(|held| *held != map) {
                self.visits.set(map);
            }
        }
    }

    /// Spends the refresh token for a new pair and keeps it; sends the user to sign in when
    /// the server refuses (the device was revoked, or the token was replayed or is too old).
    async fn refresh_session(&self, session: &Session) -> Result<Session, CallError> {
        // Another call (the sync loop, a page's call) may have renewed the pair already, or
        // be renewing it: the refresh token is single-use.
        let renewed_elsewhere = || {
            self.session
                .get_untracked()
                .filter(|current| current.token != session.token)
        };
        if let Some(current) = renewed_elsewhere() {
            return Ok(current);
        }
        let Some(result) = ui_kit::refresh_once(|| api::refresh(&session.refresh_token)).await
        else {
            return renewed_elsewhere().ok_or(CallError::Offline);
        };
        match result {
            Ok(pair) => {
                let mut renewed = session.clone();
                renewed.token = pair.token;
                renewed.refresh_token = pair.refresh_token;
                let _ = LocalStorage::set(SESSION_KEY, &renewed);
                self.session.set(Some(renewed.clone()));
                Ok(renewed)
            }
            Err(CallError::Refused { status, code }) => {
                self.require_sign_in();
                Err(CallError::Refused { status, code })
            }
            Err(error) => Err(error),
        }
    }

    /// An authenticated JSON call that refreshes an expired access token once.
    pub async fn call<T: serde::de::DeserializeOwned>(
        self,
        method: &str,
        url: &str,
    ) -> Result<T, CallError> {
        self.call_with(method, url, None).await
    }

    /// [`Store::call`] with a JSON body.
    pub async fn call_with<T: serde::de::DeserializeOwned>(
        self,
        method: &str,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, CallError> {
        let Some(session) = self.session.get_untracked() else {
            return Err(CallError::Refused {
                status: 401,
                code: "signed_out".into(),
            });
        };
        match api::call_json(method, url, body, &session.token).await {
            Err(CallError::Refused { status: 401, code }) if code == "token_expired" => {
                let renewed = self.refresh_session(&session).await?;
                api::call_json(method, url, body, &renewed.token).await
            }
            Err(CallError::Refused { status: 401, code }) => {
                self.require_sign_in();
                Err(CallError::Refused { status: 401, code })
            }
            other => other,
        }
    }

    /// The device was signed out by the server (revoked, or its tokens expired): show the
    /// sign-in page but keep the local data for when the same user signs in again.
    fn require_sign_in(&self) {
        self.notice.set(Some(
            tr(self.lang.get_untracked(), Phrase::SignIn).to_owned(),
        ));
        LocalStorage::delete(SESSION_KEY);
        self.ready.set(false);
        self.session.set(None);
    }

    /// Admins and staff work in the back office, its own bundle: the session is handed
    /// over to it and the browser goes there. False for shops and account managers.
    pub fn hand_over_to_office(session: &Session) -> bool {
        if !matches!(session.role.as_str(), "admin" | "staff") {
            return false;
        }
        let _ = LocalStorage::set(OFFICE_SESSION_KEY, session);
        LocalStorage::delete(SESSION_KEY);
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign("/office/");
        }
        true
    }

    pub async fn sign_in(self, username: String, password: String) -> Result<(), CallError> {
        let session = api::sign_in(&username, &password).await?;
        if Store::hand_over_to_office(&session) {
            return Ok(());
        }
        let last_user: Option<String> = LocalStorage::get(LAST_USER_KEY).ok();
        if last_user.as_deref() != Some(session.username.as_str()) {
            let _ = idb::clear().await;
            forget_demands();
        }
        // The documents to hold from now on: the new session's and whatever this device
        // still holds of the same user (an order volume with a request not sent yet).
        let mut held: Vec<String> = idb::get_text(DOC_LIST_KEY)
            .await
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        held.extend(session.docs.iter().cloned());
        held.sort();
        held.dedup();
        if let Ok(json) = serde_json::to_string(&held) {
            let _ = idb::put_all(vec![(DOC_LIST_KEY.to_owned(), idb::Value::Text(json))]).await;
        }
        let _ = LocalStorage::set(LAST_USER_KEY, &session.username);
        let _ = LocalStorage::set(SESSION_KEY, &session);
        self.shop.set(session.shops.first().cloned());
        // The signed-in app opens the documents (`crate::signed_in`).
        self.session.set(Some(session));
        Ok(())
    }

    /// Signs out and forgets this device's data, unless some of it has not reached the
    /// server yet (that would lose an order): then it says so and stays signed in.
    pub async fn sign_out(self) {
        if !REPLICAS.with_borrow(|r| r.unsynced_docs()).is_empty() {
            self.notice.set(Some(
                tr(self.lang.get_untracked(), Phrase::UnsyncedSignOut).to_owned(),
            ));
            return;
        }
        LocalStorage::delete(SESSION_KEY);
        LocalStorage::delete(LAST_USER_KEY);
        LocalStorage::delete(PRICES_AS_OF_KEY);
        let _ = idb::clear().await;
        forget_demands();
        REPLICAS.with_borrow_mut(|r| *r = DeviceSync::new());
        self.ready.set(false);
        self.phase.set(SyncPhase::Starting);
        self.session.set(None);
    }
}
