// The storefront as a shop owner tries it on a 360×740 phone (issue 13): every product
// reachable, found by what they type.
const { test, expect } = require('@playwright/test');

test.use({ viewport: { width: 360, height: 740 } });

async function signIn(page, username, password) {
  await page.goto('/');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-testid=sign-in]');
  await expect(page.locator('[data-testid=product]').first()).toBeVisible();
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
}

// No network, as the phone sees it: the browser says so, and nothing reaches the API.
async function goOffline(context) {
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
}

async function goOnline(context) {
  await context.unroute('**/api/**');
  await context.setOffline(false);
}

async function adminToken(request) {
  const login = await request.post('/api/login', { data: { username: 'admin', password: 'admin123' } });
  expect(login.status()).toBe(200);
  return (await login.json()).token;
}

async function shownCount(page) {
  const text = await page.getByTestId('result-count').innerText();
  const match = text.match(/^(\d+) 件商品/);
  expect(match, text).not.toBeNull();
  return Number(match[1]);
}

test('every product is reachable: the whole list scrolls, search finds pinyin, initials and aliases, and says when nothing matches', async ({ page, request }) => {
  // An admin gives a product an alias (a 助记码) a shop owner may type.
  const token = await adminToken(request);
  const edit = await request.put('/api/admin/products/SNK-0003', {
    headers: { Authorization: `Bearer ${token}` },
    data: { aliases: ['招牌薯片', 'zpsp'] },
  });
  expect(edit.status()).toBe(200);
  expect((await edit.json()).pinyin).toContain('shupian100g');

  await signIn(page, 'peach', 'peach123');
  const total = await shownCount(page);
  expect(total).toBeGreaterThanOrEqual(200);
  // Only the rows on screen (and a few around them) are in the page.
  const rendered = await page.locator('[data-testid=product]').count();
  expect(rendered).toBeGreaterThan(4);
  expect(rendered).toBeLessThan(30);
  const rows = () => page.locator('[data-testid=product]').evaluateAll((all) =>
    all.map((row) => ({ at: Number(row.getAttribute('aria-posinset')), sku: row.dataset.sku })));
  const top = await rows();
  // The last product is reached by scrolling, and it is the last of the count.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(page.locator(`[data-testid=product][aria-posinset="${total}"]`)).toBeInViewport();
  expect(await page.locator('[data-testid=product]').count()).toBeLessThan(30);
  // Rows are reused as the list scrolls: wherever it is, the page holds consecutive
  // places of the list in their order, each product once; back at the top, the same
  // products as at first.
  for (const at of [0.37, 0.371, 0.5, 0]) {
    await page.evaluate((f) => window.scrollTo(0, document.body.scrollHeight * f), at);
    await expect.poll(async () => {
      const shown = await rows();
      return shown.every((row, i) => i === 0 || row.at === shown[i - 1].at + 1)
        && new Set(shown.map((row) => row.sku)).size === shown.length;
    }).toBe(true);
  }
  await expect.poll(rows).toEqual(top);

  // Full pinyin: every row shown is a green tea, the search box back at the top.
  const search = page.getByTestId('search');
  await search.fill('lvcha');
  const greenTeas = await shownCount(page);
  expect(greenTeas).toBeGreaterThan(0);
  expect(greenTeas).toBeLessThan(total);
  await expect(search).toBeInViewport();
  for (const name of await page.locator('[data-testid=product] .name').allInnerTexts()) {
    expect(name).toContain('绿茶');
  }
  // Initials, with the size typed after them.
  await search.fill('lc 500');
  await expect(page.locator('[data-testid=product] .name').first()).toContainText('绿茶500ml');
  // Each word must match: fewer than the green teas alone.
  expect(await shownCount(page)).toBeLessThan(greenTeas);
  // An alias the admin gave, and an English name in any case.
  await search.fill('zpsp');
  await expect(page.locator('[data-testid=product]')).toHaveCount(1);
  await expect(page.locator('[data-testid=product]')).toHaveAttribute('data-sku', 'SNK-0003');
  await search.fill('GREEN tea');
  expect(await shownCount(page)).toBe(greenTeas);

  // Nothing matches: said in words, with a way back.
  await search.fill('xyzzy');
  await expect(page.getByTestId('result-count')).toContainText('没有找到相符的商品：“xyzzy”');
  await expect(page.locator('[data-testid=product]')).toHaveCount(0);
  await page.getByTestId('clear-search').click();
  expect(await shownCount(page)).toBe(total);

  // A category: only its products, counted.
  await page.locator('[data-testid=category]', { hasText: '零食' }).click();
  const snacks = await shownCount(page);
  expect(snacks).toBeLessThan(total);
  for (const sku of await page.locator('[data-testid=product]').evaluateAll((rows) => rows.map((r) => r.dataset.sku))) {
    expect(sku.startsWith('SNK-')).toBe(true);
  }
  await page.screenshot({ path: 'test-results/phone-catalog-category.png' });
});

