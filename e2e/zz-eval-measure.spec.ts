import { expect, test } from '@playwright/test';
import { AppPage } from './pages/AppPage';
test('measure eval', async ({ page }) => {
  test.setTimeout(900_000);
  const app = new AppPage(page);
  await app.open('?k=8' + (test.info().project.name === 'webgpu' ? '&backend=webgpu' : ''));
  await app.waitForDone(8);
  await app.tab('eval').click();
  await expect(page.getByTestId('eval-dataset-info')).toHaveAttribute('data-rows', '717');
  const st = page.getByTestId('eval-status');
  const out: string[] = [];
  for (let i = 0; i < 2; i++) {
    const t0 = Date.now();
    await page.getByTestId('eval-finetuned').click();
    await expect(st).toHaveAttribute('data-state', 'running', { timeout: 300_000 }).catch(() => undefined);
    await expect(st).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
    out.push(`finetuned#${i} wall ${Date.now() - t0} ms, inference ${await page.getByTestId('eval-row-finetuned').getByTestId('eval-time').textContent()} backend ${await st.getAttribute('data-backend')} acc ${await page.getByTestId('eval-row-finetuned').getByTestId('eval-accuracy').textContent()}`);
  }
  await page.getByTestId('eval-sweep').click();
  await expect(st).toHaveAttribute('data-state', 'running');
  await expect(st).toHaveAttribute('data-state', 'done', { timeout: 800_000 });
  out.push(`sweep ${await page.getByTestId('eval-sweep-time').getAttribute('data-ms')} ms`);
  for (const k of [8, 16, 32, 64, 96, 128]) {
    const row = page.getByTestId(`eval-row-k-${k}`);
    out.push(`k=${k}: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
  }
  console.log(out.join('\n'));
});
