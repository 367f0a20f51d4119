// The back office: admins and staff who sign in at the storefront's address land in their
// own bundle; an admin finds, edits and creates products there, and a shop's storefront
// shows the result after its next sync.
const { test, expect } = require('@playwright/test');

async function signIn(page, username, password) {
  await page.goto('/');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-testid=sign-in]');
}

test('an admin edits and creates products in the back office and a shop sees them', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  const loaded = [];
  office.on('request', (request) => loaded.push(new URL(request.url()).pathname));
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/products"]');
  await expect(office.locator('[data-testid=product-row]')).toHaveCount(50);
  await expect(office.locator('[data-testid=range]')).toContainText('200');
  await office.click('[data-testid=next]');
  await expect(office.locator('[data-testid=range]')).toContainText('51–100');
  await expect(office.locator('[data-testid=product-row]').first()).not.toHaveAttribute('data-sku', 'BEV-0001');
  await office.click('[data-testid=previous]');
  await expect(office.locator('[data-testid=range]')).toContainText('1–50');
  // The back office never loads the storefront's Automerge bundle after the hand-over,
  // and registers no service worker.
  const afterHandOver = loaded.slice(loaded.indexOf('/office/'));
  expect(afterHandOver.filter((path) => path.startsWith('/pkg/'))).toEqual([]);

  // Search by SKU, then edit a price.
  await office.fill('[data-testid=search]', 'snk-0005');
  await expect(office.locator('[data-testid=product-row]')).toHaveCount(1);
  await office.locator('[data-testid=product-row] a').click();
  await office.fill('input[name=list_price]', '1.23');
  await office.click('[data-testid=save]');
  await expect(office.locator('[data-testid=form-message]')).toHaveText('已保存');
  // The change is in the product's change log, with the price before and after, and in
  // the whole log.
  const history = office.locator('[data-testid=history] [data-testid=audit-entry]');
  await expect(history.first().locator('[data-testid=audit-field]')).toHaveAttribute('data-field', 'list_price');
  await expect(history.first()).toContainText('标价（元）');
  await expect(history.first().locator('[data-testid=audit-after]')).toHaveText('¥1.23');
  await office.goto('/office/audit');
  await expect(office.locator('[data-testid=audit-entry][data-object="SNK-0005"]').first()).toBeVisible();

  // A new product: a refused field is named in the user's language, then it is created.
  await office.goto('/office/products');
  await office.click('[data-testid=new-product]');
  await office.fill('input[name=sku]', 'TEA-9001');
  await office.fill('input[name="name.zh_hans"]', '乌龙茶礼盒');
  await office.fill('input[name="name.zh_hant"]', '烏龍茶禮盒');
  await office.fill('input[name="name.en"]', 'Oolong gift box');
  await office.selectOption('select[name=category]', { index: 1 });
  await office.fill('input[name="unit.zh_hans"]', '盒');
  await office.fill('input[name="unit.en"]', 'box');
  await office.fill('input[name=list_price]', '66.00');
  await office.fill('input[name=pack_size]', '0');
  await office.click('[data-testid=save]');
  await expect(office.locator('[data-testid=form-message]')).toHaveText('箱规（每箱数量）：超出允许范围');
  await office.fill('input[name=pack_size]', '6');
  await office.fill('input[name=min_quantity]', '6');
  await office.click('[data-testid=save]');
  await office.waitForURL('**/office/products/TEA-9001');
  await office.goto('/office/products');
  await office.fill('[data-testid=search]', '乌龙茶礼盒');
  await expect(office.locator('[data-testid=product-row]')).toHaveCount(1);

  // The shop's phone shows both after its sync.
  const phone = await (await browser.newContext()).newPage();
  await signIn(phone, 'peach', 'peach123');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.fill('[data-testid=search]', 'TEA-9001');
  await expect(phone.locator('[data-testid=product][data-sku="TEA-9001"] [data-testid=price]')).toContainText('66.00');
  await phone.fill('[data-testid=search]', 'SNK-0005');
  await expect(phone.locator('[data-testid=product][data-sku="SNK-0005"] [data-testid=price]')).toContainText('1.23');
  await desk.close();
});

test('an admin finds a customer and reads back its account', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/customers"]');
  await expect(office.locator('[data-testid=customer-row]')).toHaveCount(3);
  await office.fill('[data-testid=customer-search]', 'wang');
  await expect(office.locator('[data-testid=customer-row]')).toHaveCount(2);
  await office.locator('[data-testid=customer-row][data-id="shop-lotus"] a').click();
  await expect(office.locator('[data-testid=customer-tier]')).toHaveText('gold');
  await expect(office.locator('[data-testid=customer-terms]')).toContainText('30');
  await expect(office.locator('[data-testid=own-prices] tr')).toHaveCount(5);
  await desk.close();
});

