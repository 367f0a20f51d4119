//! Quick entry (快速下单): many products at once, typed or pasted one per line as a shop
//! owner writes them in a message ("BEV-0001 3", "绿茶500ml×2", "lc500 2"). Each line is
//! read into a product and a quantity (cases when sold by the case), checked against the
//! product's rules and the quota as the cart would, and shown before anything is added.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::quantity_stepper::rule_text;
use crate::i18n::Phrase;
use crate::store::Store;
use domain::product::Product;
use domain::quick_entry::{Found, MAX_LINES, find, split_line};

/// One line as read: what it said, the product and units it would add, or why not.
#[derive(Debug, Clone, PartialEq)]
struct Read {
    text: String,
    product: Option<Product>,
    units: u32,
    problem: Option<String>,
}

fn read_lines(store: &Store, text: &str) -> Vec<Read> {
    let catalog = store.catalog.get_untracked();
    let book = store.book.get_untracked();
    let products: Vec<Product> = catalog
        .products
        .values()
        .filter(|p| book.may_buy(p))
        .cloned()
        .collect();
    let lang = store.lang.get_untracked();
    text.lines()
        .filter_map(|line| Some((line, split_line(line)?)))
        .take(MAX_LINES)
        .map(|(line, (name, quantity))| {
            let mut read = Read {
                text: line.trim().to_owned(),
                product: None,
                units: 0,
                problem: None,
            };
            match find(&products, &name) {
                Found::None => read.problem = Some(store.t(Phrase::NoSuchProduct).to_owned()),
                Found::Several(list) => {
                    let names: Vec<String> =
                        list.iter().map(|p| lang.pick(&p.name).to_owned()).collect();
                    read.problem = Some(format!(
                        "{}{}…",
                        store.t(Phrase::SeveralMatch),
                        names.join("、")
                    ));
                }
                Found::One(product) if !product.active => {
                    read.product = Some(product.clone());
                    read.problem = Some(store.t(Phrase::Discontinued).to_owned());
                }
                Found::One(product) => {
                    read.product = Some(product.clone());
                    match quantity {
                        None | Some(0) => {
                            read.problem = Some(store.t(Phrase::QuantityMissing).to_owned())
                        }
                        Some(n) => {
                            let units = n.saturating_mul(product.pack_size.max(1));
                            let total =
                                units.saturating_add(store.cart_quantity_untracked(&product.sku));
                            match rule_text(store, product, total) {
                                Some(why) => read.problem = Some(why),
                                None => read.units = units,
                            }
                        }
                    }
                }
            }
            read
        })
        .collect()
}

#[component]
pub fn QuickEntryPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let navigate = use_navigate();
    let text = RwSignal::new(String::new());
    let read = RwSignal::new(Vec::<Read>::new());
    let check = move |_| read.set(read_lines(&store, &text.get_untracked()));
    let ready = move || read.with(|r| r.iter().filter(|l| l.problem.is_none()).count());
    let add = move |_| {
        for line in read.get_untracked() {
            if let (Some(product), None) = (&line.product, &line.problem) {
                let now = store.cart_quantity_untracked(&product.sku);
                store.set_cart_quantity(&product.sku, now + line.units);
            }
        }
        navigate("/cart", Default::default());
    };
    view! {
        <section class="quick-entry">
            <h2>{move || store.t(Phrase::QuickEntry)}</h2>
            <p class="meta">{move || store.t(Phrase::QuickEntryHint)}</p>
            <textarea data-testid="quick-text" rows="8" aria-label=move || store.t(Phrase::QuickEntry)
                placeholder="BEV-0001 3\n绿茶500ml×2\nlc500 2"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            <button data-testid="quick-check" on:click=check>{move || store.t(Phrase::ReadLines)}</button>
            <ul class="quick-lines">
                {move || read.get().into_iter().map(|line| {
                    let lang = store.lang.get();
                    let ok = line.problem.is_none();
                    let what = line.product.as_ref().map(|p| {
                        let pack = p.pack_size.max(1);
                        let amount = if pack > 1 && ok {
                            format!(" × {} {} (= {} {})", line.units / pack, store.t(Phrase::CaseWord), line.units, lang.pick(&p.unit))
                        } else if ok {
                            format!(" × {} {}", line.units, lang.pick(&p.unit))
                        } else {
                            String::new()
                        };
                        format!("{}{amount}", lang.pick(&p.name))
                    });
                    view! {
                        <li class:ok=ok data-testid="quick-line" data-ok=ok.to_string()>
                            <span class="said">{line.text.clone()}</span>
                            <span>{what}</span>
                            {line.problem.map(|why| view! { <span class="qty-problem">{why}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <Show when=move || { ready() > 0 }>
                <button class="primary" data-testid="quick-add" on:click=add.clone()>
                    {move || format!("{} ({})", store.t(Phrase::AddAllToCart), ready())}
                </button>
            </Show>
        </section>
    }
}
