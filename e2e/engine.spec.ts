// The engine through the real worker in Chromium (selftest.html): golden masks on the CPU pool, plus
// cancel and re-run semantics on the demo pair. The WebGPU golden run is in engine.webgpu.spec.ts.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

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

interface Selftest {
  done: boolean;
  error: string | null;
  backends: Record<string, BackendResult>;
  checks: Record<string, Record<string, unknown>>;
}

async function runSelftest(page: Page, query: string): Promise<Selftest> {
  await page.goto(`/selftest.html?${query}`);
  await expect(page.locator('#selftest')).toHaveAttribute('data-state', /done|error/, { timeout: 110_000 });
  const result = await page.evaluate(() => window.__selftest as unknown as Selftest);
  expect(result.error).toBeNull();
  return result;
}

function expectAllMasksMatch(r: BackendResult, backend: string): void {
  expect(r.error).toBeNull();
  expect(r.backend).toBe(backend);
  expect(r.masks).toBe(goldenMaskCount);
  expect(r.checked).toBeGreaterThan(1_000_000);
  expect(r.cases.filter((c) => c.mismatches > 0)).toEqual([]);
  expect(r.mismatches).toBe(0);
}

test('CPU pool: every golden mask matches', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'cpu-fallback', 'the CPU pool is checked once, on cpu-fallback');
  const result = await runSelftest(page, 'backends=cpu,auto');
  expectAllMasksMatch(result.backends.cpu, 'cpu');
  // No WebGPU here: auto falls back to the pool and says why.
  expectAllMasksMatch(result.backends.auto, 'cpu');
  expect(result.backends.auto.reason).toMatch(/CPU pool/);
});

test('cpu-fallback: forcing WebGPU fails with a clear message', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'cpu-fallback', 'needs a browser without WebGPU');
  const result = await runSelftest(page, 'backends=webgpu&cases=rows-7');
  expect(result.backends.webgpu.error).toMatch(/WebGPU was requested but is unavailable/);
});

test('cancel stops a run; a second run with another k never shows the first one\'s results', async ({ page }) => {
  const result = await runSelftest(page, 'backends=&checks=cancel,rerun');
  const cancel = result.checks.cancel;
  expect(cancel.outcome).toBe('AbortError');
  expect(cancel.tensorsBeforeCancel).toBe(1);
  expect(cancel.eventsAfterCancel).toBe(0);
  expect(cancel.tensorsTotal as number).toBeGreaterThan(1);
  const rerun = result.checks.rerun;
  expect(rerun.firstOutcome).toBe('AbortError');
  expect(rerun.firstEventsAfterSecond).toBe(0);
  expect(rerun.wrongK).toBe(0);
  expect(rerun.secondTensors as number).toBeGreaterThan(1);
  expect(rerun.summedKept).toBe(rerun.secondKept);
  expect(rerun.probeMatches).toBe(true);
});