test('staff see the catalog but cannot change it; shops are sent back to the storefront', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'cang', 'cang123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/products"]');
  await expect(office.locator('[data-testid=product-row]').first()).toBeVisible();
  await expect(office.locator('[data-testid=new-product]')).toHaveCount(0);
  await office.locator('[data-testid=product-row] a').first().click();
  await expect(office.locator('input[name=list_price]')).toBeVisible();
  await expect(office.locator('[data-testid=save]')).toHaveCount(0);

  // A shop owner who opens the back office's address is told where to go.
  await office.click('[data-testid=sign-out]');
  await office.fill('input[name=username]', 'lotus');
  await office.fill('input[name=password]', 'lotus123');
  await office.click('[data-testid=sign-in]');
  await expect(office.locator('[role=alert]')).toContainText('订货端');
  await desk.close();
});

test('an admin creates a shop, moves it to another tier, tops it up and deactivates it; its phone follows', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/customers"]');
  await office.click('a[href="/office/customers/new"]');
  await office.fill('input[name=id]', 'shop-plum');
  await office.fill('input[name=name]', '梅花便利店');
  await office.selectOption('select[name=tier]', 'silver');
  await office.check('input[name=manager][value=wang]');
  await office.fill('input[name=owner_username]', 'plum');
  await office.fill('input[name=owner_password]', 'short');
  await office.click('[data-testid=save]');
  await expect(office.locator('[data-testid=form-message]')).toHaveText('初始密码（至少 8 位）：太短了（至少 8 位）');
  await office.fill('input[name=owner_password]', 'plum-secret');
  await office.click('[data-testid=save]');
  await office.waitForURL('**/office/customers/shop-plum');
  await expect(office.locator('[data-testid=customer-tier]')).toHaveText('silver');

  // Its owner signs in on a phone and sees silver prices.
  const phone = await (await browser.newContext()).newPage();
  await signIn(phone, 'plum', 'plum-secret');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.fill('[data-testid=search]', 'BEV-0001');
  const price = phone.locator('[data-testid=product][data-sku="BEV-0001"] [data-testid=price]');
  await expect(price).toBeVisible();
  const silverPrice = await price.textContent();

  // Gold tier, prepaid terms.
  await office.click('[data-testid=edit-customer]');
  await office.selectOption('[data-testid=customer-edit] select[name=tier]', 'gold');
  await office.check('input[name=has_account]');
  await office.selectOption('select[name=terms]', 'prepaid');
  await office.click('[data-testid=save-customer]');
  await expect(office.locator('[data-testid=customer-notice]')).toHaveText('已保存');
  await expect(office.locator('[data-testid=customer-tier]')).toHaveText('gold');

  // A top-up with its reason; a refused one says why.
  await office.fill('[data-testid=entry-form] input[name=amount]', '500');
  await office.click('[data-testid=add-entry]');
  await expect(office.locator('[data-testid=entry-form] [data-testid=form-message]')).toHaveText('原因：必填');
  await office.fill('[data-testid=entry-form] input[name=reason]', '银行转账');
  await office.click('[data-testid=add-entry]');
  await expect(office.locator('[data-testid=entry]')).toHaveCount(1);
  await expect(office.locator('[data-testid=entry]').first()).toContainText('银行转账');
  await expect(office.locator('[data-testid=entry]').first()).toContainText('500');

  // The phone follows the new tier without signing in again.
  await phone.click('[data-testid=sync-now]');
  await expect(price).not.toHaveText(silverPrice);
  await expect(price).toContainText('2.33');

  // Deactivated: the phone says it cannot order, and why.
  await office.click('[data-testid=edit-customer]');
  await office.uncheck('[data-testid=customer-edit] input[name=active]');
  await office.click('[data-testid=save-customer]');
  await expect(office.locator('[data-testid=customer-notice]')).toHaveText('已保存');
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.locator('[data-testid=product][data-sku="BEV-0001"] [data-testid=add]').click();
  await phone.click('a[href="/cart"]');
  await expect(phone.locator('[data-testid=blocked]')).toContainText('账户已暂停订货');
  await expect(phone.locator('[data-testid=place-order]')).toBeDisabled();
  await desk.close();
});

