//! The catalog: every product this shop may buy, by category or all, found by SKU, any of
//! its names, an alias or pinyin ("lvcha", "lc"). The list renders only the rows on screen
//! (a catalog of 10,000 products scrolls as one of 20), each row the same height.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::price_tag::PriceTag;
use crate::components::quantity_stepper::QuantityStepper;
use crate::i18n::Phrase;
use crate::store::{CatalogFilter as Filter, Store};
use domain::product::{Product, matches_words, search_text, search_words};

/// One row's height and the gap below it, in CSS pixels (`.products.virtual .product`).
const ROW_PX: u32 = 140;
/// The narrowest a product takes in a row of several (tablet, desktop), in CSS pixels.
const COLUMN_MIN_PX: u32 = 340;

/// Rows rendered above and below the screen, so a quick flick shows no blank.
const OVERSCAN: usize = 3;

/// The products this shop may buy, each with the text a search matches.
#[derive(Clone)]
struct Index(Arc<Vec<(Arc<Product>, String)>>);

impl PartialEq for Index {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let store = expect_context::<Store>();
    // Kept by the store, so a product page and back find the list as it was left.
    let query = store.catalog_query;
    let filter = store.catalog_filter;
    let index = Memo::new(move |_| {
        let catalog = store.catalog.get();
        let book = store.book.get();
        Index(Arc::new(
            catalog
                .products
                .values()
                // Only what this shop may buy (limited products of other tiers or shops not).
                .filter(|p| book.may_buy(p))
                .map(|p| (Arc::new(p.clone()), search_text(p)))
                .collect(),
        ))
    });
    // The last search: its list, query, filter and what it found.
    let last_search = StoredValue::new((
        None::<Index>,
        String::new(),
        Filter::All,
        Vec::<usize>::new(),
    ));
    // Positions in the index of the products the category and the search leave.
    let matches = Memo::new(move |_| {
        let index = index.get();
        let typed = query.get();
        let words = search_words(&typed);
        let chosen = filter.get();
        // Typed on (the same list, the query only longer): only what matched before can
        // match now, so only those are looked at again.
        let before = last_search.with_value(|(last_index, last_typed, last_filter, found)| {
            (last_index.as_ref() == Some(&index)
                && last_filter == &chosen
                && typed.len() > last_typed.len()
                && typed.starts_with(last_typed.as_str()))
            .then(|| found.clone())
        });
        if let Some(found) = before {
            let found: Vec<usize> = found
                .into_iter()
                .filter(|&at| matches_words(&index.0[at].1, &words))
                .collect();
            last_search.set_value((Some(index), typed, chosen, found.clone()));
            return found;
        }
        let favourites = match chosen {
            Filter::Favourites => store.favourite_skus(),
            _ => Default::default(),
        };
        let usual: std::collections::BTreeMap<_, usize> = match chosen {
            Filter::Usual => store
                .usual_skus()
                .into_iter()
                .enumerate()
                .map(|(rank, sku)| (sku, rank))
                .collect(),
            _ => Default::default(),
        };
        let mut found = index
            .0
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| match &chosen {
                Filter::All => true,
                Filter::Category(c) => &p.category == c,
                Filter::Favourites => favourites.contains(&p.sku),
                Filter::Usual => usual.contains_key(&p.sku),
            })
            .filter(|(_, (_, text))| matches_words(text, &words))
            .map(|(at, _)| at)
            .collect::<Vec<usize>>();
        if chosen == Filter::Usual {
            found.sort_by_key(|&at| usual.get(&index.0[at].0.sku).copied().unwrap_or(usize::MAX));
        }
        last_search.set_value((Some(index), typed, chosen, found.clone()));
        found
    });
    // How far the list's top is above the screen's top, and the screen's height.
    let list = NodeRef::<leptos::html::Ul>::new();
    // In whole CSS pixels: (how far scrolled past the list's top, screen height), and how
    // many products a row holds (more than one on a tablet or a desktop: the width is used).
    let screen = RwSignal::new((0_i64, 900_u32));
    let columns = RwSignal::new(1_usize);
    let measure = move || {
        let Some(window) = web_sys::window() else {
            return;
        };
        let height = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .map_or(900, |h| h.max(0.0).round() as u32);
        let (top, width) = list.get_untracked().map_or((0, 0), |ul| {
            let rect = ul.get_bounding_client_rect();
            (rect.top().round() as i64, rect.width().round() as u32)
        });
        let fit = usize::try_from((width / COLUMN_MIN_PX).clamp(1, 3)).unwrap_or(1);
        if columns.get_untracked() != fit {
            columns.set(fit);
        }
        let now = (top.saturating_neg(), height);
        if screen.get_untracked() != now {
            screen.set(now);
        }
    };
    let on_scroll = window_event_listener(leptos::ev::scroll, move |_| measure());
    let on_resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || {
        on_scroll.remove();
        on_resize.remove();
    });
    Effect::new(move |_| {
        list.track();
        measure();
    });
    // A new search or category starts at its first row.
    Effect::new(move |previous: Option<()>| {
        query.track();
        filter.track();
        // Only when scrolled: measuring forces the browser to lay the page out at once,
        // inside the keystroke (the list's place does not move while typing).
        if previous.is_some() {
            let (scrolled, _) = screen.get_untracked();
            if scrolled > 0
                && let Some(window) = web_sys::window()
            {
                window.scroll_by_with_x_and_y(0.0, scrolled.saturating_neg() as f64);
                measure();
            }
        }
    });
    let rows = Memo::new(move |_| {
        let matches = matches.get();
        let (scrolled, height) = screen.get();
        let columns = columns.get();
        let (first_row, end_row) = ui_kit::virtual_list::window(
            matches.len().div_ceil(columns),
            ROW_PX,
            OVERSCAN,
            scrolled,
            height,
        );
        let start = first_row.saturating_mul(columns).min(matches.len());
        let end = end_row.saturating_mul(columns).min(matches.len());
        let index = index.get_untracked();
        let products: Vec<Arc<Product>> = matches[start..end]
            .iter()
            .map(|&at| Arc::clone(&index.0[at].0))
            .collect();
        (start, products)
    });
    // The most products the window holds (`virtual_list::window`'s rows on a screen of
    // this height, with the overscan on both sides, times the columns).
    let slots = Memo::new(move |_| {
        let (_, height) = screen.get();
        let shown = height.div_ceil(ROW_PX) as usize + 1;
        shown
            .saturating_add(2 * OVERSCAN)
            .saturating_mul(columns.get())
            .max(1)
    });
    let count = move || matches.get().len();
    view! {
        <section class="catalog">
            {move || store.proposal.get().map(|_| view! {
                <p class="banner" data-testid="proposal-banner">{store.t(Phrase::ProposalWaiting)} " "
                    <A href="/proposal">{store.t(Phrase::View)}</A></p>
            })}
            {move || store.offer_data_saver().then(|| view! {
                <p class="banner warn" data-testid="data-saver-offer">{store.t(Phrase::SlowNetworkOffer)} " "
                    <button data-testid="data-saver-yes" on:click=move |_| store.set_data_saver(true)>{store.t(Phrase::TurnOn)}</button>
                    " "
                    <button class="link" on:click=move |_| store.decline_data_saver()>{store.t(Phrase::NoThanks)}</button>
                </p>
            })}
            <crate::components::offers::OffersLink/>
            <input class="search" type="search" data-testid="search" placeholder=move || store.t(Phrase::Search)
                aria-label=move || store.t(Phrase::Search)
                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            <div class="chips">
                <button class="chip" class:active=move || filter.get() == Filter::All on:click=move |_| filter.set(Filter::All)>
                    {move || store.t(Phrase::AllCategories)}
                </button>
                <button class="chip" data-testid="favourites-chip" class:active=move || filter.get() == Filter::Favourites
                    on:click=move |_| filter.set(Filter::Favourites)>
                    {move || format!("★ {}", store.t(Phrase::Favourites))}
                </button>
                <button class="chip" data-testid="usual-chip" class:active=move || filter.get() == Filter::Usual
                    on:click=move |_| filter.set(Filter::Usual)>
                    {move || store.t(Phrase::UsualProducts)}
                </button>
                {move || store.catalog.get().categories.iter().cloned().map(|c| {
                    let id = c.id.clone();
                    let id_active = c.id.clone();
                    view! {
                        <button class="chip" data-testid="category" class:active=move || filter.get() == Filter::Category(id_active.clone())
                            on:click=move |_| filter.set(Filter::Category(id.clone()))>
                            {move || store.lang.get().pick(&c.name)}
                        </button>
                    }
                }).collect_view()}
            </div>
            <Show when=move || !store.catalog.get().products.is_empty() fallback=move || view! { <p>{move || store.t(Phrase::Loading)}</p> }>
                <p class="result-count" data-testid="result-count" aria-live="polite">
                    {move || match (count(), filter.get()) {
                        (0, Filter::Favourites) if query.get().trim().is_empty() => store.t(Phrase::NoFavouritesYet).to_owned(),
                        (0, Filter::Usual) if query.get().trim().is_empty() => store.t(Phrase::NoOrders).to_owned(),
                        (0, _) => format!("{}“{}”", store.t(Phrase::NoProductsMatch), query.get().trim()),
                        (n, _) => format!("{n} {}", store.t(Phrase::ProductsCount)),
                    }}
                    {move || if query.get().is_empty() {
                        view! { <A href="/quick" attr:class="quick-link" attr:data-testid="quick-link">{store.t(Phrase::QuickEntry)}</A> }.into_any()
                    } else {
                        view! {
                            <button class="link" data-testid="clear-search" on:click=move |_| query.set(String::new())>
                                {store.t(Phrase::ClearSearch)}
                            </button>
                        }.into_any()
                    }}
                </p>
                <ul class="products virtual" node_ref=list role="list"
                    style:height=move || format!("{}px", count().div_ceil(columns.get()).saturating_mul(ROW_PX as usize))
                    style:padding-top=move || format!("{}px", (rows.with(|r| r.0) / columns.get()).saturating_mul(ROW_PX as usize))
                    style:grid-template-columns=move || format!("repeat({}, minmax(0, 1fr))", columns.get())>
                    // A row per place on screen, reused for the product that comes there:
                    // a search keystroke or a scroll changes the rows' words, not the page's
                    // elements. Place `slot` shows the product at the one position of the
                    // window with `position % slots == slot` (the window never holds more
                    // than `slots`), so scrolling one row moves one element to the other
                    // end and a long jump redraws words only (keyed by language too: a
                    // row's fixed words are drawn once).
                    <For each=move || {
                            let lang = store.lang.get();
                            let slots = slots.get();
                            rows.with(|(start, products)| {
                                products.iter().enumerate().map(|(at, p)| (lang, (start + at) % slots, Arc::clone(p))).collect::<Vec<_>>()
                            })
                        }
                        key=|(lang, slot, _)| (lang.code(), *slot)
                        children=move |(_, slot, first)| {
                            // Where this place is in the list now, and the product there (the
                            // row leaving keeps its last).
                            let position = Memo::new(move |previous: Option<&Option<usize>>| {
                                let slots = slots.get();
                                rows.with(|(start, products)| {
                                    let at = (slot + slots - start % slots) % slots;
                                    (at < products.len()).then_some(start + at)
                                })
                                .or_else(|| previous.copied().flatten())
                            });
                            let product = Memo::new(move |previous: Option<&Arc<Product>>| {
                                rows.with(|(start, products)| {
                                    position.get().and_then(|p| p.checked_sub(*start)).and_then(|at| products.get(at)).cloned()
                                })
                                .or_else(|| previous.cloned())
                                .unwrap_or_else(|| Arc::clone(&first))
                            });
                            let position = Signal::derive(move || position.get().unwrap_or(slot));
                            view! { <ProductRow product position total=count/> }
                        }/>
                </ul>
            </Show>
        </section>
    }
}

