// The URL holds the view: ?view=&tensor=&row=&k=&mode= restored on open and kept in sync with the
// store (replaceState, so no history entry per click). Other parameters (pretrained, finetuned,
// backend) belong to startup and are left untouched.
import type { AppState, AppStore, MatrixMode, ViewName } from '../store/store';

const VIEWS: readonly ViewName[] = ['model', 'matrix', 'neuron', 'compare', 'export', 'eval', 'pair'];
const MODES: readonly MatrixMode[] = ['mask', 'kept-values', 'delta', 'neighbours', 'diff'];

export interface ViewUrlState {
  view?: ViewName;
  tensor?: string;
  row?: number;
  k?: number;
  mode?: MatrixMode;
}

/** Reads the view parameters; malformed ones are dropped and named in `problems`. */
export function parseViewUrlState(search: string): { state: ViewUrlState; problems: string[] } {
  const params = new URLSearchParams(search);
  const state: ViewUrlState = {};
  const problems: string[] = [];
  const view = params.get('view');
  if (view !== null) {
    if ((VIEWS as readonly string[]).includes(view)) state.view = view as ViewName;
    else problems.push(`URL parameter view must be one of ${VIEWS.join(', ')} (got "${view}").`);
  }
  const tensor = params.get('tensor');
  if (tensor) state.tensor = tensor;
  const row = params.get('row');
  if (row !== null) {
    if (/^\d+$/.test(row.trim()) && Number.isSafeInteger(Number(row))) state.row = Number(row);
    else problems.push(`URL parameter row must be a row index 0, 1, 2, ... (got "${row}").`);
  }
  const k = params.get('k');
  if (k !== null && /^\d+$/.test(k.trim()) && Number(k) >= 1 && Number.isSafeInteger(Number(k))) state.k = Number(k);
  const mode = params.get('mode');
  if (mode !== null) {
    if ((MODES as readonly string[]).includes(mode)) state.mode = mode as MatrixMode;
    else problems.push(`URL parameter mode must be one of ${MODES.join(', ')} (got "${mode}").`);
  }
  return { state, problems };
}

/** The search string for `state`, keeping every parameter this module does not own. Keys are written in a fixed order. */
export function formatViewUrlState(search: string, state: ViewUrlState): string {
  const params = new URLSearchParams(search);
  for (const key of ['view', 'tensor', 'row', 'k', 'mode'] as const) params.delete(key);
  if (state.view) params.set('view', state.view);
  if (state.tensor) params.set('tensor', state.tensor);
  if (state.row !== undefined) params.set('row', String(state.row));
  if (state.k !== undefined) params.set('k', String(state.k));
  if (state.mode) params.set('mode', state.mode);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What the store says the URL should hold. The matrix mode is only written when it is not the default. */
export function viewUrlStateOf(s: Pick<AppState, 'view' | 'tensorName' | 'rowIndex' | 'k' | 'matrixMode'>): ViewUrlState {
  return {
    view: s.view,
    tensor: s.tensorName ?? undefined,
    row: s.tensorName !== null && s.rowIndex !== null ? s.rowIndex : undefined,
    k: s.k,
    mode: s.matrixMode !== 'mask' ? s.matrixMode : undefined,
  };
}

/**
 * Applies the URL to the store now (view, k, mode) and once a pair with the named tensor is open
 * (tensor, row), then mirrors the store into the URL. Returns the unsubscribe function.
 */
export function installUrlSync(store: AppStore, win: Pick<Window, 'location' | 'history' | 'addEventListener' | 'removeEventListener'>): () => void {
  let pending: ViewUrlState = {};
  const applyUrl = () => {
    const { state, problems } = parseViewUrlState(win.location.search);
    const s = store.getState();
    if (state.view) s.setView(state.view);
    if (state.k !== undefined && state.k !== s.k) s.setK(state.k);
    if (state.mode) s.setMatrixMode(state.mode);
    pending = { tensor: state.tensor, row: state.row };
    if (problems.length > 0) s.setNotice(problems.join(' '));
    applyPending();
  };
  // The tensor and row only mean something in an open pair; until one is open they wait.
  const applyPending = () => {
    const s = store.getState();
    if (!pending.tensor || !s.pair) return;
    // Added to what the URL already reported (e.g. a malformed row), never replacing it.
    const addNotice = (message: string) => s.setNotice(s.notice ? `${s.notice} ${message}` : message);
    const meta = s.pair.tensors.find((t) => t.name === pending.tensor);
    if (!meta) {
      addNotice(`URL parameter tensor "${pending.tensor}" is not a tensor of this pair.`);
    } else {
      s.selectTensor(meta.name);
      if (pending.row !== undefined) {
        if (pending.row < meta.rows) s.selectRow(pending.row);
        else addNotice(`URL parameter row ${pending.row} is out of range: ${meta.name} has ${meta.rows} rows.`);
      }
    }
    pending = {};
  };
  const writeUrl = (s: AppState) => {
    const wanted = viewUrlStateOf(s);
    if (pending.tensor) {
      wanted.tensor = pending.tensor;
      wanted.row = pending.row;
    }
    const search = formatViewUrlState(win.location.search, wanted);
    if (search !== win.location.search) {
      win.history.replaceState(win.history.state, '', `${win.location.pathname}${search}${win.location.hash}`);
    }
  };
  applyUrl();
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.pairVersion !== prev.pairVersion && s.pair) applyPending();
    const now = store.getState();
    if (
      now.view !== prev.view ||
      now.tensorName !== prev.tensorName ||
      now.rowIndex !== prev.rowIndex ||
      now.k !== prev.k ||
      now.matrixMode !== prev.matrixMode ||
      now.pairVersion !== prev.pairVersion
    ) {
      writeUrl(now);
    }
  });
  writeUrl(store.getState());
  win.addEventListener('popstate', applyUrl);
  return () => {
    unsubscribe();
    win.removeEventListener('popstate', applyUrl);
  };
}
