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
  console.log(`| product rows rendered at once | ${count} |\n`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