// A shop of the test's own (a retry gets a fresh one: the first attempt's is still there).
async function newShop(request, name, zh, testInfo) {
  const id = `${name}${testInfo.retry ? testInfo.retry : ''}`;
  await api(request, 'POST', '/api/admin/shops', {
    id: `shop-${id}`, name: `${zh} ${name}`, tier: 'bronze', region: '',
    managers: [], owner_username: id, owner_display_name: zh, owner_password: `${name}-secret`,
  });
  return { id: `shop-${id}`, username: id, password: `${name}-secret` };
}

async function api(request, method, path, data) {
  const token = await adminToken(request);
  const response = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}` } });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  return response;
}

test('quantities as shop owners think: cases typed or stepped, the rule said while typing, a removed line can be undone', async ({ page, request }, testInfo) => {
  // A shop whose weekly quota of one product is 4 cases (48 bottles).
  const shop = await newShop(request, 'jujube', '枣小店', testInfo);
  await api(request, 'PUT', `/api/admin/shops/${shop.id}`, {
    name: '枣小店 jujube', tier: 'bronze', active: true, region: '', managers: [], account: null,
    quotas: [{ sku: 'BEV-0011', max_quantity: 48, period: 'week' }], window: null,
  });
  await signIn(page, shop.username, shop.password);
  await page.getByTestId('search').fill('BEV-0011');
  const card = page.locator('[data-testid=product][data-sku="BEV-0011"]');
  // Sold by the case of 12: the case price beside the bottle's.
  const unitPrice = Number((await card.locator('[data-testid=price] .amount').innerText()).replace(/[^\d.]/g, ''));
  await expect(card.getByTestId('case-price')).toHaveText(`¥${(unitPrice * 12).toFixed(2)}/箱`);
  await card.getByTestId('add').click();
  const input = card.getByTestId('qty-input');
  await expect(input).toHaveValue('1');
  await expect(card.getByTestId('qty')).toHaveAttribute('data-units', '12');
  await expect(card.getByTestId('qty')).toHaveText('= 12 瓶');

  // Typed: 3 cases are 36 bottles, at once.
  await input.fill('3');
  await expect(card.getByTestId('qty')).toHaveAttribute('data-units', '36');
  await expect(card.getByTestId('qty-problem')).toHaveCount(0);
  // Over the quota: said while typing, the cart keeps 3 cases.
  await input.fill('5');
  await expect(card.getByTestId('qty-problem')).toHaveText('本周限额还剩 48 瓶');
  await expect(card.getByTestId('qty')).toHaveAttribute('data-units', '36');
  await input.fill('4');
  await expect(card.getByTestId('qty-problem')).toHaveCount(0);
  await expect(card.getByTestId('qty')).toHaveAttribute('data-units', '48');
  // "+" at the quota says so too.
  await card.getByTestId('more').click();
  await expect(card.getByTestId('qty-problem')).toHaveText('本周限额还剩 48 瓶');
  await input.fill('x');
  await expect(card.getByTestId('qty-problem')).toHaveText('请输入整数');
  await input.fill('2');
  await input.press('Enter');
  await expect(card.getByTestId('qty')).toHaveAttribute('data-units', '24');

  // Another product's maximum (50 cases) is said in cases.
  await page.getByTestId('search').fill('BEV-0005');
  const other = page.locator('[data-testid=product][data-sku="BEV-0005"]');
  await other.getByTestId('add').click();
  await other.getByTestId('qty-input').fill('60');
  await expect(other.getByTestId('qty-problem')).toHaveText('最多 50 箱');
  await page.screenshot({ path: 'test-results/phone-quantity-rule.png' });
  // The row on screen is reused for the next search's product: what was typed and said
  // about the other one is not carried over.
  await page.getByTestId('search').fill('BEV-0011');
  await expect(card.getByTestId('qty-input')).toHaveValue('2');
  await expect(card.getByTestId('qty')).toHaveAttribute('data-units', '24');
  await expect(card.getByTestId('qty-problem')).toHaveCount(0);
  await page.getByTestId('search').fill('BEV-0005');
  await expect(other.getByTestId('qty-problem')).toHaveCount(0);
  await other.getByTestId('qty-input').fill('2');

  // Typing 0 and leaving the field removes the line, with a way back.
  await page.getByTestId('search').fill('BEV-0011');
  await input.fill('0');
  await input.press('Enter');
  await expect(card.getByTestId('add')).toBeVisible();
  await expect(page.getByTestId('undo-bar')).toContainText('已从购物车移除：');
  await page.getByTestId('undo').click();
  await expect(card.getByTestId('qty')).toHaveAttribute('data-units', '24');
  // "−" at one case removes it too, and the undo bar brings it back in the cart.
  await card.getByTestId('less').click();
  await card.getByTestId('less').click();
  await expect(card.getByTestId('add')).toBeVisible();
  await page.click('a[href="/cart"]');
  await expect(page.locator('[data-testid=cart-line]')).toHaveCount(1);
  await page.getByTestId('undo').click();
  await expect(page.locator('[data-testid=cart-line]')).toHaveCount(2);
  await expect(page.locator('[data-testid=cart-line][data-sku="BEV-0011"] [data-testid=qty]')).toHaveAttribute('data-units', '12');
  await page.screenshot({ path: 'test-results/phone-cart-cases.png' });
});

test('order again in one tap: what can be ordered goes into the cart, what cannot is named with why', async ({ page, request }, testInfo) => {
  const shop = await newShop(request, 'pear', '梨小店', testInfo);
  const oolong = `TEA-920${testInfo.retry}`;
  await api(request, 'POST', '/api/admin/products', {
    sku: oolong, name: { en: 'Oolong 250g', zh_hans: '乌龙茶250g', zh_hant: '烏龍茶250g' },
    category: 'beverages', unit: { en: 'box', zh_hans: '盒', zh_hant: '盒' }, list_price: '18.00',
    pack_size: 6, min_quantity: 6,
  });
  await signIn(page, shop.username, shop.password);
  const search = page.getByTestId('search');
  for (const sku of [oolong, 'BEV-0006']) {
    await search.fill(sku);
    await page.locator(`[data-testid=product][data-sku="${sku}"] [data-testid=add]`).click();
  }
  await page.click('a[href="/cart"]');
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  const orderUrl = page.url();

  // The oolong is discontinued; the phone learns it on its next sync.
  await api(request, 'PUT', `/api/admin/products/${oolong}`, { active: false });
  await page.getByTestId('sync-now').click();
  await page.click('a[href="/"]');
  await search.fill(oolong);
  await expect(page.locator(`[data-testid=product][data-sku="${oolong}"] .discontinued`)).toBeVisible();

  await page.goto(orderUrl);
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await page.getByTestId('reorder').click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.locator('[data-testid=cart-line]')).toHaveCount(1);
  await expect(page.locator('[data-testid=cart-line][data-sku="BEV-0006"] [data-testid=qty]')).toHaveAttribute('data-units', '12');
  await expect(page.getByTestId('reorder-report')).toContainText('已加入购物车的商品种数： 1');
  await expect(page.locator(`[data-testid=reorder-note][data-sku="${oolong}"]`)).toHaveText('乌龙茶250g — 未加入：已停售');
  await page.screenshot({ path: 'test-results/phone-reorder.png' });
});

test('quick ordering: favourites and usual products as filters, and a pasted list read into the cart', async ({ page, request }, testInfo) => {
  const shop = await newShop(request, 'apricot', '杏小店', testInfo);
  await signIn(page, shop.username, shop.password);
  // A favourite, starred in the list, kept across a reload.
  await page.getByTestId('favourites-chip').click();
  await expect(page.getByTestId('result-count')).toContainText('还没有收藏');
  await page.locator('[data-testid=category]', { hasText: '零食' }).click();
  await page.locator('[data-testid=product][data-sku="SNK-0002"] [data-testid=favourite]').click();
  await expect(page.locator('[data-testid=product][data-sku="SNK-0002"] [data-testid=favourite]')).toHaveAttribute('aria-pressed', 'true');
  await page.reload();
  await page.getByTestId('favourites-chip').click();
  await expect(page.locator('[data-testid=product]')).toHaveCount(1);
  await expect(page.locator('[data-testid=product]')).toHaveAttribute('data-sku', 'SNK-0002');

  // A list pasted from a message: codes, names, pinyin, with and without unit words.
  await page.getByTestId('favourites-chip').click();
  await page.getByTestId('quick-link').click();
  await page.getByTestId('quick-text').fill([
    'BEV-0001 2',
    '可乐500ml×3箱',
    'lc1l，1',
    '绿茶',
    '咖啡 2',
    'SNK-0001',
    'BEV-0002 60',
  ].join('\n'));
  await page.getByTestId('quick-check').click();
  const lines = page.getByTestId('quick-line');
  await expect(lines).toHaveCount(7);
  await expect(lines.nth(0)).toHaveAttribute('data-ok', 'true');
  await expect(lines.nth(0)).toContainText('绿茶330ml × 2 箱 (= 24 瓶)');
  await expect(lines.nth(1)).toContainText('可乐500ml × 3 箱');
  await expect(lines.nth(2)).toContainText('绿茶1L × 1 箱');
  await expect(lines.nth(3)).toContainText('有几个商品相符');
  await expect(lines.nth(4)).toContainText('没有找到这个商品');
  await expect(lines.nth(5)).toContainText('请在后面写上数量');
  await expect(lines.nth(6)).toContainText('最多 50 箱');
  await page.screenshot({ path: 'test-results/phone-quick-entry.png' });
  await page.getByTestId('quick-add').click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.locator('[data-testid=cart-line]')).toHaveCount(3);
  await expect(page.locator('[data-testid=cart-line][data-sku="BEV-0007"] [data-testid=qty]')).toHaveAttribute('data-units', '36');

  // Ordered once: "usual" lists what this shop orders.
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  await page.click('a[href="/"]');
  await page.getByTestId('usual-chip').click();
  await expect(page.locator('[data-testid=product]')).toHaveCount(3);
});

test('offers: the promotions this shop can use, in words, and in the cart how close it is to free delivery and the next one', async ({ page, request }, testInfo) => {
  const shop = await newShop(request, 'guava', '番石榴小店', testInfo);
  await signIn(page, shop.username, shop.password);
  // The demo's three offers for every bronze shop (and any other test's still on).
  const on = Number((await page.getByTestId('offers-link').innerText()).match(/^(\d+) 个优惠进行中 ›$/)[1]);
  expect(on).toBeGreaterThanOrEqual(3);
  await page.getByTestId('offers-link').click();
  await expect(page.locator('[data-testid=offers-now] [data-testid=offer]')).toHaveCount(on);
  const offer = (id) => page.locator(`[data-testid=offer][data-id="${id}"]`);
  await expect(offer('bev-300-20')).toContainText('饮料满300减20');
  await expect(offer('bev-300-20').getByTestId('offer-text')).toHaveText('每满 ¥300.00 减 ¥20.00，限 饮料');
  await expect(offer('milk-10-1').getByTestId('offer-text')).toContainText('买 ');
  await expect(offer('coupon-new20').getByTestId('offer-text')).toHaveText('立减 ¥20.00，满 ¥150.00 可用');
  await expect(offer('coupon-new20')).toContainText('需输入优惠券');
  // A gold tier's offer is not this bronze shop's.
  await expect(offer('gold-1000-5pct')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/phone-offers.png' });

  await page.click('a[href="/"]');
  await page.getByTestId('search').fill('BEV-0012');
  await page.locator('[data-testid=product][data-sku="BEV-0012"] [data-testid=add]').click();
  await page.click('a[href="/cart"]');
  const total = Number((await page.getByTestId('line-total').innerText()).replace(/[^\d.]/g, ''));
  expect(total).toBeLessThan(200);
  const nudges = page.getByTestId('nudge');
  await expect(nudges.nth(0)).toHaveText(`再买 ¥${(200 - total).toFixed(2)} 免运费`);
  await expect(nudges.nth(1)).toHaveText(`再买 ¥${(300 - total).toFixed(2)} 可享饮料满300减20`);
  await page.screenshot({ path: 'test-results/phone-cart-nudges.png' });
  // In English too.
  await page.selectOption('[data-testid=lang]', 'en');
  await expect(nudges.nth(0)).toHaveText(`Add ¥${(200 - total).toFixed(2)} more for free delivery`);
});

test('orders not yet sent are never wiped by another user signing in, and the app asks to keep its storage', async ({ browser, request }, testInfo) => {
  const shop = await newShop(request, 'olive', '橄榄小店', testInfo);
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page, shop.username, shop.password);
  // It asked the browser to keep its storage, and says what the browser answered.
  await page.click('a[href="/account"]');
  await expect(page.getByTestId('storage-persistent')).toHaveAttribute('data-persisted', /^(true|false)$/);

  // An order placed offline, then the session gone (expired on a shared phone).
  await goOffline(context);
  await page.click('a[href="/"]');
  await page.getByTestId('search').fill('BEV-0001');
  await page.locator('[data-testid=product][data-sku="BEV-0001"] [data-testid=add]').click();
  await page.click('a[href="/cart"]');
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');
  const orderId = page.url().split('/orders/')[1];
  await page.evaluate(() => localStorage.removeItem('dinghuo.session'));
  await goOnline(context);
  await page.goto('/');

  // Someone else tries to sign in on this phone: refused, saying whose orders wait.
  await page.fill('input[name=username]', 'peach');
  await page.fill('input[name=password]', 'peach123');
  await page.click('[data-testid=sign-in]');
  await expect(page.getByTestId('unsent-elsewhere')).toContainText(`${shop.username} · 1 张`);
  await expect(page.locator('[data-testid=product]')).toHaveCount(0);
  // The owner signs in again: the order is still there and reaches the server.
  await page.fill('input[name=username]', shop.username);
  await page.fill('input[name=password]', shop.password);
  await page.click('[data-testid=sign-in]');
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await page.goto(`/orders/${orderId}`);
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  await context.close();
});

// Accessibility (axe-core, WCAG 2.1 A and AA) of the main screens at 360×740: no serious or
// critical violation.
const { AxeBuilder } = require('@axe-core/playwright');

test('the main screens pass an accessibility check at phone size', async ({ page }) => {
  await signIn(page, 'bamboo', 'bamboo123');
  // Each row's whole price shows at 360 px: the shop's price, the case price, its badge and
  // the struck-out list price wrap beside the button, never cut off.
  await expect(page.locator('[data-testid=product] .price s').first()).toBeVisible();
  const cut = await page.evaluate(() => [...document.querySelectorAll('[data-testid=product] .price')]
    .filter((p) => p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1)
    .map((p) => p.textContent));
  expect(cut).toEqual([]);
  const screens = [
    ['/', null],
    ['/offers', '[data-testid=offers-now]'],
    ['/quick', '[data-testid=quick-text]'],
    ['/orders', null],
    ['/account', null],
    ['/cart', null],
  ];
  const found = [];
  for (const [path, ready] of screens) {
    await page.goto(path);
    await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
    if (ready) await page.locator(ready).waitFor();
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
    for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
      found.push(`${path}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    }
  }
  expect(found).toEqual([]);
});

