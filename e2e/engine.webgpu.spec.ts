// The KEN worker on WebGPU (SwiftShader here): every golden mask must match, exactly as on the CPU pool.
import { expect, test } from '@playwright/test';
import { expectAllMasksMatch, runSelftest } from './pages/selftest';

test('WebGPU: backend is webgpu and every golden mask matches', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name !== 'webgpu', 'needs WebGPU');
  test.setTimeout(240_000);
  const gpu = (await runSelftest(page, 'backends=webgpu', 230_000)).backends.webgpu;
  expectAllMasksMatch(gpu, 'webgpu');
  expect(gpu.reason).toMatch(/WebGPU/);
});