test('an admin manages the team: a manager and their shops, a password reset; staff do not see the page', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/staff"]');
  await expect(office.locator('[data-testid=member][data-user=wang]')).toBeVisible();
  await expect(office.locator('[data-testid=member][data-user=cang]')).toBeVisible();

  const form = office.locator('[data-testid=new-member]');
  await form.locator('input[name=username]').fill('li');
  await form.locator('input[name=display_name]').fill('李经理');
  await form.locator('select[name=role]').selectOption('manager');
  await form.locator('input[name=password]').fill('li-secret-1');
  await form.locator('input[name=shops]').fill('shop-peach, shop-nowhere');
  await office.click('[data-testid=create-member]');
  await expect(form.locator('[data-testid=form-message]')).toHaveText('负责的门店（编码，用逗号分隔）：不存在');
  await form.locator('input[name=shops]').fill('shop-peach');
  await office.click('[data-testid=create-member]');
  const li = office.locator('[data-testid=member][data-user=li]');
  await expect(li.locator('[data-testid=member-grants]')).toHaveText('shop-peach');

  await li.locator('[data-testid=edit-member]').click();
  await office.locator('[data-testid=member-edit] input[name=shops]').fill('shop-peach, shop-bamboo');
  await office.click('[data-testid=save-member]');
  await expect(li.locator('[data-testid=member-grants]')).toHaveText('shop-bamboo, shop-peach');

  // A staff member gets a read-only permission and a new password.
  const cang = office.locator('[data-testid=member][data-user=cang]');
  await cang.locator('[data-testid=edit-member]').click();
  await office.locator('[data-testid=member-edit] input[name=permission][value="promotions.read"]').check();
  await office.click('[data-testid=save-member]');
  await expect(cang.locator('[data-testid=member-grants]')).toContainText('查看促销');
  await cang.locator('[data-testid=reset-password]').click();
  await cang.locator('input[name=new_password]').fill('cang-new-pass');
  await cang.locator('[data-testid=save-password]').click();
  await expect(cang.locator('[data-testid=user-message]')).toContainText('已完成');

  // Staff sign in with it and do not see the team page; the server refuses it anyway.
  const other = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await signIn(other, 'cang', 'cang-new-pass');
  await other.waitForURL('**/office/');
  await other.click('a[href="/office/products"]');
  await expect(other.locator('[data-testid=product-row]').first()).toBeVisible();
  await expect(other.locator('a[href="/office/staff"]')).toHaveCount(0);
  await other.goto('/office/staff');
  await expect(other.locator('.staff .error')).toContainText('没有权限');
  await desk.close();
});

test('a product limited to a tier is offered only to that tier and the shops given it', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.goto('/office/products/BEV-0009');
  await office.check('input[name=limited][value=limited]');
  await office.check('input[name=limited_tier][value=gold]');
  await office.fill('input[name=allowed_shops]', 'shop-nowhere');
  await office.click('[data-testid=save]');
  await expect(office.locator('[data-testid=form-message]')).toHaveText('另外指定的门店（编码，用逗号分隔）：不存在');
  await office.fill('input[name=allowed_shops]', 'shop-peach');
  await office.click('[data-testid=save]');
  await expect(office.locator('[data-testid=form-message]')).toHaveText('已保存');

  // Bamboo (silver) does not see it; Peach (bronze, given it by name) does.
  for (const [user, password, sees] of [['bamboo', 'bamboo123', 0], ['peach', 'peach123', 1]]) {
    const phone = await (await browser.newContext()).newPage();
    await signIn(phone, user, password);
    await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
    await phone.fill('[data-testid=search]', 'BEV-000');
    await expect(phone.locator('[data-testid=product][data-sku="BEV-0002"]')).toBeVisible();
    await expect(phone.locator('[data-testid=product][data-sku="BEV-0009"]')).toHaveCount(sees);
  }
  await desk.close();
});

