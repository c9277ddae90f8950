// Checkpoints as people have them: one .safetensors file, a sharded set with its index, or a whole
// Hugging Face folder (local files or a URL), assembled into one tensor map plus the side files
// (config.json, tokenizer files) that later stages use.
import { FormatError, type ByteSource, type Checkpoint, type TensorInfo } from './types';
import { openSafetensors } from './safetensors';
import { blobSource, httpSource, isAbortError, SourceNotFoundError, type HttpSourceOptions } from './sources';
import { naturalCompare } from './natural-sort';

/** Side files of a Hugging Face folder worth keeping (tokenizer and config), by file name. */
export const EXTRA_FILE_NAMES: readonly string[] = [
  'config.json', 'vocab.txt', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json',
  'vocab.json', 'merges.txt', 'added_tokens.json', 'generation_config.json', 'tokenizer.model', 'spiece.model',
];

/** The side files fetched next to a folder URL (absent ones are skipped quietly). */
export const EXTRA_URL_NAMES: readonly string[] = [
  'config.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json',
];
/**
 * Asked for only when the folder has no vocab.txt: a WordPiece folder does not need it, and every probe
 * for an absent file is a 404 the browser logs in the console.
 */
const FALLBACK_TOKENIZER_URL_NAME = 'tokenizer.json';

const SINGLE_FILE_NAME = 'model.safetensors';
const INDEX_FILE_NAME = 'model.safetensors.index.json';
/** config.json and index files are small; anything bigger is not what it claims to be. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
const UNSUPPORTED_WEIGHT_EXTENSIONS = ['.bin', '.pt', '.pth', '.ckpt', '.h5', '.msgpack', '.gguf', '.onnx', '.pkl'];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `a\b/./c` -> `a/b/c`; leading `./` and `/` dropped, `..` resolved inside the given set only. */
function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

async function readAll(source: ByteSource, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
  if (source.size > maxBytes) {
    throw new FormatError(`${source.name}: ${source.size} bytes is too large for this kind of file (limit ${maxBytes})`);
  }
  return source.read(0, source.size, signal);
}