test('a phone whose clock is 3 days ahead is told so, and its orders show and sort by the server time', async ({ browser, request }, testInfo) => {
  const shop = await newShop(request, 'cherry', '樱桃小店', testInfo);
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  await context.addInitScript(() => {
    const shift = 3 * 24 * 3600 * 1000;
    const RealDate = Date;
    class ShiftedDate extends RealDate {
      constructor(...args) { if (args.length === 0) super(RealDate.now() + shift); else super(...args); }
      static now() { return RealDate.now() + shift; }
    }
    globalThis.Date = ShiftedDate;
  });
  const page = await context.newPage();
  await signIn(page, shop.username, shop.password);
  await expect(page.getByTestId('clock-off')).toContainText('手机时间比服务器快 3 天');
  await page.getByTestId('search').fill('BEV-0013');
  await page.locator('[data-testid=product][data-sku="BEV-0013"] [data-testid=add]').click();
  await page.click('a[href="/cart"]');
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  // The server's time first, the phone's only as "placed offline at".
  const today = new Date();
  const serverDay = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  await expect(page.getByTestId('placed-at')).toContainText('离线下单于');
  await expect(page.getByTestId('placed-at')).toContainText(serverDay);
  await page.click('a[href="/orders"]');
  await expect(page.locator('[data-testid=order] .meta').first()).toContainText(serverDay);
  await context.close();
});