test('an admin publishes a promotion, the shop sees it in its cart and pays what the server confirms, then it ends', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/promotions"]');
  await expect(office.locator('[data-testid=promotion-row][data-id=coupon-new20] [data-testid=promotion-uses]')).toHaveText('0');
  await office.click('[data-testid=new-promotion]');
  await office.fill('input[name=id]', 'tea-5off');
  await office.fill('input[name="name.zh_hans"]', '绿茶立减5元');
  await office.fill('input[name="name.zh_hant"]', '綠茶立減5元');
  await office.fill('input[name="name.en"]', 'Green tea: ¥5 off');
  // Nonsense is refused, naming the field.
  await office.selectOption('select[name=kind]', 'percent_off');
  await office.fill('input[name=percent]', '150');
  await office.click('[data-testid=save]');
  await expect(office.locator('[data-testid=form-message]')).toContainText('超出允许范围');
  await office.selectOption('select[name=kind]', 'amount_off');
  await office.fill('input[name=amount]', '5');
  await office.selectOption('select[name=scope]', 'skus');
  await office.fill('input[name=scope_items]', 'BEV-0008');
  await office.check('input[name=tier][value=bronze]');
  await expect(office.locator('[data-testid=reach]')).toHaveText('可见门店数：1：shop-peach');
  await office.click('[data-testid=save]');
  await office.waitForURL('**/office/promotions/tea-5off');

  // Peach (bronze) sees it in the cart, and the server confirms the same total.
  const phone = await (await browser.newContext()).newPage();
  await signIn(phone, 'peach', 'peach123');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.locator('[data-testid=product][data-sku="BEV-0008"] [data-testid=add]').click();
  await phone.click('a[href="/cart"]');
  await expect(phone.locator('[data-testid=promotion]')).toContainText('绿茶立减5元');
  const total = await phone.locator('[data-testid=cart-total]').textContent();
  await phone.click('[data-testid=place-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  await expect(phone.locator('[data-testid=order-total]')).toHaveText(total);

  // Ended now: it stays listed, as ended, with its use counted; the shop no longer gets it.
  await office.click('[data-testid=end-now]');
  await expect(office.locator('[data-testid=form-message]')).toHaveText('已保存');
  await office.goto('/office/promotions');
  const row = office.locator('[data-testid=promotion-row][data-id=tea-5off]');
  await expect(row.locator('[data-testid=promotion-status]')).toHaveText('已结束');
  await expect(row.locator('[data-testid=promotion-uses]')).toHaveText('1');
  await phone.click('a[href="/"]');
  await phone.click('[data-testid=sync-now]');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await phone.locator('[data-testid=product][data-sku="BEV-0008"] [data-testid=add]').click();
  await phone.click('a[href="/cart"]');
  await expect(phone.locator('[data-testid=cart-total]')).toBeVisible();
  await expect(phone.locator('[data-testid=promotion]')).toHaveCount(0);
  await desk.close();
});

test('a price scheduled a few seconds ahead reaches the phone, which switches on time offline', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.goto('/office/products/BEV-0007');
  const silver = office.locator('[data-testid=price-cell][data-list="tier/silver"]');
  await expect(silver).toBeVisible();
  // Twelve seconds from now, in the browser's local time (seconds included).
  const at = await office.evaluate(() => {
    const d = new Date(Date.now() + 12_000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  });
  await silver.locator('input[name=price]').fill('9.99');
  await silver.locator('input[name=at]').fill(at);
  await silver.locator('[data-testid=save-price]').click();
  await expect(office.locator('[data-testid=price-cell][data-list="tier/silver"] [data-testid=scheduled-change]')).toContainText('¥9.99');

  // Bamboo (silver) syncs, goes offline, and sees the new price when its time comes.
  const context = await browser.newContext();
  const phone = await context.newPage();
  await signIn(phone, 'bamboo', 'bamboo123');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await phone.fill('[data-testid=search]', 'BEV-0007');
  const price = phone.locator('[data-testid=product][data-sku="BEV-0007"] [data-testid=price] .amount');
  await expect(price).not.toHaveText('¥9.99');
  await expect(price).toHaveText('¥9.99', { timeout: 30_000 });
  await desk.close();
});

