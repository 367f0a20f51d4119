//! The back office (管理端): admins and staff, in a desktop browser with a network. Its own
//! wasm bundle: no Automerge, no offline documents; every page reads and writes through
//! the server's JSON API (`api` crate types). The storefront hands admins and staff over
//! to it at sign-in.

pub mod api;
pub mod approval;
pub mod audit;
pub mod backups;
pub mod bulk;
pub mod carriers;
pub mod categories;
pub mod commissions;
pub mod customer_form;
pub mod customers;
pub mod edits;
pub mod entry;
pub mod fill_rate;
pub mod finance;
pub mod forecasts;
pub mod home;
pub mod i18n;
pub mod keys;
pub mod orders;
pub mod photo;
pub mod prices;
pub mod products;
pub mod promotions;
pub mod reports;
pub mod returns;
pub mod staff;
pub mod stock;
pub mod webhooks;

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::wasm_bindgen;

use self::api::{Failure, SESSION_KEY, Session};
use self::audit::AuditLogPage;
use self::bulk::BulkPage;
use self::carriers::CarriersPage;
use self::categories::CategoriesPage;
use self::customer_form::NewCustomerPage;
use self::customers::{CustomerPage, CustomersPage};
use self::home::{HomePage, InboxPage};
use self::i18n::{Lang, Phrase, field_phrase, rule_phrase, tr};
use self::orders::{OrderPageView, OrdersPage, PackingListPage};
use self::prices::PriceListPageView;
use self::products::{EditProductPage, NewProductPage, ProductListPage};
use self::promotions::{EditPromotionPage, NewPromotionPage, PromotionsPage};
use self::staff::StaffPage;
use self::stock::{PickListPage, StockPageView};

const LANG_KEY: &str = "dinghuo.lang";

#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| leptos::logging::error!("{info}")));
    leptos::mount::mount_to_body(App);
}

/// What every page shares: who is signed in, the language, and whether the last call
/// could reach the server.
#[derive(Clone, Copy)]
pub struct Office {
    pub session: RwSignal<Option<Session>>,
    pub lang: RwSignal<Lang>,
    pub offline: RwSignal<bool>,
}

impl Office {
    fn new() -> Office {
        let lang = LocalStorage::get::<String>(LANG_KEY)
            .map(|code| Lang::from_code(&code))
            .unwrap_or_default();
        Office {
            session: RwSignal::new(LocalStorage::get(SESSION_KEY).ok()),
            lang: RwSignal::new(lang),
            offline: RwSignal::new(false),
        }
    }

