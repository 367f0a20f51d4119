//! The user's devices: where they are signed in, when each last synced, and a button that
//! signs a lost or shared device out for good (needs the network).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::orders::format_time;
use crate::api::{CallError, DeviceInfo};
use crate::i18n::Phrase;
use crate::store::Store;

#[component]
pub fn DevicesPage() -> impl IntoView {
    let store = expect_context::<Store>();
    let devices = RwSignal::new(None::<Result<Vec<DeviceInfo>, CallError>>);
    let load = move || {
        spawn_local(async move {
            devices.set(Some(
                store.call::<Vec<DeviceInfo>>("GET", "/api/devices").await,
            ));
        });
    };
    load();
    let revoke = move |id: i64| {
        spawn_local(async move {
            let url = format!("/api/devices/{id}/revoke");
            if let Err(error) = store.call::<serde_json::Value>("POST", &url).await {
                leptos::logging::warn!("revoke failed: {error:?}");
                store
                    .notice
                    .set(Some(store.t(Phrase::NeedsNetwork).to_owned()));
            }
            load();
        });
    };
    view! {
        <section class="devices">
            <h2>{move || store.t(Phrase::Devices)}</h2>
            {move || match devices.get() {
                None => view! { <p>{store.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(_)) => view! { <p data-testid="devices-offline">{store.t(Phrase::NeedsNetwork)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="device-list">
                        {list.into_iter().map(|device| {
                            let name: String = device.name.chars().take(60).collect();
                            let id = device.id;
                            view! {
                                <li class="device" data-testid="device" data-id=device.id.to_string() data-current=device.current.to_string() data-revoked=device.revoked.to_string()>
                                    <span class="name">{name}</span>
                                    <span class="meta">{format!("{} {}", store.t(Phrase::LastSeen), format_time(device.last_seen_ms))}</span>
                                    {if device.current {
                                        view! { <span class="tag">{store.t(Phrase::ThisDevice)}</span> }.into_any()
                                    } else if device.revoked {
                                        view! { <span class="tag">{store.t(Phrase::SignedOut)}</span> }.into_any()
                                    } else {
                                        view! {
                                            <button class="link" data-testid="revoke" on:click=move |_| revoke(id)>
                                                {store.t(Phrase::SignDeviceOut)}
                                            </button>
                                        }.into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
