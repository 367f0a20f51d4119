// The service worker: keeps the app shell so Dinghuo opens and reloads with no network.
// Documents live in IndexedDB; /api/ requests always go to the network.
const BUILD = '__BUILD__';
const CACHE = 'dinghuo-' + BUILD;
// Every file of the build (written in by `make site`), and the root.
const SHELL = ['/', ...__SHELL__];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      // The QR scanner's files an account manager's phone keeps (`dinghuo-scan`, refreshed
      // by the app at each opening) outlive a build.
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE && key !== 'dinghuo-scan').map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  // The API and the back office (online only, its own bundle) always go to the network.
  if (event.request.method !== 'GET' || url.origin !== self.location.origin ||
      url.pathname.startsWith('/api/') || url.pathname === '/office' || url.pathname.startsWith('/office/')) {
    return;
  }
  if (event.request.mode === 'navigate') {
    // Every page is the same app shell; the router draws the page.
    event.respondWith(caches.match('/index.html').then((cached) => cached || fetch(event.request)));
    return;
  }
  event.respondWith(caches.match(event.request).then((cached) => cached || fetch(event.request)));
});