    pub fn t(&self, phrase: Phrase) -> &'static str {
        tr(self.lang.get(), phrase)
    }

    /// Whether the user is an admin. Read without tracking: the session signal changes
    /// each time the access token is renewed, which must not rebuild the views that ask
    /// (they would lose what was typed in them); who the user is changes only by signing
    /// in, which builds every page anew.
    pub fn is_admin(&self) -> bool {
        self.session
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.is_admin()))
    }

    /// Whether the user may do what `permission` names (admins may do everything); read
    /// without tracking, as [`Office::is_admin`].
    pub fn may(&self, permission: &str) -> bool {
        self.session.with_untracked(|s| {
            s.as_ref()
                .is_some_and(|s| s.is_admin() || s.permissions.iter().any(|p| p == permission))
        })
    }

    fn keep(&self, session: Option<Session>) {
        match &session {
            Some(session) => {
                let _ = LocalStorage::set(SESSION_KEY, session);
            }
            None => LocalStorage::delete(SESSION_KEY),
        }
        self.session.set(session);
    }

    /// An authenticated JSON call; an expired access token is renewed once, a refused
    /// session signs out.
    pub async fn call<T: DeserializeOwned>(
        self,
        method: &str,
        url: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, Failure> {
        self.send(method, url, body.map(api::Payload::Json)).await
    }

    /// What `GET url` answers, fetched now and again each time the returned version
    /// moves (a page bumps it after a change of its own): the answer (None until the
    /// first arrives) and the version.
    pub fn reloading<T: DeserializeOwned + Send + Sync + 'static>(
        self,
        url: &'static str,
    ) -> (RwSignal<Option<Result<T, Failure>>>, RwSignal<u32>) {
        let answer = RwSignal::new(None);
        let version = RwSignal::new(0u32);
        Effect::new(move |_| {
            version.track();
            spawn_local(async move {
                answer.set(Some(self.call::<T>("GET", url, None).await));
            });
        });
        (answer, version)
    }

    /// The body of a `GET` (a file to save), with the session renewed as every call does;
    /// a refusal as the failure it says.
    pub async fn get_text(self, url: &str) -> Result<String, Failure> {
        let (status, text) = self.exchange("GET", url, None).await?;
        if status != 200 {
            api::read::<()>(status, &text)?;
        }
        Ok(text)
    }

    /// Sends a file the user picked as the request's body.
    pub async fn upload<T: DeserializeOwned>(
        self,
        url: &str,
        file: web_sys::File,
    ) -> Result<T, Failure> {
        self.send("POST", url, Some(api::Payload::File(file))).await
    }

    async fn send<T: DeserializeOwned>(
        self,
        method: &str,
        url: &str,
        body: Option<api::Payload>,
    ) -> Result<T, Failure> {
        let (status, text) = self.exchange(method, url, body).await?;
        api::read(status, &text)
    }

    /// One authenticated request and its answer's status and text, after renewing an
    /// expired access token once; a refused session signs out.
    async fn exchange(
        self,
        method: &str,
        url: &str,
        body: Option<api::Payload>,
    ) -> Result<(u16, String), Failure> {
        let Some(session) = self.session.get_untracked() else {
            return Err(Failure::Offline);
        };
        let mut result = api::fetch(method, url, body.as_ref(), Some(&session.token)).await;
        if let Ok((401, text)) = &result
            && text.contains("token_expired")
        {
            match self.renew(&session).await {
                Ok(renewed) => {
                    result = api::fetch(method, url, body.as_ref(), Some(&renewed.token)).await;
                }
                Err(Failure::Offline) => result = Err(Failure::Offline),
                Err(_) => {
                    self.keep(None);
                    return Err(Failure::Offline);
                }
            }
        }
        self.offline.set(matches!(result, Err(Failure::Offline)));
        let (status, text) = result?;
        if status == 401 {
            self.keep(None);
        }
        Ok((status, text))
    }

    /// A new token pair for `stale`. Calls that find the access token expired at once
    /// share one refresh: a refresh token is single-use, and spending it twice would sign
    /// the user out.
    async fn renew(self, stale: &Session) -> Result<Session, Failure> {
        let current = |office: Office| match office.session.get_untracked() {
            Some(current) if current.token != stale.token => Ok(current),
            Some(_) => Err(Failure::Offline),
            None => Err(Failure::Offline),
        };
        if let Ok(renewed) = current(self) {
            return Ok(renewed);
        }
        let Some(result) = ui_kit::refresh_once(|| api::refresh(&stale.refresh_token)).await else {
            // Another call renewed it meanwhile.
            return current(self);
        };
        let pair = result?;
        let renewed = Session {
            token: pair.token,
            refresh_token: pair.refresh_token,
            ..stale.clone()
        };
        self.keep(Some(renewed.clone()));
        Ok(renewed)
    }

    /// Posts a CSV file to an import and reads its report, which comes with problems on a
    /// 400 too; anything else is explained in the user's words.
    pub async fn import_file<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        file: web_sys::File,
    ) -> Result<T, String> {
        match self
            .exchange("POST", url, Some(api::Payload::File(file)))
            .await
        {
            Ok((status, text)) => serde_json::from_str::<T>(&text).map_err(|_| {
                api::read::<()>(status, &text)
                    .err()
                    .map(|f| self.explain(&f))
                    .unwrap_or_default()
            }),
            Err(failure) => Err(self.explain(&failure)),
        }
    }

    /// A failure in the user's words, naming the field when the server named one.
    pub fn explain(&self, failure: &Failure) -> String {
        match failure {
            Failure::Offline => self.t(Phrase::NeedsNetwork).to_owned(),
            Failure::Refused { status: 403, .. } => self.t(Phrase::NoPermission).to_owned(),
            Failure::Refused { body, .. } => match (&body.field, &body.rule) {
                (Some(field), Some(rule)) => self.field_problem(field, rule),
                _ if body.error.ends_with("_taken") => {
                    format!("{} {}", self.t(Phrase::Id), self.t(Phrase::Taken))
                }
                _ => body.message.clone(),
            },
        }
    }

    pub fn field_problem(&self, field: &str, rule: &str) -> String {
        let label: Vec<&str> = field_phrase(field).into_iter().map(|p| self.t(p)).collect();
        format!("{}：{}", label.join(" · "), self.t(rule_phrase(rule)))
    }
}

