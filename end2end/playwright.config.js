// Playwright against the real server (debug build, fresh data directory) and Debian's Chromium.
const { defineConfig } = require('@playwright/test');

const PORT = 3100;

module.exports = defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  // One more try for a test that fails: two tests failed once each in full runs under the
  // load of `make test` on 2 cores (a form re-rendering for 90 s; an offline cancel whose
  // reservation was released before the phone came back online) and passed in every
  // rerun. A test that fails twice still fails the run; the list reporter marks a test
  // that passed on its retry as flaky, to be found and fixed.
  retries: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 390, height: 844 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'rm -rf ../target/e2e-data && exec ../target/debug/dinghuo',
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      DINGHUO_ADDR: `127.0.0.1:${PORT}`,
      DINGHUO_DATA: '../target/e2e-data',
      DINGHUO_SITE: '../target/site',
      // Access tokens expire within a test, so every test also exercises refreshing.
      DINGHUO_ACCESS_TTL_SECS: '3',
      // Order volumes close after a few orders, so the tests cross volumes.
      DINGHUO_ORDER_VOLUME_BYTES: '1500',
      // The tests sign in as admin many times a minute from one address (each test its own
      // browser context, as people would, and API calls of their own): 30 was once
      // reached, and a test that failed on it left the approval rules changed for the
      // next. The limit itself is tested by the server's tests.
      DINGHUO_LOGIN_ATTEMPTS: '300',
      // Webhook retries every fraction of a second, not every 10 s.
      DINGHUO_WEBHOOK_RETRY_MS: '200',
    },
  },
});
