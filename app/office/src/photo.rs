//! A product's photo under its form: the thumbnail shops see, a new one uploaded (JPEG,
//! PNG or WebP; the server checks and shrinks it), or none.

use domain::product::{Product, ProductImage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::Office;
use crate::api::encode;
use crate::i18n::Phrase;

#[component]
pub fn ProductPhoto(sku: String, image: Option<ProductImage>) -> impl IntoView {
    let office = expect_context::<Office>();
    let image = RwSignal::new(image);
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let url = StoredValue::new(format!("/api/admin/products/{}/image", encode(&sku)));
    let picked = move |ev: leptos::ev::Event| {
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result = office.upload::<Product>(&url.get_value(), file).await;
            busy.set(false);
            match result {
                Ok(product) => {
                    image.set(product.image);
                    message.set(Some((true, office.t(Phrase::Saved).to_owned())));
                }
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    let remove = move |_| {
        spawn_local(async move {
            match office
                .call::<Product>("DELETE", &url.get_value(), None)
                .await
            {
                Ok(product) => image.set(product.image),
                Err(failure) => message.set(Some((false, office.explain(&failure)))),
            }
        });
    };
    view! {
        <section class="photo" data-testid="photo-section">
            <h2>{move || office.t(Phrase::Photo)}</h2>
            {move || match image.get() {
                Some(image) => view! {
                    <img data-testid="photo" src=image.small_url() alt="" width=image.width.to_string() height=image.height.to_string()/>
                }.into_any(),
                None => view! { <p class="meta">{office.t(Phrase::NoPhoto)}</p> }.into_any(),
            }}
            <Show when=move || office.is_admin()>
                <div class="row">
                    <label>{move || office.t(Phrase::UploadPhoto)}
                        <input type="file" name="photo" accept="image/jpeg,image/png,image/webp" disabled=move || busy.get() on:change=picked/>
                    </label>
                    <Show when=move || image.get().is_some()>
                        <button type="button" class="link" data-testid="remove-photo" on:click=remove>{move || office.t(Phrase::Remove)}</button>
                    </Show>
                </div>
            </Show>
            {move || message.get().map(|(ok, text)| view! {
                <p class=if ok { "saved" } else { "error" } role="alert" data-testid="photo-message">{text}</p>
            })}
        </section>
    }
}