/// The items of a list typed into one field (ids or SKUs), with commas (either width),
/// spaces or new lines between them.
pub fn typed_list(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Opens the browser's print dialog for the page (pick and packing lists print on A4).
pub fn print_page(_: leptos::ev::MouseEvent) {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

/// A text input bound to `value`, named for tests and autofill.
pub fn text_input(value: RwSignal<String>, name: &'static str) -> impl IntoView {
    view! { <input name=name prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/> }
}

#[component]
fn App() -> impl IntoView {
    let office = Office::new();
    provide_context(office);
    Effect::new(move |_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", office.lang.get().code());
        }
    });
    view! {
        <Router>
            <Show when=move || office.session.get().is_some() fallback=|| view! { <SignIn/> }>
                <TopBar/>
                <div class="office">
                    <nav class="side no-print">
                        <A href="/office/" exact=true>{move || office.t(Phrase::Home)}</A>
                        <A href="/office/products">{move || office.t(Phrase::Products)}</A>
                        <A href="/office/categories">{move || office.t(Phrase::Categories)}</A>
                        <A href="/office/prices">{move || office.t(Phrase::Prices)}</A>
                        <A href="/office/customers">{move || office.t(Phrase::Customers)}</A>
                        <Show when=move || office.may("orders.read")>
                            <A href="/office/orders">{move || office.t(Phrase::Orders)}</A>
                        </Show>
                        <Show when=move || office.may("orders.read")>
                            <A href="/office/returns">{move || office.t(Phrase::Returns)}</A>
                        </Show>
                        <Show when=move || office.may("finance")>
                            <A href="/office/receivables">{move || office.t(Phrase::Receivables)}</A>
                        </Show>
                        <Show when=move || office.may("finance")>
                            <A href="/office/commissions">{move || office.t(Phrase::Commissions)}</A>
                        </Show>
                        <Show when=move || office.may("finance") || office.may("orders.read")>
                            <A href="/office/reports">{move || office.t(Phrase::Reports)}</A>
                        </Show>
                        <Show when=move || office.may("finance") || office.may("orders.read")>
                            <A href="/office/fill-rate">{move || office.t(Phrase::FillRateReport)}</A>
                        </Show>
                        <Show when=move || office.may("finance") || office.may("orders.read")>
                            <A href="/office/forecast-accuracy">{move || office.t(Phrase::ForecastAccuracy)}</A>
                        </Show>
                        <A href="/office/holidays">{move || office.t(Phrase::Holidays)}</A>
                        <Show when=move || office.may("inbox.resolve")>
                            <A href="/office/inbox">{move || office.t(Phrase::Inbox)}</A>
                        </Show>
                        <Show when=move || office.may("orders.fulfil")>
                            <A href="/office/pick">{move || office.t(Phrase::PickList)}</A>
                        </Show>
                        <Show when=move || office.may("stock.read") || office.may("stock.write")>
                            <A href="/office/stock">{move || office.t(Phrase::Stock)}</A>
                        </Show>
                        <Show when=move || office.may("promotions.read")>
                            <A href="/office/promotions">{move || office.t(Phrase::Promotions)}</A>
                        </Show>
                        <A href="/office/bulk">{move || office.t(Phrase::Bulk)}</A>
                        <Show when=move || office.is_admin()>
                            <A href="/office/staff">{move || office.t(Phrase::Staff)}</A>
                            <A href="/office/carriers">{move || office.t(Phrase::Carriers)}</A>
                            <A href="/office/audit">{move || office.t(Phrase::Audit)}</A>
                            <A href="/office/api-keys">{move || office.t(Phrase::ApiKeys)}</A>
                            <A href="/office/webhooks">{move || office.t(Phrase::Webhooks)}</A>
                            <A href="/office/backups">{move || office.t(Phrase::Backups)}</A>
                        </Show>
                    </nav>
                    <main>
                        <Show when=move || office.offline.get()>
                            <p class="banner" role="alert" data-testid="offline">{move || office.t(Phrase::NeedsNetwork)}</p>
                        </Show>
                        <Routes fallback=|| view! { <HomePage/> }>
                            <Route path=path!("/office") view=HomePage/>
                            <Route path=path!("/office/products") view=ProductListPage/>
                            <Route path=path!("/office/inbox") view=InboxPage/>
                            <Route path=path!("/office/products/new") view=NewProductPage/>
                            <Route path=path!("/office/products/:sku") view=EditProductPage/>
                            <Route path=path!("/office/categories") view=CategoriesPage/>
                            <Route path=path!("/office/audit") view=AuditLogPage/>
                            <Route path=path!("/office/api-keys") view=keys::ApiKeysPage/>
                            <Route path=path!("/office/webhooks") view=webhooks::WebhooksPage/>
                            <Route path=path!("/office/backups") view=backups::BackupsPage/>
                            <Route path=path!("/office/staff") view=StaffPage/>
                            <Route path=path!("/office/bulk") view=BulkPage/>
                            <Route path=path!("/office/prices") view=PriceListPageView/>
                            <Route path=path!("/office/promotions") view=PromotionsPage/>
                            <Route path=path!("/office/promotions/new") view=NewPromotionPage/>
                            <Route path=path!("/office/promotions/:id") view=EditPromotionPage/>
                            <Route path=path!("/office/customers") view=CustomersPage/>
                            <Route path=path!("/office/customers/new") view=NewCustomerPage/>
                            <Route path=path!("/office/customers/:id") view=CustomerPage/>
                            <Route path=path!("/office/orders") view=OrdersPage/>
                            <Route path=path!("/office/orders/new") view=entry::NewOrderPage/>
                            <Route path=path!("/office/orders/:id") view=OrderPageView/>
                            <Route path=path!("/office/orders/:id/packing/:n") view=PackingListPage/>
                            <Route path=path!("/office/pick") view=PickListPage/>
                            <Route path=path!("/office/returns") view=returns::ReturnsPage/>
                            <Route path=path!("/office/stock") view=StockPageView/>
                            <Route path=path!("/office/carriers") view=CarriersPage/>
                            <Route path=path!("/office/receivables") view=finance::ReceivablesPage/>
                            <Route path=path!("/office/reports") view=reports::ReportsPage/>
                            <Route path=path!("/office/commissions") view=commissions::CommissionsPage/>
                            <Route path=path!("/office/fill-rate") view=fill_rate::FillRatePage/>
                            <Route path=path!("/office/forecast-accuracy") view=forecasts::AccuracyPage/>
                            <Route path=path!("/office/holidays") view=forecasts::HolidaysPage/>
                            <Route path=path!("/office/receivables/:shop") view=finance::ShopAccountPage/>
                            <Route path=path!("/office/invoices/:number") view=finance::InvoicePage/>
                        </Routes>
                    </main>
                </div>
            </Show>
        </Router>
    }
}