test('a new build reaches the phone the next time it opens the app: it says so and reloads when the user taps', async ({ page }) => {
  const fs = require('fs');
  const path = require('path');
  const sw = path.join(__dirname, '../../target/site/sw.js');
  const original = fs.readFileSync(sw, 'utf8');
  try {
    await signIn(page, 'peach', 'peach123');
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await expect(page.locator('[data-testid=product]').first()).toBeVisible();
    await expect(page.getByTestId('update-banner')).toHaveCount(0);
    // The server now has a new build (its service worker changed).
    fs.writeFileSync(sw, `${original}\n// a new build\n`);
    await page.reload();
    await expect(page.getByTestId('update-banner')).toBeVisible();
    await expect(page.getByTestId('update-banner')).toHaveText('有新版本，点此更新 · New version: tap to reload');
    // Static files are revalidated, never kept without asking.
    const response = await page.request.get('/pkg/app.js');
    expect(response.headers()['cache-control']).toBe('no-cache');
    await page.getByTestId('update-banner').click();
    await expect(page.locator('[data-testid=product]').first()).toBeVisible();
    await expect(page.getByTestId('update-banner')).toHaveCount(0);
  } finally {
    fs.writeFileSync(sw, original);
  }
});

test('two tabs of one shop offline: an order placed in a tab closed before it synced reaches the server from the other', async ({ browser, request }, testInfo) => {
  const shop = await newShop(request, 'kumquat', '金桔小店', testInfo);
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const first = await context.newPage();
  await signIn(first, shop.username, shop.password);
  await first.evaluate(() => navigator.serviceWorker.ready);
  const second = await context.newPage();
  await second.goto('/');
  await expect(second.locator('[data-testid=sync-state]')).toHaveText('已同步');

  await goOffline(context);
  // Each tab puts a line in the cart; each sees the other's.
  await first.getByTestId('search').fill('SNK-0006');
  await first.locator('[data-testid=product][data-sku="SNK-0006"] [data-testid=add]').click();
  await second.getByTestId('search').fill('SNK-0007');
  await second.locator('[data-testid=product][data-sku="SNK-0007"] [data-testid=add]').click();
  await expect(first.getByTestId('cart-count')).toHaveText('2');
  await expect(second.getByTestId('cart-count')).toHaveText('2');
  // The first tab places the order and is closed before any network.
  await first.click('a[href="/cart"]');
  await first.click('[data-testid=place-order]');
  await expect(first.locator('[data-testid=order-state]')).toHaveText('等待同步');
  const orderId = first.url().split('/orders/')[1];
  await first.close();
  await expect(second.getByTestId('pending-count')).toHaveAttribute('data-count', '1');
  // A third tab opened offline sees it too.
  const third = await context.newPage();
  await third.goto(`/orders/${orderId}`);
  await expect(third.locator('[data-testid=order-state]')).toHaveText('等待同步');
  await third.close();

  await goOnline(context);
  await second.getByTestId('sync-now').click();
  await expect(second.getByTestId('pending-count')).toHaveAttribute('data-count', '0');
  const token = await adminToken(request);
  const orders = await request.get(`/api/orders?shop=${shop.id}`, { headers: { Authorization: `Bearer ${token}` } });
  const mine = (await orders.json()).orders.filter((o) => o.request_id === orderId);
  expect(mine).toHaveLength(1);
  await context.close();
});