test('a new product with a photo, a tier price, a shop price and a promotion reaches the shop, offline too, at the server\'s total', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/products"]');
  await office.click('[data-testid=new-product]');
  await office.fill('input[name=sku]', 'TEA-9100');
  await office.fill('input[name="name.zh_hans"]', '白茶饼');
  await office.fill('input[name="name.zh_hant"]', '白茶餅');
  await office.fill('input[name="name.en"]', 'White tea cake');
  await office.selectOption('select[name=category]', { index: 1 });
  await office.fill('input[name="unit.zh_hans"]', '饼');
  await office.fill('input[name="unit.en"]', 'cake');
  await office.fill('input[name=list_price]', '68.00');
  await office.click('[data-testid=save]');
  await office.waitForURL('**/office/products/TEA-9100');

  // A file that is not a picture is refused by what it holds, whatever its name.
  await office.setInputFiles('input[name=photo]', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
  await expect(office.locator('[data-testid=photo-message]')).toHaveText('商品图片：不是 JPEG、PNG 或 WebP 图片');
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGM4IScHRAwQCgAfJgQRoo8irwAAAABJRU5ErkJggg==', 'base64');
  await office.setInputFiles('input[name=photo]', { name: 'tea.png', mimeType: 'image/png', buffer: png });
  await expect(office.locator('[data-testid=photo-section] [data-testid=photo]')).toBeVisible();

  // Bronze's price, and Peach's own.
  const bronze = office.locator('[data-testid=price-cell][data-list="tier/bronze"]');
  await bronze.locator('input[name=price]').fill('60.00');
  await bronze.locator('[data-testid=save-price]').click();
  await expect(office.locator('[data-testid=price-cell][data-list="tier/bronze"] input[name=price]')).toHaveValue('60.00');
  await office.fill('input[name=new_shop_price]', 'shop-peach');
  await office.click('[data-testid=add-shop-price]');
  const peach = office.locator('[data-testid=price-cell][data-list="shop/shop-peach"]');
  await peach.locator('input[name=price]').fill('55.00');
  await peach.locator('[data-testid=save-price]').click();
  await expect(office.locator('[data-testid=price-cell][data-list="shop/shop-peach"] input[name=price]')).toHaveValue('55.00');

  // ¥5 off each order of it.
  await office.goto('/office/promotions/new');
  await office.fill('input[name=id]', 'white-tea-5');
  await office.fill('input[name="name.zh_hans"]', '白茶饼立减5元');
  await office.selectOption('select[name=kind]', 'amount_off');
  await office.fill('input[name=amount]', '5');
  await office.selectOption('select[name=scope]', 'skus');
  await office.fill('input[name=scope_items]', 'TEA-9100');
  await office.click('[data-testid=save]');
  await office.waitForURL('**/office/promotions/white-tea-5');

  // Peach's phone: the product, its photo, Peach's own price and the offer, offline.
  const context = await browser.newContext();
  const phone = await context.newPage();
  await signIn(phone, 'peach', 'peach123');
  await expect(phone.locator('[data-testid=sync-state]')).toHaveText('已同步');
  await context.setOffline(true);
  await context.route('**/api/**', (route) => route.abort('internetdisconnected'));
  await phone.fill('[data-testid=search]', 'TEA-9100');
  const card = phone.locator('[data-testid=product][data-sku="TEA-9100"]');
  await expect(card.locator('[data-testid=photo]')).toHaveAttribute('src', /^\/img\/[0-9a-f]{64}\.webp$/);
  await expect(card.locator('[data-testid=price] .amount')).toHaveText('¥55.00');
  await card.locator('[data-testid=add]').click();
  await phone.click('a[href="/cart"]');
  await expect(phone.locator('[data-testid=promotion]')).toContainText('白茶饼立减5元');
  const total = await phone.locator('[data-testid=cart-total]').textContent();
  await phone.click('[data-testid=place-order]');
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('等待同步');
  await context.unroute('**/api/**');
  await context.setOffline(false);
  await expect(phone.locator('[data-testid=order-state]')).toHaveText('已确认');
  await expect(phone.locator('[data-testid=order-total]')).toHaveText(total);
  await desk.close();
});

