import { describe, expect, it } from 'vitest';
import { demoPair, parseK, parseStartupParams, startApp, urlSource } from './startup';
import { createBridge } from './bridge';
import { createAppStore } from './store';
import { FakeEngine } from './fakeEngine.testutil';

describe('parseK', () => {
  it('accepts positive integers only', () => {
    expect(parseK('64')).toEqual({ k: 64 });
    expect(parseK(' 1 ')).toEqual({ k: 1 });
    for (const bad of ['0', '-3', '2.5', '', 'abc', '1e3']) expect(parseK(bad)).toHaveProperty('problem');
  });
});

describe('parseStartupParams', () => {
  it('reads pretrained, finetuned, k and backend', () => {
    expect(parseStartupParams('?pretrained=a%2F&finetuned=hf:org/name&k=128&backend=webgpu')).toEqual({
      pretrained: 'a/',
      finetuned: 'hf:org/name',
      k: 128,
      backend: 'webgpu',
      problems: [],
    });
  });

  it('reports a lone checkpoint, a bad k and an unknown backend instead of ignoring them silently', () => {
    const params = parseStartupParams('?pretrained=x.safetensors&k=zero&backend=tpu');
    expect(params.pretrained).toBeNull();
    expect(params.k).toBeNull();
    expect(params.backend).toBeNull();
    expect(params.problems).toHaveLength(3);
    expect(params.problems.join(' ')).toMatch(/together.*k must be.*backend must be/s);
  });
});

describe('sources', () => {
  it('resolves the demo pair against the app base and URLs against the page', () => {
    const [pre, fine] = demoPair('http://127.0.0.1:4173/');
    expect(pre).toMatchObject({ kind: 'url', url: 'http://127.0.0.1:4173/demo/pretrained/' });
    expect(fine).toMatchObject({ kind: 'url', url: 'http://127.0.0.1:4173/demo/finetuned/' });
    expect(urlSource('demo/x.safetensors', 'http://h/app/?k=3')).toMatchObject({ url: 'http://h/app/demo/x.safetensors' });
    expect(urlSource('hf:org/name', 'http://h/')).toMatchObject({ url: 'hf:org/name' });
  });
});

describe('startApp', () => {
  it('applies k and backend from the URL, then loads the named pair', () => {
    const store = createAppStore();
    const engine = new FakeEngine();
    void startApp(store, createBridge(store, engine), '?pretrained=/p/&finetuned=/f/&k=12&backend=cpu', 'http://h/', 'http://h/');
    expect(store.getState()).toMatchObject({ k: 12, backendChoice: 'cpu', state: 'loading', notice: null });
    expect(engine.opens[0].pretrained).toMatchObject({ url: 'http://h/p/' });
    expect(engine.opens[0].finetuned).toMatchObject({ url: 'http://h/f/' });
  });

  it('opens the demo pair without parameters and shows a notice for bad ones', () => {
    const store = createAppStore();
    const engine = new FakeEngine();
    void startApp(store, createBridge(store, engine), '?k=-1', 'http://h/x/', 'http://h/');
    expect(store.getState().k).toBe(64);
    expect(store.getState().notice).toMatch(/k must be/);
    expect(engine.opens[0].pretrained).toMatchObject({ url: 'http://h/demo/pretrained/' });
  });
});
