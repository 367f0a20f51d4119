//! Bulk work in CSV (UTF-8, with a byte-order mark on export so spreadsheet programs read
//! the Chinese right): `GET /api/admin/export/{products,prices,customers}.csv`, and
//! `POST /api/admin/import/{products,prices,customers}?apply=` with the file as the body. An import
//! is checked whole first, each row by the same rules as the forms; with `apply=false`
//! (the preview) nothing is written, with `apply=true` every row is written in one
//! transaction, or none if any row is wrong (the answer is then 400 with every problem,
//! by line and column). An empty cell leaves a field as it is, except `max_quantity`, where
//! it means no maximum (as exported).

use std::collections::{BTreeMap, BTreeSet};

use api::{ImportProblem, ImportReport, ProductEdit};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use docs::schema::catalog_doc::write_products;
use docs::schema::doc_id::DocId;
use docs::schema::price_doc::write_prices;
use domain::money::{Currency, Money};
use domain::product::{LocalizedText, Product};
use domain::sku::{ShopId, Sku};
use serde::Deserialize;

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::catalog_api::{apply_edit, blank_product};
use crate::state::AppState;
use crate::store::Tx;
use crate::store::audit::{self, Change};
use crate::store::catalog::{self, PriceList};
use crate::store::documents;

/// The most rows one import takes.
pub const MAX_ROWS: usize = 20_000;

const PRODUCT_COLUMNS: [&str; 18] = [
    "sku",
    "name_zh_hans",
    "name_zh_hant",
    "name_en",
    "category",
    "unit_zh_hans",
    "unit_zh_hant",
    "unit_en",
    "pack_size",
    "min_quantity",
    "max_quantity",
    "list_price",
    "active",
    "weight_grams",
    "description_zh_hans",
    "description_zh_hant",
    "description_en",
    "aliases",
];

const PRICE_COLUMNS: [&str; 3] = ["list", "sku", "price"];

const CUSTOMER_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "tier",
    "active",
    "region",
    "owners",
    "managers",
    "owner_username",
    "owner_password",
];

pub(crate) fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(body);
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::new())
}

