// A shop owner orders with no network at all; the order reaches the server exactly once
// and comes back confirmed. Then two devices edit one cart offline and both edits survive.
const { test, expect } = require('@playwright/test');

// Every page the tests open reports Content-Security-Policy violations here; a test fails
// if the app needed anything the server's policy forbids.
const cspViolations = [];

async function newPage(context) {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
      cspViolations.push(message.text());
    }
  });
  return page;
}

test.afterEach(() => {
  expect(cspViolations.splice(0)).toEqual([]);
});

async function signIn(page, username, password) {
  await page.goto('/');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-testid=sign-in]');
  await expect(page.locator('[data-testid=product]').first()).toBeVisible();
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await page.evaluate(() => navigator.serviceWorker.ready);
}

async function goOffline(context) {
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
}

async function goOnline(context) {
  await context.unroute('**/api/**');
  await context.setOffline(false);
}

function product(page, sku) {
  return page.locator(`[data-testid=product][data-sku="${sku}"]`);
}

// The admin signs in once for this file (sign-in is limited to 5 a minute per account) and
// renews the pair when the access token (3 s here) may have run out.
let admin = null;
async function adminToken(request) {
  if (!admin) {
    const login = await request.post('/api/login', { data: { username: 'admin', password: 'admin123' } });
    expect(login.status()).toBe(200);
    admin = { ...(await login.json()), at: Date.now() };
  } else if (Date.now() - admin.at > 1500) {
    const renewed = await request.post('/api/refresh', { data: { refresh_token: admin.refresh_token } });
    expect(renewed.status()).toBe(200);
    admin = { ...(await renewed.json()), at: Date.now() };
  }
  return admin.token;
}

async function serverOrders(request) {
  const token = await adminToken(request);
  const orders = await request.get('/api/orders', { headers: { Authorization: `Bearer ${token}` } });
  expect(orders.status()).toBe(200);
  return (await orders.json()).orders;
}

test('an order placed offline after a reload is confirmed once when the network returns', async ({ browser, request }) => {
  const context = await browser.newContext();
  const page = await newPage(context);
  await signIn(page, 'lotus', 'lotus123');
  await product(page, 'BEV-0001').locator('[data-testid=add]').click();
  await expect(page.locator('[data-testid=cart-count]')).toHaveText('1');

  await goOffline(context);
  const reloaded = await page.reload();
  expect(reloaded.fromServiceWorker()).toBe(true);
  await expect(page.locator('[data-testid=product]').first()).toBeVisible();
  await expect(page.locator('[data-testid=cart-count]')).toHaveText('1');

  await page.click('a[href="/cart"]');
  // ¥24.84 of tea (Lotus's own price) and ¥8.00 delivery: under ¥200 ships at a fee.
  await expect(page.locator('[data-testid=cart-total]')).toHaveText('¥32.84');
  await expect(page.locator('[data-testid=shipping]')).toHaveText('¥8.00');
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');
  await expect(page.locator('[data-testid=pending-count]')).toHaveAttribute('data-count', '1');
  // "Sync now" offline says what happened, and when the phone last synced stays shown.
  const lastSynced = await page.locator('[data-testid=last-synced]').textContent();
  expect(lastSynced).toMatch(/^上次同步 (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}$/);
  await page.click('[data-testid=sync-now]');
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('离线');
  await expect(page.locator('[data-testid=sync-feedback]')).toHaveText('没有网络：订单已保存在手机上，联网后自动同步');
  await expect(page.locator('[data-testid=last-synced]')).toHaveText(lastSynced);
  await page.screenshot({ path: 'test-results/phone-sync-offline.png' });
  const requestId = page.url().split('/orders/')[1];

  // The order history works offline too.
  await page.click('a[href="/orders"]');
  await expect(page.locator('[data-testid=order]')).toHaveCount(1);
  await expect(page.locator('[data-testid=order] [data-testid=order-state]')).toHaveText('等待同步');
  await page.click('[data-testid=order] a');

  // The network returns: the app syncs by itself, no button pressed.
  await goOnline(context);
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  await expect(page.locator('[data-testid=pending-count]')).toHaveAttribute('data-count', '0');
  await expect(page.locator('[data-testid=order-total]')).toHaveText('¥32.84');

  // Syncing again (and again) never makes a second order.
  await page.click('[data-testid=sync-now]');
  await expect(page.locator('[data-testid=sync-feedback]')).toHaveText('已与服务器同步');
  await page.reload();
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  const orders = await serverOrders(request);
  expect(orders.filter((o) => o.request_id === requestId)).toHaveLength(1);
  expect(orders.filter((o) => o.shop === 'shop-lotus')).toHaveLength(1);

  await page.click('a[href="/orders"]');
  await expect(page.locator('[data-testid=order]')).toHaveCount(1);
  await context.close();
});

