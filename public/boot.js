// Starts the storefront and registers the service worker (a file, so the
// Content-Security-Policy can forbid inline scripts).
import init from '/pkg/app.js';

init({ module_or_path: '/pkg/app_bg.wasm' });
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js');
}
