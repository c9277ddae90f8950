import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyCheckpointUrl, openCheckpointFromFiles, openCheckpointFromUrl, parseShardIndex, resolveCheckpointUrl,
} from './checkpoint';
import { openSafetensors, readTensorBytes } from './safetensors';
import { bufferSource } from './sources';
import { startTestServer, type TestServer } from './node/http-test-server';
import { buildSafetensors, type TensorSpec } from './test-helpers';
import { FormatError, type Checkpoint } from './types';

const DEMO = new URL('../../public/demo/', import.meta.url);
const demoFile = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, DEMO)));
const FOLDER_FILES = ['model.safetensors', 'config.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json'];

/** The fine-tuned demo split into three shards plus an index, built from its own tensor bytes. */
async function buildShardedDemo(): Promise<Map<string, Uint8Array>> {
  const tensors = await openSafetensors(bufferSource(demoFile('finetuned/model.safetensors'), 'model.safetensors'));
  const names = [...tensors.keys()];
  const groups = [names.slice(0, 20), names.slice(20, 50), names.slice(50)];
  const out = new Map<string, Uint8Array>();
  const weightMap: Record<string, string> = {};
  for (let g = 0; g < groups.length; g++) {
    const shardName = `model-0000${g + 1}-of-00003.safetensors`;
    const specs: TensorSpec[] = [];
    for (const name of groups[g]) {
      const info = tensors.get(name)!;
      specs.push({ name, dtype: info.dtype, shape: [...info.shape], data: await readTensorBytes(info) });
      weightMap[name] = shardName;
    }
    out.set(shardName, buildSafetensors(specs, { metadata: { format: 'pt' } }));
  }
  out.set('model.safetensors.index.json', new TextEncoder().encode(JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap })));
  return out;
}

async function expectSameTensors(checkpoint: Checkpoint): Promise<void> {
  const reference = await openSafetensors(bufferSource(demoFile('finetuned/model.safetensors'), 'ref'));
  expect([...checkpoint.tensors.keys()]).toEqual([...reference.keys()]);
  for (const name of ['bert.embeddings.LayerNorm.bias', 'bert.encoder.layer.2.output.dense.weight', 'classifier.weight']) {
    const actual = Buffer.from(await readTensorBytes(checkpoint.tensors.get(name)!));
    const expected = Buffer.from(await readTensorBytes(reference.get(name)!));
    // Buffer.equals: a deep toEqual over 256 KiB of bytes takes about a second.
    expect(actual.length).toBe(expected.length);
    expect(actual.equals(expected), name).toBe(true);
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return error as Error;
  }
  throw new Error('expected a FormatError, but the promise resolved');
}

// A fresh ArrayBuffer-backed copy: TypeScript 5.9 refuses Uint8Array<ArrayBufferLike> as a BlobPart.
const blobOf = (bytes: Uint8Array): Blob => new Blob([new Uint8Array(bytes)]);