#[component]
fn LangPicker() -> impl IntoView {
    let office = expect_context::<Office>();
    view! {
        <select class="lang" data-testid="lang" on:change=move |ev| {
            let lang = Lang::from_code(&event_target_value(&ev));
            let _ = LocalStorage::set(LANG_KEY, lang.code());
            office.lang.set(lang);
        }>
            {Lang::ALL.into_iter().map(|lang| view! {
                <option value=lang.code() selected=move || office.lang.get() == lang>{lang.label()}</option>
            }).collect_view()}
        </select>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let office = expect_context::<Office>();
    let sign_out = move |_| {
        if let Some(session) = office.session.get_untracked() {
            spawn_local(async move {
                let _ = api::fetch("POST", "/api/logout", None, Some(&session.token)).await;
            });
        }
        office.keep(None);
    };
    view! {
        <header class="top no-print">
            <strong>{move || office.t(Phrase::Office)}</strong>
            <span class="who" data-testid="who">{move || office.session.get().map(|s| s.display_name).unwrap_or_default()}</span>
            <LangPicker/>
            <button class="link" data-testid="sign-out" on:click=sign_out>{move || office.t(Phrase::SignOut)}</button>
        </header>
    }
}

#[component]
fn SignIn() -> impl IntoView {
    let office = expect_context::<Office>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Phrase>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::sign_in(&username.get_untracked(), &password.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(session) if matches!(session.role.as_str(), "admin" | "staff") => {
                    office.keep(Some(session));
                }
                Ok(_) => error.set(Some(Phrase::NotOfficeUser)),
                Err(Failure::Offline) => error.set(Some(Phrase::NeedsNetwork)),
                Err(Failure::Refused { status: 429, .. }) => {
                    error.set(Some(Phrase::TooManyAttempts))
                }
                Err(_) => error.set(Some(Phrase::WrongPassword)),
            }
        });
    };
    view! {
        <main class="sign-in">
            <h1>{move || office.t(Phrase::Office)}</h1>
            <LangPicker/>
            <form on:submit=submit>
                <label>{move || office.t(Phrase::Username)}
                    <input name="username" autocomplete="username" prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))/>
                </label>
                <label>{move || office.t(Phrase::Password)}
                    <input name="password" type="password" autocomplete="current-password" prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid="sign-in" disabled=move || busy.get()>{move || office.t(Phrase::SignIn)}</button>
                {move || error.get().map(|phrase| view! { <p class="error" role="alert">{office.t(phrase)}</p> })}
            </form>
        </main>
    }
}
