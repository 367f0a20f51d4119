//! Products: the list (search by SKU or any name, filter by category and state, pages
//! of 50, fast at 10,000 products: the server filters its cached catalog), and the form
//! that creates or edits one (every field; the server checks the whole product and names
//! the field it refuses).

use api::{CategoryRow, DatedPriceEdit, ProductDetail, ProductEdit, ProductPage, VolumePriceEdit};
use domain::product::LocalizedText;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{Failure, encode};
use crate::audit::History;
use crate::i18n::Phrase;
use crate::{Office, text_input};

const PAGE: usize = 50;

/// The categories, for filters and the form.
fn load_categories(office: Office, into: RwSignal<Vec<CategoryRow>>) {
    spawn_local(async move {
        if let Ok(rows) = office
            .call::<Vec<CategoryRow>>("GET", "/api/admin/categories", None)
            .await
        {
            into.set(rows);
        }
    });
}

#[component]
pub fn ProductListPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let query = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let offset = RwSignal::new(0usize);
    let page = RwSignal::new(None::<Result<ProductPage, Failure>>);
    let categories = RwSignal::new(Vec::<CategoryRow>::new());
    load_categories(office, categories);
    Effect::new(move |_| {
        let (q, c, s, o) = (query.get(), category.get(), state.get(), offset.get());
        let mut url = format!("/api/admin/products?limit={PAGE}&offset={o}");
        if !q.trim().is_empty() {
            url.push_str(&format!("&q={}", encode(q.trim())));
        }
        if !c.is_empty() {
            url.push_str(&format!("&category={}", encode(&c)));
        }
        if !s.is_empty() {
            url.push_str(&format!("&active={s}"));
        }
        spawn_local(async move {
            let result = office.call::<ProductPage>("GET", &url, None).await;
            // Only the answer to the newest question is shown.
            let current = (
                query.get_untracked(),
                category.get_untracked(),
                state.get_untracked(),
                offset.get_untracked(),
            );
            if current == (q, c, s, o) {
                page.set(Some(result));
            }
        });
    });
    let category_name = move |id: &str| {
        let lang = office.lang.get();
        categories
            .get()
            .iter()
            .find(|row| row.category.id.as_str() == id)
            .map(|row| lang.pick(&row.category.name))
            .unwrap_or_else(|| id.to_owned())
    };
    view! {
        <section class="products">
            <div class="toolbar">
                <h1>{move || office.t(Phrase::Products)}</h1>
                <input type="search" data-testid="search" placeholder=move || office.t(Phrase::Search)
                    prop:value=move || query.get()
                    on:input=move |ev| { query.set(event_target_value(&ev)); offset.set(0); }/>
                <select data-testid="category-filter" on:change=move |ev| { category.set(event_target_value(&ev)); offset.set(0); }>
                    <option value="">{move || office.t(Phrase::AllCategories)}</option>
                    {move || categories.get().into_iter().map(|row| {
                        let name = office.lang.get().pick(&row.category.name);
                        view! { <option value=row.category.id.to_string()>{name}</option> }
                    }).collect_view()}
                </select>
                <select data-testid="state-filter" on:change=move |ev| { state.set(event_target_value(&ev)); offset.set(0); }>
                    <option value="">{move || office.t(Phrase::AnyState)}</option>
                    <option value="true">{move || office.t(Phrase::OnSale)}</option>
                    <option value="false">{move || office.t(Phrase::OffSale)}</option>
                </select>
                <Show when=move || office.is_admin()>
                    <A href="/office/products/new" attr:class="button" attr:data-testid="new-product">{move || office.t(Phrase::NewProduct)}</A>
                </Show>
            </div>
            {move || match page.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(page)) if page.total == 0 => view! { <p data-testid="no-match">{office.t(Phrase::NoMatch)}</p> }.into_any(),
                Some(Ok(page)) => {
                    let lang = office.lang.get();
                    let shown_to = page.offset + page.products.len();
                    let total = page.total;
                    view! {
                        <table class="grid">
                            <thead><tr>
                                <th>{office.t(Phrase::Sku)}</th>
                                <th>{office.t(Phrase::Name)}</th>
                                <th>{office.t(Phrase::Category)}</th>
                                <th>{office.t(Phrase::PackSize)}</th>
                                <th class="number">{office.t(Phrase::ListPrice)}</th>
                                <th>{office.t(Phrase::State)}</th>
                            </tr></thead>
                            <tbody>
                                {page.products.into_iter().map(|product| {
                                    let sku = product.sku.to_string();
                                    let href = format!("/office/products/{sku}");
                                    let label = sku.clone();
                                    view! {
                                    <tr data-testid="product-row" data-sku=sku>
                                        <td><A href=href>{label}</A></td>
                                        <td>{lang.pick(&product.name)}</td>
                                        <td>{category_name(product.category.as_str())}</td>
                                        <td>{format!("{} {}", product.pack_size, lang.pick(&product.unit))}</td>
                                        <td class="number" data-testid="list-price">{product.list_price.amount().to_string()}</td>
                                        <td>{if product.active { office.t(Phrase::OnSale) } else { office.t(Phrase::OffSale) }}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                        <div class="pager">
                            <button data-testid="previous" disabled=move || offset.get() == 0
                                on:click=move |_| offset.update(|o| *o = o.saturating_sub(PAGE))>{office.t(Phrase::Previous)}</button>
                            <span data-testid="range">{format!("{} {}–{} {} {}", office.t(Phrase::Showing), page.offset + 1, shown_to, office.t(Phrase::Of), total)}</span>
                            <button data-testid="next" disabled={move || shown_to >= total}
                                on:click=move |_| offset.update(|o| *o += PAGE)>{office.t(Phrase::Next)}</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn NewProductPage() -> impl IntoView {
    view! { <ProductForm product=None/> }
}

#[component]
pub fn EditProductPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let params = use_params_map();
    let loaded = RwSignal::new(None::<Result<ProductDetail, Failure>>);
    Effect::new(move |_| {
        let sku = params.get().get("sku").unwrap_or_default();
        spawn_local(async move {
            let url = format!("/api/admin/products/{}", encode(&sku));
            loaded.set(Some(office.call::<ProductDetail>("GET", &url, None).await));
        });
    });
    move || match loaded.get() {
        None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
        Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
        Some(Ok(product)) => {
            let sku = product.product.sku.to_string();
            view! {
                <ProductForm product=Some(product)/>
                {office.may("finance").then(|| view! { <crate::reports::CostPanel sku/> })}
            }
            .into_any()
        }
    }
}

/// Three texts of one field, one per language.
#[derive(Clone, Copy)]
pub struct Texts {
    en: RwSignal<String>,
    zh_hans: RwSignal<String>,
    zh_hant: RwSignal<String>,
}

impl Texts {
    pub fn new(text: Option<&LocalizedText>) -> Texts {
        let text = text.cloned().unwrap_or_default();
        Texts {
            en: RwSignal::new(text.en),
            zh_hans: RwSignal::new(text.zh_hans),
            zh_hant: RwSignal::new(text.zh_hant),
        }
    }

    pub fn value(&self) -> LocalizedText {
        LocalizedText {
            en: self.en.get_untracked().trim().to_owned(),
            zh_hans: self.zh_hans.get_untracked().trim().to_owned(),
            zh_hant: self.zh_hant.get_untracked().trim().to_owned(),
        }
    }
}

#[component]
pub fn TextsInput(
    texts: Texts,
    field: &'static str,
    #[prop(optional)] long: bool,
) -> impl IntoView {
    let office = expect_context::<Office>();
    let one = move |signal: RwSignal<String>, language: &'static str, label: Phrase| {
        let name = format!("{field}.{language}");
        if long {
            view! {
                <label>{move || office.t(label)}
                    <textarea name=name prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))></textarea>
                </label>
            }.into_any()
        } else {
            view! {
                <label>{move || office.t(label)}
                    <input name=name prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))/>
                </label>
            }.into_any()
        }
    };
    view! {
        <div class="texts">
            {one(texts.zh_hans, "zh_hans", Phrase::ZhHans)}
            {one(texts.zh_hant, "zh_hant", Phrase::ZhHant)}
            {one(texts.en, "en", Phrase::En)}
        </div>
    }
}

/// Local time `YYYY-MM-DDTHH:MM` for a datetime-local input.
pub(crate) fn local_time(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

pub(crate) fn parse_local_time(text: &str) -> Option<i64> {
    let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(text)).get_time();
    (!ms.is_nan()).then_some(ms as i64)
}

#[component]
fn ProductForm(product: Option<ProductDetail>) -> impl IntoView {
    let office = expect_context::<Office>();
    let navigate = use_navigate();
    let editing = product.is_some();
    let given_shops = product
        .as_ref()
        .map(|d| d.allowed_shops.join(", "))
        .unwrap_or_default();
    let p = product.as_ref().map(|d| &d.product);
    let photo = p.and_then(|p| p.image.clone());
    let sku = RwSignal::new(p.map(|p| p.sku.to_string()).unwrap_or_default());
    let name = Texts::new(p.map(|p| &p.name));
    let description = Texts::new(p.map(|p| &p.description));
    let unit = Texts::new(p.map(|p| &p.unit));
    let category = RwSignal::new(p.map(|p| p.category.to_string()).unwrap_or_default());
    let aliases = RwSignal::new(p.map(|p| p.aliases.join(", ")).unwrap_or_default());
    let pinyin = p.map(|p| p.pinyin.join(" ")).unwrap_or_default();
    let number = |n: Option<u32>| RwSignal::new(n.map(|n| n.to_string()).unwrap_or_default());
    let pack_size = number(Some(p.map_or(1, |p| p.pack_size)));
    let min_quantity = number(Some(p.map_or(1, |p| p.min_quantity)));
    let max_quantity = number(p.and_then(|p| p.max_quantity));
    let weight = number(Some(p.map_or(0, |p| p.weight_grams)));
    let list_price = RwSignal::new(
        p.map(|p| p.list_price.amount().to_string())
            .unwrap_or_default(),
    );
    let active = RwSignal::new(p.is_none_or(|p| p.active));
    let breaks = RwSignal::new(
        p.map(|p| {
            p.volume_prices
                .iter()
                .map(|v| (v.min_quantity.to_string(), v.price.amount().to_string()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default(),
    );
    let promo = p.and_then(|p| p.promo_price.clone());
    let promo_price = RwSignal::new(
        promo
            .as_ref()
            .map(|d| d.price.amount().to_string())
            .unwrap_or_default(),
    );
    let promo_from = RwSignal::new(
        promo
            .as_ref()
            .map(|d| local_time(d.from_ms))
            .unwrap_or_default(),
    );
    let promo_until = RwSignal::new(
        promo
            .as_ref()
            .map(|d| local_time(d.until_ms))
            .unwrap_or_default(),
    );
    // Who may buy it: everyone, or shops of some tiers and shops given it by name.
    let limited = RwSignal::new(p.is_some_and(|p| p.limited_to.is_some()));
    let tiers = RwSignal::new(
        p.and_then(|p| p.limited_to.as_ref())
            .map(|tiers| tiers.iter().map(|t| t.to_string()).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let shops = RwSignal::new(given_shops);
    let options = crate::customer_form::load_options(office);
    let categories = RwSignal::new(Vec::<CategoryRow>::new());
    load_categories(office, categories);
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    // Bumped on every save, so the change log below the form reloads.
    let saved_count = RwSignal::new(0i32);

    let build = move || -> Result<ProductEdit, String> {
        let whole = |signal: RwSignal<String>, field: &str| {
            signal
                .get_untracked()
                .trim()
                .parse::<u32>()
                .map_err(|_| office.field_problem(field, "not_a_number"))
        };
        let max = max_quantity.get_untracked();
        let volume_prices = breaks
            .get_untracked()
            .into_iter()
            .map(|(quantity, price)| {
                Ok(VolumePriceEdit {
                    min_quantity: quantity
                        .trim()
                        .parse()
                        .map_err(|_| office.field_problem("volume_prices", "not_a_number"))?,
                    price: price.trim().to_owned(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let promo_price = match promo_price.get_untracked().trim() {
            "" => None,
            price => Some(DatedPriceEdit {
                price: price.to_owned(),
                from_ms: parse_local_time(&promo_from.get_untracked())
                    .ok_or_else(|| office.field_problem("promo_price", "required"))?,
                until_ms: parse_local_time(&promo_until.get_untracked())
                    .ok_or_else(|| office.field_problem("promo_price", "required"))?,
            }),
        };
        Ok(ProductEdit {
            sku: (!editing).then(|| sku.get_untracked().trim().to_owned()),
            name: Some(name.value()),
            description: Some(description.value()),
            category: Some(category.get_untracked()).filter(|c| !c.is_empty()),
            unit: Some(unit.value()),
            pack_size: Some(whole(pack_size, "pack_size")?),
            min_quantity: Some(whole(min_quantity, "min_quantity")?),
            max_quantity: Some(if max.trim().is_empty() {
                None
            } else {
                Some(whole(max_quantity, "max_quantity")?)
            }),
            list_price: Some(list_price.get_untracked().trim().to_owned()),
            active: Some(active.get_untracked()),
            weight_grams: Some(whole(weight, "weight_grams")?),
            volume_prices: Some(volume_prices),
            promo_price: Some(promo_price),
            limited_to: Some(limited.get_untracked().then(|| tiers.get_untracked())),
            allowed_shops: Some(if limited.get_untracked() {
                crate::typed_list(&shops.get_untracked())
            } else {
                Vec::new()
            }),
            aliases: Some(
                aliases
                    .get_untracked()
                    .split([',', '，', '、'])
                    .map(|alias| alias.trim().to_owned())
                    .filter(|alias| !alias.is_empty())
                    .collect(),
            ),
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let edit = match build() {
            Ok(edit) => edit,
            Err(problem) => {
                message.set(Some((false, problem)));
                return;
            }
        };
        let Ok(body) = serde_json::to_value(&edit) else {
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = if editing {
                let url = format!("/api/admin/products/{}", encode(&sku.get_untracked()));
                office.call::<ProductDetail>("PUT", &url, Some(body)).await
            } else {
                office
                    .call::<ProductDetail>("POST", "/api/admin/products", Some(body))
                    .await
            };
            busy.set(false);
            match result {
                Ok(saved) => {
                    message.set(Some((true, office.t(Phrase::Saved).to_owned())));
                    saved_count.update(|n| *n += 1);
                    if !editing {
                        navigate(
                            &format!("/office/products/{}", saved.product.sku),
                            Default::default(),
                        );
                    }
                }
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    view! {
        <section class="product-form">
            <div class="toolbar">
                <A href="/office/products">{move || office.t(Phrase::Back)}</A>
                <h1>{move || if editing { sku.get() } else { office.t(Phrase::NewProduct).to_owned() }}</h1>
            </div>
            <form on:submit=save>
                <fieldset disabled=move || !office.is_admin()>
                    <label>{move || office.t(Phrase::Sku)}
                        <input name="sku" readonly=editing prop:value=move || sku.get() on:input=move |ev| sku.set(event_target_value(&ev))/>
                    </label>
                    <h2>{move || office.t(Phrase::Name)}</h2>
                    <TextsInput texts=name field="name"/>
                    <label>{move || office.t(Phrase::Aliases)} {text_input(aliases, "aliases")}</label>
                    {(!pinyin.is_empty()).then(|| view! {
                        <p class="hint" data-testid="pinyin">{move || office.t(Phrase::PinyinKeys)} {pinyin.clone()}</p>
                    })}
                    <div class="row">
                        <label>{move || office.t(Phrase::Category)}
                            <select name="category" on:change=move |ev| category.set(event_target_value(&ev))>
                                <option value="" selected=move || category.get().is_empty()>"—"</option>
                                {move || categories.get().into_iter().map(|row| {
                                    let id = row.category.id.to_string();
                                    let chosen = id.clone();
                                    view! { <option value=id selected=move || category.get() == chosen>{office.lang.get().pick(&row.category.name)}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label>{move || office.t(Phrase::ListPrice)} {text_input(list_price, "list_price")}</label>
                        <label class="check"><input type="checkbox" name="active" prop:checked=move || active.get()
                            on:change=move |ev| active.set(event_target_checked(&ev))/>{move || office.t(Phrase::OnSale)}</label>
                    </div>
                    <h2>{move || office.t(Phrase::Unit)}</h2>
                    <TextsInput texts=unit field="unit"/>
                    <div class="row">
                        <label>{move || office.t(Phrase::PackSize)} {text_input(pack_size, "pack_size")}</label>
                        <label>{move || office.t(Phrase::MinQuantity)} {text_input(min_quantity, "min_quantity")}</label>
                        <label>{move || office.t(Phrase::MaxQuantity)} {text_input(max_quantity, "max_quantity")}</label>
                        <label>{move || office.t(Phrase::Weight)} {text_input(weight, "weight_grams")}</label>
                    </div>
                    <h2>{move || office.t(Phrase::VolumePrices)}</h2>
                    <table class="grid breaks">
                        <thead><tr><th>{move || office.t(Phrase::FromQuantity)}</th><th>{move || office.t(Phrase::UnitPrice)}</th><th></th></tr></thead>
                        <tbody>
                            {move || (0..breaks.get().len()).map(|i| {
                                let (quantity, price) = breaks.get_untracked()[i].clone();
                                view! {
                                    <tr data-testid="volume-break">
                                        <td><input name="break-quantity" prop:value=quantity
                                            on:change=move |ev| breaks.update(|b| if let Some(row) = b.get_mut(i) { row.0 = event_target_value(&ev) })/></td>
                                        <td><input name="break-price" prop:value=price
                                            on:change=move |ev| breaks.update(|b| if let Some(row) = b.get_mut(i) { row.1 = event_target_value(&ev) })/></td>
                                        <td><button type="button" class="link" on:click=move |_| breaks.update(|b| { if i < b.len() { b.remove(i); } })>{office.t(Phrase::Remove)}</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <button type="button" data-testid="add-break" on:click=move |_| breaks.update(|b| b.push((String::new(), String::new())))>{move || office.t(Phrase::AddBreak)}</button>
                    <h2>{move || office.t(Phrase::PromoPrice)}</h2>
                    <div class="row">
                        <label>{move || office.t(Phrase::UnitPrice)} {text_input(promo_price, "promo_price")}</label>
                        <label>{move || office.t(Phrase::From)}
                            <input type="datetime-local" name="promo_from" prop:value=move || promo_from.get() on:input=move |ev| promo_from.set(event_target_value(&ev))/>
                        </label>
                        <label>{move || office.t(Phrase::Until)}
                            <input type="datetime-local" name="promo_until" prop:value=move || promo_until.get() on:input=move |ev| promo_until.set(event_target_value(&ev))/>
                        </label>
                    </div>
                    <h2>{move || office.t(Phrase::WhoMayBuy)}</h2>
                    <div class="row" data-testid="who-may-buy">
                        <label class="check"><input type="radio" name="limited" value="all" prop:checked=move || !limited.get()
                            on:change=move |_| limited.set(false)/>{move || office.t(Phrase::EveryShop)}</label>
                        <label class="check"><input type="radio" name="limited" value="limited" prop:checked=move || limited.get()
                            on:change=move |_| limited.set(true)/>{move || office.t(Phrase::OnlySome)}</label>
                    </div>
                    <Show when=move || limited.get()>
                        <crate::customer_form::TierChecks chosen=tiers options name="limited_tier" legend=Phrase::TiersAllowed/>
                        <label>{move || office.t(Phrase::ShopsAllowed)} {text_input(shops, "allowed_shops")}</label>
                    </Show>
                    <h2>{move || office.t(Phrase::Description)}</h2>
                    <TextsInput texts=description field="description" long=true/>
                </fieldset>
                {move || message.get().map(|(ok, text)| view! {
                    <p class=if ok { "saved" } else { "error" } role="alert" data-testid="form-message">{text}</p>
                })}
                <Show when=move || office.is_admin()>
                    <button type="submit" data-testid="save" disabled=move || busy.get()>{move || office.t(Phrase::Save)}</button>
                </Show>
            </form>
            {editing.then(|| view! { <crate::photo::ProductPhoto sku=sku.get_untracked() image=photo.clone()/> })}
            {editing.then(|| view! { <crate::prices::ProductPriceGrid sku=sku.get_untracked()/> })}
            {move || (editing && saved_count.get() >= 0).then(|| view! { <History kind="product" object=sku.get_untracked()/> })}
        </section>
    }
}
