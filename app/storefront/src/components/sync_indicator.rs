//! Always visible: whether the device is synced, syncing or offline, how many orders wait
//! to reach the server, and a "sync now" button.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::Phrase;
use crate::store::{Store, SyncPhase};

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
    view! {
        <div class=class data-testid="sync-indicator" data-ready=move || store.ready.get().to_string()>
            <span class="sync-label" data-testid="sync-state">{label}</span>
            <span class="sync-pending" data-testid="pending-count" data-count=move || store.pending_count().to_string()>
                {move || store.pending_count()} " " {move || store.t(Phrase::Pending)}
            </span>
            <button class="sync-now" data-testid="sync-now" on:click=move |_| spawn_local(store.sync_now())>
                {move || store.t(Phrase::SyncNow)}
            </button>
        </div>
    }
}
