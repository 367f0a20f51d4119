//! The HTTP calls the storefront makes: sign in and refresh (JSON), sync (binary batches).

use js_sys::Uint8Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use domain::sku::{ShopId, TierId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopSummary {
    pub id: ShopId,
    pub name: String,
    pub tier: TierId,
}

/// A signed-in device, kept in localStorage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The short-lived access token.
    pub token: String,
    /// The single-use token that buys the next pair.
    #[serde(default)]
    pub refresh_token: String,
    /// This device's id on the server.
    #[serde(default)]
    pub device_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub shops: Vec<ShopSummary>,
    pub docs: Vec<String>,
    /// A staff member's permissions, handed over to the back office with the session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
}

/// Why a call failed, in terms the UI can explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No network, or the server did not answer.
    Offline,
    /// The server answered with this status and error code.
    Refused { status: u16, code: String },
}

fn js_error(_: JsValue) -> CallError {
    CallError::Offline
}

async fn send(
    url: &str,
    body: JsValue,
    content_type: &str,
    token: Option<&str>,
) -> Result<Response, CallError> {
    fetch("POST", url, Some((body, content_type)), token).await
}

async fn fetch(
    method: &str,
    url: &str,
    body: Option<(JsValue, &str)>,
    token: Option<&str>,
) -> Result<Response, CallError> {
    let headers = Headers::new().map_err(js_error)?;
    if let Some((_, content_type)) = &body {
        headers
            .set("Content-Type", content_type)
            .map_err(js_error)?;
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(js_error)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(&headers);
    if let Some((body, _)) = &body {
        init.set_body(body);
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(js_error)?;
    let window = web_sys::window().ok_or(CallError::Offline)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let code = match response.json() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|json| js_sys::Reflect::get(&json, &"error".into()).ok())
            .and_then(|code| code.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    Err(CallError::Refused { status, code })
}

pub async fn sign_in(username: &str, password: &str) -> Result<Session, CallError> {
    let device_name = web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default();
    let body = serde_json::json!({ "username": username, "password": password, "device_name": device_name });
    post_json("/api/login", &body, "unreadable_session").await
}

/// Posts `body` as JSON (no token) and reads the JSON answer.
async fn post_json<T: serde::de::DeserializeOwned>(
    url: &str,
    body: &serde_json::Value,
    unreadable: &str,
) -> Result<T, CallError> {
    let response = send(
        url,
        JsValue::from_str(&body.to_string()),
        "application/json",
        None,
    )
    .await?;
    read_json(response, unreadable).await
}

/// The JSON body of a successful response; `unreadable` is the code when it does not parse.
async fn read_json<T: serde::de::DeserializeOwned>(
    response: Response,
    unreadable: &str,
) -> Result<T, CallError> {
    let text = JsFuture::from(response.text().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|_| CallError::Refused {
        status: 200,
        code: unreadable.into(),
    })
}

/// A new token pair, bought with the session's refresh token.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenPair {
    pub token: String,
    pub refresh_token: String,
}

pub async fn refresh(refresh_token: &str) -> Result<TokenPair, CallError> {
    let body = serde_json::json!({ "refresh_token": refresh_token });
    post_json("/api/refresh", &body, "unreadable_tokens").await
}

/// An authenticated JSON call, with a JSON body or none (`GET`, or a `POST` that needs
/// none).
pub async fn call_json<T: serde::de::DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&serde_json::Value>,
    token: &str,
) -> Result<T, CallError> {
    let body = body.map(|b| (JsValue::from_str(&b.to_string()), "application/json"));
    let response = fetch(method, url, body, Some(token)).await?;
    read_json(response, "unreadable_reply").await
}

/// One of the user's devices, as `GET /api/devices` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeviceInfo {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub revoked: bool,
    pub current: bool,
}

thread_local! {
    /// How far the server's clock is ahead of this device's (ms), from the last sync reply.
    static SERVER_AHEAD_MS: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// How far the server's clock was ahead of this device's at the last sync (negative: the
/// device runs ahead), to within the second of the server's `Date` header.
pub fn server_ahead_ms() -> Option<i64> {
    SERVER_AHEAD_MS.get()
}

pub async fn post_sync(token: &str, body: Vec<u8>) -> Result<Vec<u8>, CallError> {
    let bytes: JsValue = Uint8Array::from(body.as_slice()).into();
    let response = send("/api/sync", bytes, "application/octet-stream", Some(token)).await?;
    if let Ok(Some(date)) = response.headers().get("date") {
        let server_ms = js_sys::Date::parse(&date);
        if !server_ms.is_nan() {
            SERVER_AHEAD_MS.set(Some(
                (server_ms as i64).saturating_sub(js_sys::Date::now() as i64),
            ));
        }
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
