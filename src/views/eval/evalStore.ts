// The eval tab's own state and actions, outside React so results and a run in flight survive tab
// switches: the chosen dataset, the worker's pair info, results per model and the run status.
// Bulk data (weights) stays in the eval worker; predictions are small Int32Arrays.
import { createStore } from 'zustand/vanilla';
import type { AppStore } from '../../store/store';
import { DatasetError, parseDataset, type Dataset } from '../../eval/dataset';
import { labelNamesFromConfig } from '../../eval/dataset';
import { isEvalCancelled, type EvalClient, type EvalHandle } from '../../engine/bert/client';
import type { EvalBackendChoice, EvalDataset, EvalPairInfo, EvalProgress, EvalResult } from '../../engine/bert/eval-protocol';

export type EvalState = 'idle' | 'loading' | 'running' | 'done' | 'error';

export const DEFAULT_SWEEP_KS: readonly number[] = [8, 16, 32, 64, 96, 128];

export interface EvalSlice {
  state: EvalState;
  error: string | null;
  /** What the current run is doing, for the status line. */
  activity: string;
  progress: EvalProgress | null;
  dataset: Dataset | null;
  datasetError: string | null;
  /** The text the dataset was parsed from: re-parsed when a new pair brings other label names. */
  datasetSource: { text: string; name: string; format?: 'tsv' | 'csv' } | null;
  backendChoice: EvalBackendChoice;
  info: EvalPairInfo | null;
  /** pairVersion of the app store the worker has open; results of another pair are dropped. */
  openedPairVersion: number | null;
  finetuned: EvalResult | null;
  /** KEN results by k (single evaluations and sweep points). */
  ken: Record<number, EvalResult>;
  /** Wall time of the last sweep (ms). */
  sweepMs: number | null;
  sweepKsText: string;
}

export interface EvalActions {
  useDemoDataset(): Promise<void>;
  loadDatasetFile(file: File): Promise<void>;
  setBackendChoice(choice: EvalBackendChoice): void;
  setSweepKsText(text: string): void;
  evaluateFinetuned(): Promise<void>;
  evaluateKen(k: number): Promise<void>;
  sweep(): Promise<void>;
  cancel(): void;
}

export type EvalStoreState = EvalSlice & EvalActions;

/** Parses `8, 16 32` into sorted distinct ks; a message naming the bad entry otherwise. */
export function parseKs(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter((part) => part.length > 0);
  if (parts.length === 0) return 'enter at least one k';
  const ks: number[] = [];
  for (const part of parts) {
    const k = Number(part);
    if (!Number.isInteger(k) || k < 1) return `"${part}" is not a whole number >= 1`;
    if (!ks.includes(k)) ks.push(k);
  }
  return ks.sort((a, b) => a - b);
}

