// (Named to run after the other files: the shops it creates would change their counts.)
// Fulfilment as a day in the warehouse: a shop orders offline more than is in stock, the
// warehouse prints a pick list and ships what it has with a carrier and tracking number,
// stock arrives and the backorder is allocated by itself, the second shipment completes
// the order, and the shop's phone shows both shipments.
const { test, expect } = require('@playwright/test');

async function signIn(page, username, password) {
  await page.goto('/');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-testid=sign-in]');
}

// The admin's token pair, renewed when the access token (3 s in these tests) may have run out.
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

// An admin's API call.
async function api(request, method, path, data) {
  const token = await adminToken(request);
  const response = await request.fetch(path, { method, data, headers: { Authorization: `Bearer ${token}` } });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  return response.json();
}

test('an offline order of 30 with 10 in stock ships in two shipments the shop can follow', async ({ browser, request }) => {
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-kiwi', name: '奇异果小店 Kiwi', tier: 'bronze', region: '',
    managers: [], owner_username: 'kiwi', owner_display_name: '奇异果', owner_password: 'kiwi-secret',
  });
  // A warehouse clerk of its own (other files change the demo staff's passwords).
  await api(request, 'POST', '/api/admin/staff', {
    username: 'kuguan', display_name: '库管 Kuguan', password: 'kuguan-pass-1',
    permissions: ['orders.read', 'orders.fulfil', 'stock.write'],
  });
  for (const [warehouse, onHand] of [['wh-north', 0], ['wh-east', 10]]) {
    await api(request, 'PUT', `/api/admin/stock/${warehouse}/GRN-0001`, { on_hand: onHand, safety: 0 });
  }

  // The shop orders 30 with no network.
  const shopContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await shopContext.newPage();
  await signIn(phone, 'kiwi', 'kiwi-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.evaluate(() => navigator.serviceWorker.ready);
  await shopContext.setOffline(true);
  await shopContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await phone.fill('[data-testid=search]', 'GRN-0001');
  const card = phone.locator('[data-testid=product][data-sku="GRN-0001"]');
  await card.locator('[data-testid=add]').click();
  for (let n = 1; n < 30; n++) {
    await card.locator('[data-testid=more]').click();
  }
  await expect(card.locator('[data-testid=qty]')).toHaveAttribute('data-units', '30');
  await phone.click('a[href="/cart"]');
  await phone.click('[data-testid=place-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('等待同步');
  await shopContext.unroute('**/api/**');
  await shopContext.setOffline(false);
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  await expect(phone.locator('[data-testid=backordered]')).toContainText('20');
  const number = await phone.locator('[data-testid=order-number]').textContent();

  // The warehouse's pick list has the 10 reserved units.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const office = await desk.newPage();
  await signIn(office, 'kuguan', 'kuguan-pass-1');
  await office.waitForURL('**/office/');
  // The clerk's home page shows what waits: orders to pick in wh-east, one waiting for stock.
  await expect(office.locator('[data-testid=home-waiting] .count')).not.toHaveText('0');
  await office.screenshot({ path: 'test-results/home.png', fullPage: true });
  await office.click('[data-testid=home-to-pick-wh-east]');
  await expect(office.locator('[data-testid=pick-summary]')).toContainText('wh-east');
  const pick = office.locator('[data-testid=pick-row][data-sku="GRN-0001"]');
  await expect(pick.locator('[data-testid=pick-total]')).toHaveText('10');
  await expect(pick).toContainText(number);
  await office.emulateMedia({ media: 'print' });
  await expect(office.locator('nav.side')).toBeHidden();
  await office.screenshot({ path: 'test-results/pick-list-print.png', fullPage: true });
  await office.emulateMedia({ media: 'screen' });

  // Found by its number in the order list; ships 10 with a carrier and tracking number.
  await office.click('a[href="/office/orders"]');
  await office.fill('[data-testid=order-number]', number.replace('DH-', '').replace(/^0+/, ''));
  await office.press('[data-testid=order-number]', 'Enter');
  await expect(office.locator('[data-testid=order-row]')).toHaveCount(1);
  await office.click(`[data-testid=order-row] a`);
  await expect(office.locator('[data-testid=order-state]')).toHaveText('已确认');
  const form = office.locator('[data-testid=ship-form][data-warehouse=wh-east]');
  await expect(form.locator('[data-testid="ship-qty-GRN-0001"]')).toHaveValue('10');
  // The cheapest carrier serving the shop (the east's van does not; express beats freight).
  await expect(form.locator('[data-testid=ship-carrier]')).toHaveValue('顺丰速运');
  await expect(form.locator('[data-testid=ship-suggestion]')).toContainText('顺丰速运');
  await form.locator('[data-testid=ship-carrier]').fill('');
  await form.locator('[data-testid=ship-submit]').click();
  await expect(form.locator('[data-testid=ship-error]')).toHaveText('请填写承运商');
  await form.locator('[data-testid=ship-carrier]').fill('顺丰速运');
  await form.locator('[data-testid=ship-tracking]').fill('SF1001');
  await form.locator('[data-testid=ship-submit]').click();
  await expect(office.locator('[data-testid=order-state]')).toHaveText('部分发货');
  await expect(office.locator('[data-testid=shipment-tracking]')).toHaveText(['SF1001']);
  await expect(office.locator('[data-testid=order-line][data-sku="GRN-0001"] [data-testid=line-backordered]')).toHaveText('20');
  await expect(office.locator('[data-testid=ship-form]')).toHaveCount(0);
  await office.screenshot({ path: 'test-results/order-page.png', fullPage: true });

  // 50 arrive: the backorder takes 20 of them by itself.
  await office.click('a[href="/office/stock"]');
  await office.fill('[data-testid=stock-search]', 'GRN-0001');
  const row = office.locator('[data-testid=stock-row][data-key="wh-east/GRN-0001"]');
  await expect(row.locator('[data-testid=stock-on-hand]')).toHaveText('0');
  await row.locator('[data-testid=stock-open]').click();
  await office.fill('[data-testid=receive-quantity]', '50');
  await office.fill('[data-testid=receive-reference]', 'PO-2026-12');
  await office.click('[data-testid=receive-submit]');
  await expect(office.locator('[data-testid=stock-message]')).toContainText(number);
  await expect(row.locator('[data-testid=stock-reserved]')).toHaveText('20');
  await expect(row.locator('[data-testid=stock-atp]')).toHaveText('30');
  // A count below what is reserved is refused and names the order holding it.
  await office.fill('[data-testid=count-on-hand]', '5');
  await office.click('[data-testid=count-submit]');
  await expect(office.locator('[data-testid=stock-error]')).toContainText(`${number} × 20`);
  await office.screenshot({ path: 'test-results/stock-page.png', fullPage: true });

  // The second shipment completes the order.
  await office.goto(`/office/orders/${number}`);
  await expect(form.locator('[data-testid="ship-qty-GRN-0001"]')).toHaveValue('20');
  await form.locator('[data-testid=ship-carrier]').fill('顺丰速运');
  await form.locator('[data-testid=ship-tracking]').fill('SF1002');
  await form.locator('[data-testid=ship-submit]').click();
  await expect(office.locator('[data-testid=order-state]')).toHaveText('已发货');
  await expect(office.locator('[data-testid=shipment-tracking]')).toHaveText(['SF1001', 'SF1002']);
  // Only the moves possible now are offered: a shipped order is delivered, not picked.
  await expect(office.locator('[data-testid=event-deliver]')).toBeVisible();
  await expect(office.locator('[data-testid=event-start_picking]')).toHaveCount(0);

  // The shop's phone shows both shipments with their tracking numbers.
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已发货');
  await expect(phone.locator('[data-testid=shipment] [data-testid=tracking]')).toHaveText(['运单号 SF1001', '运单号 SF1002']);
  // And the notices: confirmed, then shipped with its tracking number.
  await expect(phone.locator('[data-testid=notice-count]')).toHaveText('2');
  await phone.click('a[href="/orders"]');
  await expect(phone.locator('[data-testid=notice]')).toHaveText([`${number} 已发货 · 运单号 SF1002`, `${number} 已确认`]);
  await phone.screenshot({ path: 'test-results/phone-notices.png', fullPage: true });
  await phone.click('[data-testid=mark-read]');
  await expect(phone.locator('[data-testid=notice-count]')).toHaveCount(0);
  await phone.click(`[data-testid=order] a[href*="/orders/"]`);
  await phone.screenshot({ path: 'test-results/phone-shipments.png', fullPage: true });
  await desk.close();
  await shopContext.close();
});

