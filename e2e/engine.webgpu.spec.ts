// The KEN worker on WebGPU (SwiftShader here): every golden mask must match, exactly as on the CPU pool.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

// Every mask of the manifest, counted independently of the page.
const manifest = JSON.parse(readFileSync('test/fixtures/ken-golden/manifest.json', 'utf8')) as {
  cases: { masks: Record<string, { counts: Record<string, unknown> }> }[];
};
const goldenMaskCount = manifest.cases.reduce((n, c) => n + Object.values(c.masks).reduce((m, k) => m + Object.keys(k.counts).length, 0), 0);

interface BackendResult {
  backend: string | null;
  reason: string;
  error: string | null;
  checked: number;
  mismatches: number;
  masks: number;
  cases: { case: string; k: number; mismatches: number; examples: unknown[] }[];
}

test('WebGPU: backend is webgpu and every golden mask matches', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'webgpu', 'needs WebGPU');
  test.setTimeout(240_000);
  await page.goto('/selftest.html?backends=webgpu');
  await expect(page.locator('#selftest')).toHaveAttribute('data-state', /done|error/, { timeout: 230_000 });
  const result = await page.evaluate(() => window.__selftest as unknown as { error: string | null; backends: Record<string, BackendResult> });
  expect(result.error).toBeNull();
  const gpu = result.backends.webgpu;
  expect(gpu.error).toBeNull();
  expect(gpu.backend).toBe('webgpu');
  expect(gpu.reason).toMatch(/WebGPU/);
  expect(gpu.masks).toBe(goldenMaskCount);
  expect(gpu.cases.filter((c) => c.mismatches > 0)).toEqual([]);
  expect(gpu.mismatches).toBe(0);
});
