// The eval panel's store: the newest dataset request wins, so a demo set still downloading never
// replaces a file the user chose meanwhile (the race an e2e test hit under load).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../store/store';
import type { EvalClient } from '../../engine/bert/client';
import { createEvalStore } from './evalStore';

afterEach(() => vi.unstubAllGlobals());

describe('eval store datasets', () => {
  it('a file chosen while the demo set downloads is kept when the download lands', async () => {
    let answer!: (response: Response) => void;
    vi.stubGlobal('fetch', () => new Promise<Response>((resolve) => (answer = resolve)));
    const store = createEvalStore(createAppStore(), {} as EvalClient, () => 'http://127.0.0.1/demo/eval.tsv');

    const demo = store.getState().useDemoDataset();
    const file = new File(['one sentence\t0\nanother one\t1\n'], 'mine.tsv');
    await store.getState().loadDatasetFile(file);
    expect(store.getState().dataset?.examples.length).toBe(2);

    answer(new Response('a\t0\nb\t1\nc\t2\nd\t0\n'));
    await demo;
    expect(store.getState().dataset?.name).toBe('mine.tsv');
    expect(store.getState().dataset?.examples.length).toBe(2);
  });
});
