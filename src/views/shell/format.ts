// Number and duration formatting for the shell (pure; shared by the status line and pair table).
import type { BackendUsed, Progress } from '../../engine/protocol';

/** 1580000 -> "1.58M", 12300 -> "12.3k", 6000 -> "6k", 950 -> "950": three significant digits. */
export function formatCount(count: number): string {
  if (count >= 1e9) return `${significant3(count / 1e9)}B`;
  if (count >= 1e6) return `${significant3(count / 1e6)}M`;
  if (count >= 1e3) return `${significant3(count / 1e3)}k`;
  return String(Math.round(count));
}

function significant3(value: number): string {
  return String(Number(value.toPrecision(3)));
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${bytes} B`;
}

/** 1234 -> "1.2 s", 83000 -> "1 min 23 s", 420 -> "0.42 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
}

/** keptFraction in 0..1 -> "43.7%". */
export function formatPercent(keptFraction: number): string {
  if (!Number.isFinite(keptFraction)) return '–';
  return `${(keptFraction * 100).toFixed(1)}%`;
}

/** "WebGPU" or "CPU (4 workers)": the worker count comes from the engine's reason text when it names one. */
export function formatBackend(backend: BackendUsed | null, reason: string): string {
  if (backend === 'webgpu') return 'WebGPU';
  if (backend === 'cpu') {
    const workers = /(\d+)\s*(?:CPU\s*)?workers?/i.exec(reason);
    return workers ? `CPU (${workers[1]} worker${workers[1] === '1' ? '' : 's'})` : 'CPU';
  }
  return '?';
}

/** Share of the parameters done below which the rate (and so the ETA) is mostly start-up noise. */
const ETA_MIN_FRACTION = 0.05;

/** "7/73 tensors · 130k/1.59M params · 622k params/s · ETA 2.4 s"; rate and ETA wait until 5% is done. */
export function formatProgress(p: Progress): string {
  const head = `${p.tensorsDone}/${p.tensorsTotal} tensors · ${formatCount(p.paramsDone)}/${formatCount(p.paramsTotal)} params`;
  if (p.paramsTotal <= 0 || p.paramsDone / p.paramsTotal < ETA_MIN_FRACTION) return `${head} · estimating time…`;
  return `${head} · ${formatCount(Math.round(p.rate))} params/s · ETA ${formatDuration(p.etaMs)}`;
}
