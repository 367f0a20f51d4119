//! Always visible: whether the device is synced, syncing or offline, how many orders wait
//! to reach the server, when it last synced, and a "sync now" button that says what it
//! did.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::Phrase;
use crate::routes::orders::format_time;
use crate::store::{Store, SyncPhase};

/// `HH:MM` today, else the date too.
fn when(ms: i64) -> String {
    let shown = format_time(ms);
    let today = format_time(js_sys::Date::now() as i64);
    match (shown.get(..10), today.get(..10), shown.get(11..)) {
        (Some(day), Some(now), Some(time)) if day == now => time.to_owned(),
        _ => shown,
    }
}

#[component]
pub fn SyncIndicator() -> impl IntoView {
    let store = expect_context::<Store>();
    let label = move || match store.phase.get() {
        SyncPhase::Idle => store.t(Phrase::Synced),
        SyncPhase::Syncing | SyncPhase::Starting => store.t(Phrase::Syncing),
        SyncPhase::Offline => store.t(Phrase::Offline),
        SyncPhase::Failed => store.t(Phrase::SyncFailed),
    };
    let class = move || match store.phase.get() {
        SyncPhase::Idle => "sync sync-ok",
        SyncPhase::Syncing | SyncPhase::Starting => "sync sync-busy",
        SyncPhase::Offline | SyncPhase::Failed => "sync sync-offline",
    };
    // What "sync now" did, said for a few seconds (offline, the label alone would not
    // change).
    let feedback = RwSignal::new(None::<Phrase>);
    let sync_now = move |_| {
        spawn_local(async move {
            store.sync_now().await;
            let said = match store.phase.get_untracked() {
                SyncPhase::Idle => Phrase::SyncedNow,
                SyncPhase::Offline => Phrase::StillOffline,
                SyncPhase::Failed => Phrase::SyncFailed,
                SyncPhase::Syncing | SyncPhase::Starting => return,
            };
            feedback.set(Some(said));
            ui_kit::sleep_ms(4000).await;
            if feedback.get_untracked() == Some(said) {
                feedback.set(None);
            }
        });
    };
    view! {
        <div class=class data-testid="sync-indicator" data-ready=move || store.ready.get().to_string()>
            <span class="sync-label" data-testid="sync-state">{label}</span>
            <span class="sync-pending" data-testid="pending-count" data-count=move || store.pending_count().to_string()>
                {move || store.pending_count()} " " {move || store.t(Phrase::Pending)}
            </span>
            <span class="sync-time meta" data-testid="last-synced">
                {move || store.last_synced_ms.get().map(|ms| format!("{} {}", store.t(Phrase::LastSynced), when(ms)))}
            </span>
            <button class="sync-now" data-testid="sync-now" on:click=sync_now>
                {move || store.t(Phrase::SyncNow)}
            </button>
            {move || feedback.get().map(|phrase| view! {
                <p class="sync-feedback" role="status" data-testid="sync-feedback">{store.t(phrase)}</p>
            })}
        </div>
    }
}
