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
    it(`${c.case}: golden masks, exp errors pushed both ways, small chunks`, async () => {
      const fine = await tensorsOf(c.finetuned);
      const stats: GpuSelectStats = { densities: 0, rechecks: 0 };
      // The emulation is slow in JavaScript: bert-slices (rows of 768 and 3072) at two k only.
      const ks = Object.keys(c.masks).filter((k) => c.case !== 'bert-slices' || k === '64' || k === '384');
      for (const [index, kText] of ks.entries()) {
        const k = Number(kText);
        const golden = await tensorsOf(c.masks[kText].file);
        for (const [name, info] of fine) {
          const values = await readTensorFloat32(info);
          const cols = info.shape.length === 1 ? info.shape[0] : info.shape.slice(1).reduce((a, b) => a * b, 1);
          const rows = info.shape.length === 1 ? 1 : info.shape[0];
          const expected = await readTensorBytes(golden.get(name) as NonNullable<ReturnType<typeof golden.get>>);
          // 64 KiB bindings: several chunks per tensor, so merging at unaligned bit offsets is exercised.
          const sign = index % 2 === 0 ? 1 : -1;
          const sel = await selectTensorGpu(emulatedRunner(sign, 1 << 16), values, rows, cols, k, { stats });
          const cmp = compareWithGolden(expected, sel.maskBits, rows, cols, sel.wholeRows);
          expect(cmp.mismatches, `${name} k=${k}: ${JSON.stringify(cmp.examples)}`).toBe(0);
          expect(cmp.unreportedWholeRows).toEqual([]);
          if (index === 0) {
            const cpu = selectTensor(values, rows, cols, k);
            expect([...sel.keptPerRow]).toEqual([...cpu.keptPerRow]);
            expect(sel.keptCount).toBe(cpu.keptCount);
            expect(sel.wholeRows).toEqual(cpu.wholeRows);
            expect(Buffer.from(sel.maskBits).equals(Buffer.from(cpu.maskBits))).toBe(true);
          }
        }
      }
      // On BERT-like rows float32 decides almost every density; the quirk cases (integer values, exact
      // ties) are built to sit on rounding boundaries and are rechecked far more often, by design.
      if (c.case === 'bert-slices') expect(stats.rechecks).toBeLessThan(stats.densities * 0.01);
      expect(stats.densities).toBeGreaterThan(0);
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
    // 4 chunks of 16 rows; the third was already dispatched (pipelined) when the abort came.
    expect(runner.dispatches).toBe(3);
  });
});