describe('openCheckpointFromFiles', () => {
  it('names files in errors as the caller gave them (an absolute path keeps its leading slash)', async () => {
    const whole = demoFile('finetuned/model.safetensors') as Uint8Array<ArrayBuffer>;
    const checkpoint = await openCheckpointFromFiles([{ file: new Blob([whole]), path: '/data/ft/model.safetensors' }], 'fine-tuned');
    expect(checkpoint.tensors.get('bert.embeddings.LayerNorm.bias')?.source.name).toBe('/data/ft/model.safetensors');
    const cut = whole.slice(0, 3_000_000);
    await expect(openCheckpointFromFiles([{ file: new Blob([cut]), path: '/data/ft/model.safetensors' }], 'fine-tuned')).rejects.toThrow(
      /^\/data\/ft\/model\.safetensors: tensor "bert\.embeddings\.word_embeddings\.weight": data_offsets/,
    );
  });

  it('opens a Hugging Face folder: weights, config, tokenizer files', async () => {
    const files = FOLDER_FILES.map((name) => ({ file: blobOf(demoFile(`finetuned/${name}`)), path: `finetuned/${name}` }));
    const checkpoint = await openCheckpointFromFiles(files, 'finetuned');
    expect(checkpoint.label).toBe('finetuned');
    expect(checkpoint.tensors.size).toBe(73);
    expect(checkpoint.config?.architectures).toEqual(['BertForSequenceClassification']);
    expect([...checkpoint.extraFiles.keys()].sort()).toEqual(['config.json', 'special_tokens_map.json', 'tokenizer_config.json', 'vocab.txt']);
    const vocab = checkpoint.extraFiles.get('vocab.txt')!;
    expect(new TextDecoder().decode(await vocab.read(0, vocab.size))).toBe(readFileSync(new URL('finetuned/vocab.txt', DEMO), 'utf8'));
    expect(checkpoint.warnings).toEqual([]);
    await expectSameTensors(checkpoint);
  });

  it('opens a sharded folder via its index, in the same order as the single file', async () => {
    const sharded = await buildShardedDemo();
    const files = [...sharded].reverse().map(([name, bytes]) => ({ file: blobOf(bytes), path: `ckpt/${name}` }));
    const checkpoint = await openCheckpointFromFiles(files, 'sharded');
    await expectSameTensors(checkpoint);
    expect(checkpoint.tensors.get('classifier.weight')!.source.name).toBe('ckpt/model-00003-of-00003.safetensors');
  });

  it('names a shard missing from the set', async () => {
    const sharded = await buildShardedDemo();
    sharded.delete('model-00002-of-00003.safetensors');
    const files = [...sharded].map(([name, bytes]) => ({ file: blobOf(bytes), path: name }));
    const error = await rejection(openCheckpointFromFiles(files, 'sharded'));
    expect(error.message).toBe(
      'sharded: shard "model-00002-of-00003.safetensors" named in model.safetensors.index.json is missing ' +
        '(present: model-00001-of-00003.safetensors, model-00003-of-00003.safetensors)',
    );
  });

  it('checks shards against the index', async () => {
    const sharded = await buildShardedDemo();
    const index = JSON.parse(new TextDecoder().decode(sharded.get('model.safetensors.index.json')));
    index.weight_map['bert.pooler.dense.weight'] = 'model-00001-of-00003.safetensors';
    index.weight_map['ghost.weight'] = 'model-00001-of-00003.safetensors';
    sharded.set('model.safetensors.index.json', new TextEncoder().encode(JSON.stringify(index)));
    const files = [...sharded].map(([name, bytes]) => ({ file: blobOf(bytes), path: name }));
    const error = await rejection(openCheckpointFromFiles(files, 'sharded'));
    expect(error.message).toBe(
      'model.safetensors.index.json puts tensor "bert.pooler.dense.weight" in model-00001-of-00003.safetensors, but it is in model-00003-of-00003.safetensors',
    );
  });

  it('merges several safetensors without an index and refuses duplicates', async () => {
    const a = buildSafetensors([{ name: 'x', dtype: 'F32', shape: [1] }]);
    const b = buildSafetensors([{ name: 'y', dtype: 'F32', shape: [1] }]);
    const merged = await openCheckpointFromFiles([{ file: blobOf(b), path: 'b-2.safetensors' }, { file: blobOf(a), path: 'b-10.safetensors' }], 'loose');
    expect([...merged.tensors.keys()]).toEqual(['y', 'x']);
    expect(merged.warnings).toEqual(['loose: no index file; merged 2 .safetensors files']);
    const error = await rejection(openCheckpointFromFiles([{ file: blobOf(a), path: 'a.safetensors' }, { file: blobOf(a), path: 'c.safetensors' }], 'dup'));
    expect(error.message).toBe('tensor "x" is in both a.safetensors and c.safetensors');
  });

  it('says clearly when there is no safetensors file', async () => {
    const files = [
      { file: blobOf(new Uint8Array(4)), path: 'm/pytorch_model.bin' },
      { file: blobOf(demoFile('finetuned/config.json')), path: 'm/config.json' },
    ];
    const error = await rejection(openCheckpointFromFiles(files, 'm'));
    expect(error.message).toBe(
      "m: no .safetensors file among 2 file(s): pytorch_model.bin, config.json. Found pytorch_model.bin: KENviz reads safetensors only; convert with safetensors' save_file (or save_pretrained(..., safe_serialization=True)).",
    );
    expect((await rejection(openCheckpointFromFiles([], 'none'))).message).toBe('none: no .safetensors file among no files.');
  });

  it('refuses two checkpoint folders at once', async () => {
    const bytes = demoFile('finetuned/model.safetensors');
    const files = ['pretrained/model.safetensors', 'finetuned/model.safetensors'].map((path) => ({ file: blobOf(bytes), path }));
    const error = await rejection(openCheckpointFromFiles(files, 'both'));
    expect(error.message).toBe('both: weights in several folders (finetuned/, pretrained/); open one checkpoint folder at a time');
  });

  it('reports a broken config.json by name', async () => {
    const files = [
      { file: blobOf(buildSafetensors([{ name: 'x', dtype: 'F32', shape: [1] }])), path: 'model.safetensors' },
      { file: blobOf(new TextEncoder().encode('{"a":')), path: 'config.json' },
    ];
    expect((await rejection(openCheckpointFromFiles(files, 'c'))).message).toMatch(/^config\.json: not valid JSON \(/);
  });
});

describe('parseShardIndex', () => {
  it('validates weight_map', () => {
    expect(() => parseShardIndex({}, 'i.json')).toThrow('i.json: missing "weight_map" object (tensor name -> shard file)');
    expect(() => parseShardIndex({ weight_map: { a: 3 } }, 'i.json')).toThrow('i.json: weight_map entry for tensor "a" must be a shard file name');
    expect(() => parseShardIndex({ weight_map: { a: 'https://x/y' } }, 'i.json')).toThrow(/must be a relative file name/);
    expect(() => parseShardIndex({ weight_map: {} }, 'i.json')).toThrow('i.json: weight_map is empty');
    expect(parseShardIndex({ weight_map: { a: 's-10', b: 's-2', c: 's-2' } }, 'i.json').shards).toEqual(['s-2', 's-10']);
  });
});

describe('resolveCheckpointUrl', () => {
  it.each([
    ['hf:org/name', 'https://huggingface.co/org/name/resolve/main/'],
    ['  hf:google-bert/bert-base-uncased  ', 'https://huggingface.co/google-bert/bert-base-uncased/resolve/main/'],
    ['hf:org/name@v1.0', 'https://huggingface.co/org/name/resolve/v1.0/'],
    ['hf:org/name/model.safetensors', 'https://huggingface.co/org/name/resolve/main/model.safetensors'],
    ['hf:org/name@abc123/sub/model.safetensors.index.json', 'https://huggingface.co/org/name/resolve/abc123/sub/model.safetensors.index.json'],
    ['hf:bert-base-uncased', 'https://huggingface.co/bert-base-uncased/resolve/main/'],
    ['https://huggingface.co/org/name', 'https://huggingface.co/org/name/resolve/main/'],
    ['https://huggingface.co/org/name/', 'https://huggingface.co/org/name/resolve/main/'],
    ['https://huggingface.co/org/name/tree/main', 'https://huggingface.co/org/name/resolve/main/'],
    ['https://huggingface.co/org/name/tree/dev/sub', 'https://huggingface.co/org/name/resolve/dev/sub/'],
    ['https://huggingface.co/org/name/blob/main/model.safetensors', 'https://huggingface.co/org/name/resolve/main/model.safetensors'],
    ['https://huggingface.co/org/name/resolve/main/model.safetensors?download=true', 'https://huggingface.co/org/name/resolve/main/model.safetensors?download=true'],
    ['https://huggingface.co/datasets/org/name', 'https://huggingface.co/datasets/org/name'],
    ['https://example.com/models/bert/', 'https://example.com/models/bert/'],
    ['/demo/finetuned/', '/demo/finetuned/'],
  ])('%s -> %s', (input, expected) => {
    expect(resolveCheckpointUrl(input)).toBe(expected);
  });

  it('rejects empty and malformed input', () => {
    expect(() => resolveCheckpointUrl('  ')).toThrow(FormatError);
    expect(() => resolveCheckpointUrl('hf:')).toThrow('"hf:": expected hf:org/name (optionally @revision and /path)');
    expect(() => resolveCheckpointUrl('hf:a b/c')).toThrow(FormatError);
  });

  it('classifies what a URL points at', () => {
    const kind = (url: string): string => classifyCheckpointUrl(new URL(url));
    expect(kind('http://h/a/')).toBe('folder');
    expect(kind('http://h/a/model.safetensors?x=1')).toBe('file');
    expect(kind('http://h/a/model.safetensors.index.json')).toBe('index');
    expect(kind('http://h/a/checkpoint-500')).toBe('folder');
    expect(() => kind('http://h/a/pytorch_model.bin')).toThrow('http://h/a/pytorch_model.bin: .bin files are not supported; KENviz reads safetensors only (convert with save_pretrained(..., safe_serialization=True))');
  });
});

describe('openCheckpointFromUrl against a local server', () => {
  let server: TestServer;
  beforeAll(async () => {
    const files = new Map<string, Uint8Array>();
    for (const name of FOLDER_FILES) files.set(`ft/${name}`, demoFile(`finetuned/${name}`));
    for (const [name, bytes] of await buildShardedDemo()) files.set(`sharded/${name}`, bytes);
    files.set('broken/model.safetensors.index.json', (await buildShardedDemo()).get('model.safetensors.index.json')!);
    // A BPE-style folder: no vocab.txt, a tokenizer.json instead.
    files.set('bpe/model.safetensors', demoFile('finetuned/model.safetensors'));
    files.set('bpe/config.json', demoFile('finetuned/config.json'));
    files.set('bpe/tokenizer.json', new TextEncoder().encode('{"model": {"type": "BPE"}}'));
    server = await startTestServer(files);
  });
  afterAll(async () => {
    await server.close();
  });

  it('opens a folder URL with its config and tokenizer files, reporting progress', async () => {
    const progress: [number, number][] = [];
    const checkpoint = await openCheckpointFromUrl(`${server.origin}/range/ft/`, { onProgress: (done, total) => progress.push([done, total]) });
    await expectSameTensors(checkpoint);
    expect(checkpoint.config?.num_hidden_layers).toBe(4);
    expect([...checkpoint.extraFiles.keys()]).toEqual(['config.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']);
    expect(progress.length).toBeGreaterThan(0);
    const [done, total] = progress.at(-1)!;
    expect(total).toBeGreaterThanOrEqual(demoFile('finetuned/model.safetensors').length);
    expect(done).toBeGreaterThan(8144);
  });

  it('asks for tokenizer.json only when a folder has no vocab.txt', async () => {
    const checkpoint = await openCheckpointFromUrl(`${server.origin}/range/bpe/`);
    expect([...checkpoint.extraFiles.keys()]).toEqual(['config.json', 'tokenizer.json']);
  });

  it('opens a folder without trailing slash, a .safetensors URL and an .index.json URL', async () => {
    await expectSameTensors(await openCheckpointFromUrl(`${server.origin}/range/ft`));
    await expectSameTensors(await openCheckpointFromUrl(`${server.origin}/range/ft/model.safetensors`));
    await expectSameTensors(await openCheckpointFromUrl(`${server.origin}/range/sharded/model.safetensors.index.json`));
  });

  it('falls back from model.safetensors to the index in a folder, also behind an SPA server', async () => {
    await expectSameTensors(await openCheckpointFromUrl(`${server.origin}/range/sharded/`));
    await expectSameTensors(await openCheckpointFromUrl(`${server.origin}/spa/sharded/`));
  });

  it('explains a folder with no weights and a missing shard', async () => {
    for (const mode of ['range', 'spa']) {
      const url = `${server.origin}/${mode}/nothing/`;
      expect((await rejection(openCheckpointFromUrl(url))).message).toBe(
        `${url}: neither model.safetensors nor model.safetensors.index.json found in ${url} (KENviz reads safetensors checkpoints only)`,
      );
    }
    const error = await rejection(openCheckpointFromUrl(`${server.origin}/range/broken/`, { label: 'broken' }));
    expect(error.message).toMatch(/^broken: shard "model-0000\d-of-00003\.safetensors" named in .*index\.json is missing \(.*not found \(HTTP 404/);
  });

  it('resolves relative URLs against baseUrl', async () => {
    await expectSameTensors(await openCheckpointFromUrl('ft/', { baseUrl: `${server.origin}/range/` }));
  });
});
