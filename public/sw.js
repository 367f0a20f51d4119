// The service worker: keeps the app shell so Dinghuo opens and reloads with no network.
// Documents live in IndexedDB; /api/ requests always go to the network.
const BUILD = '__BUILD__';
const CACHE = 'dinghuo-' + BUILD;
// Every file of the build (written in by `make site`), and the root.
const SHELL = ['/', ...__SHELL__];

// Product photos seen are kept for offline use (named by their hash, so never stale), in a
// cache of their own that outlives builds; the oldest go past PHOTO_LIMIT (~4.6 KB each).
const PHOTOS = 'dinghuo-photos';
const PHOTO_LIMIT = 500;

async function photo(event) {
  const request = event.request;
  const cache = await caches.open(PHOTOS);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    // The page's data meter counts what came over the network.
    const size = Number(response.headers.get('content-length')) || 0;
    const client = event.clientId && (await self.clients.get(event.clientId));
    client?.postMessage({ downloaded: size });
    await cache.put(request, response.clone());
    const keys = await cache.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - PHOTO_LIMIT))) await cache.delete(old);
  }
  return response;
}

// What installing a build downloaded (the app's modules, most of it after the sign-in form),
// told to the pages for their data meter: they do not see the worker's own requests.
async function reportInstalled() {
  const bytes = (self.performance?.getEntriesByType?.('resource') ?? [])
    .reduce((sum, entry) => sum + (entry.transferSize || 0), 0);
  self.performance?.clearResourceTimings?.();
  if (!bytes) return;
  // One page counts it (they share the meter).
  const [page] = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  page?.postMessage({ downloaded: bytes });
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(reportInstalled).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      // The QR scanner's files an account manager's phone keeps (`dinghuo-scan`, refreshed
      // by the app at each opening) outlive a build.
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE && key !== 'dinghuo-scan' && key !== PHOTOS).map((key) => caches.delete(key))))
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
  if (url.pathname.startsWith('/img/')) {
    event.respondWith(photo(event));
    return;
  }
  if (event.request.mode === 'navigate') {
    // Every page is the same app shell; the router draws the page.
    event.respondWith(caches.match('/index.html').then((cached) => cached || fetch(event.request)));
    return;
  }
  event.respondWith(caches.match(event.request).then((cached) => cached || fetch(event.request)));
});