pub(crate) fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, AppError> {
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

pub(crate) fn write_row<I, T>(writer: &mut csv::Writer<Vec<u8>>, row: I) -> Result<(), AppError>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    writer
        .write_record(row)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

/// `GET /api/admin/export/{kind}`: `products.csv`, `prices.csv` or `customers.csv`.
pub async fn export(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    principal.require_office()?;
    let cache = state.catalog.clone();
    let file = name.clone();
    let body = state
        .store
        .read(move |tx| -> Result<Vec<u8>, AppError> {
            let mut out = writer();
            match file.as_str() {
                "products.csv" => {
                    write_row(&mut out, PRODUCT_COLUMNS)?;
                    for p in catalog::products(tx, &cache)?.values() {
                        write_row(
                            &mut out,
                            [
                                p.sku.to_string(),
                                p.name.zh_hans.clone(),
                                p.name.zh_hant.clone(),
                                p.name.en.clone(),
                                p.category.to_string(),
                                p.unit.zh_hans.clone(),
                                p.unit.zh_hant.clone(),
                                p.unit.en.clone(),
                                p.pack_size.to_string(),
                                p.min_quantity.to_string(),
                                p.max_quantity.map(|m| m.to_string()).unwrap_or_default(),
                                p.list_price.amount().to_string(),
                                p.active.to_string(),
                                p.weight_grams.to_string(),
                                p.description.zh_hans.clone(),
                                p.description.zh_hant.clone(),
                                p.description.en.clone(),
                                p.aliases.join("|"),
                            ],
                        )?;
                    }
                }
                "prices.csv" => {
                    write_row(&mut out, PRICE_COLUMNS)?;
                    for p in catalog::products(tx, &cache)?.values() {
                        write_row(
                            &mut out,
                            [
                                "list".to_owned(),
                                p.sku.to_string(),
                                p.list_price.amount().to_string(),
                            ],
                        )?;
                    }
                    let mut lists: Vec<PriceList> = catalog::tiers(tx)?
                        .into_iter()
                        .map(PriceList::Tier)
                        .collect();
                    lists.extend(catalog::shops(tx)?.into_iter().map(PriceList::Shop));
                    for list in lists {
                        for (sku, price) in catalog::prices_of(tx, &list)? {
                            write_row(&mut out, [list.key(), sku.to_string(), price])?;
                        }
                    }
                }
                "customers.csv" => {
                    write_row(
                        &mut out,
                        [
                            "id", "name", "tier", "active", "region", "owners", "managers",
                        ],
                    )?;
                    for shop in crate::store::customers::shops(tx)? {
                        let profile = crate::store::commerce::stored_profile(
                            tx,
                            &ShopId::parse(&shop.id).map_err(anyhow::Error::from)?,
                        )?;
                        write_row(
                            &mut out,
                            [
                                shop.id,
                                shop.name,
                                shop.tier,
                                shop.active.to_string(),
                                profile.region,
                                shop.owners.join(" "),
                                shop.managers.join(" "),
                            ],
                        )?;
                    }
                }
                _ => {
                    return Err(AppError::client(
                        StatusCode::NOT_FOUND,
                        "unknown_export",
                        "exports are products.csv, prices.csv and customers.csv",
                    ));
                }
            }
            finish(out)
        })
        .await?;
    Ok(csv_response(&name, body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    #[serde(default)]
    pub apply: bool,
}

/// A file's rows: each with its line number and its cells by column.
pub(crate) type Rows = Vec<(usize, BTreeMap<String, String>)>;

/// The file's rows as column → value maps, with their line numbers; a problem if the file
/// is not CSV, misses a required column or has too many rows.
pub(crate) fn read_rows(
    text: &str,
    required: &[&str],
    known: &[&str],
) -> Result<Rows, ImportProblem> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let malformed = |line: usize| ImportProblem {
        line,
        field: "file".into(),
        rule: "malformed".into(),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| malformed(1))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    for column in required {
        if !headers.iter().any(|h| h == column) {
            return Err(ImportProblem {
                line: 1,
                field: (*column).to_owned(),
                rule: "required".into(),
            });
        }
    }
    if let Some(unknown) = headers.iter().find(|h| !known.contains(&h.as_str())) {
        return Err(ImportProblem {
            line: 1,
            field: unknown.clone(),
            rule: "unknown_field".into(),
        });
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|_| malformed(line))?;
        if rows.len() == MAX_ROWS {
            return Err(ImportProblem {
                line,
                field: "file".into(),
                rule: "too_many_rows".into(),
            });
        }
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let row = headers
            .iter()
            .cloned()
            .zip(record.iter().map(|v| v.trim().to_owned()))
            .collect();
        rows.push((line, row));
    }
    Ok(rows)
}

fn problem(line: usize, error: AppError) -> ImportProblem {
    let (field, rule) = match error {
        AppError::Invalid { field, rule } => (field, rule.to_owned()),
        other => ("row".to_owned(), other.to_string()),
    };
    ImportProblem { line, field, rule }
}

/// What one products row asks for, as the product form's edit.
fn product_edit(row: &BTreeMap<String, String>) -> Result<ProductEdit, AppError> {
    // An empty cell leaves the field as it is.
    let text = |key: &str| row.get(key).cloned().filter(|v| !v.is_empty());
    let whole = |key: &str| -> Result<Option<u32>, AppError> {
        match row.get(key).map(String::as_str) {
            None | Some("") => Ok(None),
            Some(value) => value
                .parse()
                .map(Some)
                .map_err(|_| AppError::invalid(key.to_owned(), "not_a_number")),
        }
    };
    let localized = |prefix: &str| -> Option<LocalizedText> {
        let (hans, hant, en) = (
            text(&format!("{prefix}_zh_hans")),
            text(&format!("{prefix}_zh_hant")),
            text(&format!("{prefix}_en")),
        );
        (hans.is_some() || hant.is_some() || en.is_some()).then(|| LocalizedText {
            zh_hans: hans.clone().unwrap_or_default(),
            zh_hant: hant.unwrap_or_else(|| hans.clone().unwrap_or_default()),
            en: en.unwrap_or_default(),
        })
    };
    let active = match row.get("active").map(|v| v.to_lowercase()) {
        None => None,
        Some(v) if v.is_empty() => None,
        Some(v) if ["true", "1", "yes", "是", "在售"].contains(&v.as_str()) => Some(true),
        Some(v) if ["false", "0", "no", "否", "停售"].contains(&v.as_str()) => Some(false),
        Some(_) => return Err(AppError::invalid("active", "invalid")),
    };
    Ok(ProductEdit {
        sku: text("sku"),
        name: localized("name"),
        description: localized("description"),
        category: text("category").filter(|c| !c.is_empty()),
        unit: localized("unit"),
        pack_size: whole("pack_size")?,
        min_quantity: whole("min_quantity")?,
        max_quantity: row
            .contains_key("max_quantity")
            .then(|| whole("max_quantity"))
            .transpose()?,
        list_price: text("list_price").filter(|p| !p.is_empty()),
        active,
        weight_grams: whole("weight_grams")?,
        volume_prices: None,
        promo_price: None,
        limited_to: None,
        allowed_shops: None,
        // Several in one cell, separated by "|" (a comma is the file's own separator).
        aliases: text("aliases").map(|cell| {
            cell.split(['|', '、'])
                .map(|alias| alias.trim().to_owned())
                .filter(|alias| !alias.is_empty())
                .collect()
        }),
    })
}

/// Every products row checked: the products as they would be written (new or changed),
/// or the problems.
fn check_products(
    tx: &mut Tx<'_>,
    rows: Rows,
    report: &mut ImportReport,
) -> anyhow::Result<Vec<(Option<Product>, Product)>> {
    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    for (line, row) in rows {
        let checked = (|| -> Result<(Option<Product>, Product), AppError> {
            let edit = product_edit(&row)?;
            let sku = edit
                .sku
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| AppError::invalid("sku", "required"))?;
            let sku = Sku::parse(sku).map_err(|_| AppError::invalid("sku", "malformed"))?;
            if !seen.insert(sku.clone()) {
                return Err(AppError::invalid("sku", "repeated"));
            }
            let before = catalog::product(tx, &sku)?;
            let mut product = match &before {
                Some(existing) => existing.clone(),
                None => {
                    for (field, given) in [
                        ("name_zh_hans", edit.name.is_some()),
                        ("category", edit.category.is_some()),
                        ("list_price", edit.list_price.is_some()),
                    ] {
                        if !given {
                            return Err(AppError::invalid(field, "required"));
                        }
                    }
                    let mut blank = blank_product(&sku)?;
                    blank.unit = LocalizedText::same("件");
                    blank
                }
            };
            apply_edit(tx, &mut product, ProductEdit { sku: None, ..edit })?;
            Ok((before, product))
        })();
        match checked {
            Ok((before, product)) => {
                match &before {
                    None => report.created += 1,
                    Some(old) if *old == product => report.unchanged += 1,
                    Some(_) => report.updated += 1,
                }
                results.push((before, product));
            }
            Err(error) => report.problems.push(problem(line, error)),
        }
    }
    Ok(results)
}