test('two devices edit one cart offline and both edits survive the merge', async ({ browser }) => {
  const phoneContext = await browser.newContext();
  const tabletContext = await browser.newContext();
  const phone = await newPage(phoneContext);
  const tablet = await newPage(tabletContext);
  await signIn(phone, 'bamboo', 'bamboo123');
  await product(phone, 'BEV-0002').locator('[data-testid=add]').click();
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await signIn(tablet, 'bamboo', 'bamboo123');
  await expect(product(tablet, 'BEV-0002').locator('[data-testid=qty]')).toHaveAttribute('data-units', '12');

  await goOffline(phoneContext);
  await goOffline(tabletContext);
  await phone.fill('[data-testid=search]', 'SNK-0001');
  await product(phone, 'SNK-0001').locator('[data-testid=add]').click();
  await phone.fill('[data-testid=search]', '');
  await product(phone, 'BEV-0002').locator('[data-testid=more]').click();
  await tablet.fill('[data-testid=search]', 'DRY-0003');
  await product(tablet, 'DRY-0003').locator('[data-testid=add]').click();
  await tablet.fill('[data-testid=search]', '');
  await product(tablet, 'BEV-0002').locator('[data-testid=more]').click();
  await expect(product(phone, 'BEV-0002').locator('[data-testid=qty]')).toHaveAttribute('data-units', '24');
  await expect(product(tablet, 'BEV-0002').locator('[data-testid=qty]')).toHaveAttribute('data-units', '24');

  await goOnline(phoneContext);
  await goOnline(tabletContext);
  const line = (page, sku) => page.locator(`[data-testid=cart-line][data-sku="${sku}"] [data-testid=qty]`);
  for (const page of [phone, tablet]) {
    await page.click('a[href="/cart"]');
  }
  await expect(async () => {
    for (const page of [phone, tablet]) {
      await page.click('[data-testid=sync-now]');
      await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步', { timeout: 5_000 });
    }
    for (const page of [phone, tablet]) {
      // Both increases of the same line count: 12 + 12 + 12.
      await expect(line(page, 'BEV-0002')).toHaveAttribute('data-units', '36', { timeout: 1_000 });
      await expect(line(page, 'SNK-0001')).toHaveAttribute('data-units', '10', { timeout: 1_000 });
      await expect(line(page, 'DRY-0003')).toHaveAttribute('data-units', '6', { timeout: 1_000 });
      await expect(page.locator('[data-testid=cart-count]')).toHaveText('3', { timeout: 1_000 });
    }
  }).toPass({ timeout: 30_000 });
  await phoneContext.close();
  await tabletContext.close();
});

test('when prices change while a shop is offline, the prices it saw hold and the confirmed order shows what changed', async ({ browser, request }) => {
  const context = await browser.newContext();
  const page = await newPage(context);
  await signIn(page, 'peach', 'peach123');
  await product(page, 'BEV-0003').locator('[data-testid=add]').click();
  await product(page, 'BEV-0004').locator('[data-testid=add]').click();
  await expect(page.locator('[data-testid=cart-count]')).toHaveText('2');

  await goOffline(context);
  await page.click('a[href="/cart"]');
  // The cart says when its prices are from, and for how long they hold (the demo: 24 h).
  await expect(page.getByTestId('prices-as-of')).toContainText('24 小时内下单按此价格');
  const seen = await page.locator('[data-testid=cart-line][data-sku="BEV-0003"] [data-testid=line-total]').textContent();
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');

  // Meanwhile, in the back office: a dearer list price and a discontinued product.
  const headers = { Authorization: `Bearer ${await adminToken(request)}` };
  expect((await request.put('/api/admin/products/BEV-0003', { headers, data: { list_price: '9.99' } })).status()).toBe(200);
  expect((await request.put('/api/admin/products/BEV-0004', { headers, data: { active: false } })).status()).toBe(200);

  await goOnline(context);
  await page.click('[data-testid=sync-now]');
  // A line the server could not take: the order waits for the shop's OK, which it gives.
  await expect(page.locator('[data-testid=order-state]')).toHaveText('待您确认');
  await expect(page.getByTestId('awaiting-dropped')).toContainText('无法供货');
  await page.getByTestId('accept-order').click();
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  // The green tea at the price the phone showed (held), not ¥9.99; the device had shown
  // a different total (with the dropped line), and says so.
  await expect(page.locator('.lines .line-total')).toHaveText([seen]);
  await expect(page.getByTestId('prices-held')).toContainText('已按 ');
  await expect(page.getByTestId('prices-held')).toContainText('的价格确认：绿茶1L');
  await expect(page.locator('[data-testid=total-changed]')).toBeVisible();
  await expect(page.locator('[data-testid=change]')).toHaveCount(1);
  await expect(page.locator('[data-testid=change]').nth(0)).toContainText('已停售');
  await expect(page.getByTestId('history')).toContainText('保价：按手机上显示的价格确认：绿茶1L');
  await page.screenshot({ path: 'test-results/phone-prices-held.png', fullPage: true });

  // In English too.
  await page.selectOption('[data-testid=lang]', 'en');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('Confirmed');
  await expect(page.locator('[data-testid=change]').nth(0)).toContainText('Discontinued');
  await expect(page.getByTestId('prices-held')).toContainText('Confirmed at the prices of ');
  // The order list says so too.
  await page.click('a[href="/orders"]');
  await expect(page.locator('[data-testid=order-changed]').first()).toHaveText('Lines the server changed: 1');
  await context.close();
});

