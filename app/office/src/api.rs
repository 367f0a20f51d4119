//! The back office's HTTP calls: sign in, and JSON calls that buy a new token pair once
//! when the access token ran out. The back office needs the network; a call that cannot
//! reach the server says so ([`Failure::Offline`]).

use api::ErrorBody;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// Where the signed-in office user is kept (the storefront hands admins and staff over to
/// the back office by writing it).
pub const SESSION_KEY: &str = "dinghuo.office.session";

/// A signed-in admin or staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub refresh_token: String,
    pub username: String,
    pub display_name: String,
    pub role: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

impl Session {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No network, or no answer.
    Offline,
    /// The server answered with this status and error body.
    Refused { status: u16, body: ErrorBody },
}

impl Failure {
    pub fn code(&self) -> &str {
        match self {
            Failure::Offline => "offline",
            Failure::Refused { body, .. } => &body.error,
        }
    }
}

fn offline(_: JsValue) -> Failure {
    Failure::Offline
}

/// What a request carries: JSON, or a file the user picked (sent as it is).
pub enum Payload {
    Json(serde_json::Value),
    File(web_sys::File),
}

/// One request; the answer's status and text.
pub async fn fetch(
    method: &str,
    url: &str,
    body: Option<&Payload>,
    token: Option<&str>,
) -> Result<(u16, String), Failure> {
    let headers = Headers::new().map_err(offline)?;
    let init = RequestInit::new();
    init.set_method(method);
    match body {
        Some(Payload::Json(body)) => {
            headers
                .set("Content-Type", "application/json")
                .map_err(offline)?;
            init.set_body(&JsValue::from_str(&body.to_string()));
        }
        Some(Payload::File(file)) => {
            headers
                .set("Content-Type", &file.type_())
                .map_err(offline)?;
            init.set_body(file);
        }
        None => {}
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(offline)?;
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(offline)?;
    let window = web_sys::window().ok_or(Failure::Offline)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(offline)?
        .dyn_into()
        .map_err(offline)?;
    let text = JsFuture::from(response.text().map_err(offline)?)
        .await
        .map_err(offline)?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

/// The value of a 2xx answer, or the error body of any other.
pub fn read<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, Failure> {
    if (200..300).contains(&status) {
        return serde_json::from_str(text).map_err(|e| Failure::Refused {
            status,
            body: ErrorBody {
                error: "unreadable_reply".into(),
                message: e.to_string(),
                field: None,
                rule: None,
                detail: None,
            },
        });
    }
    let body = serde_json::from_str(text).unwrap_or(ErrorBody {
        error: "unknown".into(),
        message: text.chars().take(200).collect(),
        field: None,
        rule: None,
        detail: None,
    });
    Err(Failure::Refused { status, body })
}

/// Signs in; only admins and staff get a back-office session.
pub async fn sign_in(username: &str, password: &str) -> Result<Session, Failure> {
    let body = serde_json::json!({
        "username": username,
        "password": password,
        "device_name": "back office",
    });
    let (status, text) = fetch("POST", "/api/login", Some(&Payload::Json(body)), None).await?;
    read(status, &text)
}

#[derive(Deserialize)]
pub struct TokenPair {
    pub token: String,
    pub refresh_token: String,
}

pub async fn refresh(refresh_token: &str) -> Result<TokenPair, Failure> {
    let body = serde_json::json!({ "refresh_token": refresh_token });
    let (status, text) = fetch("POST", "/api/refresh", Some(&Payload::Json(body)), None).await?;
    read(status, &text)
}

/// `text` made safe for a URL's query.
pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text)
        .as_string()
        .unwrap_or_default()
}
