//! Product photos: an admin uploads a JPEG, PNG or WebP (`POST /api/admin/products/{sku}/image`,
//! the file as the body); the server checks it really is one of those (by its bytes, not
//! its name), within 8000×8000, decodes it with the pure-Rust `image` crate, turns it the
//! right way up, and makes two lossy WebP thumbnails (400 px for lists, 800 px for the
//! product page). Each is stored in the database under the SHA-256 of its bytes and served
//! at `/img/<hash>.webp` with a year's cache lifetime, by whichever server process is
//! asked. The original is never kept nor served (its EXIF and GPS data go with it).

use std::io::Cursor;
use std::sync::OnceLock;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::product::{Product, ProductImage};
use domain::sku::Sku;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::app_error::AppError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::audit::{self, Change};
use crate::store::{catalog, documents, images};

/// The largest photo accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 12 * 1024 * 1024;
const MAX_SIDE: u32 = 8000;
const SMALL: u32 = 400;
const LARGE: u32 = 800;
const QUALITY: f32 = 75.0;

/// At most two photos are decoded at once (each may take ~250 MB at the limit).
fn permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(2))
}

fn not_an_image() -> AppError {
    AppError::invalid("image", "not_an_image")
}

/// A thumbnail: its hash (hex), WebP bytes, width and height.
pub struct Thumbnail {
    pub hash: String,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn thumbnail(image: &DynamicImage, side: u32) -> Result<Thumbnail, AppError> {
    let small = if image.width() > side || image.height() > side {
        image.thumbnail(side, side)
    } else {
        image.clone()
    };
    let rgb = small.to_rgb8();
    let bytes = webpx::Encoder::new_rgb(rgb.as_raw(), rgb.width(), rgb.height())
        .quality(QUALITY)
        .encode(webpx::Unstoppable)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("WebP encoding failed: {e:?}")))?;
    let hash = crate::auth::sha256_hex(&bytes);
    Ok(Thumbnail {
        hash,
        bytes,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// Checks that `bytes` are a JPEG, PNG or WebP within the size limits, and makes the two
/// thumbnails (small, large).
pub fn make_thumbnails(bytes: &[u8]) -> Result<(Thumbnail, Thumbnail), AppError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| not_an_image())?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)
    ) {
        return Err(not_an_image());
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    let mut reader = reader;
    reader.limits(limits);
    let refused = |error: image::ImageError| match error {
        image::ImageError::Limits(_) => AppError::invalid("image", "too_large"),
        _ => not_an_image(),
    };
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(AppError::invalid("image", "too_large"));
    }
    let orientation = decoder.orientation().map_err(|_| not_an_image())?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(refused)?;
    image.apply_orientation(orientation);
    Ok((thumbnail(&image, SMALL)?, thumbnail(&image, LARGE)?))
}

/// Stores `product` with its new photo (or none) and publishes it, recording the change.
fn publish_photo(
    tx: &mut crate::store::Tx<'_>,
    (cache, actor, who): (&documents::DocCache, &automerge::ActorId, &str),
    product: &Product,
    before: Option<&ProductImage>,
) -> Result<(), AppError> {
    crate::catalog_api::publish_product(tx, cache, actor, product)?;
    let change = Change {
        kind: "product",
        object: product.sku.as_str(),
        action: "update",
    };
    audit::record(
        tx,
        tx.now_ms,
        who,
        change,
        Some(&serde_json::json!({ "image": before })),
        Some(&serde_json::json!({ "image": product.image })),
    )?;
    Ok(())
}

/// `POST /api/admin/products/{sku}/image` with the photo as the body.
pub async fn upload(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
    body: Bytes,
) -> Result<Json<Product>, AppError> {
    principal.require_admin("change the catalog")?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_product", "no such product");
    let sku = Sku::parse(&sku).map_err(|_| unknown())?;
    if body.is_empty() {
        return Err(AppError::invalid("image", "required"));
    }
    let permit = permits()
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let made = tokio::task::spawn_blocking(move || make_thumbnails(&body))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    drop(permit);
    let (small, large) = made;
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    let product = state
        .store
        .write(move |tx| -> Result<Product, AppError> {
            let mut product = catalog::product(tx, &sku)?.ok_or_else(unknown)?;
            let before = product.image.clone();
            for thumb in [&small, &large] {
                images::put(tx, &thumb.hash, "image/webp", &thumb.bytes, tx.now_ms)?;
            }
            product.image = Some(ProductImage {
                small: small.hash.clone(),
                large: large.hash.clone(),
                width: small.width,
                height: small.height,
            });
            publish_photo(tx, (store.docs(), &actor, &who), &product, before.as_ref())?;
            Ok(product)
        })
        .await?;
    Ok(Json(product))
}

/// `DELETE /api/admin/products/{sku}/image`: the product shows no photo (the thumbnails
/// stay, as cached URLs never change meaning).
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    Path(sku): Path<String>,
) -> Result<Json<Product>, AppError> {
    principal.require_admin("change the catalog")?;
    let unknown = || AppError::client(StatusCode::NOT_FOUND, "unknown_product", "no such product");
    let sku = Sku::parse(&sku).map_err(|_| unknown())?;
    let (actor, store, who) = (
        state.actor.clone(),
        state.store.clone(),
        principal.username.clone(),
    );
    let product = state
        .store
        .write(move |tx| -> Result<Product, AppError> {
            let mut product = catalog::product(tx, &sku)?.ok_or_else(unknown)?;
            let Some(before) = product.image.take() else {
                return Ok(product);
            };
            publish_photo(tx, (store.docs(), &actor, &who), &product, Some(&before))?;
            Ok(product)
        })
        .await?;
    Ok(Json(product))
}

/// `GET /img/<hash>.webp`: a thumbnail, cached for a year (its name is its content).
pub async fn serve(State(state): State<AppState>, Path(name): Path<String>) -> Response {
    let hash = name.strip_suffix(".webp").unwrap_or_default().to_owned();
    let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.store.read(move |tx| images::get(tx, &hash)).await {
        Ok(Some((content_type, bytes))) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_str(&content_type)
                        .unwrap_or(HeaderValue::from_static("image/webp")),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => AppError::from(error).into_response(),
    }
}
