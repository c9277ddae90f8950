// The engine through the real worker in Chromium (selftest.html): golden masks on the CPU pool, plus
// cancel and re-run semantics on the demo pair. The WebGPU golden run is in engine.webgpu.spec.ts.
import { expect, test } from '@playwright/test';
import { expectAllMasksMatch, runSelftest } from './pages/selftest';

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
