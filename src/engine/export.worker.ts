// The export worker: opens the same checkpoints as the KEN worker (from the SourceSpecs), runs the shared
// export pipeline (src/export) and streams the artifact back chunk by chunk. Selection uses the engine's
// CPU pool (sub-workers running the core), so the bytes equal the CLI's.
import { selectByRule } from '../core/rules';
import { applySubnetwork, appliedModelEntries, openSubnetwork } from '../export/apply';
import { fineMetadataOf, modelEntries, runExport, type ExportInput, type ExportReport, type Selector } from '../export/pipeline';
import { planExport } from '../export/plan';
import { reportCsv, reportJson } from '../export/report';
import { safetensorsFileSize } from '../export/safetensors-writer';
import type { ByteSink } from '../export/sink';
import { ZipWriter } from '../export/zip';
import { openCheckpointFromFiles, openCheckpointFromUrl } from '../formats/checkpoint';
import { pairCheckpoints } from '../formats/pairing';
import { blobSource } from '../formats/sources';
import type { Checkpoint } from '../formats/types';
import { CpuPool } from './pool';
import type { ExportContainer, ExportEvent, ExportRequest } from './export-protocol';
import type { SourceSpec } from './protocol';

const post = (event: ExportEvent, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(event, transfer);

const acks = new Map<number, () => void>();
const controllers = new Map<number, AbortController>();
let pool: CpuPool | null = null;

function openSource(spec: SourceSpec, role: string): Promise<Checkpoint> {
  if (spec.kind === 'files') return openCheckpointFromFiles(spec.files, spec.label ?? role);
  return openCheckpointFromUrl(spec.url, { label: spec.label ?? role });
}

class CancelledError extends Error {
  constructor() {
    super('The export was cancelled.');
    this.name = 'AbortError';
  }
}

/** Chunks of up to 4 MiB go to the main thread one at a time; each waits for its ack. */
function streamSink(id: number): ByteSink & { bytes: number } {
  const sink = {
    bytes: 0,
    async write(chunk: Uint8Array) {
      for (let at = 0; at < chunk.byteLength; at += 4 << 20) {
        if (controllers.get(id)?.signal.aborted) throw new CancelledError();
        const part = chunk.slice(at, at + (4 << 20));
        sink.bytes += part.byteLength;
        const acked = new Promise<void>((resolve) => acks.set(id, resolve));
        post({ type: 'chunk', id, bytes: part }, [part.buffer]);
        await acked;
      }
    },
  };
  return sink;
}

/** Writes named files either into one ZIP stream or as announced files for a picked folder. */
class FileEmitter {
  private readonly zip: ZipWriter | null;
  constructor(private readonly id: number, container: ExportContainer, private readonly sink: ByteSink) {
    this.zip = container === 'zip' ? new ZipWriter(sink) : null;
  }
  async add(name: string, size: number | null, produce: (sink: ByteSink) => Promise<void>): Promise<void> {
    if (this.zip) {
      if (size === null) throw new Error(`ZIP entry ${name}: size unknown`);
      await this.zip.addEntry(name, size, produce);
      return;
    }
    post({ type: 'file', id: this.id, name, size });
    await produce(this.sink);
  }
  async finish(): Promise<void> {
    await this.zip?.finish();
  }
}

function selectorFor(): Selector {
  return (task) => {
    if (task.rule !== 'ken') return Promise.resolve(selectByRule(task.rule, task.fine, task.pre, task.rows, task.cols, task.k, task.seed, task.name));
    pool ??= new CpuPool();
    return pool.select(task.fine, task.rows, task.cols, task.k);
  };
}

async function handleExport(request: Extract<ExportRequest, { type: 'export' }>): Promise<void> {
  const { id, artifact, settings } = request;
  const [pretrained, finetuned] = await Promise.all([openSource(request.pretrained, 'pre-trained'), openSource(request.finetuned, 'fine-tuned')]);
  const pairs = pairCheckpoints(pretrained, finetuned);
  const fineOrder = [...finetuned.tensors.keys()];
  const modelMetadata = await fineMetadataOf(finetuned);
  const inlineFiles: Record<string, string> = {};
  const config = finetuned.extraFiles.get('config.json');
  if (config) inlineFiles['config.json'] = new TextDecoder().decode(await config.read(0, config.size));
  const input: ExportInput = { pairs, fineOrder, pretrainedLabel: pretrained.label, finetunedLabel: finetuned.label, modelMetadata, inlineFiles };
  const sink = streamSink(id);
  const emitter = new FileEmitter(id, request.container, sink);
  const run = (sinks: Parameters<typeof runExport>[1]['sinks']) =>
    runExport(input, {
      settings: { ...settings, backend: 'cpu (export worker)' },
      sinks,
      selector: selectorFor(),
      onProgress: (progress) => post({ type: 'progress', id, progress }),
      signal: controllers.get(id)?.signal,
    });
  let report: ExportReport | null = null;
  if (artifact === 'model') {
    const size = safetensorsFileSize(modelEntries(planExport(pairs, fineOrder, settings.scope)), modelMetadata);
    await emitter.add('model.safetensors', size, async (s) => {
      report = await run({ model: s });
    });
    // The rest of the Hugging Face folder, so the download loads with from_pretrained.
    for (const [name, source] of finetuned.extraFiles) {
      const bytes = await source.read(0, source.size);
      await emitter.add(name, bytes.byteLength, (s) => s.write(bytes));
    }
  } else if (artifact === 'masks') {
    report = await run({ masks: sink });
  } else if (artifact === 'subnetwork') {
    report = await run({ subnetwork: sink });
  } else {
    report = await run({});
    const text = artifact === 'report-json' ? reportJson(report) : reportCsv(report);
    await sink.write(new TextEncoder().encode(text));
  }
  await emitter.finish();
  post({ type: 'done', id, bytes: sink.bytes, report });
}

async function handleApply(request: Extract<ExportRequest, { type: 'apply' }>): Promise<void> {
  const { id } = request;
  const opened = await openSubnetwork(blobSource(request.subnetwork, request.subnetwork.name));
  const pretrained = await openSource(request.pretrained, 'pre-trained');
  const sink = streamSink(id);
  const emitter = new FileEmitter(id, request.container, sink);
  const size = safetensorsFileSize(appliedModelEntries(opened), opened.plan.modelMetadata);
  let files: Record<string, string> = {};
  await emitter.add('model.safetensors', size, async (s) => {
    const result = await applySubnetwork(pretrained, opened, s, {
      onTensor: (done, total, name) => post({ type: 'progress', id, progress: { phase: 'apply', tensorsDone: done, tensorsTotal: total, current: name } }),
    });
    files = result.files;
  });
  for (const [name, text] of Object.entries(files)) {
    const bytes = new TextEncoder().encode(text);
    await emitter.add(name, bytes.byteLength, (s) => s.write(bytes));
  }
  for (const [name, source] of pretrained.extraFiles) {
    if (name in files) continue;
    const bytes = await source.read(0, source.size);
    await emitter.add(name, bytes.byteLength, (s) => s.write(bytes));
  }
  await emitter.finish();
  post({ type: 'done', id, bytes: sink.bytes, report: null });
}

self.onmessage = (message: MessageEvent<ExportRequest>) => {
  const request = message.data;
  if (request.type === 'ack') {
    const resolve = acks.get(request.id);
    acks.delete(request.id);
    resolve?.();
    return;
  }
  if (request.type === 'cancel') {
    controllers.get(request.id)?.abort();
    const resolve = acks.get(request.id);
    acks.delete(request.id);
    resolve?.();
    return;
  }
  const controller = new AbortController();
  controllers.set(request.id, controller);
  const work = request.type === 'export' ? handleExport(request) : handleApply(request);
  work
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      post({ type: 'error', id: request.id, message: controller.signal.aborted ? 'The export was cancelled.' : message });
    })
    .finally(() => controllers.delete(request.id));
};
