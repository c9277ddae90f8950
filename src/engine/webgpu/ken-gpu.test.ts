// The GPU path's CPU side (chunking, windows, rounding with float64 rechecks, finishTensor, merging)
// against the golden masks, with the shader's float32 arithmetic emulated (exp errors at the WGSL limit).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { selectTensor } from '../../core/ken';
import { openSafetensors, readTensorBytes, readTensorFloat32 } from '../../formats/safetensors';
import { bufferSource } from '../../formats/sources';
import { compareWithGolden } from '../../selftest/golden';
import { emulatedRunner } from './emulate.testutil';
import { selectTensorGpu, type GpuSelectStats } from './ken-gpu';

const GOLDEN = 'test/fixtures/ken-golden/';
const manifest = JSON.parse(readFileSync(GOLDEN + 'manifest.json', 'utf8')) as {
  cases: { case: string; finetuned: string; masks: Record<string, { file: string }> }[];
};

async function tensorsOf(file: string) {
  return openSafetensors(bufferSource(new Uint8Array(readFileSync(GOLDEN + file)), file));
}

describe('selectTensorGpu with an emulated float32 shader', () => {
  for (const c of manifest.cases) {
    it(`${c.case}: golden masks at every k, exp errors pushed both ways, small chunks`, async () => {
      const fine = await tensorsOf(c.finetuned);
      const stats: GpuSelectStats = { densities: 0, rechecks: 0 };
      for (const [kText, entry] of Object.entries(c.masks)) {
        const k = Number(kText);
        const golden = await tensorsOf(entry.file);
        for (const [name, info] of fine) {
          const values = await readTensorFloat32(info);
          const cols = info.shape.length === 1 ? info.shape[0] : info.shape.slice(1).reduce((a, b) => a * b, 1);
          const rows = info.shape.length === 1 ? 1 : info.shape[0];
          const expected = await readTensorBytes(golden.get(name) as NonNullable<ReturnType<typeof golden.get>>);
          for (const sign of [-1, 1]) {
            // 64 KiB bindings: several chunks per tensor, so merging at unaligned bit offsets is exercised.
            const runner = emulatedRunner(sign, 1 << 16);
            const sel = await selectTensorGpu(runner, values, rows, cols, k, { stats });
            const cmp = compareWithGolden(expected, sel.maskBits, rows, cols, sel.wholeRows);
            expect(cmp.mismatches, `${name} k=${k}: ${JSON.stringify(cmp.examples)}`).toBe(0);
            expect(cmp.unreportedWholeRows).toEqual([]);
          }
          const cpu = selectTensor(values, rows, cols, k);
          const gpu = await selectTensorGpu(emulatedRunner(0), values, rows, cols, k);
          expect([...gpu.keptPerRow]).toEqual([...cpu.keptPerRow]);
          expect(gpu.keptCount).toBe(cpu.keptCount);
          expect(gpu.wholeRows).toEqual(cpu.wholeRows);
          expect(Buffer.from(gpu.maskBits).equals(Buffer.from(cpu.maskBits))).toBe(true);
        }
      }
      // Rechecks are the exception: the bound is tight enough that float32 decides almost every density.
      expect(stats.rechecks).toBeLessThan(Math.max(50, stats.densities * 0.02));
    });
  }

  it('stops between chunks when cancelled', async () => {
    const values = new Float32Array(64 * 64).map((_, i) => Math.sin(i * 12.9898) * 0.1);
    const controller = new AbortController();
    const runner = emulatedRunner(0, 4096);
    let calls = 0;
    const promise = selectTensorGpu(runner, values, 64, 64, 8, {
      signal: controller.signal,
      onRows: () => {
        if (++calls === 2) controller.abort();
      },
    });
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(runner.dispatches).toBe(2);
  });
});