test('storage cleared while an order waits: the phone says the order is lost, and downloads the rest again', async ({ browser, request }, testInfo) => {
  const shop = await newShop(request, 'yuzu', '柚子小店', testInfo);
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page, shop.username, shop.password);
  await goOffline(context);
  await page.getByTestId('search').fill('SNK-0008');
  await page.locator('[data-testid=product][data-sku="SNK-0008"] [data-testid=add]').click();
  await page.click('a[href="/cart"]');
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');
  // The browser clears the site's IndexedDB (as under storage pressure).
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.clearDataForOrigin', { origin: new URL(page.url()).origin, storageTypes: 'indexeddb' });
  await goOnline(context);
  await page.goto('/');
  await expect(page.getByTestId('header-notice')).toContainText('1 张未同步的订单无法恢复');
  await expect(page.locator('[data-testid=product]').first()).toBeVisible();
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await context.close();
});

test('pictures: photos seen stay on the phone offline; on a slow connection the data saver is offered, and it shows no photos and counts what was downloaded', async ({ browser, request }, testInfo) => {
  // A product with a photo (a 2×2 PNG; the server makes the thumbnails).
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4IScHRAwQCgAfJgQRoo8irwAAAABJRU5ErkJggg==', 'base64');
  const token = await adminToken(request);
  const upload = await request.post('/api/admin/products/SNK-0004/image', {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' }, data: png,
  });
  expect(upload.status(), await upload.text()).toBeLessThan(300);
  const shop = await newShop(request, 'longan', '龙眼小店', testInfo);
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  // The phone is on 2G.
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'connection', { get: () => ({ effectiveType: '2g', saveData: false }) });
  });
  const page = await context.newPage();
  await signIn(page, shop.username, shop.password);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect(page.getByTestId('data-saver-offer')).toBeVisible();
  const card = page.locator('[data-testid=product][data-sku="SNK-0004"]');
  await page.getByTestId('search').fill('SNK-0004');
  const photo = card.getByTestId('photo');
  await expect(photo).toBeVisible();
  await expect.poll(() => photo.evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);

  // Offline: the photo seen is still there.
  await goOffline(context);
  await page.reload();
  await page.getByTestId('search').fill('SNK-0004');
  await expect.poll(() => card.getByTestId('photo').evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  await goOnline(context);

  // The data saver, as offered: no photos.
  await page.getByTestId('data-saver-yes').click();
  await expect(page.getByTestId('data-saver-offer')).toHaveCount(0);
  await page.click('a[href="/account"]');
  await expect(page.getByTestId('data-saver-toggle')).toBeChecked();
  const used = await page.getByTestId('data-used').innerText();
  const megabytes = Number(used.match(/([\d.]+) MB/)[1]);
  expect(megabytes).toBeGreaterThan(0.1);
  await page.click('a[href="/"]');
  await page.getByTestId('search').fill('SNK-0004');
  await expect(card).toBeVisible();
  await expect(card.getByTestId('photo')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/phone-data-saver.png' });
  await context.close();
});