test('a CSV import with one bad row shows that row\'s problem and changes nothing; fixed, it imports; exports download', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/bulk"]');
  const [download] = await Promise.all([
    office.waitForEvent('download'),
    office.click('[data-testid=export-products]'),
  ]);
  expect(download.suggestedFilename()).toBe('products.csv');
  const exported = require('fs').readFileSync(await download.path(), 'utf8');
  expect(exported.startsWith('\ufeffsku,name_zh_hans,')).toBe(true);
  // For the ERP: this month's orders, one row per line, in the documented layout.
  const [orders] = await Promise.all([
    office.waitForEvent('download'),
    office.click('[data-testid=erp-orders]'),
  ]);
  expect(orders.suggestedFilename()).toMatch(/^orders-.*\.csv$/);
  const orderRows = require('fs').readFileSync(await orders.path(), 'utf8');
  expect(orderRows.startsWith('\ufefforder_number,request_id,received_at,shop,shop_name,channel,')).toBe(true);
  // A period that ends before it starts: the reason, in the admin's language.
  await office.fill('[data-testid=erp-from]', '2026-02-01');
  await office.fill('[data-testid=erp-to]', '2026-01-01');
  await office.click('[data-testid=erp-invoices]');
  await expect(office.getByTestId('bulk-message')).toBeVisible();
  await office.fill('[data-testid=erp-to]', '2026-02-28');
  const [invoices] = await Promise.all([
    office.waitForEvent('download'),
    office.click('[data-testid=erp-invoices]'),
  ]);
  expect(invoices.suggestedFilename()).toBe('invoices-2026-02-01-2026-02-28.csv');
  const invoiceRows = require('fs').readFileSync(await invoices.path(), 'utf8');
  expect(invoiceRows.startsWith('\ufeffinvoice_number,order_number,')).toBe(true);

  await office.selectOption('select[name=kind]', 'prices');
  const bad = 'list,sku,price\ntier/gold,BEV-0005,9.50\ntier/gold,BEV-0006,lots\n';
  await office.setInputFiles('input[name=csv]', { name: 'prices.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  const problem = office.locator('[data-testid=import-problem]');
  await expect(problem).toHaveCount(1);
  await expect(problem).toHaveAttribute('data-line', '3');
  await expect(problem).toContainText('不是有效金额');
  await expect(office.locator('[data-testid=apply-import]')).toHaveCount(0);
  // Nothing changed: gold's price of BEV-0005 is not 9.50.
  await office.goto('/office/products/BEV-0005');
  const gold = office.locator('[data-testid=price-cell][data-list="tier/gold"] input[name=price]');
  await expect(gold).not.toHaveValue('9.50');

  await office.goto('/office/bulk');
  await office.selectOption('select[name=kind]', 'prices');
  const good = 'list,sku,price\ntier/gold,BEV-0005,9.50\ntier/gold,BEV-0006,8.80\n';
  await office.setInputFiles('input[name=csv]', { name: 'prices.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await expect(office.locator('[data-testid=import-summary]')).toContainText('修改 2');
  await office.click('[data-testid=apply-import]');
  await expect(office.locator('[data-testid=import-done]')).toHaveText('已导入');
  await office.goto('/office/products/BEV-0005');
  await expect(gold).toHaveValue('9.50');
  await desk.close();
});

test('a sign-in refused for too many attempts says so, not "wrong password", at both front doors', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto('/');
  await page.fill('input[name=username]', 'lotus');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('[data-testid=sign-in]');
  await expect(page.locator('[role=alert]')).toHaveText('用户名或密码不对');
  // What the server answers once its limiter stops a name (the limiter itself is a server
  // test): 429 with its JSON body and Retry-After.
  await context.route('**/api/login', (route) => route.fulfill({
    status: 429,
    contentType: 'application/json',
    headers: { 'Retry-After': '60' },
    body: JSON.stringify({ error: 'too_many_attempts', message: 'too many sign-in attempts; try again in 60 s' }),
  }));
  await page.click('[data-testid=sign-in]');
  await expect(page.locator('[role=alert]')).toHaveText('登录尝试次数过多，请稍后再试');
  await page.goto('/office/');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'admin123');
  await page.click('[data-testid=sign-in]');
  await expect(page.locator('[role=alert]')).toHaveText('登录尝试次数过多，请稍后再试');
  await context.close();
});

test('an admin makes an API key for an ERP, which reads what its scopes name and nothing else, then revokes it', async ({ browser, request }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/api-keys"]');
  // No scope ticked: refused, named in the admin's language.
  await office.fill('[data-testid=key-name]', '金蝶云 ERP');
  await office.click('[data-testid=make-key]');
  await expect(office.getByTestId('key-problem')).toContainText('权限范围');
  await office.check('[data-testid=key-scope][data-scope="catalog:read"]');
  await office.check('[data-testid=key-scope][data-scope="orders:read"]');
  await office.check('[data-testid=key-review]');
  await office.fill('[data-testid=key-expires]', '90');
  await office.click('[data-testid=make-key]');
  // Shown this once.
  const key = (await office.getByTestId('key-secret').textContent()).trim();
  expect(key).toMatch(/^dhk_[0-9a-f]{40}$/);
  const row = office.locator('[data-testid=key-row][data-name="金蝶云 ERP"]');
  await expect(row).toContainText('catalog:read, orders:read');
  await expect(row.getByTestId('key-reviewed')).toContainText('订单先人工审核');
  await expect(row.getByTestId('key-last-used')).toHaveText('从未');
  await expect(row.getByTestId('key-expiry')).toContainText('到期');
  await office.screenshot({ path: 'test-results/office-api-keys.png', fullPage: true });
  await office.reload();
  await expect(office.getByTestId('key-secret')).toHaveCount(0);
  await expect(office.locator('body')).not.toContainText(key);

  // The ERP calls with it: the catalog and orders, not stock, not the storefront's session.
  const headers = { Authorization: `Bearer ${key}` };
  expect((await request.get('/api/admin/products?limit=5', { headers })).status()).toBe(200);
  expect((await request.get('/api/orders?limit=5', { headers })).status()).toBe(200);
  const refused = await request.get('/api/admin/stock/BEV-0001', { headers });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error).toBe('forbidden');
  expect((await request.get('/api/session', { headers })).status()).toBe(403);
  await office.reload();
  await expect(row.getByTestId('key-last-used')).not.toHaveText('从未');

  // Revoked: the next call is refused.
  await row.getByTestId('revoke-key').click();
  await expect(row.getByTestId('key-revoked')).toContainText('已停用');
  expect((await request.get('/api/orders?limit=5', { headers })).status()).toBe(401);
  await desk.close();
});