test('a shop cancels an order offline before picking and its stock is released once', async ({ browser, request }, testInfo) => {
  // A retry gets a shop of its own (the first attempt's order is still there).
  const lime = testInfo.retry ? `lime${testInfo.retry}` : 'lime';
  await api(request, 'POST', '/api/admin/shops', {
    id: `shop-${lime}`, name: '青柠小店 Lime', tier: 'silver', region: '',
    managers: [], owner_username: lime, owner_display_name: '青柠', owner_password: 'lime-secret',
  });
  for (const [warehouse, onHand] of [['wh-north', 0], ['wh-east', 20]]) {
    await api(request, 'PUT', `/api/admin/stock/${warehouse}/GRN-0002`, { on_hand: onHand, safety: 0 });
  }
  const reserved = async () => {
    const levels = await api(request, 'GET', '/api/admin/stock/GRN-0002');
    return levels.find((l) => l.warehouse === 'wh-east').reserved;
  };

  // What other orders (a failed first attempt's) hold: this test counts its own.
  const before = await reserved();

  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await context.newPage();
  await signIn(phone, lime, 'lime-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.evaluate(() => navigator.serviceWorker.ready);
  await phone.fill('[data-testid=search]', 'GRN-0002');
  const card = phone.locator('[data-testid=product][data-sku="GRN-0002"]');
  await card.locator('[data-testid=add]').click();
  for (let n = 1; n < 5; n++) {
    await card.locator('[data-testid=more]').click();
  }
  await phone.click('a[href="/cart"]');
  await phone.click('[data-testid=place-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  expect(await reserved()).toBe(before + 5);

  // No network: the shop cancels; the phone says it takes effect once online.
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await phone.click('[data-testid=cancel-order]');
  await phone.fill('[data-testid=cancel-reason]', '订错了');
  await phone.click('[data-testid=confirm-cancel]');
  await expect(phone.locator('[data-testid=cancel-pending]')).toBeVisible();
  await phone.reload();
  await expect(phone.locator('[data-testid=cancel-pending]')).toBeVisible();
  expect(await reserved()).toBe(before + 5);

  // Online again: cancelled, the stock released once however often the phone syncs.
  await context.unroute('**/api/**');
  await context.setOffline(false);
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已取消');
  await expect(phone.locator('[data-testid=cancel-pending]')).toHaveCount(0);
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  expect(await reserved()).toBe(before);
  const number = await phone.locator('[data-testid=order-number]').textContent();
  const detail = await api(request, 'GET', `/api/admin/orders/${number}`);
  expect(detail.order.history.filter((e) => e.state === 'cancelled')).toHaveLength(1);
  expect(detail.order.history.at(-1).reason).toContain('订错了');
  await phone.screenshot({ path: 'test-results/phone-cancelled.png', fullPage: true });
  await context.close();
});

test('a return from the shop\'s request to a refund on its prepaid balance', async ({ browser, request }) => {
  // A prepaid shop with ¥1 000 on its balance.
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-fig', name: '无花果小店 Fig', tier: 'bronze', region: '',
    managers: [], owner_username: 'fig', owner_display_name: '无花果', owner_password: 'fig-secret',
  });
  await api(request, 'PUT', '/api/admin/shops/shop-fig', {
    name: '无花果小店 Fig', tier: 'bronze', active: true, region: '', managers: [],
    account: { terms: { type: 'prepaid' }, credit_limit: null, grace_days: 0, suspended: null },
    quotas: [], window: null,
  });
  await api(request, 'POST', '/api/admin/shops/shop-fig/entries', { kind: 'prepaid', amount: '1000', reason: '充值' });
  for (const [username, permissions] of [['kefu', ['orders.read', 'orders.hold']], ['shouhuo', ['orders.read', 'orders.fulfil']]]) {
    await api(request, 'POST', '/api/admin/staff', {
      username, display_name: username, password: `${username}-pass-1`, permissions,
    });
  }
  for (const [warehouse, onHand] of [['wh-north', 0], ['wh-east', 20]]) {
    await api(request, 'PUT', `/api/admin/stock/${warehouse}/GRN-0003`, { on_hand: onHand, safety: 0 });
  }
  const onHand = async () => {
    const levels = await api(request, 'GET', '/api/admin/stock/GRN-0003');
    return levels.find((l) => l.warehouse === 'wh-east').on_hand;
  };
  const balance = async () => {
    const shop = await api(request, 'GET', '/api/admin/shops/shop-fig');
    return Number(shop.profile.account.prepaid_balance.amount);
  };

  // The shop orders 6; the warehouse ships them and they arrive.
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await context.newPage();
  await signIn(phone, 'fig', 'fig-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.evaluate(() => navigator.serviceWorker.ready);
  await phone.fill('[data-testid=search]', 'GRN-0003');
  const card = phone.locator('[data-testid=product][data-sku="GRN-0003"]');
  await card.locator('[data-testid=add]').click();
  for (let n = 1; n < 6; n++) {
    await card.locator('[data-testid=more]').click();
  }
  await phone.click('a[href="/cart"]');
  await phone.click('[data-testid=place-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  const number = await phone.locator('[data-testid=order-number]').textContent();
  await api(request, 'POST', `/api/orders/${number}/shipments`, {
    warehouse: 'wh-east', carrier: '顺丰速运', tracking: 'SF3001', lines: { 'GRN-0003': 6 },
  });
  await api(request, 'POST', `/api/orders/${number}/shipments/1/deliver`);
  expect(await onHand()).toBe(14);
  const paid = await balance();

  // Offline, the shop asks to return 2 broken units for a refund.
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已送达');
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await phone.click('[data-testid=ask-return]');
  const line = phone.locator('[data-testid=return-line][data-sku="GRN-0003"]');
  await line.locator('[data-testid=return-quantity]').fill('2');
  await line.locator('[data-testid=return-reason]').selectOption('damaged');
  await phone.selectOption('[data-testid=return-remedy]', 'refund');
  await phone.fill('[data-testid=return-note]', '两包压破了');
  await phone.screenshot({ path: 'test-results/phone-return-form.png', fullPage: true });
  await phone.click('[data-testid=send-return]');
  await expect(phone.locator('[data-testid=return-pending]')).toBeVisible();
  await phone.reload();
  await expect(phone.locator('[data-testid=return-pending]')).toBeVisible();
  await context.unroute('**/api/**');
  await context.setOffline(false);
  await expect(phone.locator('[data-testid=return] [data-testid=return-state]')).toHaveText('待审核');
  await expect(phone.locator('[data-testid=return-pending]')).toHaveCount(0);

  // Customer service finds it from the home page and approves it.
  const serviceDesk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const service = await serviceDesk.newPage();
  await signIn(service, 'kefu', 'kefu-pass-1');
  await service.waitForURL('**/office/');
  await expect(service.locator('[data-testid=home-returns-decide] .count')).not.toHaveText('0');
  await service.click('[data-testid=home-returns-decide]');
  const listed = service.locator('[data-testid=return-row]', { hasText: number });
  await expect(listed.locator('[data-testid=return-row-state]')).toHaveText('待审核');
  await service.screenshot({ path: 'test-results/returns-list.png', fullPage: true });
  await listed.locator('a').first().click();
  const returnCard = service.locator('[data-testid=return-card]');
  await expect(returnCard.locator('[data-testid=return-state]')).toHaveText('待审核');
  // Customer service does not receive goods.
  await expect(returnCard.locator('[data-testid=receive-return]')).toHaveCount(0);
  await returnCard.locator('[data-testid=return-step-note]').fill('请寄回');
  await returnCard.locator('[data-testid=approve-return]').click();
  await expect(returnCard.locator('[data-testid=return-state]')).toHaveText('已同意，待收货');

  // The warehouse receives the two units: back on hand.
  const warehouseDesk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const warehouse = await warehouseDesk.newPage();
  await signIn(warehouse, 'shouhuo', 'shouhuo-pass-1');
  await warehouse.waitForURL('**/office/');
  await expect(warehouse.locator('[data-testid=home-returns-receive] .count')).not.toHaveText('0');
  await warehouse.goto(`/office/orders/${number}`);
  const toReceive = warehouse.locator('[data-testid=return-card]');
  await expect(toReceive.locator('[data-testid=approve-return]')).toHaveCount(0);
  await expect(toReceive.locator('[data-testid=receive-good]')).toHaveValue('2');
  await toReceive.locator('[data-testid=return-warehouse]').selectOption('wh-east');
  await toReceive.locator('[data-testid=receive-return]').click();
  await expect(toReceive.locator('[data-testid=return-state]')).toHaveText('已收货，待结算');
  expect(await onHand()).toBe(16);

  // Customer service refunds it: the prepaid balance grows by what the two units cost.
  await service.reload();
  await returnCard.locator('[data-testid=settle-return]').click();
  await expect(returnCard.locator('[data-testid=return-state]')).toHaveText('已退款');
  await service.screenshot({ path: 'test-results/order-return.png', fullPage: true });
  const detail = await api(request, 'GET', `/api/admin/orders/${number}`);
  const done = detail.order.returns[0];
  expect(done.state).toBe('refunded');
  const unit = Number(detail.order.priced.lines[0].unit_price.amount);
  expect(Number(done.amount.amount)).toBeCloseTo(2 * unit, 2);
  expect(await balance()).toBeCloseTo(paid + Number(done.amount.amount), 2);

  // The shop follows it on the phone, with a notice of each answer.
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=return] [data-testid=return-state]')).toHaveText('已退款');
  await expect(phone.locator('[data-testid=return-amount]')).toContainText(done.amount.amount);
  await phone.screenshot({ path: 'test-results/phone-return.png', fullPage: true });
  await phone.click('a[href="/orders"]');
  await expect(phone.locator('[data-testid=notice]').first()).toContainText(`${number}-R1`);
  await serviceDesk.close();
  await warehouseDesk.close();
  await context.close();
});

test('customer service enters an order for a shop that phoned, changes it before picking, and imports orders from a file', async ({ browser, request }) => {
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-mango', name: '芒果小店 Mango', tier: 'silver', region: '',
    managers: [], owner_username: 'mango', owner_display_name: '芒果', owner_password: 'mango-secret',
  });
  await api(request, 'POST', '/api/admin/staff', {
    username: 'dianhua', display_name: '电话客服', password: 'dianhua-pass-1', permissions: ['orders.read', 'orders.hold'],
  });
  for (const [warehouse, onHand] of [['wh-north', 0], ['wh-east', 50]]) {
    await api(request, 'PUT', `/api/admin/stock/${warehouse}/GRN-0004`, { on_hand: onHand, safety: 0 });
  }
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const office = await desk.newPage();
  await signIn(office, 'dianhua', 'dianhua-pass-1');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/orders"]');
  await office.click('[data-testid=new-order]');
  await office.fill('[data-testid=entry-shop]', 'shop-mango');
  await office.fill('[data-testid=entry-sku]', 'GRN-0004');
  await office.fill('[data-testid=entry-quantity]', '3');
  await office.press('[data-testid=entry-quantity]', 'Enter');
  await expect(office.locator('[data-testid=entry-line][data-sku="GRN-0004"]')).toBeVisible();
  await expect(office.locator('[data-testid=entry-total]')).toContainText('¥');
  await office.fill('[data-testid=entry-note]', '电话订货');
  await office.screenshot({ path: 'test-results/order-entry.png', fullPage: true });
  await office.click('[data-testid=entry-place]');
  await office.waitForURL(/\/office\/orders\/DH-/);
  await expect(office.locator('[data-testid=order-state]')).toHaveText('已确认');
  const number = (await office.locator('[data-testid=order-title]').textContent()).split(' · ')[0];

  // The shop sees it on its phone like its own orders.
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await context.newPage();
  await signIn(phone, 'mango', 'mango-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.click('a[href="/orders"]');
  await expect(phone.locator('[data-testid=order]', { hasText: number })).toBeVisible();

  // The shop calls again before picking: customer service changes the quantity, with why.
  await office.click('[data-testid=edit-lines]');
  await office.locator('[data-testid=edit-line][data-sku="GRN-0004"] [data-testid=edit-quantity]').fill('5');
  await office.click('[data-testid=save-lines]');
  await expect(office.locator('[data-testid=edit-error]')).toBeVisible();
  await office.fill('[data-testid=edit-reason]', '门店来电加量');
  await office.click('[data-testid=save-lines]');
  await expect(office.locator('[data-testid=order-edit]')).toContainText('GRN-0004 3 → 5');
  await expect(office.locator('[data-testid=order-line][data-sku="GRN-0004"] [data-testid=line-reserved]')).toHaveText('5');
  await office.screenshot({ path: 'test-results/order-edited.png', fullPage: true });
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=notice]').first()).toContainText('门店来电加量');
  await phone.click(`[data-testid=order] a[href*="/orders/"]`);
  await expect(phone.locator('[data-testid=edit-reason]')).toContainText('门店来电加量');
  await phone.screenshot({ path: 'test-results/phone-edited.png', fullPage: true });
  await phone.click('a[href="/orders"]');

  // A file from another channel: a wrong row stops the whole import; fixed, it places both.
  const file = (text) => ({ name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await office.goto('/office/orders/new');
  await office.setInputFiles('[data-testid=import-orders-file]',
    file('ref,shop,sku,quantity,note\nWX-9,shop-mango,GRN-0004,2,微信\nWX-9,shop-mango,NOPE-0001,1,\n'));
  await expect(office.locator('[data-testid=import-problem][data-line="3"]')).toBeVisible();
  await expect(office.locator('[data-testid=import-orders-apply]')).toHaveCount(0);
  await office.setInputFiles('[data-testid=import-orders-file]',
    file('ref,shop,sku,quantity,note\nWX-9,shop-mango,GRN-0004,2,微信\nWX-10,shop-mango,GRN-0004,4,\n'));
  await expect(office.locator('[data-testid=import-order]')).toHaveCount(2);
  await office.click('[data-testid=import-orders-apply]');
  await expect(office.locator('[data-testid=import-orders-done]')).toBeVisible();
  await expect(office.locator('[data-testid=import-order-number]').first()).toContainText('DH-');
  await office.screenshot({ path: 'test-results/order-import.png', fullPage: true });
  const imported = await api(request, 'GET', '/api/orders?shop=shop-mango&channel=import');
  expect(imported.orders).toHaveLength(2);
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=order]')).toHaveCount(3);
  await desk.close();
  await context.close();
});

