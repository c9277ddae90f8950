// The golden self-test page (selftest.html) as the engine specs drive it: run it, read its verdict,
// and check a backend's result against the manifest counted independently of the page.
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

const manifest = JSON.parse(readFileSync('test/fixtures/ken-golden/manifest.json', 'utf8')) as {
  cases: { masks: Record<string, { counts: Record<string, unknown> }> }[];
};
/** Every mask of the manifest: cases x k values x tensors. */
export const goldenMaskCount = manifest.cases.reduce((n, c) => n + Object.values(c.masks).reduce((m, k) => m + Object.keys(k.counts).length, 0), 0);

export interface BackendResult {
  backend: string | null;
  reason: string;
  error: string | null;
  checked: number;
  mismatches: number;
  masks: number;
  cases: { case: string; k: number; mismatches: number; examples: unknown[] }[];
}

export interface Selftest {
  done: boolean;
  error: string | null;
  backends: Record<string, BackendResult>;
  checks: Record<string, Record<string, unknown>>;
}

export async function runSelftest(page: Page, query: string, timeoutMs = 110_000): Promise<Selftest> {
  await page.goto(`/selftest.html?${query}`);
  await expect(page.locator('#selftest')).toHaveAttribute('data-state', /done|error/, { timeout: timeoutMs });
  const result = await page.evaluate(() => window.__selftest as unknown as Selftest);
  expect(result.error).toBeNull();
  return result;
}

export function expectAllMasksMatch(r: BackendResult, backend: string): void {
  expect(r.error).toBeNull();
  expect(r.backend).toBe(backend);
  expect(r.masks).toBe(goldenMaskCount);
  expect(r.checked).toBeGreaterThan(1_000_000);
  expect(r.cases.filter((c) => c.mismatches > 0)).toEqual([]);
  expect(r.mismatches).toBe(0);
}
