//! Backups (admins): when the server last copied the database, how often it does, how many
//! it keeps and where, and a backup made now. On PostgreSQL: that its own tools do it.

use ::api::backups::{BackupList, BackupRow, DownloadLink};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::Office;
use crate::api::Failure;
use crate::audit::format_time;
use crate::i18n::{Lang, Phrase};

/// `1.2 MB`, `340 KB`: a file's size for people.
fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{} KB", bytes / 1_000),
        _ => format!("{}.{} MB", bytes / 1_000_000, bytes % 1_000_000 / 100_000),
    }
}

/// The schedule in words.
fn schedule(lang: Lang, list: &BackupList) -> String {
    let (every, keep) = (list.every_hours, list.keep);
    match (lang, every) {
        (Lang::ZhHans, 0) => format!("不自动备份（只在这里手动备份）；保留最近 {keep} 份。"),
        (Lang::ZhHant, 0) => format!("不自動備份（只在這裡手動備份）；保留最近 {keep} 份。"),
        (Lang::En, 0) => {
            format!("No automatic backups (only made here); the newest {keep} are kept.")
        }
        (Lang::ZhHans, _) => format!("每 {every} 小时自动备份一次，保留最近 {keep} 份。"),
        (Lang::ZhHant, _) => format!("每 {every} 小時自動備份一次，保留最近 {keep} 份。"),
        (Lang::En, _) => {
            format!("A backup is made every {every} hours; the newest {keep} are kept.")
        }
    }
}

/// Asks for a one-time link to the backup `name` and lets the browser download it (to
/// disk as it comes, however large: not through the page's memory).
async fn download(office: Office, name: String) -> Result<(), Failure> {
    let url = format!("/api/admin/backups/{}/link", crate::api::encode(&name));
    let link = office.call::<DownloadLink>("POST", &url, None).await?;
    let anchor: Option<web_sys::HtmlAnchorElement> = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into().ok());
    let anchor = anchor.ok_or(Failure::Offline)?;
    anchor.set_href(&link.url);
    anchor.set_download(&name);
    anchor.click();
    Ok(())
}

/// `/office/backups`.
#[component]
pub fn BackupsPage() -> impl IntoView {
    let office = expect_context::<Office>();
    let (list, version) = office.reloading::<BackupList>("/api/admin/backups");
    let working = RwSignal::new(false);
    let made = RwSignal::new(None::<BackupRow>);
    let problem = RwSignal::new(None::<String>);
    let back_up = move |_| {
        working.set(true);
        spawn_local(async move {
            match office
                .call::<BackupRow>("POST", "/api/admin/backups", None)
                .await
            {
                Ok(row) => {
                    problem.set(None);
                    made.set(Some(row));
                }
                Err(failure) => problem.set(Some(office.explain(&failure))),
            }
            working.set(false);
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="backups">
            <h1>{move || office.t(Phrase::Backups)}</h1>
            <p class="muted">{move || office.t(Phrase::BackupsSay)}</p>
            {move || match list.get() {
                None => view! { <p class="muted">{office.t(Phrase::Loading)}</p> }.into_any(),
                Some(Err(failure)) => view! { <p class="error" role="alert">{office.explain(&failure)}</p> }.into_any(),
                Some(Ok(list)) if !list.available => view! {
                    <p data-testid="backups-postgres">{office.t(Phrase::BackupsPostgres)}</p>
                }.into_any(),
                Some(Ok(list)) => {
                    let newest = list.backups.first().map(|b| format_time(b.made_ms));
                    view! {
                        <p data-testid="backup-schedule">{schedule(office.lang.get(), &list)}</p>
                        <p class="muted">{office.t(Phrase::BackupsWhere)}" "<code data-testid="backup-dir">{list.directory.clone()}</code></p>
                        <p data-testid="backup-newest">
                            {match newest {
                                Some(at) => format!("{}{at}", office.t(Phrase::LastBackup)),
                                None => office.t(Phrase::NoBackupYet).to_owned(),
                            }}
                        </p>
                        <table class="rows">
                            <thead><tr>
                                <th>{office.t(Phrase::BackupMade)}</th>
                                <th>{office.t(Phrase::BackupFile)}</th>
                                <th class="num">{office.t(Phrase::BackupSize)}</th>
                                <th></th>
                            </tr></thead>
                            <tbody>
                                {list.backups.into_iter().map(|backup| {
                                    let name = backup.name.clone();
                                    view! {
                                        <tr data-testid="backup-row">
                                            <td>{format_time(backup.made_ms)}</td>
                                            <td><code>{backup.name}</code></td>
                                            <td class="num">{size(backup.bytes)}</td>
                                            <td><button class="link" data-testid="download-backup" on:click=move |_| {
                                                let name = name.clone();
                                                spawn_local(async move {
                                                    if let Err(failure) = download(office, name).await {
                                                        problem.set(Some(office.explain(&failure)));
                                                    }
                                                });
                                            }>{office.t(Phrase::DownloadBackup)}</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
            <p class="actions">
                <button data-testid="back-up-now" prop:disabled=move || working.get() on:click=back_up>
                    {move || office.t(if working.get() { Phrase::BackingUp } else { Phrase::BackUpNow })}
                </button>
            </p>
            {move || made.get().map(|row| view! {
                <p class="ok" role="status" data-testid="backup-made">
                    {office.t(Phrase::BackupMadeSay)}" "<code>{row.name}</code>" ("{size(row.bytes)}")"
                </p>
            })}
            {move || problem.get().map(|text| view! { <p class="error" role="alert" data-testid="backup-problem">{text}</p> })}
        </section>
    }
}
