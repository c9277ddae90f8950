// The engine self-test page: every golden case through the real worker on each backend asked for, mask
// for mask; optional cancel/re-run checks on the demo pair and a timing bench. The outcome is written as
// JSON into #selftest and window.__selftest for Playwright.
import { KenEngineClient, isAbortError } from '../engine/client';
import type { BackendChoice, BackendUsed, SourceSpec, TensorSummary } from '../engine/protocol';
import { openSafetensors, readTensorBytes } from '../formats/safetensors';
import { bufferSource } from '../formats/sources';
import { compareWithGolden, type MaskMismatch } from './golden';

interface ManifestCase {
  case: string;
  pretrained: string;
  finetuned: string;
  masks: Record<string, { file: string; counts: Record<string, { kept: number; total: number }> }>;
}

interface CaseResult {
  case: string;
  k: number;
  tensors: number;
  checked: number;
  mismatches: number;
  keptCountErrors: string[];
  examples: (MaskMismatch & { tensor: string })[];
  unreportedWholeRows: string[];
}

interface BackendResult {
  choice: BackendChoice;
  backend: BackendUsed | null;
  reason: string;
  error: string | null;
  cases: CaseResult[];
  checked: number;
  mismatches: number;
  masks: number;
  elapsedMs: number;
}

export interface SelftestResult {
  done: boolean;
  error: string | null;
  backends: Record<string, BackendResult>;
  checks: Record<string, unknown>;
  bench: Record<string, unknown>;
}

declare global {
  interface Window {
    __selftest?: SelftestResult;
  }
}

const GOLDEN = '/test-fixtures/ken-golden/';
const params = new URLSearchParams(location.search);
const backendChoices = (params.get('backends') ?? 'webgpu,cpu').split(',').filter(Boolean) as BackendChoice[];
const checks = (params.get('checks') ?? '').split(',').filter(Boolean);
const caseFilter = params.get('cases')?.split(',');
const result: SelftestResult = { done: false, error: null, backends: {}, checks: {}, bench: {} };
window.__selftest = result;
const out = document.getElementById('selftest') as HTMLElement;

