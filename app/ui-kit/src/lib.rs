//! What the storefront and the back office share in the browser. Small on purpose: each
//! bundle carries only what it uses.

pub mod history;
pub mod virtual_list;

use std::cell::Cell;
use std::future::Future;

/// Waits `ms` milliseconds (a browser timer; `std`'s clock panics on wasm32).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

thread_local! {
    /// True while a token refresh is in flight (a page runs one thread).
    static REFRESHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `refresh` unless another refresh is in flight; then waits for that one to end and
/// answers `None`: the caller reads the session the other call stored. A refresh token is
/// single-use, so two calls that found the access token expired at once must not both
/// spend it (the server would take the second for a replay and sign the device out).
pub async fn refresh_once<T, F: Future<Output = T>>(refresh: impl FnOnce() -> F) -> Option<T> {
    if REFRESHING.get() {
        while REFRESHING.get() {
            sleep_ms(50).await;
        }
        return None;
    }
    REFRESHING.set(true);
    let outcome = refresh().await;
    REFRESHING.set(false);
    Some(outcome)
}