test('a shop\'s two orders go in one parcel with one tracking number, one packing list and one arrival', async ({ browser, request }) => {
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-loquat', name: '枇杷小店 Loquat', tier: 'silver', region: '',
    managers: [], owner_username: 'loquat', owner_display_name: '枇杷', owner_password: 'loquat-secret',
  });
  await api(request, 'POST', '/api/admin/staff', {
    username: 'dabao', display_name: '打包员', password: 'dabao-pass-1', permissions: ['orders.read', 'orders.fulfil'],
  });
  for (const [warehouse, onHand] of [['wh-north', 0], ['wh-east', 40]]) {
    await api(request, 'PUT', `/api/admin/stock/${warehouse}/GRN-0005`, { on_hand: onHand, safety: 0 });
  }
  const first = await api(request, 'POST', '/api/admin/orders', { shop: 'shop-loquat', lines: [{ sku: 'GRN-0005', quantity: 4 }], note: '' });
  const second = await api(request, 'POST', '/api/admin/orders', { shop: 'shop-loquat', lines: [{ sku: 'GRN-0005', quantity: 2 }], note: '' });

  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const office = await desk.newPage();
  await signIn(office, 'dabao', 'dabao-pass-1');
  await office.waitForURL('**/office/');
  await office.goto(`/office/orders/${first.number}`);
  const form = office.locator('[data-testid=ship-form][data-warehouse=wh-east]');
  await expect(form.locator('[data-testid=ship-together]')).toContainText(second.number);
  await form.locator(`[data-testid=ship-with][data-number="${second.number}"]`).check();
  await form.locator('[data-testid=ship-carrier]').fill('顺丰速运');
  await form.locator('[data-testid=ship-tracking]').fill('SF2002');
  await office.screenshot({ path: 'test-results/parcel-ship-form.png', fullPage: true });
  await form.locator('[data-testid=ship-submit]').click();
  await expect(office.locator('[data-testid=order-state]')).toHaveText('已发货');
  await expect(office.locator('[data-testid=shipment-parcel]')).toContainText(`${second.number}-1`);
  // The history says it in the reader's language, products by name.
  await expect(office.locator('[data-testid=history-text]').last())
    .toHaveText(`发货 ${first.number}-1（wh-east，顺丰速运，运单号 SF2002）：GRN-0005 香米10kg × 4`);
  await office.selectOption('[data-testid=lang]', 'en');
  await office.reload();
  await expect(office.locator('[data-testid=history-text]').last())
    .toHaveText(`Shipment ${first.number}-1 from wh-east by 顺丰速运, tracking SF2002: GRN-0005 Jasmine Rice 10kg × 4`);
  await office.selectOption('[data-testid=lang]', 'zh-Hans');
  await office.reload();

  // One packing list over both orders.
  await office.click('a[href$="/packing/1"]');
  await expect(office.locator('[data-testid=packing-orders]')).toHaveText(`${first.number}, ${second.number}`);
  await expect(office.locator('[data-testid=packing-lines]')).toHaveCount(2);
  await expect(office.locator(`[data-testid=packing-lines][data-order="${second.number}"]`)).toContainText('GRN-0005');
  await office.screenshot({ path: 'test-results/parcel-packing.png', fullPage: true });

  // The other order shipped in the same box; one arrival delivers both.
  await office.goto(`/office/orders/${second.number}`);
  await expect(office.locator('[data-testid=order-state]')).toHaveText('已发货');
  await expect(office.locator('[data-testid=shipment-tracking]')).toContainText('SF2002');
  await office.click('[data-testid=deliver-shipment]');
  await expect(office.locator('[data-testid=order-state]')).toHaveText('已送达');
  await office.goto(`/office/orders/${first.number}`);
  await expect(office.locator('[data-testid=order-state]')).toHaveText('已送达');
  const stock = await api(request, 'GET', '/api/admin/stock/GRN-0005');
  expect(stock.find((l) => l.warehouse === 'wh-east')).toMatchObject({ on_hand: 34, reserved: 0 });

  // The shop's phone shows the parcel on each order.
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await context.newPage();
  await signIn(phone, 'loquat', 'loquat-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.goto(`/orders/${second.request_id}`);
  await expect(phone.locator('[data-testid=parcel-with]')).toContainText(first.number);
  await expect(phone.locator('[data-testid=tracking]')).toContainText('SF2002');
  await phone.screenshot({ path: 'test-results/phone-parcel.png', fullPage: true });
  await desk.close();
  await context.close();
});

