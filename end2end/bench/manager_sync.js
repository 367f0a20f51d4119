// Browser bench (run by `make bench`): an account manager with 200 shops on a phone-sized
// page in Debian's Chromium, CPU throttled 4× (a phone is several times slower than this
// machine): his first sync of every shop's documents, a steady-state sync, and his list of
// shops fetching each one's demand for offline suggestions. The server must have been
// started with DINGHUO_DEMO_SHOPS=200 (`bench-00001`…); this script makes `wang` their
// manager through the admin API. Prints a markdown table.
const { chromium } = require('playwright-core');

const BASE = process.env.BENCH_URL || 'http://127.0.0.1:3301';
const SHOPS = 200;

async function api(token, method, path, body) {
  const response = await fetch(BASE + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

(async () => {
  const { token } = await api(null, 'POST', '/api/login', { username: 'admin', password: 'admin123', device_name: 'bench' });
  for (let n = 1; n <= SHOPS; n++) {
    const id = `bench-${String(n).padStart(5, '0')}`;
    const row = await api(token, 'GET', `/api/admin/shops/${id}`);
    const account = row.profile.account && {
      terms: row.profile.account.terms,
      credit_limit: row.profile.account.credit_limit && row.profile.account.credit_limit.amount,
      grace_days: row.profile.account.grace_days,
      suspended: row.profile.account.suspended,
    };
    await api(token, 'PUT', `/api/admin/shops/${id}`, {
      name: row.name, tier: row.tier, active: row.active, region: row.profile.region,
      managers: ['wang'], account, quotas: row.profile.quotas, window: row.profile.window,
    });
  }

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // Sync requests: how many, bytes each way (as sent and received on the wire).
  const sync = { requests: 0, up: 0, down: 0, inFlight: 0 };
  const syncIds = new Set();
  cdp.on('Network.requestWillBeSent', (event) => {
    if (event.request.url.endsWith('/api/sync')) {
      syncIds.add(event.requestId);
      sync.requests += 1;
      sync.inFlight += 1;
      sync.up += (event.request.postData || '').length;
    }
  });
  cdp.on('Network.loadingFinished', (event) => {
    if (syncIds.has(event.requestId)) {
      sync.down += event.encodedDataLength;
      sync.inFlight -= 1;
    }
  });
  cdp.on('Network.loadingFailed', (event) => {
    if (syncIds.has(event.requestId)) sync.inFlight -= 1;
  });
  const settled = async () => {
    await page.locator('[data-testid=sync-state]').filter({ hasText: '已同步' }).waitFor({ timeout: 600_000 });
    while (sync.inFlight > 0) await page.waitForTimeout(20);
  };

  await page.goto(BASE);
  await page.fill('input[name=username]', 'wang');
  await page.fill('input[name=password]', 'wang123');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const firstStart = Date.now();
  await page.click('[data-testid=sign-in]');
  await page.locator('[data-testid=sync-state]').waitFor({ timeout: 120_000 });
  await settled();
  const first = { ms: Date.now() - firstStart, ...sync };

  Object.assign(sync, { requests: 0, up: 0, down: 0 });
  const steadyStart = Date.now();
  await page.click('[data-testid=sync-now]');
  await page.waitForFunction(() => true);
  while (sync.requests === 0 && Date.now() - steadyStart < 10_000) await page.waitForTimeout(10);
  await settled();
  const steady = { ms: Date.now() - steadyStart, ...sync };

  // A cart line added for the shop he is working with: the sync that sends it (his
  // phone's sending sync covers that shop, not all of them).
  Object.assign(sync, { requests: 0, up: 0, down: 0 });
  const sendStart = Date.now();
  await page.locator('[data-testid=add]').first().click();
  while (sync.requests === 0 && Date.now() - sendStart < 10_000) await page.waitForTimeout(10);
  await settled();
  const sending = { ms: Date.now() - sendStart, ...sync };

  const listStart = Date.now();
  await page.click('a[href="/my-shops"]');
  await page.locator('[data-testid=my-shop]').nth(SHOPS - 1).waitFor({ timeout: 120_000 });
  const list = Date.now() - listStart;
  await page.waitForFunction((count) => Object.keys(localStorage)
    .filter((key) => key.startsWith('dinghuo.demand-glance.')).length >= count, SHOPS, { timeout: 600_000, polling: 200 });
  const demands = Date.now() - listStart;
  const kept = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('dinghuo');
    open.onsuccess = () => {
      const request = open.result.transaction('kv').objectStore('kv').getAll(IDBKeyRange.bound('demand/', 'demand/\uffff'));
      request.onsuccess = () => resolve(request.result.reduce((sum, text) => sum + text.length, 0));
      request.onerror = () => reject(request.error);
    };
  }));
  await browser.close();

  const kib = (bytes) => `${Math.round(bytes / 1024)} KiB`;
  console.log(`## An account manager with ${SHOPS} shops in Chromium (360×740, CPU 4× throttled)\n`);
  console.log('| what | time | sync requests | up | down |\n|---|---|---|---|---|');
  console.log(`| sign in → every shop's documents synced (first sync) | ${first.ms} ms | ${first.requests} | ${kib(first.up)} | ${kib(first.down)} |`);
  console.log(`| sync now, nothing changed (steady state) | ${steady.ms} ms | ${steady.requests} | ${kib(steady.up)} | ${kib(steady.down)} |`);
  console.log(`| a cart line added for the shop he works with, and its sync | ${sending.ms} ms | ${sending.requests} | ${kib(sending.up)} | ${kib(sending.down)} |`);
  console.log(`| 我的客户: list of ${SHOPS} shops shown | ${list} ms | | | |`);
  console.log(`| 我的客户: every shop's demand fetched and kept for offline suggestions | ${demands} ms | | | ${kib(kept)} kept in IndexedDB |\n`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
