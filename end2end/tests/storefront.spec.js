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
  // The last product is reached by scrolling, and it is the last of the count.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(page.locator(`[data-testid=product][aria-posinset="${total}"]`)).toBeInViewport();
  expect(await page.locator('[data-testid=product]').count()).toBeLessThan(30);

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