test('the first download is the sign-in form: the rest of the app comes after it, and a failed download says so and can be tried again', async ({ browser }) => {
  // No service worker: the test sees (and cuts) every request the page makes.
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const wasm = [];
  page.on('request', (req) => { if (req.url().endsWith('.wasm')) wasm.push(new URL(req.url()).pathname); });
  let cut = true;
  await page.route('**/pkg/split_*.wasm', (route) => (cut ? route.abort('internetdisconnected') : route.continue()));
  await page.goto('/');
  await expect(page.locator('input[name=username]')).toBeVisible();
  // The main module first; the signed-in app's own module is named by its build.
  expect(wasm[0]).toBe('/pkg/app_bg.wasm');
  await expect.poll(() => wasm.length).toBeGreaterThan(1);
  expect(wasm[1]).toMatch(/^\/pkg\/split_signed_in\.[0-9a-f]{12}\.wasm$/);

  await page.fill('input[name=username]', 'bamboo');
  await page.fill('input[name=password]', 'bamboo123');
  await page.click('[data-testid=sign-in]');
  await expect(page.getByTestId('load-failed')).toContainText('应用未能下载完');
  cut = false;
  await page.getByTestId('load-failed').getByRole('button', { name: '重试' }).click();
  await expect(page.locator('[data-testid=product]').first()).toBeVisible();
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await context.close();
});

