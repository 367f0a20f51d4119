//! The team (admins only): staff with their permissions, account managers with their
//! shops; a new member; and for any user, a password reset and signing their devices out.

use api::{NewStaff, PERMISSIONS, StaffEdit, StaffMember};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::api::{Failure, encode};
use crate::i18n::Phrase;
use crate::{Office, text_input};

/// The label of a permission code.
pub fn permission_phrase(code: &str) -> Phrase {
    match code {
        "orders.read" => Phrase::PermOrdersRead,
        "orders.fulfil" => Phrase::PermOrdersFulfil,
        "orders.hold" => Phrase::PermOrdersHold,
        "stock.read" => Phrase::PermStockRead,
        "stock.write" => Phrase::PermStockWrite,
        "promotions.read" => Phrase::PermPromotionsRead,
        "inbox.resolve" => Phrase::PermInboxResolve,
        "finance" => Phrase::PermFinance,
        _ => Phrase::Invalid,
    }
}

#[component]
fn PermissionChecks(chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let office = expect_context::<Office>();
    view! {
        <fieldset class="checks" data-testid="permissions">
            <legend>{move || office.t(Phrase::Permissions)}</legend>
            {PERMISSIONS.into_iter().map(|code| view! {
                <label class="check">
                    <input type="checkbox" name="permission" value=code
                        prop:checked=move || chosen.get().iter().any(|c| c == code)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|list| {
                                list.retain(|c| c != code);
                                if on { list.push(code.to_owned()); }
                            });
                        }/>
                    {move || office.t(permission_phrase(code))}
                </label>
            }).collect_view()}
        </fieldset>
    }
}

/// Reset a user's password, or sign all their devices out.
#[component]
pub fn UserActions(username: String) -> impl IntoView {
    let office = expect_context::<Office>();
    let resetting = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let name = StoredValue::new(username);
    let done = move |result: Result<Value, Failure>| match result {
        Ok(answer) => {
            let count = answer["devices_signed_out"].as_u64().unwrap_or(0);
            message.set(Some((
                true,
                format!("{} {count}", office.t(Phrase::DevicesSignedOut)),
            )));
            resetting.set(false);
            password.set(String::new());
        }
        Err(failure) => message.set(Some((false, office.explain(&failure)))),
    };
    let reset = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = format!("/api/admin/users/{}/password", encode(&name.get_value()));
        let body = serde_json::json!({ "password": password.get_untracked() });
        spawn_local(async move { done(office.call::<Value>("POST", &url, Some(body)).await) });
    };
    let sign_out = move |_| {
        let url = format!("/api/admin/users/{}/sign-out", encode(&name.get_value()));
        spawn_local(async move {
            done(
                office
                    .call::<Value>("POST", &url, Some(serde_json::json!({})))
                    .await,
            )
        });
    };
    view! {
        <span class="user-actions" data-testid="user-actions" data-user=name.get_value()>
            <button type="button" class="link" data-testid="reset-password" on:click=move |_| resetting.update(|r| *r = !*r)>{move || office.t(Phrase::ResetPassword)}</button>
            <button type="button" class="link" data-testid="sign-out-user" on:click=sign_out>{move || office.t(Phrase::SignOutDevices)}</button>
            <Show when=move || resetting.get()>
                <form class="inline" on:submit=reset>
                    <input type="password" name="new_password" autocomplete="new-password" placeholder=move || office.t(Phrase::NewPassword)
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <button type="submit" data-testid="save-password">{move || office.t(Phrase::Save)}</button>
                </form>
            </Show>
            {move || message.get().map(|(ok, text)| view! { <span class=if ok { "saved" } else { "error" } role="status" data-testid="user-message">{text}</span> })}
        </span>
    }
}

#[component]
fn MemberEditor(member: StaffMember, reload: RwSignal<u32>) -> impl IntoView {
    let office = expect_context::<Office>();
    let display_name = RwSignal::new(member.display_name.clone());
    let permissions = RwSignal::new(member.permissions.clone());
    let shops = RwSignal::new(member.shops.join(", "));
    let message = RwSignal::new(None::<String>);
    let manager = member.role == "manager";
    let username = member.username.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let edit = StaffEdit {
            display_name: display_name.get_untracked(),
            permissions: permissions.get_untracked(),
            shops: crate::typed_list(&shops.get_untracked()),
        };
        let Ok(body) = serde_json::to_value(&edit) else {
            return;
        };
        let url = format!("/api/admin/staff/{}", encode(&username));
        spawn_local(async move {
            match office.call::<StaffMember>("PUT", &url, Some(body)).await {
                Ok(_) => reload.update(|n| *n += 1),
                Err(failure) => message.set(Some(office.explain(&failure))),
            }
        });
    };
    view! {
        <form class="member-edit" data-testid="member-edit" on:submit=save>
            <div class="row">
                <label>{move || office.t(Phrase::DisplayName)} {text_input(display_name, "display_name")}</label>
                {manager.then(|| view! {
                    <label class="wide">{move || office.t(Phrase::ManagedShops)} {text_input(shops, "shops")}</label>
                })}
            </div>
            {(!manager).then(|| view! { <PermissionChecks chosen=permissions/> })}
            {move || message.get().map(|text| view! { <p class="error" role="alert" data-testid="form-message">{text}</p> })}
            <button type="submit" data-testid="save-member">{move || office.t(Phrase::Save)}</button>
        </form>
    }
}