test('an order placed offline survives an expired token and a revoked device', async ({ browser, request }) => {
  const context = await browser.newContext();
  const page = await newPage(context);
  await signIn(page, 'peach', 'peach123');
  await goOffline(context);
  // Offline for longer than an access token lives (3 s in these tests).
  await page.waitForTimeout(3500);
  await product(page, 'BEV-0002').locator('[data-testid=add]').click();
  await page.click('a[href="/cart"]');
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');
  await goOnline(context);
  // The device refreshes its token by itself and the order goes through.
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  const firstId = page.url().split('/orders/')[1];

  // The owner revokes this device from another one, while it holds an unsent order.
  await goOffline(context);
  await page.click('a[href="/"]');
  await product(page, 'BEV-0003').locator('[data-testid=add]').click();
  await page.click('a[href="/cart"]');
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');
  const pendingId = page.url().split('/orders/')[1];
  // On the owner's other phone: the devices page lists this one, and signs it out.
  const deviceId = await page.evaluate(() => JSON.parse(localStorage.getItem('dinghuo.session')).device_id);
  const otherContext = await browser.newContext();
  const other = await newPage(otherContext);
  await signIn(other, 'peach', 'peach123');
  await other.click('a[href="/account"]');
  await other.click('a[href="/devices"]');
  await expect(other.locator('[data-testid=device][data-current=true]')).toHaveCount(1);
  const lost = other.locator(`[data-testid=device][data-id="${deviceId}"]`);
  await expect(lost).toHaveAttribute('data-revoked', 'false');
  await lost.locator('[data-testid=revoke]').click();
  await expect(lost).toHaveAttribute('data-revoked', 'true');
  await otherContext.close();

  // Back online the revoked device is sent to sign in; signing in again keeps the order.
  await goOnline(context);
  await expect(page.locator('input[name=username]')).toBeVisible();
  await page.fill('input[name=username]', 'peach');
  await page.fill('input[name=password]', 'peach123');
  await page.click('[data-testid=sign-in]');
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await expect(page.locator('[data-testid=pending-count]')).toHaveAttribute('data-count', '0');
  const orders = await serverOrders(request);
  expect(orders.filter((o) => o.request_id === pendingId)).toHaveLength(1);
  expect(orders.filter((o) => o.request_id === firstId)).toHaveLength(1);
  await context.close();
});