test("an order that costs more than the phone showed waits for the shop's OK: accepted offline in one tap, or cancelled", async ({ browser, request }, testInfo) => {
  const shop = await newShop(request, 'persimmon', '柿子小店', testInfo);
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await signIn(page, shop.username, shop.password);
  const card = page.locator('[data-testid=product][data-sku="SNK-0012"]');
  const offline = () => goOffline(context);
  const online = async () => {
    await goOnline(context);
    await page.click('[data-testid=sync-now]');
  };
  // Without a price hold (the distributor turned it off), a price raised while the phone
  // was offline is the server's.
  const rules = await (await api(request, 'GET', '/api/admin/approval-rules')).json();
  await api(request, 'PUT', '/api/admin/approval-rules', { rules: { ...rules.rules, price_hold_hours: 0 } });
  const edit = await api(request, 'GET', '/api/admin/products?q=SNK-0012');
  const was = (await edit.json()).products[0].list_price.amount;
  try {
    await page.click('[data-testid=sync-now]');
    await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
    // Offline, two orders of a case of sunflower seeds at the price the phone knows.
    await offline();
    for (const _ of [1, 2]) {
      await page.getByTestId('search').fill('SNK-0012');
      await card.getByTestId('add').click();
      await page.click('a[href="/cart"]');
      // The cart says when its prices are from and what happens if the server's are higher.
      await expect(page.getByTestId('prices-as-of')).toContainText('价格更新于 20');
      await expect(page.getByTestId('prices-as-of')).toContainText('会先请您确认');
      await expect(page.getByTestId('prices-as-of')).not.toContainText('小时内下单按此价格');
      await page.click('[data-testid=place-order]');
      await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');
      await page.click('a[href="/"]');
    }
    // Meanwhile the distributor's price goes up by half.
    await api(request, 'PUT', '/api/admin/products/SNK-0012', { list_price: (Number(was) * 1.5).toFixed(2) });
    await online();
    await page.click('a[href="/orders"]');
    const orders = page.locator('[data-testid=order]');
    await expect(orders.getByTestId('order-state')).toHaveText(['待您确认', '待您确认']);

    // The first: what it costs against what the phone showed, until when; accepted offline.
    await orders.nth(1).locator('a').click();
    const waiting = page.getByTestId('awaiting-ok');
    await expect(waiting).toContainText('订单有变化，请确认后发货');
    await expect(page.getByTestId('awaiting-amounts')).toContainText('下单时显示的金额为 ¥');
    await expect(page.getByTestId('awaiting-amounts')).toContainText('(+¥');
    await expect(page.getByTestId('awaiting-until')).toContainText('前确认，否则订单自动取消');
    await page.screenshot({ path: 'test-results/phone-awaiting-ok.png' });
    await offline();
    await page.getByTestId('accept-order').click();
    await expect(page.getByTestId('accept-pending')).toBeVisible();
    await online();
    await expect(page.locator('h2 [data-testid=order-state]')).toHaveText('已确认');
    await expect(page.getByTestId('awaiting-ok')).toHaveCount(0);
    await expect(page.getByTestId('history')).toContainText('门店已确认');
    await expect(page.getByTestId('change')).toContainText('价格已变更，原价');
    await expect(page.getByTestId('prices-held')).toHaveCount(0);

    // The second: cancelled instead.
    await page.click('a[href="/orders"]');
    await orders.nth(0).locator('a').click();
    await expect(page.getByTestId('awaiting-ok')).toBeVisible();
    await page.getByTestId('cancel-order').click();
    await page.getByTestId('confirm-cancel').click();
    await page.click('[data-testid=sync-now]');
    await expect(page.locator('h2 [data-testid=order-state]')).toHaveText('已取消');
  } finally {
    await api(request, 'PUT', '/api/admin/products/SNK-0012', { list_price: was });
    await api(request, 'PUT', '/api/admin/approval-rules', rules);
  }
  await context.close();
});