/// A prices row: which list, which product, which price (`None` removes a tier or shop
/// price).
struct PriceRow {
    list: Option<PriceList>,
    sku: Sku,
    price: Option<Money>,
    before: Option<String>,
}

fn check_prices(
    tx: &mut Tx<'_>,
    rows: Rows,
    report: &mut ImportReport,
) -> anyhow::Result<Vec<PriceRow>> {
    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    for (line, row) in rows {
        let checked = (|| -> Result<PriceRow, AppError> {
            let field = |key: &str| row.get(key).cloned().unwrap_or_default();
            let list_text = field("list");
            let list = crate::prices_api::parse_list(&list_text)?;
            if let Some(list) = &list
                && !catalog::list_exists(tx, list)?
            {
                return Err(AppError::invalid("list", "unknown"));
            }
            let sku = Sku::parse(&field("sku")).map_err(|_| AppError::invalid("sku", "unknown"))?;
            let Some(product) = catalog::product(tx, &sku)? else {
                return Err(AppError::invalid("sku", "unknown"));
            };
            let text = field("price");
            let price = if text.is_empty() {
                None
            } else {
                Some(
                    Money::parse_price(&text, Currency::Cny)
                        .map_err(|_| AppError::invalid("price", "not_a_price"))?,
                )
            };
            if !seen.insert((list_text.clone(), sku.clone())) {
                return Err(AppError::invalid("sku", "repeated"));
            }
            let before = match &list {
                None => {
                    if price.is_none() {
                        return Err(AppError::invalid("price", "required"));
                    }
                    Some(product.list_price.amount().to_string())
                }
                Some(list) => catalog::price_in(tx, list, &sku)?,
            };
            Ok(PriceRow {
                list,
                sku,
                price,
                before,
            })
        })();
        match checked {
            Ok(row) => {
                let after = row.price.map(|p| p.amount().to_string());
                let same = match (&row.before, &after) {
                    (Some(a), Some(b)) => {
                        Money::parse_price(a, Currency::Cny).ok()
                            == Money::parse_price(b, Currency::Cny).ok()
                    }
                    (None, None) => true,
                    _ => false,
                };
                if same {
                    report.unchanged += 1;
                } else if row.before.is_none() {
                    report.created += 1;
                } else {
                    report.updated += 1;
                }
                results.push(row);
            }
            Err(error) => report.problems.push(problem(line, error)),
        }
    }
    Ok(results)
}