test('the offline quote with a coupon, points and a promotion equals the server\'s', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await newPage(context);
  await signIn(page, 'lotus', 'lotus123');
  await goOffline(context);
  await page.fill('[data-testid=search]', 'LIQ-0001');
  await product(page, 'LIQ-0001').locator('[data-testid=add]').click();
  await product(page, 'LIQ-0001').locator('[data-testid=more]').click();
  await product(page, 'LIQ-0001').locator('[data-testid=more]').click();
  await product(page, 'LIQ-0001').locator('[data-testid=more]').click();
  await page.click('a[href="/cart"]');
  // No code typed: nothing said about coupons.
  await expect(page.locator('[data-testid=quote]')).toBeVisible();
  await expect(page.locator('[data-testid=coupon-refused]')).toHaveCount(0);
  // 24 bottles at the gold price, ¥20 off with the coupon: still over ¥200, so no delivery fee.
  await page.fill('[data-testid=coupon]', 'new20');
  await page.click('[data-testid=apply-coupon]');
  await page.check('[data-testid=use-points]');
  await expect(page.locator('[data-testid=promotion]')).toContainText('新客券减20元−¥20.00');
  await expect(page.locator('[data-testid=shipping]')).toHaveText('¥0.00');
  const total = await page.locator('[data-testid=cart-total]').textContent();
  const due = await page.locator('[data-testid=amount-due]').textContent();
  expect(due).not.toEqual(total);
  await page.click('[data-testid=place-order]');
  await expect(page.locator('[data-testid=order-state]')).toHaveText('等待同步');

  await goOnline(context);
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
  await expect(page.locator('[data-testid=order-total]')).toHaveText(total);
  await expect(page.locator('[data-testid=order-amount-due]')).toHaveText(due);
  await expect(page.locator('[data-testid=total-changed]')).toHaveCount(0);

  // The coupon works once per shop: the next cart says so before ordering, offline too.
  await goOffline(context);
  await page.click('a[href="/"]');
  await page.fill('[data-testid=search]', 'LIQ-0001');
  await product(page, 'LIQ-0001').locator('[data-testid=add]').click();
  await product(page, 'LIQ-0001').locator('[data-testid=more]').click();
  await product(page, 'LIQ-0001').locator('[data-testid=more]').click();
  await page.click('a[href="/cart"]');
  await page.fill('[data-testid=coupon]', 'NEW20');
  await page.click('[data-testid=apply-coupon]');
  await expect(page.locator('[data-testid=coupon-refused]')).toHaveText('优惠券未生效 NEW20：已用过，不能再用');
  // A code no promotion has says so.
  await page.fill('[data-testid=coupon]', 'made-up-1');
  await page.click('[data-testid=apply-coupon]');
  await expect(page.locator('[data-testid=coupon-refused]').nth(1)).toHaveText('优惠券未生效 MADE-UP-1：没有这张优惠券');
  await page.screenshot({ path: 'test-results/phone-coupons.png', fullPage: true });
  await context.close();
});

test('a shop with many orders keeps the recent ones on the phone and reads older ones from the server', async ({ browser, request }) => {
  // The server closes an order volume at 1 500 stored bytes here (playwright.config.js),
  // so a few orders open several volumes; staff settle all but the newest order.
  const context = await browser.newContext();
  const page = await newPage(context);
  await signIn(page, 'bamboo', 'bamboo123');
  const ids = [];
  for (let n = 0; n < 8; n++) {
    await page.click('a[href="/"]');
    await product(page, 'BEV-0001').locator('[data-testid=add]').click();
    await page.click('a[href="/cart"]');
    await page.click('[data-testid=place-order]');
    await expect(page.locator('[data-testid=order-state]')).toHaveText('已确认');
    ids.push(page.url().split('/orders/')[1]);
  }
  for (const id of ids.slice(0, -1)) {
    const cancelled = await request.post(`/api/orders/${id}/events`, {
      headers: { Authorization: `Bearer ${await adminToken(request)}` },
      data: { event: 'cancel', reason: '测试' },
    });
    expect(cancelled.status(), await cancelled.text()).toBe(200);
  }
  // The phone hears of the cancellations and lets the settled old volumes go.
  await page.click('[data-testid=sync-now]');
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await page.click('a[href="/orders"]');
  const held = await page.locator('[data-testid=order]').count();
  expect(held).toBeGreaterThan(0);
  expect(held).toBeLessThan(8);
  await expect(page.locator(`[data-testid=order] a[href="/orders/${ids[7]}"]`)).toBeVisible();

  // Offline, after a reload, the phone still shows what it holds, and says the rest needs
  // the network.
  await goOffline(context);
  await page.reload();
  await expect(page.locator('[data-testid=order]')).toHaveCount(held);
  await page.click('[data-testid=load-earlier]');
  await expect(page.locator('[data-testid=earlier-orders]')).toContainText('需要联网');

  // Online, the older orders come from the server's history, each once.
  await goOnline(context);
  await page.click('[data-testid=load-earlier]');
  await expect(page.locator('[data-testid=earlier-orders]')).toContainText('没有更早的订单了');
  await expect(page.locator('[data-testid=earlier-order]')).toHaveCount(8 - held);
  await page.locator(`[data-testid=earlier-order] a[href="/orders/${ids[0]}"]`).click();
  await expect(page.locator('[data-testid=order-state]')).toHaveText('已取消');
  await expect(page.locator('.history li')).toHaveCount(2);
  await context.close();
});