test('an overdue invoice blocks a shop\'s orders until finance records its payment; the phone shows the statement', async ({ browser, request }) => {
  // A shop that pays on the day of shipment, with no grace: its invoice is overdue at once.
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-quince', name: '木瓜小店 Quince', tier: 'bronze', region: '',
    managers: ['wang'], owner_username: 'quince', owner_display_name: '木瓜', owner_password: 'quince-secret',
  });
  await api(request, 'PUT', '/api/admin/shops/shop-quince', {
    name: '木瓜小店 Quince', tier: 'bronze', active: true, region: '', managers: ['wang'],
    account: { terms: { type: 'net', days: 0 }, credit_limit: null, grace_days: 0, suspended: null },
    quotas: [], window: null,
  });
  await api(request, 'POST', '/api/admin/staff', {
    username: 'kuaiji', display_name: '会计 Kuaiji', password: 'kuaiji-pass-1', permissions: ['finance'],
  });
  await api(request, 'POST', '/api/admin/staff', {
    username: 'yewu', display_name: '业务 Yewu', password: 'yewu-pass-1', role: 'manager', shops: ['shop-quince'],
  });
  for (const [warehouse, onHand] of [['wh-north', 0], ['wh-east', 50]]) {
    await api(request, 'PUT', `/api/admin/stock/${warehouse}/GRN-0006`, { on_hand: onHand, safety: 0 });
  }
  // Its cost price, for the margin in the reports.
  await api(request, 'POST', '/api/admin/products/GRN-0006/costs', { cost: '10.00', note: '进价' });
  const order = await api(request, 'POST', '/api/admin/orders', { shop: 'shop-quince', lines: [{ sku: 'GRN-0006', quantity: 3 }], note: '' });
  const detail = await api(request, 'GET', `/api/admin/orders/${order.number}`);
  const shipped = await api(request, 'POST', `/api/orders/${order.number}/shipments`, {
    warehouse: 'wh-east', carrier: '顺丰', tracking: 'SF3003', lines: detail.shippable['wh-east'],
  });
  const invoice = `INV-${shipped.shipment.number.replace('DH-', '')}`;

  // The phone holds the invoice: overdue, orders blocked, offline too.
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await context.newPage();
  await signIn(phone, 'quince', 'quince-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.click('a[href="/account"]');
  await expect(phone.locator('[data-testid=account-blocked]')).toBeVisible();
  await expect(phone.locator('[data-testid=account-invoice]')).toHaveCount(1);
  await expect(phone.locator('[data-testid=account-invoice]')).toContainText(invoice);
  const owed = (await phone.locator('[data-testid=account-owes]').textContent()).trim();
  await phone.screenshot({ path: 'test-results/phone-account-overdue.png', fullPage: true });
  // Its account manager sees it blocked among his shops, with what it owes.
  const managerContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const managerPhone = await managerContext.newPage();
  await signIn(managerPhone, 'yewu', 'yewu-pass-1');
  await expect(managerPhone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await managerPhone.click('a[href="/my-shops"]');
  const mine = managerPhone.locator('[data-testid=my-shop][data-shop=shop-quince]');
  await expect(mine.locator('[data-testid=my-shop-blocked]')).toBeVisible();
  await expect(mine.locator('[data-testid=my-shop-owes]')).toContainText(owed);
  await expect(managerPhone.locator('[data-testid=my-best-sellers]')).toContainText('GRN-0006');
  // Its order left at once: on time and in full.
  await expect(mine.locator('[data-testid=my-shop-otif]')).toContainText('100%');
  await managerPhone.screenshot({ path: 'test-results/manager-my-shops.png', fullPage: true });
  // Last month: nothing sold then; the period's dates shown.
  await managerPhone.click('[data-testid=my-period-1]');
  await expect(managerPhone.locator('[data-testid=my-best-sellers]')).not.toContainText('GRN-0006');
  await expect(managerPhone.locator('[data-testid=my-period]')).toContainText('-01 — ');
  // Offline, the phone still shows what it holds of each shop (the shipped order is still
  // on its way: open).
  await expect(mine.locator('[data-testid=my-shop-last]')).toContainText('最近下单');
  await managerContext.setOffline(true);
  await managerPhone.click('a[href="/"]');
  await managerPhone.click('a[href="/my-shops"]');
  await expect(managerPhone.locator('[data-testid=my-shops-offline]')).toBeVisible();
  await expect(mine.locator('[data-testid=my-shop-blocked]')).toBeVisible();
  await expect(mine.locator('[data-testid=my-shop-owes]')).toContainText(owed);
  await expect(mine.locator('[data-testid=my-shop-last]')).toContainText('未完成订单 1');
  await managerPhone.screenshot({ path: 'test-results/manager-my-shops-offline.png', fullPage: true });
  await managerContext.close();
  await phone.click('a[href="/"]');
  await phone.fill('[data-testid=search]', 'GRN-0006');
  await phone.locator('[data-testid=product][data-sku="GRN-0006"] [data-testid=add]').click();
  await phone.click('a[href="/cart"]');
  await expect(phone.locator('[data-testid=blocked]')).toContainText('有逾期未付的发票');
  await expect(phone.locator('[data-testid=place-order]')).toBeDisabled();

  // Finance finds the shop among the receivables, blocked, and records its payment.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const office = await desk.newPage();
  await signIn(office, 'kuaiji', 'kuaiji-pass-1');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/receivables"]');
  const row = office.locator('[data-testid=aging-shop][data-shop=shop-quince]');
  await expect(row.locator('[data-testid=aging-blocked]')).toBeVisible();
  await expect(row.locator('[data-testid=aging-total]')).toHaveText(owed);
  await office.screenshot({ path: 'test-results/office-receivables.png', fullPage: true });
  await row.locator('a').first().click();
  await office.waitForURL('**/office/receivables/shop-quince');
  await expect(office.locator('[data-testid=open-invoice]')).toHaveCount(1);
  await office.locator(`[data-testid=pay-invoice][value="${invoice}"]`).check();
  // A payment without its reference is refused, in words.
  await office.fill('[data-testid=payment-form] input[name=amount]', owed.replace('¥', ''));
  await office.fill('[data-testid=payment-form] input[name=reference]', ' ');
  await office.click('[data-testid=record-payment]');
  await expect(office.locator('[data-testid=payment-error]')).toContainText('流水号');
  await office.fill('[data-testid=payment-form] input[name=reference]', 'BANK-20261202-7');
  await office.click('[data-testid=record-payment]');
  await expect(office.locator('[data-testid=payment-notice]')).toContainText(invoice);
  await expect(office.locator('[data-testid=no-open-invoices]')).toBeVisible();
  await expect(office.locator('[data-testid=account-receivable]')).toHaveText('¥0.00');
  // The points the order earned, its invoice and the payment.
  await expect(office.locator('[data-testid=statement-entry]')).toHaveCount(3);
  await expect(office.locator('[data-testid=statement-entry]').nth(1)).toContainText(invoice);
  await office.screenshot({ path: 'test-results/office-shop-account.png', fullPage: true });
  // The same reference twice is refused.
  await office.fill('[data-testid=payment-form] input[name=amount]', '1');
  await office.fill('[data-testid=payment-form] input[name=reference]', 'BANK-20261202-7');
  await office.click('[data-testid=record-payment]');
  await expect(office.locator('[data-testid=payment-error]')).toContainText('已经录过');
  // The printable invoice.
  await office.goto(`/office/invoices/${invoice}`);
  await expect(office.locator('[data-testid=invoice-line]')).toHaveCount(1);
  await expect(office.locator('[data-testid=invoice-total]')).toHaveText(owed);
  await expect(office.locator('[data-testid=invoice-open-amount]')).toHaveText('¥0.00');
  // The order's page names its invoice and, for finance, its margin (3 at ¥10 cost).
  await office.goto(`/office/orders/${order.number}`);
  await expect(office.locator('[data-testid=order-invoice]')).toContainText(invoice);
  await expect(office.locator('[data-testid=order-margin]')).toHaveCount(1);
  await expect(office.locator('[data-testid=order-margin]')).toContainText('¥30.00');

  // After a sync the phone shows the payment, and orders go through again.
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await expect(phone.locator('[data-testid=blocked]')).toHaveCount(0);
  await phone.click('[data-testid=place-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  await phone.click('a[href="/account"]');
  await expect(phone.locator('[data-testid=account-blocked]')).toHaveCount(0);
  await expect(phone.locator('[data-testid=no-open-invoices]')).toBeVisible();
  await expect(phone.locator('[data-testid=account-owes]')).toHaveText('¥0.00');
  await expect(phone.locator('[data-testid=account-entry]').first()).toContainText('BANK-20261202-7');
  // The statement for the period, from the server.
  await phone.click('[data-testid=load-statement]');
  await expect(phone.locator('[data-testid=statement-closing]')).toContainText('¥0.00');
  await phone.screenshot({ path: 'test-results/phone-account-paid.png', fullPage: true });

  // The product's cost history, and the sales report with its margin (4 sold at ¥10 cost).
  await office.goto('/office/products/GRN-0006');
  await expect(office.locator('[data-testid=cost-row]')).toHaveCount(1);
  await office.fill('[data-testid=cost-panel] input[name=cost]', '-3');
  await office.click('[data-testid=save-cost]');
  await expect(office.locator('[data-testid=cost-message]')).toContainText('成本价');
  await office.goto('/office/reports');
  const sold = office.locator('[data-testid=report-row][data-key="GRN-0006"]');
  await expect(sold.locator('[data-testid=report-units]')).toHaveText('4');
  const revenue = Number((await sold.locator('[data-testid=report-revenue]').textContent()).replace('¥', ''));
  await expect(sold.locator('[data-testid=report-margin]')).toHaveText(`¥${(revenue - 40).toFixed(2)}`);
  await expect(office.locator('[data-testid=chart] rect').first()).toBeVisible();
  await office.screenshot({ path: 'test-results/office-report-products.png', fullPage: true });
  const csv = office.waitForEvent('download');
  await office.click('[data-testid=report-csv]');
  expect((await csv).suggestedFilename()).toMatch(/^sales-product-/);
  await office.click('[data-testid=report-by-day]');
  await expect(office.locator('[data-testid=report-row]').first()).toBeVisible();
  await office.screenshot({ path: 'test-results/office-report-days.png', fullPage: true });
  await desk.close();
  await context.close();
});

test('a shop brought in with an invite link earns its inviter a commission both can see', async ({ browser, request }) => {
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-mulberry', name: '桑葚小店 Mulberry', tier: 'bronze', region: '',
    managers: [], owner_username: 'mulberry', owner_display_name: '桑葚', owner_password: 'mulberry-secret',
  });
  // Lotus Mart's invite code and link, on its account page.
  const lotusContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const lotus = await lotusContext.newPage();
  await signIn(lotus, 'lotus', 'lotus123');
  await expect(lotus.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await lotus.click('a[href="/account"]');
  const code = (await lotus.locator('[data-testid=invite-code]').textContent()).trim();
  expect(code).toMatch(/^[2-9A-Z]{6}$/);
  const link = (await lotus.locator('[data-testid=invite-link]').textContent()).trim();
  expect(link).toContain(`/account?invite=${code}`);
  await expect(lotus.locator('[data-testid=referral-rules]')).toContainText('3%');

  // Mulberry opens the link: the code is filled in; a wrong one is refused in words first.
  const invitedContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const invited = await invitedContext.newPage();
  await signIn(invited, 'mulberry', 'mulberry-secret');
  await expect(invited.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await invited.goto(link);
  await expect(invited.locator('[data-testid=take-code]')).toHaveValue(code);
  await invited.fill('[data-testid=take-code]', 'ZZZZZZ');
  await invited.click('[data-testid=take-code-submit]');
  await expect(invited.locator('[data-testid=referral-message]')).toContainText('没有这个邀请码');
  await invited.fill('[data-testid=take-code]', code.toLowerCase());
  await invited.click('[data-testid=take-code-submit]');
  await expect(invited.locator('[data-testid=referral-message]')).toContainText('已记录推荐人');
  await expect(invited.locator('[data-testid=invited-by]')).toContainText('Lotus');
  await expect(invited.locator('[data-testid=take-code]')).toHaveCount(0);
  await invited.screenshot({ path: 'test-results/phone-referral-invited.png', fullPage: true });

  // Mulberry's first order ships: Lotus sees what it should earn once the return window passes.
  await api(request, 'PUT', '/api/admin/stock/wh-east/GRN-0006', { on_hand: 50, safety: 0 });
  const order = await api(request, 'POST', '/api/admin/orders', { shop: 'shop-mulberry', lines: [{ sku: 'GRN-0006', quantity: 10 }], note: '' });
  const detail = await api(request, 'GET', `/api/admin/orders/${order.number}`);
  const [warehouse, lines] = Object.entries(detail.shippable)[0];
  await api(request, 'POST', `/api/orders/${order.number}/shipments`, { warehouse, carrier: '顺丰', tracking: 'SF4004', lines });
  await lotus.reload();
  const invitee = lotus.locator('[data-testid=invitee]', { hasText: 'Mulberry' });
  await expect(invitee).toBeVisible();
  const pending = (await lotus.locator('[data-testid=commission-pending]').textContent()).trim();
  expect(pending).not.toBe('¥0.00');
  await lotus.screenshot({ path: 'test-results/phone-referral-inviter.png', fullPage: true });

  // Finance lists Lotus among the inviters with the same pending amount; the customer
  // page shows who brought Mulberry in.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const office = await desk.newPage();
  await signIn(office, 'cai', 'cai123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/commissions"]');
  const row = office.locator('[data-testid=inviter][data-shop=shop-lotus]');
  await expect(row.locator('[data-testid=inviter-pending]')).toHaveText(pending);
  await expect(office.locator('[data-testid=commission-rules]')).toContainText('3%');
  await office.screenshot({ path: 'test-results/office-commissions.png', fullPage: true });
  await office.goto('/office/customers/shop-mulberry');
  await expect(office.locator('[data-testid=referral-inviter]')).toContainText('shop-lotus');
  // Mulberry's order left at once: on time and in full in the fill-rate report.
  await office.click('a[href="/office/fill-rate"]');
  const invitedRow = office.locator('[data-testid=fill-row][data-key=shop-mulberry]');
  await expect(invitedRow.locator('[data-testid=fill-otif]')).toHaveText('100%');
  await expect(invitedRow.locator('[data-testid=fill-units]')).toHaveText('100%');
  await expect(office.locator('[data-testid=fill-chart] rect').first()).toBeVisible();
  await office.screenshot({ path: 'test-results/office-fill-rate.png', fullPage: true });
  await desk.close();
  await invitedContext.close();
  await lotusContext.close();
});

test('a manager suggests an order offline and sends it; the shop edits it offline too; both edits merge and accepting it places one order', async ({ browser, request }) => {
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-medlar', name: '枇杷小店 Medlar', tier: 'bronze', region: '',
    managers: [], owner_username: 'medlar', owner_display_name: '枇杷', owner_password: 'medlar-secret',
  });
  await api(request, 'POST', '/api/admin/staff', {
    username: 'tuiguang', display_name: '推广 Tuiguang', password: 'tuiguang-pass-1', role: 'manager', shops: ['shop-medlar'],
  });
  // Two products new to the catalog, which the distributor pushes: a new shop with no
  // history is suggested one case of each.
  for (const [sku, zh] of [['BEV-9101', '桂花乌龙'], ['BEV-9102', '菊花茶']]) {
    await api(request, 'POST', '/api/admin/products', {
      sku, name: { en: sku, zh_hans: zh, zh_hant: zh }, category: 'beverages',
      unit: { en: 'bottle', zh_hans: '瓶', zh_hant: '瓶' }, pack_size: 6, min_quantity: 6, list_price: '4.50',
    });
  }

  // The manager opens his shops online once (the phone keeps what it suggests from),
  // then goes out of signal.
  const managerContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const manager = await managerContext.newPage();
  await signIn(manager, 'tuiguang', 'tuiguang-pass-1');
  await expect(manager.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await manager.evaluate(() => navigator.serviceWorker.ready);
  await manager.click('a[href="/my-shops"]');
  await expect(manager.locator('[data-testid=my-period]')).toBeVisible();
  await expect.poll(() => manager.evaluate(() => localStorage.getItem('dinghuo.demand-glance.shop-medlar') !== null)).toBe(true);
  await managerContext.setOffline(true);
  await managerContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  // A visit, recorded offline: the note and the next visit's date.
  const medlarRow = manager.locator('[data-testid=my-shop][data-shop=shop-medlar]');
  await medlarRow.locator('[data-testid=record-visit]').click();
  await medlarRow.locator('[data-testid=visit-note]').fill('店主想试新茶');
  await medlarRow.locator('[data-testid=visit-next]').fill('2027-01-15');
  await medlarRow.locator('[data-testid=visit-save]').click();
  await expect(medlarRow.locator('[data-testid=my-shop-visit]')).toContainText('下次拜访 2027-01-15');
  await manager.screenshot({ path: 'test-results/manager-my-shops-visit.png', fullPage: true });
  await manager.locator('[data-testid=my-shop][data-shop=shop-medlar] [data-testid=propose-for-shop]').click();
  await manager.click('[data-testid=suggest]');
  const tea = manager.locator('[data-testid=suggest-line][data-sku="BEV-9101"]');
  const mum = manager.locator('[data-testid=suggest-line][data-sku="BEV-9102"]');
  await expect(tea.locator('[data-testid=suggest-why]')).toContainText('新品推荐');
  await expect(tea.locator('[data-testid=suggest-qty]')).toHaveText('6');
  // The order covers the weeks until the next visit (whole weeks, at most four); the
  // manager may choose another cover.
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const days = (Date.parse('2027-01-15T00:00:00Z') - Date.parse(`${today}T00:00:00Z`)) / 86400e3;
  const weeks = Math.min(4, Math.max(1, Math.ceil(days / 7)));
  const cover = (n) => manager.locator(`[data-testid=cover-weeks][data-weeks="${n}"]`);
  await expect(cover(weeks)).toHaveAttribute('aria-pressed', 'true');
  await expect(manager.locator('[data-testid=cover-visit]')).toContainText('到下次拜访 2027-01-15');
  await cover(1).click();
  await expect(cover(1)).toHaveAttribute('aria-pressed', 'true');
  await expect(cover(4)).toHaveAttribute('aria-pressed', 'false');
  await cover(weeks).click();
  await expect(tea.locator('[data-testid=suggest-qty]')).toHaveText('6');
  // Two lines changed: one case more of each.
  await tea.locator('[data-testid=suggest-more]').click();
  await mum.locator('[data-testid=suggest-more]').click();
  await expect(tea.locator('[data-testid=suggest-qty]')).toHaveText('12');
  await manager.screenshot({ path: 'test-results/manager-suggestion.png', fullPage: true });
  await manager.click('[data-testid=send-proposal]');
  const sent = manager.locator('[data-testid=proposal-line][data-sku="BEV-9101"]');
  await expect(sent.locator('[data-testid=proposal-why]')).toContainText('建议 6，经理已调整');
  await expect(manager.locator('[data-testid=sync-state]')).not.toHaveText('已同步');
  await managerContext.unroute('**/api/**');
  await managerContext.setOffline(false);
  await manager.click('[data-testid=sync-now]');
  await expect(manager.locator('[data-testid=sync-state]')).toHaveText('已同步');

  // The visit reached the server with the sync.
  await expect.poll(async () => (await api(request, 'GET', '/api/visits')).find((v) => v.shop === 'shop-medlar')?.next_visit).toBe('2027-01-15');

  // The shop sees it, with the reasons.
  const shopContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await shopContext.newPage();
  await signIn(phone, 'medlar', 'medlar-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.evaluate(() => navigator.serviceWorker.ready);
  await phone.click('[data-testid=proposal-banner] a');
  const shopTea = phone.locator('[data-testid=proposal-line][data-sku="BEV-9101"]');
  const shopMum = phone.locator('[data-testid=proposal-line][data-sku="BEV-9102"]');
  await expect(shopTea.locator('[data-testid=proposal-qty]')).toHaveText('12');
  await expect(phone.locator('[data-testid=proposal-from]')).toContainText('推广 Tuiguang');

  // Both offline: the shop adds a case of tea, the manager takes a case of chrysanthemum off.
  await shopContext.setOffline(true);
  await shopContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await managerContext.setOffline(true);
  await managerContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await shopTea.locator('[data-testid=proposal-more]').click();
  await expect(shopTea.locator('[data-testid=proposal-qty]')).toHaveText('18');
  await manager.locator('[data-testid=proposal-line][data-sku="BEV-9102"] [data-testid=proposal-less]').click();
  await expect(manager.locator('[data-testid=proposal-line][data-sku="BEV-9102"] [data-testid=proposal-qty]')).toHaveText('6');
  await phone.screenshot({ path: 'test-results/phone-proposal.png', fullPage: true });

  // Both back online: each sees both edits.
  await managerContext.unroute('**/api/**');
  await managerContext.setOffline(false);
  await manager.click('[data-testid=sync-now]');
  await expect(manager.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await shopContext.unroute('**/api/**');
  await shopContext.setOffline(false);
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await expect(shopTea.locator('[data-testid=proposal-qty]')).toHaveText('18');
  await expect(shopMum.locator('[data-testid=proposal-qty]')).toHaveText('6');
  await manager.click('[data-testid=sync-now]');
  await expect(manager.locator('[data-testid=proposal-line][data-sku="BEV-9101"] [data-testid=proposal-qty]')).toHaveText('18');

  // The shop accepts: one order, confirmed, with the merged lines.
  await phone.click('[data-testid=proposal-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  await manager.click('[data-testid=sync-now]');
  await expect(manager.locator('[data-testid=proposal-page]')).toBeVisible();
  await expect(manager.locator('[data-testid=suggest]')).toBeVisible();
  const orders = await api(request, 'GET', '/api/orders?shop=shop-medlar');
  expect(orders.orders.length).toBe(1);
  expect(orders.orders[0].request_id).toBeTruthy();

  // The manager's page counts it among the shop's proposals (judged after seven days).
  await manager.click('a[href="/my-shops"]');
  await expect(manager.locator('[data-testid=my-shop][data-shop=shop-medlar] [data-testid=my-shop-accuracy]')).toContainText('建议单 1');

  // The accuracy report counts it (judged once its seven days have passed).
  const accuracy = await api(request, 'GET', '/api/reports/forecast-accuracy?by=manager');
  const row = accuracy.rows.find((r) => r.key === 'tuiguang');
  expect(row.proposals).toBe(1);
  expect(row.ordered).toBe(1);
  // In the back office too; and the calendar the suggestions adjust for, which an admin edits.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/forecast-accuracy"]');
  const managerRow = office.locator('[data-testid=accuracy-row][data-key=tuiguang]');
  await expect(managerRow).toContainText('推广 Tuiguang');
  await expect(office.locator('[data-testid=accuracy-chart]')).toBeVisible();
  await office.screenshot({ path: 'test-results/office-forecast-accuracy.png', fullPage: true });
  await office.click('a[href="/office/holidays"]');
  const spring = office.locator('[data-testid=holiday]').filter({ has: office.locator('[data-testid=holiday-name]') }).first();
  await expect(office.locator('[data-testid=holiday]')).not.toHaveCount(0);
  await spring.locator('[data-testid=holiday-factor]').fill('-2');
  await spring.locator('[data-testid=holiday-factor]').dispatchEvent('change');
  await office.click('[data-testid=holiday-save]');
  await expect(office.locator('[data-testid=holiday-error]')).toContainText('系数');
  await spring.locator('[data-testid=holiday-factor]').fill('1.6');
  await spring.locator('[data-testid=holiday-factor]').dispatchEvent('change');
  await office.click('[data-testid=holiday-save]');
  await expect(office.locator('[data-testid=holiday-saved]')).toBeVisible();
  const calendar = await api(request, 'GET', '/api/holidays');
  expect(calendar.holidays.some((h) => h.factor === '1.6')).toBe(true);
  await office.screenshot({ path: 'test-results/office-holidays.png', fullPage: true });
  // The visit the manager recorded offline, on the shop's page.
  await office.goto('/office/customers/shop-medlar');
  const visit = office.locator('[data-testid=visit]').first();
  await expect(visit).toContainText('店主想试新茶');
  await expect(visit).toContainText('下次拜访 2027-01-15');
  await expect(visit).toContainText('推广 Tuiguang');
  await office.screenshot({ path: 'test-results/office-customer-visits.png', fullPage: true });
  await desk.close();
  await managerContext.close();
  await shopContext.close();
});

test('a manager counts a shop\'s shelf: the suggestion is worked out from the count, and the shop sees the count in its reason', async ({ browser, request }, testInfo) => {
  // Names of their own on a retry (the first try's shop, manager and product stay).
  const n = testInfo.retry ? String(testInfo.retry) : '';
  const shopId = `shop-hawthorn${n}`;
  const sku = `BEV-92${n || '0'}1`;
  const osmanthus = `BEV-92${n || '0'}2`;
  for (const [code, en, zh] of [[sku, 'Jasmine tea', '茉莉花茶'], [osmanthus, 'Osmanthus tea', '桂花茶']]) {
    await api(request, 'POST', '/api/admin/products', {
      sku: code, name: { en, zh_hans: zh, zh_hant: zh }, category: 'beverages',
      unit: { en: 'bottle', zh_hans: '瓶', zh_hant: '瓶' }, pack_size: 6, min_quantity: 6, list_price: '3.80',
    });
  }
  await api(request, 'POST', '/api/admin/shops', {
    id: shopId, name: '山楂小店 Hawthorn', tier: 'bronze', region: '',
    managers: [], owner_username: `hawthorn${n}`, owner_display_name: '山楂', owner_password: 'hawthorn-secret',
  });
  // A second shop of his, to switch to.
  const otherId = `shop-hawthorn-b${n}`;
  await api(request, 'POST', '/api/admin/shops', {
    id: otherId, name: '山楂二店 Hawthorn B', tier: 'bronze', region: '',
    managers: [], owner_username: `hawthornb${n}`, owner_display_name: '山楂二店', owner_password: 'hawthorn-secret',
  });
  await api(request, 'POST', '/api/admin/staff', {
    username: `pandian${n}`, display_name: '盘点 Pandian', password: 'pandian-pass-1', role: 'manager', shops: [shopId, otherId],
  });
  const managerContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  // A shop's history takes weeks to build (server/tests/forecasts.rs builds one with
  // backdated orders): here the server's own demand for the shop gets half a year of
  // jasmine tea added, two cases every fourth week, the last one the week before last.
  // So the phone estimates the shop still holds about 6 and suggests nothing for it.
  // Osmanthus tea, bought the same way, was counted ten days ago at 4 (as the server
  // sends a count kept from an earlier proposal): 4 less what sold since leaves
  // nothing, so a case.
  const countedMs = Date.now() - 10 * 86400e3;
  await managerContext.route(`**/api/shops/${shopId}/demand`, async (route) => {
    const response = await route.fetch();
    const demand = await response.json();
    const weeks = Array.from({ length: 24 }, (_, i) => (i % 4 === 2 ? 12 : 0));
    demand.products = [
      { sku, weeks, pack_size: 6, quota_remaining: null, available: null },
      { sku: osmanthus, weeks, pack_size: 6, quota_remaining: null, available: null, shelf: { units: 4, counted_ms: countedMs, ordered_since: 0 } },
    ];
    demand.new_products = [];
    await route.fulfill({ response, json: demand });
  });
  const manager = await managerContext.newPage();
  await signIn(manager, `pandian${n}`, 'pandian-pass-1');
  await expect(manager.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await manager.click('a[href="/my-shops"]');
  await manager.locator(`[data-testid=my-shop][data-shop=${shopId}] [data-testid=propose-for-shop]`).click();
  await manager.click('[data-testid=suggest]');
  await expect(manager.locator('[data-testid=suggest-as-of]')).toBeVisible();
  const line = manager.locator(`[data-testid=suggest-line][data-sku="${sku}"]`);
  await expect(line).toHaveCount(0);
  const carried = manager.locator(`[data-testid=suggest-line][data-sku="${osmanthus}"]`);
  const countedDay = new Date(countedMs + 8 * 3600e3).toISOString().slice(0, 10);
  await expect(carried.locator('[data-testid=suggest-why]')).toContainText(`${countedDay} 盘点后约剩 0`);
  await expect(carried.locator('[data-testid=suggest-qty]')).toHaveText('6');
  // Another shop chosen in the header: its own suggestion at once, not this one's (which
  // used to stay until the next sync came back); and back.
  await manager.selectOption('[data-testid=shop-select]', otherId);
  await expect(manager.locator('[data-testid=suggest-as-of]')).toHaveCount(0, { timeout: 5000 });
  await manager.selectOption('[data-testid=shop-select]', shopId);
  await manager.click('[data-testid=suggest]');
  await expect(manager.locator('[data-testid=suggest-as-of]')).toBeVisible();

  // Out of signal, the manager counts the shelf: none left. The phone works the line out
  // from the count: a week's tea, in whole cases.
  await managerContext.setOffline(true);
  await managerContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await manager.locator('[data-testid=shelf-count] summary').click();
  const shelf = manager.locator(`[data-testid=shelf-line][data-sku="${sku}"] [data-testid=shelf-units]`);
  await expect(shelf).toHaveAccessibleName(/盘点货架 茉莉花茶/);
  // Not a count: said so, and the line stays estimated.
  await shelf.fill('-3');
  await shelf.dispatchEvent('change');
  await expect(manager.locator('[data-testid=shelf-error]')).toHaveText('请填 0 或正整数；这一项仍按订货记录估计');
  await expect(shelf).toHaveAttribute('aria-invalid', 'true');
  await expect(line).toHaveCount(0);
  await shelf.fill('0');
  await shelf.dispatchEvent('change');
  await expect(line.locator('[data-testid=suggest-qty]')).toHaveText('6');
  await expect(line.locator('[data-testid=suggest-why]')).toContainText('货架盘点 0');
  await expect(manager.locator('[data-testid=shelf-error]')).toHaveCount(0);
  await manager.screenshot({ path: 'test-results/manager-shelf-count.png', fullPage: true });
  // A full shelf: nothing to order; the count cleared: the estimate again.
  await shelf.fill('30');
  await shelf.dispatchEvent('change');
  await expect(line).toHaveCount(0);
  await shelf.fill('');
  await shelf.dispatchEvent('change');
  await expect(line).toHaveCount(0);
  // Two on the shelf, and the manager adds a case: his quantity stays when he counts again.
  await shelf.fill('2');
  await shelf.dispatchEvent('change');
  await expect(line.locator('[data-testid=suggest-qty]')).toHaveText('6');
  await line.locator('[data-testid=suggest-more]').click();
  await expect(line.locator('[data-testid=suggest-qty]')).toHaveText('12');
  await shelf.fill('1');
  await shelf.dispatchEvent('change');
  await expect(line.locator('[data-testid=suggest-why]')).toContainText('货架盘点 1');
  await expect(line.locator('[data-testid=suggest-qty]')).toHaveText('12');
  await manager.click('[data-testid=send-proposal]');
  await managerContext.unroute('**/api/**');
  await managerContext.setOffline(false);
  await manager.click('[data-testid=sync-now]');
  await expect(manager.locator('[data-testid=sync-state]')).toHaveText('已同步');

  // The shop sees the proposal with the count in its reason.
  const shopContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await shopContext.newPage();
  await signIn(phone, `hawthorn${n}`, 'hawthorn-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.click('[data-testid=proposal-banner] a');
  const proposed = phone.locator(`[data-testid=proposal-line][data-sku="${sku}"]`);
  await expect(proposed.locator('[data-testid=proposal-qty]')).toHaveText('12');
  await expect(proposed.locator('[data-testid=proposal-why]')).toContainText('货架盘点 1');
  await expect(proposed.locator('[data-testid=proposal-why]')).toContainText('建议 6，经理已调整');
  await phone.screenshot({ path: 'test-results/phone-proposal-counted.png', fullPage: true });
  await shopContext.close();
  await managerContext.close();
});

test('a shop offline for days shows its order as a QR code; its manager scans it offline and delivers it; it is one order', async ({ browser, request, browserName }, testInfo) => {
  await api(request, 'POST', '/api/admin/shops', {
    id: 'shop-lychee', name: '荔枝小店 Lychee', tier: 'bronze', region: '',
    managers: [], owner_username: 'lychee', owner_display_name: '荔枝', owner_password: 'lychee-secret',
  });
  await api(request, 'POST', '/api/admin/staff', {
    username: 'daiban', display_name: '代办 Daiban', password: 'daiban-pass-1', role: 'manager', shops: ['shop-lychee'],
  });
  // The shop orders with no network.
  const shopContext = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await shopContext.newPage();
  await signIn(phone, 'lychee', 'lychee-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.evaluate(() => navigator.serviceWorker.ready);
  // A shop's phone never downloads the scanner.
  expect(await phone.evaluate(async () => !!(await caches.match('/scan/jsQR.js')))).toBe(false);
  await shopContext.setOffline(true);
  await shopContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await phone.fill('[data-testid=search]', 'GRN-0002');
  await phone.locator('[data-testid=product][data-sku="GRN-0002"] [data-testid=add]').click();
  await phone.click('a[href="/cart"]');
  await phone.click('[data-testid=place-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('等待同步');
  await phone.click('[data-testid=show-handover]');
  const code = phone.locator('[data-testid=handover-qr]');
  await expect(code.locator('svg')).toBeVisible();
  await phone.screenshot({ path: 'test-results/phone-handover.png', fullPage: true });
  // The camera of the manager's phone sees that code (Chromium's fake camera plays a
  // picture of it).
  const picture = testInfo.outputPath('handover.mjpeg');
  // A frame of even width and height with a white margin, as a camera would see it.
  const box = await code.boundingBox();
  const even = (n) => Math.ceil(n / 2) * 2;
  await phone.screenshot({
    path: picture, type: 'jpeg', quality: 95,
    clip: { x: Math.max(0, Math.floor(box.x) - 10), y: Math.max(0, Math.floor(box.y) - 10), width: even(box.width + 20), height: even(box.height + 20) },
  });
  const cameraBrowser = await browser.browserType().launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${picture}`],
  });
  const managerContext = await cameraBrowser.newContext({ viewport: { width: 360, height: 740 }, baseURL: testInfo.project.use.baseURL });
  await managerContext.grantPermissions(['camera'], { origin: testInfo.project.use.baseURL });
  const manager = await managerContext.newPage();
  await signIn(manager, 'daiban', 'daiban-pass-1');
  await expect(manager.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await manager.evaluate(() => navigator.serviceWorker.ready);
  // The scanner is kept for offline use once the app has been opened.
  await expect.poll(() => manager.evaluate(async () => !!(await caches.match('/scan/jsQR.js')))).toBe(true);
  await managerContext.setOffline(true);
  await managerContext.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await manager.click('a[href="/my-shops"]');
  await manager.click('[data-testid=scan-handover]');
  // Scanned: the shop's order, on the manager's phone, waiting to sync.
  await expect(manager.locator('[data-testid=order-state]')).toHaveText('等待同步');
  await expect(manager.locator('.order-detail')).toContainText('香米');
  await managerContext.unroute('**/api/**');
  await managerContext.setOffline(false);
  await manager.click('[data-testid=sync-now]');
  await expect(manager.locator('[data-testid=order-state]')).toHaveText('已确认');
  const number = (await manager.locator('[data-testid=order-number]').textContent()).trim();
  // The shop comes back: the same order, confirmed once.
  await shopContext.unroute('**/api/**');
  await shopContext.setOffline(false);
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  await expect(phone.locator('[data-testid=order-number]')).toHaveText(number);
  const orders = await api(request, 'GET', '/api/orders?shop=shop-lychee');
  expect(orders.orders.length).toBe(1);
  await managerContext.close();
  await cameraBrowser.close();
  await shopContext.close();
});

test("in the data saver a manager's phone keeps only the demand of the shops he visits within two days, and syncs in the background only the shop he works with", async ({ browser, request }) => {
  for (const [id, name, owner] of [['shop-saver-b', '省流二店 Saver B', 'saverb'], ['shop-saver-a', '省流一店 Saver A', 'savera']]) {
    await api(request, 'POST', '/api/admin/shops', {
      id, name, tier: 'bronze', region: '', managers: [],
      owner_username: owner, owner_display_name: owner, owner_password: `${owner}-secret`,
    });
  }
  await api(request, 'POST', '/api/admin/staff', {
    username: 'jiefang', display_name: '解放 Jiefang', password: 'jiefang-pass-1', role: 'manager', shops: ['shop-saver-b', 'shop-saver-a'],
  });
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  // The page's timers can be moved forward (the background sync runs every few minutes
  // in the data saver).
  await page.clock.install();
  await signIn(page, 'jiefang', 'jiefang-pass-1');
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  const kept = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('dinghuo.demand-glance.')).sort());
  const saver = async (on) => {
    await page.evaluate((value) => localStorage.setItem('dinghuo.data_saver', value), JSON.stringify(on));
    await page.reload();
    await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  };
  await saver(true);
  await page.click('a[href="/my-shops"]');
  await expect(page.locator('[data-testid=my-period]')).toBeVisible();
  // A is visited tomorrow (China time); B has no visit planned.
  const tomorrow = new Date(Date.now() + 32 * 3600 * 1000).toISOString().slice(0, 10);
  const damson = page.locator('[data-testid=my-shop][data-shop=shop-saver-a]');
  await damson.locator('[data-testid=record-visit]').click();
  await damson.locator('[data-testid=visit-note]').fill('明天补货');
  await damson.locator('[data-testid=visit-next]').fill(tomorrow);
  await damson.locator('[data-testid=visit-save]').click();
  await expect(damson.locator('[data-testid=my-shop-visit]')).toContainText(`下次拜访 ${tomorrow}`);
  // The page's figures again (another period): its demand is fetched, B's is not.
  await page.click('[data-testid=my-period-1]');
  await expect.poll(kept).toEqual(['dinghuo.demand-glance.shop-saver-a']);
  await page.waitForTimeout(500);
  expect(await kept()).toEqual(['dinghuo.demand-glance.shop-saver-a']);
  // The background sync, minutes later: the shop he is working with, not the other one.
  const bodies = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/sync')) bodies.push(r.postDataBuffer()); });
  await page.clock.fastForward('06:00');
  await expect.poll(() => bodies.length).toBeGreaterThan(0);
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  const sent = bodies.map((b) => (b ? b.toString('latin1') : '')).join('');
  expect(sent).toContain('catalog');
  const covered = ['shop-saver-b', 'shop-saver-a'].filter((shop) => sent.includes(shop));
  expect(covered).toHaveLength(1);
  const other = covered[0] === 'shop-saver-a' ? 'shop-saver-b' : 'shop-saver-a';
  // "Sync now" covers every shop.
  bodies.length = 0;
  await page.click('[data-testid=sync-now]');
  await expect.poll(() => bodies.map((b) => (b ? b.toString('latin1') : '')).join('')).toContain(other);
  // Opening the app again: the shop he works with and A (visited tomorrow); B only if
  // it is the one he works with.
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  bodies.length = 0;
  await page.reload();
  await expect(page.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await expect.poll(() => bodies.length).toBeGreaterThan(0);
  const opened = bodies.map((b) => (b ? b.toString('latin1') : '')).join('');
  expect(opened).toContain('catalog');
  expect(opened).toContain('shop-saver-a');
  expect(opened.includes('shop-saver-b')).toBe(covered[0] === 'shop-saver-b');
  // Without the data saver: every shop's.
  await saver(false);
  await page.click('a[href="/my-shops"]');
  await expect.poll(kept).toEqual(['dinghuo.demand-glance.shop-saver-a', 'dinghuo.demand-glance.shop-saver-b']);
  await context.close();
});