function show(state: 'running' | 'done' | 'error'): void {
  out.dataset.state = state;
  out.textContent = JSON.stringify(result, null, 2);
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function fileSpec(name: string): Promise<SourceSpec> {
  const bytes = await fetchBytes(GOLDEN + name);
  return { kind: 'files', files: [{ file: new File([bytes as BlobPart], name), path: name }], label: name };
}

async function goldenMasks(name: string): Promise<Map<string, Uint8Array>> {
  const source = bufferSource(await fetchBytes(GOLDEN + name), name);
  const tensors = await openSafetensors(source);
  const masks = new Map<string, Uint8Array>();
  for (const [tensor, info] of tensors) masks.set(tensor, await readTensorBytes(info));
  return masks;
}

async function runGolden(client: KenEngineClient, choice: BackendChoice, cases: ManifestCase[]): Promise<BackendResult> {
  const res: BackendResult = { choice, backend: null, reason: '', error: null, cases: [], checked: 0, mismatches: 0, masks: 0, elapsedMs: 0 };
  const started = performance.now();
  try {
    for (const c of cases) {
      await client.open(await fileSpec(c.pretrained), await fileSpec(c.finetuned));
      for (const kText of Object.keys(c.masks)) {
        const k = Number(kText);
        const golden = await goldenMasks(c.masks[kText].file);
        const summaries = new Map<string, TensorSummary>();
        const run = client.run(
          { k, scope: { kind: 'all' }, rule: 'ken', backend: choice },
          {
            onTensorDone: (s) => summaries.set(s.name, s),
            onBackend: (backend, reason) => {
              res.backend = backend;
              res.reason = reason;
            },
          },
        );
        const done = await run.done;
        res.backend = done.backend;
        const cr: CaseResult = { case: c.case, k, tensors: 0, checked: 0, mismatches: 0, keptCountErrors: [], examples: [], unreportedWholeRows: [] };
        for (const [tensor, expected] of golden) {
          const data = await client.getTensor(tensor, k, 'ken');
          const cmp = compareWithGolden(expected, data.maskBits, data.rows, data.cols, data.wholeRows);
          cr.tensors++;
          cr.checked += cmp.checked;
          cr.mismatches += cmp.mismatches;
          for (const e of cmp.examples.slice(0, 3)) cr.examples.push({ tensor, ...e });
          for (const r of cmp.unreportedWholeRows) cr.unreportedWholeRows.push(`${tensor} row ${r}`);
          // The streamed summary must agree with the mask it summarises.
          let ones = 0;
          for (let i = 0; i < data.rows * data.cols; i++) ones += (data.maskBits[i >> 3] >> (i & 7)) & 1;
          const s = summaries.get(tensor);
          if (!s || s.keptCount !== ones || s.k !== k) cr.keptCountErrors.push(`${tensor}: summary ${s?.keptCount} vs mask ${ones}`);
        }
        res.cases.push(cr);
        res.checked += cr.checked;
        res.mismatches += cr.mismatches + cr.keptCountErrors.length + cr.unreportedWholeRows.length;
        res.masks += cr.tensors;
        show('running');
      }
    }
  } catch (error) {
    res.error = error instanceof Error ? error.message : String(error);
  }
  res.elapsedMs = performance.now() - started;
  return res;
}

const demo = (which: 'pretrained' | 'finetuned'): SourceSpec => ({ kind: 'url', url: new URL(`/demo/${which}/`, location.href).href });

/** A cancelled run settles as AbortError, and no handler of it runs after cancel() returned. */
async function checkCancel(client: KenEngineClient): Promise<Record<string, unknown>> {
  const summary = await client.open(demo('pretrained'), demo('finetuned'));
  let cancelled = false;
  let eventsAfterCancel = 0;
  let tensorsBeforeCancel = 0;
  const handle = client.run(
    { k: 64, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' },
    {
      onProgress: () => {
        if (cancelled) eventsAfterCancel++;
      },
      onTensorDone: () => {
        if (cancelled) {
          eventsAfterCancel++;
          return;
        }
        tensorsBeforeCancel++;
        cancelled = true;
        handle.cancel();
      },
    },
  );
  const outcome = await handle.done.then(
    () => 'resolved',
    (error: unknown) => (isAbortError(error) ? 'AbortError' : String(error)),
  );
  // Worker messages arrive in order: once this answer is here, everything sent before it has been seen.
  const first = summary.tensors.find((t) => t.status === 'pruned');
  if (first) await client.getRow(first.name, 0, 4);
  const runnable = summary.tensors.filter((t) => t.status === 'pruned' || t.status === 'new' || t.status === 'shape-mismatch').length;
  return { outcome, eventsAfterCancel, tensorsBeforeCancel, tensorsTotal: runnable };
}

/** A second run with another k supersedes the first: the first rejects, and only k2 results arrive. */
async function checkRerun(client: KenEngineClient): Promise<Record<string, unknown>> {
  await client.open(demo('pretrained'), demo('finetuned'));
  const firstEvents: TensorSummary[] = [];
  let secondStarted = false;
  let firstEventsAfterSecond = 0;
  const secondEvents: TensorSummary[] = [];
  let resolveSecond: (v: { keptCount: number; total: number }) => void = () => {};
  const secondDone = new Promise<{ keptCount: number; total: number }>((r) => (resolveSecond = r));
  const first = client.run(
    { k: 64, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' },
    {
      onTensorDone: (s) => {
        if (secondStarted) firstEventsAfterSecond++;
        firstEvents.push(s);
        if (firstEvents.length === 1) {
          secondStarted = true;
          const second = client.run({ k: 32, scope: { kind: 'all' }, rule: 'ken', backend: 'cpu' }, { onTensorDone: (t) => secondEvents.push(t) });
          second.done.then(resolveSecond, () => resolveSecond({ keptCount: -1, total: -1 }));
        }
      },
    },
  );
  const firstOutcome = await first.done.then(
    () => 'resolved',
    (error: unknown) => (isAbortError(error) ? 'AbortError' : String(error)),
  );
  const second = await secondDone;
  const wrongK = secondEvents.filter((s) => s.k !== 32).length;
  const summed = secondEvents.reduce((a, s) => a + s.keptCount, 0);
  // A mask fetched afterwards is the k=32 one: its per-row counts add up to the streamed summary.
  const probe = secondEvents.find((s) => !s.keptWhole && s.total > 1000);
  let probeMatches: boolean | null = null;
  if (probe) {
    const data = await client.getTensor(probe.name, 32, 'ken');
    probeMatches = data.k === 32 && data.keptPerRow.reduce((a, b) => a + b, 0) === probe.keptCount;
  }
  return { firstOutcome, firstEventsAfterSecond, secondTensors: secondEvents.length, wrongK, summedKept: summed, secondKept: second.keptCount, probeMatches };
}

/** Minimal safetensors writer for the synthetic bench matrix. */
function safetensorsOf(tensors: Record<string, { shape: number[]; data: Float32Array }>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const bytes = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return bytes;
}

function syntheticPair(rows: number, cols: number): { pre: SourceSpec; fine: SourceSpec } {
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const pre = new Float32Array(rows * cols).map(() => 0.04 * gauss());
  const fine = pre.map((v) => v + 0.002 * gauss());
  const spec = (data: Float32Array, name: string): SourceSpec => ({
    kind: 'files',
    files: [{ file: new File([safetensorsOf({ 'dense.weight': { shape: [rows, cols], data } }) as BlobPart], name), path: name }],
    label: name,
  });
  return { pre: spec(pre, 'synthetic-pre.safetensors'), fine: spec(fine, 'synthetic-fine.safetensors') };
}

async function bench(client: KenEngineClient, choices: BackendChoice[]): Promise<void> {
  const timeRun = async (k: number, choice: BackendChoice) => {
    const t0 = performance.now();
    const r = await client.run({ k, scope: { kind: 'all' }, rule: 'ken', backend: choice }, {}).done;
    return { backend: r.backend, wallMs: Math.round(performance.now() - t0), workerMs: Math.round(r.elapsedMs), keptCount: r.keptCount, total: r.total };
  };
  // Each choice may repeat (e.g. cpu,webgpu,cpu,webgpu): runs are numbered so none overwrites another.
  for (const [index, choice] of choices.entries()) {
    try {
      await client.open(demo('pretrained'), demo('finetuned'));
      result.bench[`${index}-demo-k64-${choice}`] = await timeRun(64, choice);
      show('running');
      const pair = syntheticPair(768, 768);
      await client.open(pair.pre, pair.fine);
      result.bench[`${index}-768x768-k384-${choice}`] = await timeRun(384, choice);
      show('running');
    } catch (error) {
      result.bench[`${index}-error-${choice}`] = error instanceof Error ? error.message : String(error);
    }
  }
}

async function main(): Promise<void> {
  const manifest = (await (await fetch(GOLDEN + 'manifest.json')).json()) as { cases: ManifestCase[] };
  const cases = manifest.cases.filter((c) => !caseFilter || caseFilter.includes(c.case));
  for (const choice of backendChoices) {
    const client = new KenEngineClient();
    result.backends[choice] = await runGolden(client, choice, cases);
    client.dispose();
    show('running');
  }
  if (checks.includes('cancel')) {
    const client = new KenEngineClient();
    result.checks.cancel = await checkCancel(client);
    client.dispose();
  }
  if (checks.includes('rerun')) {
    const client = new KenEngineClient();
    result.checks.rerun = await checkRerun(client);
    client.dispose();
  }
  if (params.get('bench')) {
    const client = new KenEngineClient();
    await bench(client, (params.get('bench') as string).split(',') as BackendChoice[]);
    client.dispose();
  }
}

main()
  .catch((error: unknown) => {
    result.error = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  })
  .finally(() => {
    result.done = true;
    show(result.error ? 'error' : 'done');
  });
