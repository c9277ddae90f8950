import { chromium } from '@playwright/test';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
for (const q of ['?pretrained=/demo/nowhere/model.safetensors&finetuned=/demo/finetuned/&k=2', '?pretrained=/demo/pretrained/config.json&finetuned=/demo/finetuned/&k=2', '?pretrained=hf:org/x&finetuned=/demo/finetuned/&k=2', '?k=abc&backend=tpu']) {
  await page.goto('http://127.0.0.1:4402/' + q);
  await page.locator('[data-testid="ken-status"][data-state="error"], [data-testid="ken-status"][data-state="done"]').waitFor({ timeout: 120000 });
  console.log(q, '\n  STATUS:', await page.getByTestId('ken-status').textContent(), '\n  ERROR:', await page.getByTestId('ken-error').textContent().catch(() => '-'), '\n  NOTICE:', await page.getByTestId('ken-notice').textContent({timeout: 100}).catch(() => '-'));
}
await page.screenshot({ path: '/tmp/err.png' });
await browser.close();