function toWire(dataset: Dataset): EvalDataset {
  return { name: dataset.name, texts: dataset.examples.map((e) => e.text), labels: dataset.examples.map((e) => e.label) };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createEvalStore(app: AppStore, client: EvalClient, demoUrl: () => string) {
  let active: EvalHandle<unknown> | null = null;
  let ticket = 0;
  // The newest dataset request wins: the demo set still downloading must not replace a file the user chose.
  let datasetTicket = 0;

  return createStore<EvalStoreState>()((set, get) => {
    const labelNames = () => labelNamesFromConfig(app.getState().pair?.config);

    const fail = (message: string) => set({ state: 'error', error: message, progress: null, activity: '' });

    /** Opens the current pair in the eval worker unless it already is. */
    const ensureOpen = async (myTicket: number): Promise<boolean> => {
      const { pairVersion, pairSources, pair } = app.getState();
      if (!pair || !pairSources) {
        fail('Load a pair first (the demo pair is one click away).');
        return false;
      }
      if (get().openedPairVersion === pairVersion && get().info) return true;
      set({ state: 'loading', activity: 'opening the pair for evaluation', progress: null, finetuned: null, ken: {}, info: null, sweepMs: null });
      const handle = client.open(pairSources.pretrained, pairSources.finetuned, get().backendChoice, (progress) => {
        if (myTicket === ticket) set({ progress });
      });
      active = handle;
      const info = await handle.done;
      if (myTicket !== ticket) return false;
      set({ info, openedPairVersion: pairVersion });
      return true;
    };

    /** Runs one request: status, progress, errors and cancellation handled alike for every button. */
    const runRequest = async (activity: string, start: () => EvalHandle<unknown> | null, onDone: (value: unknown, elapsedMs: number) => void) => {
      active?.cancel();
      const myTicket = ++ticket;
      const dataset = get().dataset;
      if (!dataset) {
        fail(get().datasetError ?? 'Choose an evaluation set first.');
        return;
      }
      try {
        set({ error: null });
        if (!(await ensureOpen(myTicket))) return;
        set({ state: 'running', activity, progress: null });
        const startedAt = performance.now();
        const handle = start();
        if (!handle) return;
        active = handle;
        const value = await handle.done;
        if (myTicket !== ticket) return;
        active = null;
        onDone(value, performance.now() - startedAt);
        set({ state: 'done', activity: '', progress: null });
      } catch (error) {
        if (myTicket !== ticket) return;
        active = null;
        if (isEvalCancelled(error)) set({ state: 'idle', activity: 'cancelled', progress: null });
        else fail(messageOf(error));
      }
    };

    const onProgress = (progress: EvalProgress) => set({ progress });

    const parseSource = (source: NonNullable<EvalSlice['datasetSource']>) => {
      try {
        set({ dataset: parseDataset(source.text, source.name, labelNames(), source.format), datasetError: null, datasetSource: source });
      } catch (error) {
        set({ dataset: null, datasetSource: source, datasetError: error instanceof DatasetError ? error.message : messageOf(error) });
      }
    };

    // A new pair invalidates every result, and its id2label may change how label names parse.
    app.subscribe((state, previous) => {
      if (state.pairVersion === previous.pairVersion) return;
      ticket++;
      active?.cancel();
      active = null;
      set({ finetuned: null, ken: {}, info: null, openedPairVersion: null, sweepMs: null, state: 'idle', progress: null, activity: '', error: null });
      const source = get().datasetSource;
      if (source) parseSource(source);
    });

    return {
      state: 'idle',
      error: null,
      activity: '',
      progress: null,
      dataset: null,
      datasetError: null,
      datasetSource: null,
      backendChoice: 'auto',
      info: null,
      openedPairVersion: null,
      finetuned: null,
      ken: {},
      sweepMs: null,
      sweepKsText: DEFAULT_SWEEP_KS.join(', '),

      async useDemoDataset() {
        const mine = ++datasetTicket;
        try {
          const response = await fetch(demoUrl());
          if (!response.ok) throw new Error(`eval.tsv (demo): the server answered HTTP ${response.status}`);
          const text = await response.text();
          if (mine === datasetTicket) parseSource({ text, name: 'eval.tsv (demo)', format: 'tsv' });
        } catch (error) {
          if (mine === datasetTicket) set({ dataset: null, datasetSource: null, datasetError: messageOf(error) });
        }
      },

      async loadDatasetFile(file: File) {
        const mine = ++datasetTicket;
        try {
          const text = await file.text();
          if (mine === datasetTicket) parseSource({ text, name: file.name });
        } catch (error) {
          if (mine === datasetTicket) set({ dataset: null, datasetSource: null, datasetError: `${file.name}: ${messageOf(error)}` });
        }
      },

      setBackendChoice(backendChoice) {
        // A different backend needs the worker to reopen the pair.
        set({ backendChoice, openedPairVersion: null });
      },

      setSweepKsText(sweepKsText) {
        set({ sweepKsText });
      },

      evaluateFinetuned() {
        const dataset = get().dataset;
        return runRequest(
          'evaluating the fine-tuned model',
          () => (dataset ? client.evaluate(toWire(dataset), { kind: 'finetuned' }, onProgress) : null),
          (value) => set({ finetuned: value as EvalResult }),
        );
      },

      evaluateKen(k: number) {
        const dataset = get().dataset;
        return runRequest(
          `evaluating KEN at k = ${k}`,
          () => (dataset ? client.evaluate(toWire(dataset), { kind: 'ken', k }, onProgress) : null),
          (value) => {
            const result = value as EvalResult;
            set((s) => ({ ken: { ...s.ken, [k]: result } }));
          },
        );
      },

      sweep() {
        const ks = parseKs(get().sweepKsText);
        if (typeof ks === 'string') {
          fail(`Sweep ks: ${ks}`);
          return Promise.resolve();
        }
        const dataset = get().dataset;
        return runRequest(
          `sweeping k = ${ks.join(', ')}`,
          () =>
            dataset
              ? client.sweep(toWire(dataset), ks, (result) => {
                  if (result.k !== null) set((s) => ({ ken: { ...s.ken, [result.k as number]: result } }));
                }, onProgress)
              : null,
          (_value, elapsedMs) => set({ sweepMs: elapsedMs }),
        );
      },

      cancel() {
        active?.cancel();
        if (get().state === 'loading') {
          // Opening cannot be interrupted in the worker; forget it here so the panel is usable again.
          ticket++;
          active = null;
          set({ state: 'idle', activity: 'cancelled', progress: null });
        }
      },
    };
  });
}

export type EvalStore = ReturnType<typeof createEvalStore>;
