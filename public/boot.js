// Starts the storefront and registers the service worker (a file, so the
// Content-Security-Policy can forbid inline scripts). On a slow link the app's download
// shows its progress in the shell index.html draws at once.
import init from '/pkg/app.js';

// The app's size as the browser receives it (decompressed), filled in by `make site`.
const WASM_BYTES = Number('__WASM_BYTES__') || 0;

async function download(url) {
  const response = await fetch(url);
  const bar = document.getElementById('shell-progress');
  if (!response.ok || !response.body || !bar || !WASM_BYTES) return response;
  const reader = response.body.getReader();
  const parts = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    bar.value = Math.min(99, Math.round((received / WASM_BYTES) * 100));
  }
  return new Response(new Blob(parts), { headers: { 'Content-Type': 'application/wasm' } });
}

download('/pkg/app_bg.wasm')
  .then((module_or_path) => init({ module_or_path }))
  .then(() => document.getElementById('shell')?.remove())
  .catch(() => {
    const text = document.getElementById('shell-text');
    if (text) text.textContent = '加载失败，请检查网络后刷新 · Could not load: check the network and reload';
  });
// What the app downloaded this month, counted on this device (shown on the account page):
// every response that came over the network (a cached one transfers nothing), photos the
// service worker fetched reported by it.
const USED = 'dinghuo.data_used';
function addUsed(bytes) {
  if (!bytes) return;
  const month = new Date().toISOString().slice(0, 7);
  let used = null;
  try { used = JSON.parse(localStorage.getItem(USED)); } catch { used = null; }
  if (!used || used.month !== month) used = { month, bytes: 0 };
  used.bytes += bytes;
  localStorage.setItem(USED, JSON.stringify(used));
}
if ('PerformanceObserver' in window) {
  new PerformanceObserver((list) => {
    addUsed(list.getEntries().reduce((sum, entry) => sum + (entry.transferSize || 0), 0));
  }).observe({ type: 'resource', buffered: true });
  const page = performance.getEntriesByType('navigation')[0];
  addUsed(page ? page.transferSize : 0);
}
navigator.serviceWorker?.addEventListener('message', (event) => {
  if (event.data && typeof event.data.downloaded === 'number') addUsed(event.data.downloaded);
});

// A new build: the service worker installs it in the background and the page says so;
// the user reloads when it suits them (never in the middle of an order).
function offerUpdate() {
  if (document.getElementById('update-banner')) return;
  const banner = document.createElement('button');
  banner.id = 'update-banner';
  banner.className = 'update-banner';
  banner.dataset.testid = 'update-banner';
  banner.textContent = '有新版本，点此更新 · New version: tap to reload';
  banner.addEventListener('click', () => window.location.reload());
  document.body.appendChild(banner);
}

if ('serviceWorker' in navigator) {
  // A page a service worker already served: a new one taking over is a new build (the
  // worker activates at once and takes the open pages; its cache holds the new files).
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadController) offerUpdate();
  });
  const registered = navigator.serviceWorker.register('/sw.js', { updateViaCache: 'none' });
  registered.then((registration) => {
    // Look for a new build at every opening, not only when the browser gets round to it.
    registration.update().catch(() => {});
  }).catch(() => {});
  window.dinghuoWorkerReady = registered.then(activeWorker).catch(() => undefined);
}
// Resolved once a service worker holds the app's files (or when there will be none): the
// app fetches the rest of itself then, from the worker's cache, so a weak link carries it
// once (src/lib.rs, preload_signed_in).
window.dinghuoWorkerReady ??= Promise.resolve();

function activeWorker(registration) {
  if (registration.active) return undefined;
  const worker = registration.installing || registration.waiting;
  if (!worker) return undefined;
  return new Promise((resolve) => {
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated' || worker.state === 'redundant') resolve();
    });
  });
}