/// A customers row: an existing shop's new name, tier, state, region and managers, or a
/// new shop with its owner's sign-in.
enum CustomerRow {
    Change {
        shop: ShopId,
        values: (String, String, bool, String),
        checked: Box<(api::CustomerRow, Vec<i64>)>,
    },
    New(api::NewCustomer),
}

fn flag(value: &str) -> Result<bool, AppError> {
    match value.to_lowercase().as_str() {
        "true" | "1" | "yes" | "是" | "正常" => Ok(true),
        "false" | "0" | "no" | "否" | "停用" => Ok(false),
        _ => Err(AppError::invalid("active", "invalid")),
    }
}

fn check_customers(
    tx: &mut Tx<'_>,
    rows: Rows,
    report: &mut ImportReport,
) -> anyhow::Result<Vec<CustomerRow>> {
    let (mut seen, mut owners) = (BTreeSet::new(), BTreeSet::new());
    let mut results = Vec::new();
    for (line, row) in rows {
        let checked = (|| -> Result<Option<CustomerRow>, AppError> {
            let cell = |key: &str| row.get(key).cloned().filter(|v| !v.is_empty());
            let id = cell("id").ok_or_else(|| AppError::invalid("id", "required"))?;
            let shop = ShopId::parse(&id).map_err(|_| AppError::invalid("id", "malformed"))?;
            if !seen.insert(shop.clone()) {
                return Err(AppError::invalid("id", "repeated"));
            }
            let managers: Option<Vec<String>> =
                cell("managers").map(|m| m.split_whitespace().map(str::to_owned).collect());
            if let Some(current) = crate::store::customers::shop(tx, &shop)? {
                let region = match cell("region") {
                    Some(region) => region,
                    None => crate::store::commerce::stored_profile(tx, &shop)?.region,
                };
                let values = (
                    cell("name").unwrap_or(current.name),
                    cell("tier").unwrap_or(current.tier),
                    cell("active")
                        .map(|a| flag(&a))
                        .transpose()?
                        .unwrap_or(current.active),
                    region,
                );
                let managers = managers.unwrap_or(current.managers);
                let changed = crate::customers_api::change_basics(
                    tx,
                    &shop,
                    (&values.0, &values.1, values.2, &values.3, &managers),
                )?;
                return Ok(changed.map(|checked| CustomerRow::Change {
                    shop,
                    values,
                    checked: Box::new(checked),
                }));
            }
            let new = api::NewCustomer {
                id,
                name: cell("name").unwrap_or_default(),
                tier: cell("tier").unwrap_or_default(),
                region: cell("region").unwrap_or_default(),
                managers: managers.unwrap_or_default(),
                owner_username: cell("owner_username").unwrap_or_default(),
                owner_display_name: String::new(),
                owner_password: cell("owner_password").unwrap_or_default(),
            };
            crate::customers_api::check_new_shop(tx, &new)?;
            if !owners.insert(new.owner_username.clone()) {
                return Err(AppError::invalid("owner_username", "repeated"));
            }
            Ok(Some(CustomerRow::New(new)))
        })();
        match checked {
            Ok(Some(row)) => {
                match &row {
                    CustomerRow::New(_) => report.created += 1,
                    CustomerRow::Change { .. } => report.updated += 1,
                }
                results.push(row);
            }
            Ok(None) => report.unchanged += 1,
            Err(error) => report.problems.push(problem(line, error)),
        }
    }
    Ok(results)
}

