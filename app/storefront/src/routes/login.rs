//! Sign in (needs the network once; afterwards the device works offline).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::CallError;
use crate::i18n::{Lang, Phrase};
use crate::store::Store;

#[component]
pub fn LoginPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Phrase>);
    // Another user's orders still on this device: signing in would wipe them.
    let unsent = RwSignal::new(None::<(String, usize)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        unsent.set(store.unsent_of_another(&username.get_untracked()));
        if unsent.get_untracked().is_some() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = store
                .sign_in(username.get_untracked(), password.get_untracked())
                .await;
            busy.set(false);
            match result {
                Ok(()) => {}
                Err(CallError::Offline) => error.set(Some(Phrase::NeedNetworkToSignIn)),
                Err(CallError::Refused { status: 429, .. }) => {
                    error.set(Some(Phrase::TooManyAttempts))
                }
                Err(CallError::Refused { .. }) => error.set(Some(Phrase::WrongPassword)),
            }
        });
    };
    view! {
        <main class="login">
            <h1>{move || store.t(Phrase::AppName)}</h1>
            <div class="langs">
                {Lang::ALL.into_iter().map(|lang| view! {
                    <button class="link" class:active=move || store.lang.get() == lang on:click=move |_| store.set_lang(lang)>{lang.label()}</button>
                }).collect_view()}
            </div>
            <form on:submit=submit>
                <label>{move || store.t(Phrase::Username)}
                    <input name="username" autocomplete="username" prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))/>
                </label>
                <label>{move || store.t(Phrase::Password)}
                    <input name="password" type="password" autocomplete="current-password" prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid="sign-in" disabled=move || busy.get()>{move || store.t(Phrase::SignIn)}</button>
                {move || error.get().map(|phrase| view! { <p class="error" role="alert">{store.t(phrase)}</p> })}
                {move || unsent.get().map(|(holder, count)| view! {
                    <p class="error" role="alert" data-testid="unsent-elsewhere">
                        {format!("{} {holder} · {count} {}", store.t(Phrase::UnsentOfUser), store.t(Phrase::UnsentSignInFirst))}
                    </p>
                })}
            </form>
        </main>
    }
}
