// Browser bench (run by `make bench`): a shop with a 10k-SKU catalog signs in, then opens
// the app with no network, in Debian's Chromium. Prints a markdown table.
const { chromium } = require('playwright-core');

const BASE = process.env.BENCH_URL || 'http://127.0.0.1:3300';
const RELOADS = 5;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // A first visit on a weak link (400 kbit/s, 400 ms each way), nothing cached. Without a
  // service worker: the throttling applies to the page's requests only, and the worker's
  // own (installing the app) would bypass it.
  const weak = await browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: 'block' });
  const weakPage = await weak.newPage();
  const net = await weak.newCDPSession(weakPage);
  await net.send('Network.enable');
  await net.send('Network.emulateNetworkConditions', {
    offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8,
  });
  let firstVisitBytes = 0;
  net.on('Network.loadingFinished', (event) => { firstVisitBytes += event.encodedDataLength; });
  const visitStart = Date.now();
  await weakPage.goto(BASE, { waitUntil: 'commit' });
  await weakPage.locator('[data-testid=shell]').waitFor({ state: 'visible', timeout: 120_000 });
  const toShell = Date.now() - visitStart;
  await weakPage.locator('input[name=username]').waitFor({ timeout: 300_000 });
  const toSignIn = Date.now() - visitStart;
  // Signing in at once (the rest of the app may still be downloading): until the signed-in
  // app shows (its header; the catalog's own download is timed below).
  await weakPage.fill('input[name=username]', 'bamboo');
  await weakPage.fill('input[name=password]', 'bamboo123');
  await weakPage.click('[data-testid=sign-in]');
  await weakPage.locator('[data-testid=sync-state]').waitFor({ timeout: 300_000 });
  const toApp = Date.now() - visitStart;
  await weak.close();

  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  let syncBytes = 0;
  page.on('response', async (response) => {
    if (response.url().endsWith('/api/sync')) syncBytes += (await response.body()).length;
  });
  await page.goto(BASE);
  await page.fill('input[name=username]', 'lotus');
  await page.fill('input[name=password]', 'lotus123');
  const signInStart = Date.now();
  await page.click('[data-testid=sign-in]');
  await page.locator('[data-testid=product]').first().waitFor({ timeout: 120_000 });
  const firstProducts = Date.now() - signInStart;
  await page.locator('[data-testid=sync-state]').filter({ hasText: '已同步' }).waitFor({ timeout: 120_000 });
  const firstSync = Date.now() - signInStart;
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForTimeout(2000); // let the cached view reach IndexedDB

  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
  const toProducts = [];
  const toReady = [];
  for (let i = 0; i < RELOADS; i++) {
    const start = Date.now();
    await page.reload();
    await page.locator('[data-testid=product]').first().waitFor();
    toProducts.push(Date.now() - start);
    await page.locator('[data-testid=sync-indicator][data-ready=true]').waitFor({ timeout: 60_000 });
    toReady.push(Date.now() - start);
  }
  const count = await page.evaluate(() => document.querySelectorAll('[data-testid=product]').length);
  // Each keystroke of a search, and scrolling the whole list, at 4× CPU throttling: the
  // time from the input (or scroll) event until the page has reacted (every microtask run).
  const cpu = await context.newCDPSession(page);
  await cpu.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const keystrokes = await page.evaluate(async (words) => {
    const input = document.querySelector('[data-testid=search]');
    const out = [];
    for (const word of words) {
      for (let i = 1; i <= word.length; i++) {
        const start = performance.now();
        input.value = word.slice(0, i);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise((resolve) => setTimeout(resolve, 0));
        out.push(performance.now() - start);
      }
      const start = performance.now();
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((resolve) => setTimeout(resolve, 0));
      out.push(performance.now() - start);
    }
    return out;
  }, ['lvcha', 'GRN-12', '绿茶']);
  const scrolls = await page.evaluate(async () => {
    const out = [];
    for (let i = 1; i <= 20; i++) {
      const start = performance.now();
      window.scrollTo(0, (document.body.scrollHeight * i) / 20);
      window.dispatchEvent(new Event('scroll'));
      await new Promise((resolve) => setTimeout(resolve, 0));
      out.push(performance.now() - start);
    }
    return out;
  });
  await cpu.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  const searchStart = Date.now();
  await page.fill('[data-testid=search]', 'GRN-1200');
  await page.locator('[data-testid=product][data-sku="GRN-1200"]').waitFor();
  const search = Date.now() - searchStart;
  await browser.close();

  console.log('## A 10,000-SKU catalog in Chromium (desktop CPU; a cheap phone is several times slower)\n');
  console.log('| what | figure |\n|---|---|');
  console.log(`| sign in → first products shown (first download) | ${firstProducts} ms |`);
  console.log(`| sign in → fully synced | ${firstSync} ms, ${Math.round(syncBytes / 1024)} KiB of sync replies |`);
  console.log(`| **offline reload → products shown** (median of ${RELOADS}) | **${median(toProducts)} ms** |`);
  console.log(`| offline reload → all documents loaded, ready to order (median) | ${median(toReady)} ms |`);
  console.log(`| search across 10k products offline | ${search} ms |`);
  console.log(`| product rows rendered at once | ${count} |`);
  console.log(`| search keystroke at 4× CPU throttling (${keystrokes.length} keystrokes: median / max) | ${median(keystrokes).toFixed(1)} / ${Math.max(...keystrokes).toFixed(1)} ms |`);
  console.log(`| scroll step through 10k rows at 4× CPU throttling (20 jumps: median / max) | ${median(scrolls).toFixed(1)} / ${Math.max(...scrolls).toFixed(1)} ms |`);
  console.log(`| first visit at 400 kbit/s, 400 ms: shell shown / sign-in form / signed-in app (signing in at once) | ${toShell} ms / ${toSignIn} ms / ${toApp} ms (${Math.round(firstVisitBytes / 1024)} KiB transferred) |\n`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