// A shop of its own for a test's API orders, so other tests' shops keep only their orders.
async function shopOfItsOwn(request, stamp) {
  const login = await request.post('/api/login', { data: { username: 'admin', password: 'admin123' } });
  const headers = { Authorization: `Bearer ${(await login.json()).token}` };
  const id = `shop-api-${stamp}`;
  const made = await request.post('/api/admin/shops', {
    headers,
    data: {
      id, name: `接口测试 ${stamp}`, tier: 'silver', region: '', managers: [],
      owner_username: `api${stamp}`, owner_display_name: '接口', owner_password: 'api-secret-1',
    },
  });
  expect(made.status(), await made.text()).toBeLessThan(300);
  return id;
}

test('an admin subscribes an ERP to order events, sees a failed delivery retried, and resends one', async ({ browser, request }) => {
  // The ERP's receiver, on this machine: it is busy at first (503), then takes everything,
  // checking each signature with the secret the admin copies from the page.
  const http = require('http');
  const crypto = require('crypto');
  const received = [];
  let secret = '';
  let busy = 1;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      if (busy > 0) {
        busy -= 1;
        res.writeHead(503).end('busy');
        return;
      }
      const stamp = req.headers['dinghuo-timestamp'];
      const expected = 'v1=' + crypto.createHmac('sha256', secret).update(`${stamp}.${body}`).digest('hex');
      const event = JSON.parse(body);
      received.push({ signed: req.headers['dinghuo-signature'] === expected, id: req.headers['dinghuo-event-id'], event });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${receiver.address().port}/dinghuo`;

  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/webhooks"]');
  // A receiver elsewhere over plain HTTP is refused, in the admin's language.
  await office.fill('[data-testid=hook-url]', 'http://erp.example.com/hook');
  await office.check('[data-testid=hook-event][data-event="order.placed"]');
  await office.click('[data-testid=add-hook]');
  await expect(office.getByTestId('hook-problem')).toContainText('必须是 https://');
  await office.fill('[data-testid=hook-url]', url);
  await office.fill('[data-testid=hook-description]', '金蝶云 ERP');
  await office.check('[data-testid=hook-event][data-event="order.confirmed"]');
  await office.click('[data-testid=add-hook]');
  secret = (await office.getByTestId('hook-secret').textContent()).trim();
  expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
  const row = office.locator(`[data-testid=hook-row][data-url="${url}"]`);
  await expect(row).toContainText('下单、订单确认');
  await expect(row.getByTestId('hook-health')).toHaveText('正常');

  // An order comes in through the marketplace's API key (of a product no other test
  // orders, so the others' stock is left alone).
  const login = await request.post('/api/login', { data: { username: 'admin', password: 'admin123' } });
  const admin = { Authorization: `Bearer ${(await login.json()).token}` };
  const made = await request.post('/api/admin/api-keys', { headers: admin, data: { name: 'webhook e2e', scopes: ['orders:write'] } });
  const key = { Authorization: `Bearer ${(await made.json()).key}` };
  const shop = await shopOfItsOwn(request, Date.now());
  const placed = await request.post('/api/orders', {
    headers: { ...key, 'Idempotency-Key': `hook-${Date.now()}` },
    data: { shop, lines: [{ sku: 'BEV-0021', quantity: 12 }], note: '' },
  });
  expect(placed.status()).toBe(201);
  const number = (await placed.json()).number;
  await expect.poll(() => received.length, { timeout: 15_000 }).toBe(2);
  expect(received.every((r) => r.signed)).toBe(true);
  expect(received.map((r) => r.event.type).sort()).toEqual(['order.confirmed', 'order.placed']);
  expect(received[0].event.data.order.number).toBe(number);

  // The deliveries: one was refused (503) before it got through.
  await expect(async () => {
    await office.reload();
    await expect(row.getByTestId('hook-counts')).toHaveText('已送达 2 · 待推送 0', { timeout: 1000 });
  }).toPass();
  await row.getByTestId('hook-deliveries').click();
  const deliveries = office.getByTestId('delivery-row');
  await expect(deliveries).toHaveCount(2);
  await expect(office.locator('[data-testid=attempt][data-status="503"]')).toHaveCount(1);
  await expect(office.locator('[data-testid=attempt][data-status="200"]')).toHaveCount(2);
  await office.screenshot({ path: 'test-results/office-webhooks.png', fullPage: true });
  // Resent: the same event id again (the receiver drops it as a duplicate).
  await deliveries.first().getByTestId('resend').click();
  await expect.poll(() => received.length, { timeout: 15_000 }).toBe(3);
  expect(new Set(received.map((r) => r.id)).size).toBe(2);
  // A test event, then the endpoint turned off.
  await row.getByTestId('hook-ping').click();
  await expect.poll(() => received.filter((r) => r.event.type === 'ping').length, { timeout: 15_000 }).toBe(1);
  await row.getByTestId('hook-toggle').click();
  await expect(row.getByTestId('hook-health')).toHaveText('已停用');
  await row.getByTestId('hook-delete').click();
  await expect(row).toHaveCount(0);
  receiver.close();
  await desk.close();
});

test('a marketplace allowed its own prices sells at them, and the order page shows them beside ours', async ({ browser, request }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/api-keys"]');
  const stamp = Date.now();
  const name = `抖音小店 ${stamp}`;
  await office.fill('[data-testid=key-name]', name);
  await office.check('[data-testid=key-scope][data-scope="orders:write"]');
  await office.click('[data-testid=make-key]');
  const key = (await office.getByTestId('key-secret').textContent()).trim();
  const row = office.locator(`[data-testid=key-row][data-name="${name}"]`);
  // Not allowed at first: its prices are refused.
  const headers = { Authorization: `Bearer ${key}` };
  const shop = await shopOfItsOwn(request, stamp);
  const order = { shop, lines: [{ sku: 'BEV-0021', quantity: 12 }], unit_prices: { 'BEV-0021': '2.70' } };
  const refused = await request.post('/api/orders', { headers: { ...headers, 'Idempotency-Key': `own-${stamp}` }, data: order });
  expect(refused.status()).toBe(403);
  // The admin allows it on the key's row.
  await row.getByTestId('key-rule-own-prices').check();
  await expect(row.getByTestId('key-rule-own-prices')).toBeChecked();
  await office.reload();
  await expect(row.getByTestId('key-rule-own-prices')).toBeChecked();
  const placed = await request.post('/api/orders', { headers: { ...headers, 'Idempotency-Key': `own-${stamp}` }, data: order });
  expect(placed.status()).toBe(201);
  const body = await placed.json();
  expect(body.priced.lines[0].unit_price.amount).toBe('2.70');
  await office.goto(`/office/orders/${body.number}`);
  const line = office.locator('[data-testid=order-channel-price][data-sku="BEV-0021"]');
  await expect(line).toContainText('2.70');
  await expect(line.getByTestId('channel-difference')).not.toHaveText('');
  await office.screenshot({ path: 'test-results/office-channel-prices.png', fullPage: true });
  await desk.close();
});

test('an admin sees when the data was last backed up and backs it up now; staff see no such page', async ({ browser }) => {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const office = await desk.newPage();
  await signIn(office, 'admin', 'admin123');
  await office.waitForURL('**/office/');
  await office.click('a[href="/office/backups"]');
  await expect(office.getByTestId('backup-schedule')).toHaveText('每 24 小时自动备份一次，保留最近 7 份。');
  await expect(office.getByTestId('backup-dir')).toContainText('backups');
  const rows = office.locator('[data-testid=backup-row]');
  const before = await rows.count();
  await office.click('[data-testid=back-up-now]');
  await expect(office.getByTestId('backup-made')).toContainText('已备份并校验');
  await expect(office.getByTestId('backup-made')).toContainText(/dinghuo-\d{8}-\d{6}-\d{3}\.sqlite3/);
  await expect(rows).toHaveCount(before + 1);
  await expect(office.getByTestId('backup-newest')).toContainText('最近一次备份：');
  // The newest first, named in the message.
  const made = (await office.getByTestId('backup-made').locator('code').textContent()).trim();
  await expect(rows.first()).toContainText(made);
  await office.screenshot({ path: 'test-results/office-backups.png', fullPage: true });
  // Downloaded to the admin's computer: the whole file, a SQLite database.
  const [download] = await Promise.all([
    office.waitForEvent('download'),
    rows.first().getByTestId('download-backup').click(),
  ]);
  expect(download.suggestedFilename()).toBe(made);
  const saved = await download.path();
  const header = require('fs').readFileSync(saved).subarray(0, 16).toString('latin1');
  expect(header).toBe('SQLite format 3\u0000');
  await desk.close();

  const staff = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Finance (an earlier test gave the warehouse's cang a new password).
  const finance = await staff.newPage();
  await signIn(finance, 'cai', 'cai123');
  await finance.waitForURL('**/office/');
  await expect(finance.locator('a[href="/office/receivables"]')).toBeVisible();
  await expect(finance.locator('a[href="/office/backups"]')).toHaveCount(0);
  await staff.close();
});