test("the back office says when an order waits for the shop's OK, and an admin changes it", async ({ page }) => {
  await page.goto('/office/');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'admin123');
  await page.click('[data-testid=sign-in]');
  await page.click('a[href="/office/orders"]');
  const rules = page.getByTestId('approval-rules');
  await expect(rules).toContainText('2% 且超过 ¥5.00');
  await expect(rules).toContainText('24 小时');
  await page.getByTestId('edit-approval').click();
  await page.getByTestId('approval-hours').fill('0');
  await page.getByTestId('save-approval').click();
  await expect(page.getByTestId('approval-problem')).toBeVisible();
  await page.getByTestId('approval-hours').fill('48');
  await page.getByTestId('save-approval').click();
  await expect(rules).toContainText('48 小时');
  await page.getByTestId('edit-approval').click();
  await page.getByTestId('approval-hours').fill('24');
  await page.getByTestId('save-approval').click();
  await expect(rules).toContainText('保价：手机收到的价格保持 24 小时');
  // The price hold: at most a week (the price history the server keeps); 0 turns it off.
  await page.getByTestId('edit-approval').click();
  await page.getByTestId('approval-hold').fill('200');
  await page.getByTestId('save-approval').click();
  await expect(page.getByTestId('approval-problem')).toBeVisible();
  await page.getByTestId('approval-hold').fill('0');
  await page.getByTestId('save-approval').click();
  await expect(rules).toContainText('不保价');
  await page.getByTestId('edit-approval').click();
  await page.getByTestId('approval-hold').fill('24');
  await page.getByTestId('save-approval').click();
  await expect(rules).toContainText('保价：手机收到的价格保持 24 小时');
});