/// One place of the list: the photo (or first character), name, SKU and pack, price and
/// quantity of the product there now, in a row of fixed height.
#[component]
fn ProductRow(
    product: Memo<Arc<Product>>,
    /// Where the row is in the list now, from 0.
    position: Signal<usize>,
    total: impl Fn() -> usize + Send + Sync + 'static,
) -> impl IntoView {
    let store = expect_context::<Store>();
    let lang = store.lang.get_untracked();
    let t = move |phrase| crate::i18n::tr(lang, phrase);
    let sku = Memo::new(move |_| product.with(|p| p.sku.clone()));
    let name = Memo::new(move |_| product.with(|p| lang.pick(&p.name).to_owned()));
    let favourite = move || store.is_favourite(&sku.get());
    // Drawn again only when the photo differs (most rows of a search have none, or the same).
    let image = Memo::new(move |_| product.with(|p| p.image.clone()));
    view! {
        <li class="product" data-testid="product" data-sku=move || sku.get().to_string()
            aria-posinset=move || (position.get() + 1).to_string() aria-setsize=move || total().to_string()>
            <button class="fav" data-testid="favourite" aria-label=t(Phrase::Favourites)
                aria-pressed=move || favourite().to_string()
                on:click=move |_| store.toggle_favourite(&sku.get_untracked())>
                {move || if favourite() { "★" } else { "☆" }}
            </button>
            {move || match image.get().filter(|_| !store.data_saver.get_untracked()) {
                Some(image) => view! {
                    <img class="thumb" data-testid="photo" src=image.small_url() alt="" loading="lazy" decoding="async"
                        width=image.width.to_string() height=image.height.to_string()/>
                }.into_any(),
                None => view! {
                    <span class="thumb none" aria-hidden="true">
                        {move || name.with(|n| n.chars().next().map(String::from).unwrap_or_default())}
                    </span>
                }.into_any(),
            }}
            // A plain link (the router follows it): lighter than `<A>` for a list's rows.
            <a href=move || format!("/product/{}", sku.get()) class="name">{move || name.get()}</a>
            <span class="meta">{move || product.with(|p| format!("{} · {} {} {}", p.sku, t(Phrase::PackOf), p.pack_size, lang.pick(&p.unit)))}</span>
            <PriceTag product=product/>
            <QuantityStepper product=product/>
        </li>
    }
}