#[component]
fn NewMember(reload: RwSignal<u32>) -> impl IntoView {
    let office = expect_context::<Office>();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("staff".to_owned());
    let permissions = RwSignal::new(Vec::<String>::new());
    let shops = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let manager = role.get_untracked() == "manager";
        let new = NewStaff {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked(),
            password: password.get_untracked(),
            role: Some(role.get_untracked()),
            permissions: if manager {
                Vec::new()
            } else {
                permissions.get_untracked()
            },
            shops: if manager {
                crate::typed_list(&shops.get_untracked())
            } else {
                Vec::new()
            },
        };
        let Ok(body) = serde_json::to_value(&new) else {
            return;
        };
        spawn_local(async move {
            match office
                .call::<StaffMember>("POST", "/api/admin/staff", Some(body))
                .await
            {
                Ok(_) => {
                    message.set(None);
                    username.set(String::new());
                    display_name.set(String::new());
                    password.set(String::new());
                    permissions.set(Vec::new());
                    shops.set(String::new());
                    reload.update(|n| *n += 1);
                }
                Err(Failure::Refused { status: 409, .. }) => message.set(Some(format!(
                    "{}：{}",
                    office.t(Phrase::Username),
                    office.t(Phrase::Taken)
                ))),
                Err(failure) => message.set(Some(office.explain(&failure))),
            }
        });
    };
    view! {
        <form class="new-member" data-testid="new-member" on:submit=save>
            <h2>{move || office.t(Phrase::NewMember)}</h2>
            <div class="row">
                <label>{move || office.t(Phrase::Username)} {text_input(username, "username")}</label>
                <label>{move || office.t(Phrase::DisplayName)} {text_input(display_name, "display_name")}</label>
                <label>{move || office.t(Phrase::Role)}
                    <select name="role" on:change=move |ev| role.set(event_target_value(&ev))>
                        <option value="staff">{move || office.t(Phrase::RoleStaff)}</option>
                        <option value="manager">{move || office.t(Phrase::RoleManager)}</option>
                    </select>
                </label>
                <label>{move || office.t(Phrase::InitialPassword)}
                    <input type="password" name="password" autocomplete="new-password" prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
            </div>
            <Show when=move || role.get() == "staff" fallback=move || view! {
                <label>{move || office.t(Phrase::ManagedShops)} {text_input(shops, "shops")}</label>
            }>
                <PermissionChecks chosen=permissions/>
            </Show>
            {move || message.get().map(|text| view! { <p class="error" role="alert" data-testid="form-message">{text}</p> })}
            <button type="submit" data-testid="create-member">{move || office.t(Phrase::Create)}</button>
        </form>
    }
}

/// `/office/staff`.
#[component]
pub fn StaffPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let reload = RwSignal::new(0u32);
    let members = RwSignal::new(None::<Result<Vec<StaffMember>, Failure>>);
    let editing = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        reload.track();
        spawn_local(async move {
            let result = office
                .call::<Vec<StaffMember>>("GET", "/api/admin/staff", None)
                .await;
            editing.set(None);
            members.set(Some(result));
        });
    });
    view! {
        <section class="staff">
            <div class="toolbar"><h1>{move || office.t(Phrase::Staff)}</h1></div>
            {move || match members.get() {
                None => view! { <p>{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(members)) => view! {
                    <table class="grid">
                        <thead><tr>
                            <th>{office.t(Phrase::Username)}</th>
                            <th>{office.t(Phrase::DisplayName)}</th>
                            <th>{office.t(Phrase::Role)}</th>
                            <th>{office.t(Phrase::PermissionsOrShops)}</th>
                            <th class="number">{office.t(Phrase::Devices)}</th>
                            <th></th>
                        </tr></thead>
                        <tbody>
                            {members.into_iter().map(|m| {
                                let manager = m.role == "manager";
                                let what = if manager {
                                    m.shops.join(", ")
                                } else {
                                    m.permissions.iter().map(|p| office.t(permission_phrase(p))).collect::<Vec<_>>().join("、")
                                };
                                let (name, open) = (m.username.clone(), m.username.clone());
                                let member = m.clone();
                                view! {
                                    <tr data-testid="member" data-user=m.username.clone()>
                                        <td>{m.username.clone()}</td>
                                        <td>{m.display_name.clone()}</td>
                                        <td>{office.t(if manager { Phrase::RoleManager } else { Phrase::RoleStaff })}</td>
                                        <td data-testid="member-grants">{what}</td>
                                        <td class="number">{m.devices}</td>
                                        <td>
                                            <button type="button" class="link" data-testid="edit-member"
                                                on:click=move |_| editing.update(|e| *e = if e.as_deref() == Some(open.as_str()) { None } else { Some(open.clone()) })>
                                                {office.t(Phrase::Edit)}
                                            </button>
                                            <UserActions username=m.username.clone()/>
                                        </td>
                                    </tr>
                                    {move || (editing.get().as_deref() == Some(name.as_str())).then(|| view! {
                                        <tr><td colspan="6"><MemberEditor member=member.clone() reload/></td></tr>
                                    })}
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            <NewMember reload/>
        </section>
    }
}