async function readJsonObject(source: ByteSource, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const bytes = await readAll(source, MAX_JSON_BYTES, signal);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new FormatError(`${source.name}: not valid JSON (${messageOf(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FormatError(`${source.name}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

export interface ShardIndex {
  /** Shard file names (relative to the index), in natural order. */
  shards: string[];
  /** Tensor name -> shard file name. */
  weightMap: Map<string, string>;
}

/** Validates a `*.safetensors.index.json` object: `weight_map` maps tensor names to relative shard names. */
export function parseShardIndex(index: Record<string, unknown>, indexName: string): ShardIndex {
  const weightMapValue = index.weight_map;
  if (typeof weightMapValue !== 'object' || weightMapValue === null || Array.isArray(weightMapValue)) {
    throw new FormatError(`${indexName}: missing "weight_map" object (tensor name -> shard file)`);
  }
  const weightMap = new Map<string, string>();
  const shards = new Set<string>();
  for (const [tensorName, shard] of Object.entries(weightMapValue)) {
    if (typeof shard !== 'string' || shard === '') {
      throw new FormatError(`${indexName}: weight_map entry for tensor "${tensorName}" must be a shard file name`);
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(shard) || shard.startsWith('/')) {
      throw new FormatError(`${indexName}: weight_map entry for tensor "${tensorName}" must be a relative file name, found "${shard}"`);
    }
    weightMap.set(tensorName, shard);
    shards.add(shard);
  }
  if (shards.size === 0) throw new FormatError(`${indexName}: weight_map is empty`);
  return { shards: [...shards].sort(naturalCompare), weightMap };
}

/** Opens the shards in order and merges their tensors, checking them against the index when there is one. */
async function assembleTensors(
  shardSources: ByteSource[],
  index: { value: ShardIndex; name: string; shardOf: Map<ByteSource, string> } | null,
  warnings: string[],
  signal?: AbortSignal,
): Promise<Map<string, TensorInfo>> {
  const tensors = new Map<string, TensorInfo>();
  const headers = await Promise.all(shardSources.map((source) => openSafetensors(source, signal)));
  for (let i = 0; i < shardSources.length; i++) {
    const source = shardSources[i];
    const shardTensors = headers[i];
    const shardName = index?.shardOf.get(source);
    for (const [name, info] of shardTensors) {
      const existing = tensors.get(name);
      if (existing) {
        throw new FormatError(`tensor "${name}" is in both ${existing.source.name} and ${source.name}`);
      }
      if (index && shardName !== undefined) {
        const expectedShard = index.value.weightMap.get(name);
        if (expectedShard === undefined) {
          warnings.push(`${source.name}: tensor "${name}" is not listed in ${index.name}; it was used anyway`);
        } else if (expectedShard !== shardName) {
          throw new FormatError(`${index.name} puts tensor "${name}" in ${expectedShard}, but it is in ${source.name}`);
        }
      }
      tensors.set(name, info);
    }
  }
  if (index) {
    for (const [name, shard] of index.value.weightMap) {
      if (!tensors.has(name)) {
        throw new FormatError(`${index.name} puts tensor "${name}" in ${shard}, but that shard does not contain it`);
      }
    }
  }
  return tensors;
}

function isWeightFile(name: string): boolean {
  return name.endsWith('.safetensors');
}

function isIndexFile(name: string): boolean {
  return name.endsWith('.safetensors.index.json');
}

function unsupportedHint(names: string[]): string {
  const others = names.filter((name) => UNSUPPORTED_WEIGHT_EXTENSIONS.some((ext) => name.endsWith(ext)));
  return others.length > 0
    ? ` Found ${others.slice(0, 3).join(', ')}: KENviz reads safetensors only; convert with safetensors' save_file (or save_pretrained(..., safe_serialization=True)).`
    : '';
}

/**
 * A checkpoint from local files: one or more .safetensors, or a whole Hugging Face folder
 * (`path` is the file's relative path, e.g. File.webkitRelativePath, or just its name).
 */
export async function openCheckpointFromFiles(
  files: { file: Blob; path: string }[],
  label: string,
  signal?: AbortSignal,
  /** Reads a file some other way than Blob slices (the CLI reads ranges with one file read each). */
  makeSource?: (file: Blob, path: string) => ByteSource,
): Promise<Checkpoint> {
  // Paths are normalised for matching folders and shards; messages show them as the caller gave them.
  const entries = files.map(({ file, path }) => ({ file, path: normalizePath(path), shownPath: path }));
  const weightDirs = new Set(entries.filter((e) => isWeightFile(e.path) || isIndexFile(e.path)).map((e) => dirName(e.path)));
  if (weightDirs.size === 0) {
    const names = entries.map((e) => baseName(e.path));
    const shown = names.length === 0 ? 'no files' : `${names.length} file(s): ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''}`;
    throw new FormatError(`${label}: no .safetensors file among ${shown}.${unsupportedHint(names)}`);
  }
  // The shallowest folder holding weights is the checkpoint; several at the same depth are ambiguous.
  const depthOf = (dir: string): number => (dir === '' ? 0 : dir.split('/').length);
  const minDepth = Math.min(...[...weightDirs].map(depthOf));
  const topDirs = [...weightDirs].filter((dir) => depthOf(dir) === minDepth).sort(naturalCompare);
  if (topDirs.length > 1) {
    throw new FormatError(`${label}: weights in several folders (${topDirs.map((dir) => `${dir}/`).join(', ')}); open one checkpoint folder at a time`);
  }
  const dir = topDirs[0];
  const warnings: string[] = [];
  const inDir = entries.filter((e) => dirName(e.path) === dir);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const sourceOf = (e: (typeof entries)[number]): ByteSource => (makeSource ? makeSource(e.file, e.shownPath) : blobSource(e.file, e.shownPath));

  const single = inDir.find((e) => baseName(e.path) === SINGLE_FILE_NAME);
  const indexes = inDir.filter((e) => isIndexFile(e.path));
  let tensors: Map<string, TensorInfo>;
  if (!single && indexes.length > 0) {
    const indexEntry = indexes.find((e) => baseName(e.path) === INDEX_FILE_NAME) ?? (indexes.length === 1 ? indexes[0] : null);
    if (!indexEntry) {
      throw new FormatError(`${label}: several index files (${indexes.map((e) => baseName(e.path)).join(', ')}); keep one`);
    }
    const indexSource = sourceOf(indexEntry);
    const index = parseShardIndex(await readJsonObject(indexSource, signal), indexEntry.path);
    const shardSources: ByteSource[] = [];
    const shardOf = new Map<ByteSource, string>();
    for (const shard of index.shards) {
      const shardPath = normalizePath(dir === '' ? shard : `${dir}/${shard}`);
      const entry = byPath.get(shardPath);
      if (!entry) {
        const present = inDir.filter((e) => isWeightFile(e.path)).map((e) => baseName(e.path));
        throw new FormatError(
          `${label}: shard "${shard}" named in ${baseName(indexEntry.path)} is missing` +
            ` (present: ${present.length > 0 ? present.join(', ') : 'no .safetensors files'})`,
        );
      }
      const source = sourceOf(entry);
      shardSources.push(source);
      shardOf.set(source, shard);
    }
    tensors = await assembleTensors(shardSources, { value: index, name: indexEntry.path, shardOf }, warnings, signal);
  } else {
    const weightEntries = single ? [single] : inDir.filter((e) => isWeightFile(e.path)).sort((a, b) => naturalCompare(a.path, b.path));
    if (single) {
      const ignored = inDir.filter((e) => e !== single && (isWeightFile(e.path) || isIndexFile(e.path)));
      if (ignored.length > 0) {
        warnings.push(`${label}: used ${SINGLE_FILE_NAME}; ignored ${ignored.map((e) => baseName(e.path)).join(', ')}`);
      }
    } else if (weightEntries.length > 1) {
      warnings.push(`${label}: no index file; merged ${weightEntries.length} .safetensors files`);
    }
    tensors = await assembleTensors(weightEntries.map(sourceOf), null, warnings, signal);
  }

  const extraFiles = new Map<string, ByteSource>();
  for (const entry of inDir) {
    const name = baseName(entry.path);
    if (EXTRA_FILE_NAMES.includes(name)) extraFiles.set(name, sourceOf(entry));
  }
  const configSource = extraFiles.get('config.json');
  const config = configSource ? await readJsonObject(configSource, signal) : undefined;
  return { label, tensors, extraFiles, config, warnings };
}

/**
 * Maps the short forms people paste to a fetchable URL:
 * `hf:org/name[@revision][/path]` and `https://huggingface.co/org/name[/tree|blob/rev/path]`
 * become `https://huggingface.co/org/name/resolve/<rev>/<path>` (a folder URL ends in `/`).
 * Anything else comes back trimmed and unchanged.
 */
export function resolveCheckpointUrl(input: string): string {
  const text = input.trim();
  if (text === '') throw new FormatError('empty checkpoint URL');
  const hf = /^hf:\/*(.*)$/i.exec(text);
  if (hf) {
    const match = /^([\w.-]+(?:\/[\w.-]+)?)(?:@([\w.-]+))?(?:\/(.*))?$/.exec(hf[1]);
    if (!match || match[1].includes('..')) {
      throw new FormatError(`"${text}": expected hf:org/name (optionally @revision and /path)`);
    }
    const [, repo, revision, rest] = match;
    return `https://huggingface.co/${repo}/resolve/${revision ?? 'main'}/${rest ?? ''}`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  const host = url.hostname.toLowerCase();
  if (host !== 'huggingface.co' && host !== 'www.huggingface.co' && host !== 'hf.co') return text;
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  if (segments.length === 0 || ['datasets', 'spaces', 'docs', 'api', 'models'].includes(segments[0])) return text;
  if (segments.length <= 2) {
    return `https://huggingface.co/${segments.join('/')}/resolve/main/`;
  }
  const repo = `${segments[0]}/${segments[1]}`;
  const kind = segments[2];
  if (kind !== 'tree' && kind !== 'blob' && kind !== 'resolve') return text;
  const revision = segments[3] ?? 'main';
  const path = segments.slice(4).join('/');
  const isFolder = kind === 'tree' || path === '' || url.pathname.endsWith('/');
  const search = kind === 'resolve' ? url.search : '';
  return `https://huggingface.co/${repo}/resolve/${revision}/${path}${isFolder && path !== '' ? '/' : ''}${search}`;
}

export type CheckpointUrlKind = 'file' | 'index' | 'folder';

/** What a resolved URL points at, from its path alone. */
export function classifyCheckpointUrl(url: URL): CheckpointUrlKind {
  const path = url.pathname;
  if (path.endsWith('/')) return 'folder';
  const name = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)).toLowerCase();
  if (name.endsWith('.index.json')) return 'index';
  if (name.endsWith('.safetensors')) return 'file';
  const unsupported = UNSUPPORTED_WEIGHT_EXTENSIONS.find((ext) => name.endsWith(ext));
  if (unsupported) {
    throw new FormatError(`${url.href}: ${unsupported} files are not supported; KENviz reads safetensors only (convert with save_pretrained(..., safe_serialization=True))`);
  }
  return name.includes('.') ? 'file' : 'folder';
}

export interface UrlCheckpointOptions {
  label?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Bytes transferred so far over every file of the checkpoint, against their total size. */
  onProgress?(bytesDone: number, bytesTotal: number): void;
  /** Base for relative URLs; defaults to the page (or worker) location. Workers should pass absolute URLs. */
  baseUrl?: string;
  /** See HttpSourceOptions.maxWholeBodyBytes. */
  maxWholeBodyBytes?: number;
}

/** Sums the progress of several sources into one (done, total) pair. */
function progressAggregator(onProgress: UrlCheckpointOptions['onProgress']): () => HttpSourceOptions['onProgress'] {
  const done: number[] = [];
  const total: number[] = [];
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  return () => {
    const slot = done.length;
    done.push(0);
    total.push(0);
    return (bytesDone: number, bytesTotal: number) => {
      done[slot] = bytesDone;
      total[slot] = bytesTotal;
      onProgress?.(sum(done), sum(total));
    };
  };
}

/**
 * A checkpoint from a URL: a `.safetensors` file, a `*.index.json` (shards resolved relative to it),
 * a folder ending in `/` (model.safetensors, else model.safetensors.index.json, plus config and
 * tokenizer files when present), or `hf:org/name` / a huggingface.co model page.
 */
export async function openCheckpointFromUrl(input: string, opts: UrlCheckpointOptions = {}): Promise<Checkpoint> {
  const resolved = resolveCheckpointUrl(input);
  const base = opts.baseUrl ?? (typeof location !== 'undefined' ? location.href : undefined);
  let url: URL;
  try {
    url = new URL(resolved, base);
  } catch {
    throw new FormatError(`"${input}": not a valid URL`);
  }
  const label = opts.label ?? input.trim();
  const nextProgress = progressAggregator(opts.onProgress);
  const open = (target: URL): Promise<ByteSource> =>
    httpSource(target.href, {
      fetch: opts.fetch,
      signal: opts.signal,
      maxWholeBodyBytes: opts.maxWholeBodyBytes,
      onProgress: nextProgress(),
    });
  const warnings: string[] = [];

  const openIndex = async (indexUrl: URL, indexSource?: ByteSource): Promise<Map<string, TensorInfo>> => {
    const source = indexSource ?? (await open(indexUrl));
    const index = parseShardIndex(await readJsonObject(source, opts.signal), indexUrl.href);
    const shardOf = new Map<ByteSource, string>();
    const shardSources = await Promise.all(
      index.shards.map(async (shard) => {
        const shardUrl = new URL(shard.split('/').map(encodeURIComponent).join('/'), indexUrl);
        try {
          const shardSource = await open(shardUrl);
          shardOf.set(shardSource, shard);
          return shardSource;
        } catch (error) {
          if (error instanceof SourceNotFoundError) {
            throw new FormatError(`${label}: shard "${shard}" named in ${indexUrl.href} is missing (${error.message})`);
          }
          throw error;
        }
      }),
    );
    return assembleTensors(shardSources, { value: index, name: indexUrl.href, shardOf }, warnings, opts.signal);
  };

  const kind = classifyCheckpointUrl(url);
  if (kind === 'folder' && !url.pathname.endsWith('/')) {
    url = new URL(`${url.pathname}/${url.search}`, url);
  }
  let tensors: Map<string, TensorInfo>;
  const extraFiles = new Map<string, ByteSource>();
  if (kind === 'file') {
    tensors = await openSafetensors(await open(url), opts.signal);
  } else if (kind === 'index') {
    tensors = await openIndex(url);
  } else {
    const singleUrl = new URL(SINGLE_FILE_NAME, url);
    const indexUrl = new URL(INDEX_FILE_NAME, url);
    let single: ByteSource | null = null;
    try {
      single = await open(singleUrl);
    } catch (error) {
      if (!(error instanceof SourceNotFoundError)) throw error;
    }
    if (single) {
      tensors = await openSafetensors(single, opts.signal);
    } else {
      let indexSource: ByteSource;
      try {
        indexSource = await open(indexUrl);
      } catch (error) {
        if (error instanceof SourceNotFoundError) {
          throw new FormatError(
            `${label}: neither ${SINGLE_FILE_NAME} nor ${INDEX_FILE_NAME} found in ${url.href} (KENviz reads safetensors checkpoints only)`,
          );
        }
        throw error;
      }
      tensors = await openIndex(indexUrl, indexSource);
    }
    const probe = async (name: string): Promise<[string, ByteSource] | null> => {
      try {
        return [name, await open(new URL(name, url))];
      } catch (error) {
        if (isAbortError(error)) throw error;
        if (!(error instanceof SourceNotFoundError)) warnings.push(`${name}: ${messageOf(error)}`);
        return null;
      }
    };
    const found = await Promise.all(EXTRA_URL_NAMES.map(probe));
    for (const entry of found) if (entry) extraFiles.set(entry[0], entry[1]);
    if (!extraFiles.has('vocab.txt')) {
      const tokenizer = await probe(FALLBACK_TOKENIZER_URL_NAME);
      if (tokenizer) extraFiles.set(tokenizer[0], tokenizer[1]);
    }
  }
  const configSource = extraFiles.get('config.json');
  const config = configSource ? await readJsonObject(configSource, opts.signal) : undefined;
  return { label, tensors, extraFiles, config, warnings };
}
