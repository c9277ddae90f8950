// What the app does when it opens: read ?pretrained=&finetuned=&k=&backend= and load that pair,
// or the built-in demo pair, then run KEN. Pure apart from the bridge and store it is given.
import type { BackendChoice, SourceSpec } from '../engine/protocol';
import type { Bridge } from './bridge';
import type { AppStore } from './store';

export interface StartupParams {
  pretrained: string | null;
  finetuned: string | null;
  k: number | null;
  backend: BackendChoice | null;
  /** Problems with the parameters, shown to the person instead of silently ignored. */
  problems: string[];
}

/** Parses a k typed by a person or given in the URL: a positive integer, else an explanation. */
export function parseK(text: string): { k: number } | { problem: string } {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { problem: `k must be a whole number of at least 1 (got "${text}")` };
  const k = Number(trimmed);
  if (!Number.isSafeInteger(k) || k < 1) return { problem: `k must be a whole number of at least 1 (got "${text}")` };
  return { k };
}

export function parseStartupParams(search: string): StartupParams {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const pretrained = params.get('pretrained')?.trim() || null;
  const finetuned = params.get('finetuned')?.trim() || null;
  if ((pretrained === null) !== (finetuned === null)) {
    problems.push('URL parameters pretrained and finetuned must be given together; opening the demo pair instead.');
  }
  let k: number | null = null;
  const kText = params.get('k');
  if (kText !== null) {
    const parsed = parseK(kText);
    if ('k' in parsed) k = parsed.k;
    else problems.push(`URL parameter ${parsed.problem}; using the default.`);
  }
  let backend: BackendChoice | null = null;
  const backendText = params.get('backend');
  if (backendText !== null) {
    if (backendText === 'webgpu' || backendText === 'cpu' || backendText === 'auto') backend = backendText;
    else problems.push(`URL parameter backend must be webgpu, cpu or auto (got "${backendText}").`);
  }
  return pretrained && finetuned
    ? { pretrained, finetuned, k, backend, problems }
    : { pretrained: null, finetuned: null, k, backend, problems };
}

/** The demo pair shipped in public/demo, as absolute URLs (the worker resolves relative URLs against its own script). */
export function demoPair(appBaseHref: string): [SourceSpec, SourceSpec] {
  return [
    { kind: 'url', url: new URL('demo/pretrained/', appBaseHref).href, label: 'demo pre-trained (tiny BERT)' },
    { kind: 'url', url: new URL('demo/finetuned/', appBaseHref).href, label: 'demo fine-tuned (tiny BERT)' },
  ];
}

/** A URL typed by a person: hf: ids pass through; anything else resolves against the page. */
export function urlSource(text: string, pageHref: string): SourceSpec {
  const trimmed = text.trim();
  const url = /^hf:/i.test(trimmed) ? trimmed : new URL(trimmed, pageHref).href;
  return { kind: 'url', url, label: trimmed };
}

export function startApp(store: AppStore, bridge: Bridge, search: string, pageHref: string, appBaseHref: string): Promise<void> {
  const params = parseStartupParams(search);
  if (params.k !== null) store.getState().setK(params.k);
  if (params.backend !== null) bridge.setBackendChoice(params.backend);
  const [pretrained, finetuned] =
    params.pretrained && params.finetuned
      ? [urlSource(params.pretrained, pageHref), urlSource(params.finetuned, pageHref)]
      : demoPair(appBaseHref);
  if (params.problems.length > 0) store.getState().setNotice(params.problems.join(' '));
  return bridge.loadPair(pretrained, finetuned);
}