/// `POST /api/admin/import/{kind}?apply=`: `products`, `prices` or `customers`, the CSV
/// file as body. New shops' owners' passwords are hashed before the transaction.
pub async fn import(
    State(state): State<AppState>,
    principal: Principal,
    Path(kind): Path<String>,
    query: Result<Query<ImportQuery>, QueryRejection>,
    body: String,
) -> Result<(StatusCode, Json<ImportReport>), AppError> {
    principal.require_admin("import")?;
    let Query(query) =
        query.map_err(|r| AppError::rejected("bad_query", r.status(), r.body_text()))?;
    let (required, known): (&[&str], &[&str]) = match kind.as_str() {
        "products" => (&["sku"], &PRODUCT_COLUMNS),
        "prices" => (&PRICE_COLUMNS, &PRICE_COLUMNS),
        "customers" => (&["id"], &CUSTOMER_COLUMNS),
        _ => {
            return Err(AppError::client(
                StatusCode::NOT_FOUND,
                "unknown_import",
                "imports are products, prices and customers",
            ));
        }
    };
    let rows = match read_rows(&body, required, known) {
        Ok(rows) => rows,
        Err(problem) => {
            let report = ImportReport {
                problems: vec![problem],
                ..ImportReport::default()
            };
            return Ok((StatusCode::BAD_REQUEST, Json(report)));
        }
    };
    // New shops' owners' passwords, hashed outside any transaction (by the owner's
    // username), when the import is to be applied.
    let mut hashes: BTreeMap<String, String> = BTreeMap::new();
    if query.apply && kind == "customers" {
        for (_, row) in &rows {
            let (Some(owner), Some(password)) =
                (row.get("owner_username"), row.get("owner_password"))
            else {
                continue;
            };
            if owner.is_empty() || password.chars().count() < 8 || password.len() > 256 {
                continue;
            }
            let password = password.clone();
            let hash = crate::auth::with_hash_permit(&state.hashing, move || {
                crate::auth::hash_password(&password)
            })
            .await??;
            hashes.insert(owner.clone(), hash);
        }
    }
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    let apply = query.apply;
    let work = move |tx: &mut Tx<'_>| -> Result<ImportReport, AppError> {
        let mut report = ImportReport {
            rows: rows.len(),
            ..ImportReport::default()
        };
        let docs = store.docs();
        match kind.as_str() {
            "products" => {
                let checked = check_products(tx, rows.clone(), &mut report)?;
                if !apply || !report.problems.is_empty() {
                    return Ok(report);
                }
                let changed: Vec<Product> = checked
                    .into_iter()
                    .filter(|(before, after)| before.as_ref() != Some(after))
                    .map(|(before, after)| {
                        let change = Change {
                            kind: "product",
                            object: after.sku.as_str(),
                            action: if before.is_some() { "update" } else { "create" },
                        };
                        audit::record(tx, tx.now_ms, &who, change, before.as_ref(), Some(&after))?;
                        catalog::put_product(tx, &after)?;
                        Ok(after)
                    })
                    .collect::<Result<_, AppError>>()?;
                documents::edit(tx, docs, &DocId::Catalog, &actor, |doc| {
                    write_products(doc, &changed)
                })?;
            }
            "customers" => {
                let checked = check_customers(tx, rows.clone(), &mut report)?;
                if !apply || !report.problems.is_empty() {
                    return Ok(report);
                }
                for row in checked {
                    match row {
                        CustomerRow::New(new) => {
                            let hash = hashes
                                .get(&new.owner_username)
                                .ok_or_else(|| AppError::invalid("owner_password", "too_short"))?;
                            crate::customers_api::store_new_shop(
                                tx,
                                (docs, &actor, &who),
                                &new,
                                hash,
                            )?;
                        }
                        CustomerRow::Change {
                            shop,
                            values,
                            checked,
                        } => crate::customers_api::store_basics(
                            tx,
                            (docs, &actor, &who),
                            &shop,
                            (&values.0, &values.1, values.2, &values.3),
                            *checked,
                        )?,
                    }
                }
            }
            _ => {
                let checked = check_prices(tx, rows.clone(), &mut report)?;
                if !apply || !report.problems.is_empty() {
                    return Ok(report);
                }
                let mut per_doc: BTreeMap<DocId, Vec<(Sku, Option<Money>)>> = BTreeMap::new();
                let mut list_prices: Vec<Product> = Vec::new();
                for row in checked {
                    let after = row.price.map(|p| p.amount().to_string());
                    let object = format!(
                        "{}/{}",
                        row.list.as_ref().map_or("list".to_owned(), PriceList::key),
                        row.sku
                    );
                    let change = Change {
                        kind: "price",
                        object: &object,
                        action: "update",
                    };
                    audit::record(
                        tx,
                        tx.now_ms,
                        &who,
                        change,
                        row.before.as_ref(),
                        after.as_ref(),
                    )?;
                    match &row.list {
                        None => {
                            if let (Some(mut product), Some(price)) =
                                (catalog::product(tx, &row.sku)?, row.price)
                            {
                                product.list_price = price;
                                catalog::put_product(tx, &product)?;
                                list_prices.push(product);
                            }
                        }
                        Some(list) => {
                            catalog::set_price(tx, list, &row.sku, row.price)?;
                            per_doc
                                .entry(list.doc())
                                .or_default()
                                .push((row.sku, row.price));
                        }
                    }
                }
                if !list_prices.is_empty() {
                    documents::edit(tx, docs, &DocId::Catalog, &actor, |doc| {
                        write_products(doc, &list_prices)
                    })?;
                }
                for (doc, prices) in per_doc {
                    documents::edit(tx, docs, &doc, &actor, |d| write_prices(d, &prices))?;
                }
            }
        }
        report.applied = true;
        Ok(report)
    };
    let report = if apply {
        state.store.write(work).await?
    } else {
        state.store.read(work).await?
    };
    let status = if report.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, Json(report)))
}
