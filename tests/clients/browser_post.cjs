// Drives headless Chromium (Debian's, through playwright-core) through two uploads from the
// page at argv[2]: the form at `/`, whose file input it fills and whose button it clicks,
// then `/fetch`, whose script posts a FormData with fetch() across origins. Prints what it
// saw as one JSON line: the page the form's redirect landed on, and fetch()'s answer.
const { chromium } = require('playwright-core');

(async () => {
  const pageUrl = process.argv[2];
  const browser = await chromium.launch({
    executablePath: process.env.SQUALL_CHROMIUM || '/usr/bin/chromium',
    // The machine's network is closed: no background connections, no QUIC, no GPU.
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    timeout: 60000,
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${pageUrl}/`);
    await page.setInputFiles('input[type=file]', {
      name: 'report.txt', mimeType: 'text/plain', buffer: Buffer.from('sent by a real browser form'),
    });
    await Promise.all([page.waitForURL(/\/done/, { timeout: 30000 }), page.click('#send')]);
    const done = page.url();
    const landed = await page.textContent('body');
    await page.goto(`${pageUrl}/fetch`);
    const fetched = await page.evaluate(() => window.upload());
    console.log(JSON.stringify({ done, landed, fetched }));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
