//! Categories: every category in display order with how many products it holds; an
//! admin renames one, moves it (its position) or creates a new one.

use api::{CategoryEdit, CategoryRow};
use domain::product::{Category, LocalizedText};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Office;
use crate::api::{Failure, encode};
use crate::i18n::Phrase;

#[component]
pub fn CategoriesPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let rows = RwSignal::new(None::<Result<Vec<CategoryRow>, Failure>>);
    let reload = move || {
        spawn_local(async move {
            rows.set(Some(
                office
                    .call::<Vec<CategoryRow>>("GET", "/api/admin/categories", None)
                    .await,
            ));
        });
    };
    reload();
    view! {
        <section class="categories">
            <div class="toolbar"><h1>{move || office.t(Phrase::Categories)}</h1></div>
            {move || match rows.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <table class="grid">
                        <thead><tr>
                            <th>{office.t(Phrase::Id)}</th>
                            <th>{office.t(Phrase::ZhHans)}</th>
                            <th>{office.t(Phrase::ZhHant)}</th>
                            <th>{office.t(Phrase::En)}</th>
                            <th class="number">{office.t(Phrase::Position)}</th>
                            <th class="number">{office.t(Phrase::ProductCount)}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| view! { <CategoryLine row=row/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            <Show when=move || office.is_admin()>
                <NewCategory done=Callback::new(move |_| reload())/>
            </Show>
        </section>
    }
}

/// The three names and position of a category being edited.
#[derive(Clone, Copy)]
struct Fields {
    zh_hans: RwSignal<String>,
    zh_hant: RwSignal<String>,
    en: RwSignal<String>,
    position: RwSignal<String>,
}

impl Fields {
    fn new(category: Option<&Category>) -> Fields {
        let name = category.map(|c| c.name.clone()).unwrap_or_default();
        Fields {
            zh_hans: RwSignal::new(name.zh_hans),
            zh_hant: RwSignal::new(name.zh_hant),
            en: RwSignal::new(name.en),
            position: RwSignal::new(category.map(|c| c.position.to_string()).unwrap_or_default()),
        }
    }

    fn edit(&self, office: Office, id: Option<String>) -> Result<CategoryEdit, String> {
        let position = match self.position.get_untracked().trim() {
            "" => None,
            text => Some(
                text.parse()
                    .map_err(|_| office.field_problem("position", "not_a_number"))?,
            ),
        };
        Ok(CategoryEdit {
            id,
            name: Some(LocalizedText {
                en: self.en.get_untracked().trim().to_owned(),
                zh_hans: self.zh_hans.get_untracked().trim().to_owned(),
                zh_hant: self.zh_hant.get_untracked().trim().to_owned(),
            }),
            position,
        })
    }
}

fn cell(signal: RwSignal<String>, name: &'static str, editable: bool) -> impl IntoView {
    view! { <input name=name readonly=!editable prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))/> }
}

#[component]
fn CategoryLine(row: CategoryRow) -> impl IntoView {
    let office = expect_context::<Office>();
    let fields = Fields::new(Some(&row.category));
    let id = row.category.id.to_string();
    let message = RwSignal::new(None::<(bool, String)>);
    let admin = office.is_admin();
    let save = {
        let id = id.clone();
        move |_| {
            let edit = match fields.edit(office, None) {
                Ok(edit) => edit,
                Err(problem) => return message.set(Some((false, problem))),
            };
            let url = format!("/api/admin/categories/{}", encode(&id));
            spawn_local(async move {
                let body = serde_json::to_value(&edit).ok();
                match office.call::<Category>("PUT", &url, body).await {
                    Ok(_) => message.set(Some((true, office.t(Phrase::Saved).to_owned()))),
                    Err(failure) => message.set(Some((false, office.explain(&failure)))),
                }
            });
        }
    };
    view! {
        <tr data-testid="category-row" data-id=id.clone()>
            <td>{id.clone()}</td>
            <td>{cell(fields.zh_hans, "zh_hans", admin)}</td>
            <td>{cell(fields.zh_hant, "zh_hant", admin)}</td>
            <td>{cell(fields.en, "en", admin)}</td>
            <td class="number">{cell(fields.position, "position", admin)}</td>
            <td class="number">{row.products}</td>
            <td>
                <Show when=move || admin>
                    <button type="button" data-testid="save-category" on:click=save.clone()>{move || office.t(Phrase::Save)}</button>
                </Show>
                {move || message.get().map(|(ok, text)| view! { <span class=if ok { "saved" } else { "error" } role="alert">{text}</span> })}
            </td>
        </tr>
    }
}

#[component]
fn NewCategory(done: Callback<()>) -> impl IntoView {
    let office = expect_context::<Office>();
    let id = RwSignal::new(String::new());
    let fields = Fields::new(None);
    let message = RwSignal::new(None::<(bool, String)>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let edit = match fields.edit(office, Some(id.get_untracked().trim().to_owned())) {
            Ok(edit) => edit,
            Err(problem) => return message.set(Some((false, problem))),
        };
        spawn_local(async move {
            let body = serde_json::to_value(&edit).ok();
            match office
                .call::<Category>("POST", "/api/admin/categories", body)
                .await
            {
                Ok(_) => {
                    message.set(Some((true, office.t(Phrase::Saved).to_owned())));
                    done.run(());
                }
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    view! {
        <form class="new-category" on:submit=create>
            <h2>{move || office.t(Phrase::NewCategory)}</h2>
            <div class="row">
                <label>{move || office.t(Phrase::Id)} {cell(id, "new-id", true)}</label>
                <label>{move || office.t(Phrase::ZhHans)} {cell(fields.zh_hans, "new-zh_hans", true)}</label>
                <label>{move || office.t(Phrase::ZhHant)} {cell(fields.zh_hant, "new-zh_hant", true)}</label>
                <label>{move || office.t(Phrase::En)} {cell(fields.en, "new-en", true)}</label>
                <button type="submit" data-testid="create-category">{move || office.t(Phrase::Create)}</button>
            </div>
            {move || message.get().map(|(ok, text)| view! { <p class=if ok { "saved" } else { "error" } role="alert">{text}</p> })}
        </form>
    }
}
