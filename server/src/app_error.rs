//! The server's one error type: client errors keep their status and a JSON body
//! `{"error": "<code>", "message": "..."}`; an unreachable database is a 503 the device
//! retries; anything else is an opaque 500, logged once.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// A client error with the facts a screen needs to explain it in the user's language
    /// (`detail`), such as the moves possible from an order's state.
    #[error("{message}")]
    Detailed {
        status: StatusCode,
        code: &'static str,
        message: String,
        detail: serde_json::Value,
    },
    /// A field of a request body broke a rule: 400 naming the field and the rule.
    #[error("{field}: {rule}")]
    Invalid { field: String, rule: &'static str },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Client {
            status,
            code,
            message: message.into(),
        }
    }

    /// A refusal explained by `detail` (serialized into the body's `detail`).
    pub fn detailed(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        detail: &impl serde::Serialize,
    ) -> AppError {
        AppError::Detailed {
            status,
            code,
            message: message.into(),
            detail: serde_json::to_value(detail).unwrap_or_default(),
        }
    }

    /// This refusal, said of the order `number` (one of several a request names): its
    /// message starts with the number and its detail names it as `order`.
    pub fn of_order(self, number: &str) -> AppError {
        match self {
            AppError::Client {
                status,
                code,
                message,
            } => AppError::Client {
                status,
                code,
                message: format!("{number}: {message}"),
            },
            AppError::Detailed {
                status,
                code,
                message,
                mut detail,
            } => {
                if let Some(object) = detail.as_object_mut() {
                    object.insert("order".to_owned(), number.into());
                }
                AppError::Detailed {
                    status,
                    code,
                    message: format!("{number}: {message}"),
                    detail,
                }
            }
            other => other,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> AppError {
        AppError::client(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// `field` (such as `pack_size` or `volume_prices`) broke `rule` (such as
    /// `out_of_range`).
    pub fn invalid(field: impl Into<String>, rule: &'static str) -> AppError {
        AppError::Invalid {
            field: field.into(),
            rule,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::client(StatusCode::BAD_REQUEST, code, message)
    }

    /// An extractor's rejection (body, path or query): a body over the limit stays 413;
    /// anything else is 400 with `code`.
    pub fn rejected(code: &'static str, status: StatusCode, message: String) -> AppError {
        match status {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::client(status, "too_large", message),
            _ => AppError::bad_request(code, message),
        }
    }
}

/// Rules every request to the API follows, checked here before any handler, so they hold
/// for every endpoint at once:
/// - a read's query holds no NUL character (`%00`: the store keeps no such text, so no
///   filter could match it; some filters reached the store and were refused, others
///   matched nothing): 400 `nul_character`;
/// - every JSON body is an object. Serde would also read a struct from an array of its
///   fields in order (`[null, null]` as a change of nothing), which the API neither
///   documents nor means. A POST, PUT or PATCH whose JSON body starts with anything but
///   `{` is refused (400 `malformed_body`); an empty body passes (the handler decides).
pub async fn request_rules(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{Method, header};
    // A caller who is not signed in learns only that (the handler answers 401 before it
    // reads anything); signing in and refreshing read their bodies with no token.
    let signs_in = ["/login", "/refresh"]
        .iter()
        .any(|end| request.uri().path().ends_with(end));
    if !signs_in && !request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    if request.method() == Method::GET && request.uri().query().is_some_and(|q| q.contains("%00")) {
        return AppError::bad_request("nul_character", "text may not contain the NUL character")
            .into_response();
    }
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json
        || !matches!(
            *request.method(),
            Method::POST | Method::PUT | Method::PATCH
        )
    {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, docs::sync::wire::MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return AppError::client(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "the body is over {} bytes, or was cut off",
                    docs::sync::wire::MAX_BODY_BYTES
                ),
            )
            .into_response();
        }
    };
    if bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|first| *first != b'{')
    {
        return AppError::bad_request("malformed_body", "the body must be a JSON object")
            .into_response();
    }
    let bytes = whole_numbers(bytes);
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// `12.0` is the integer 12 in JSON (and in the JSON Schema of the API's document), but
/// serde refuses it for a Rust integer: a body with such numbers is rewritten with them as
/// integers. A body with no digit followed by `.`, `e` or `E` holds no such number and is
/// passed through untouched, and so is one that is not JSON (the handler refuses it).
fn whole_numbers(bytes: axum::body::Bytes) -> axum::body::Bytes {
    fn rewrite(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Number(number) if number.is_f64() => {
                let Some(float) = number.as_f64() else {
                    return false;
                };
                // Within ±2⁵³ every whole float is exact.
                if float.fract() == 0.0 && float.abs() < 9_007_199_254_740_992.0 {
                    #[allow(clippy::cast_possible_truncation, reason = "whole and within ±2^53")]
                    let whole = float as i64;
                    *value = whole.into();
                    return true;
                }
                false
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |c, v| rewrite(v) | c),
            serde_json::Value::Object(map) => map.values_mut().fold(false, |c, v| rewrite(v) | c),
            _ => false,
        }
    }
    let fraction_or_exponent = bytes
        .windows(2)
        .any(|pair| pair[0].is_ascii_digit() && matches!(pair[1], b'.' | b'e' | b'E'));
    if !fraction_or_exponent {
        return bytes;
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return bytes;
    };
    if !rewrite(&mut value) {
        return bytes;
    }
    serde_json::to_vec(&value).map_or(bytes, axum::body::Bytes::from)
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        AppError::Internal(error.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Client {
                status,
                code,
                message,
            } => (status, Json(json!({ "error": code, "message": message }))).into_response(),
            AppError::Detailed {
                status,
                code,
                message,
                detail,
            } => (
                status,
                Json(json!({ "error": code, "message": message, "detail": detail })),
            )
                .into_response(),
            AppError::Invalid { field, rule } => (
                StatusCode::BAD_REQUEST,
                Json(json!({
                    "error": "invalid_field",
                    "message": format!("{field}: {rule}"),
                    "field": field,
                    "rule": rule,
                })),
            )
                .into_response(),
            AppError::Internal(error)
                if matches!(
                    error.downcast_ref::<StoreError>(),
                    Some(StoreError::NulInText)
                ) =>
            {
                (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "error": "nul_character", "message": "text may not contain the NUL character" })),
                )
                    .into_response()
            }
            AppError::Internal(error)
                if matches!(
                    error.downcast_ref::<StoreError>(),
                    Some(StoreError::Unavailable(_))
                ) =>
            {
                tracing::warn!(error = format!("{error:#}"), "the database is unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, "2")],
                    Json(json!({ "error": "unavailable", "message": "the server cannot reach its database; try again shortly" })),
                )
                    .into_response()
            }
            AppError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "error": "internal", "message": "something went wrong on the server" })),
                )
                    .into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::whole_numbers;
    use axum::body::Bytes;

    fn rewritten(body: &str) -> String {
        String::from_utf8(whole_numbers(Bytes::from(body.to_owned())).to_vec()).unwrap()
    }

    #[test]
    fn whole_floats_become_integers_and_nothing_else_changes() {
        assert_eq!(
            rewritten(r#"{"quantity": 12.0, "price": "1.50", "n": [3e2, 1.5]}"#),
            r#"{"n":[300,1.5],"price":"1.50","quantity":12}"#
        );
        // No whole float: the body is passed on byte for byte.
        for body in [
            r#"{"quantity": 12, "name": "Green tea"}"#,
            r#"{"share": 0.25}"#,
            r#"{"price": "1.50"}"#,
            "not json 1.0",
        ] {
            assert_eq!(rewritten(body), body);
        }
    }
}
