// Takes docs/screenshot.png (README) from a running KENviz: `npm start` in one shell, then
// `npx tsx scripts/screenshot.ts [url] [view]`. Waits for the demo run to finish, never on time.
import { chromium } from '@playwright/test';
import { statSync } from 'node:fs';

const url = process.argv[2] ?? 'http://127.0.0.1:4173/';
const view = process.argv[3] ?? 'model';
const out = 'docs/screenshot.png';

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.locator('[data-testid="ken-status"][data-state="done"]').waitFor({ timeout: 300_000 });
  await page.getByTestId(`tab-${view}`).click();
  // Let the view paint its canvases (two animation frames) before the capture.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.screenshot({ path: out });
  const kib = statSync(out).size / 1024;
  console.log(`${out}: ${kib.toFixed(0)} KiB`);
  if (kib > 300) throw new Error(`${out} is ${kib.toFixed(0)} KiB; keep it under 300 KiB (smaller viewport or another view)`);
} finally {
  await browser.close();
}
