// The Export tab: download the pruned model (ZIP, or straight into a folder), the subnetwork, masks and
// reports for the current k, and rebuild a pruned model from a subnetwork file. The work runs in the
// export worker (engine/export.worker.ts) through the shared pipeline in src/export; this is only the shell.
import { useRef, useState } from 'react';
import { dtypeSize } from '../../formats/dtype';
import type { ExportArtifact } from '../../engine/export-protocol';
import { useAppStore } from '../useAppStore';
import { formatBytes } from '../shell/format';
import { canPickDirectory, pickDirectory, startExportJob, type ExportJob, type ExportTarget, type JobProgress } from './exportClient';
import './export.css';

type JobState = 'idle' | 'running' | 'done' | 'error';

interface ArtifactButton {
  artifact: ExportArtifact;
  label: string;
  fileName: (k: number) => string;
  mimeType: string;
  container: 'zip' | 'single';
}

const ARTIFACTS: readonly ArtifactButton[] = [
  { artifact: 'model', label: 'Pruned model (ZIP)', fileName: (k) => `kenviz-pruned-k${k}.zip`, mimeType: 'application/zip', container: 'zip' },
  { artifact: 'subnetwork', label: 'Subnetwork', fileName: (k) => `subnetwork-k${k}.safetensors`, mimeType: 'application/octet-stream', container: 'single' },
  { artifact: 'masks', label: 'Masks', fileName: (k) => `masks-k${k}.safetensors`, mimeType: 'application/octet-stream', container: 'single' },
  { artifact: 'report-json', label: 'report.json', fileName: (k) => `report-k${k}.json`, mimeType: 'application/json', container: 'single' },
  { artifact: 'report-csv', label: 'report.csv', fileName: (k) => `report-k${k}.csv`, mimeType: 'text/csv', container: 'single' },
];

interface WrittenFile {
  /** pair, k, rule and scope the file was written for. */
  settingsKey: string;
  bytes: number;
  fileName: string;
}

function describeProgress(progress: JobProgress | null): string {
  if (!progress) return 'starting…';
  const phase = progress.phase === 'prune' ? 'pruning' : progress.phase === 'subnetwork' ? 'writing the subnetwork' : 'rebuilding';
  return `${phase}: ${progress.tensorsDone}/${progress.tensorsTotal} tensors${progress.current ? ` (${progress.current})` : ''}`;
}

export function ExportPanel() {
  const pair = useAppStore((s) => s.pair);
  const sources = useAppStore((s) => s.pairSources);
  const k = useAppStore((s) => s.k);
  const rule = useAppStore((s) => s.rule);
  const scope = useAppStore((s) => s.scope);
  const summaries = useAppStore((s) => s.summaries);
  const summariesK = useAppStore((s) => s.summariesK);
  const pairVersion = useAppStore((s) => s.pairVersion);
  const [state, setState] = useState<JobState>('idle');
  const [message, setMessage] = useState('');
  const [progress, setProgress] = useState<JobProgress | null>(null);
  // What each download wrote, under the settings it was made with: sizes are shown only while they still apply.
  const [written, setWritten] = useState<Partial<Record<ExportArtifact, WrittenFile>>>({});
  const jobRef = useRef<ExportJob | null>(null);
  const applyInput = useRef<HTMLInputElement>(null);

  if (!pair || !sources) {
    return (
      <section className="export-panel" data-testid="view-export">
        <h2>Export</h2>
        <p className="muted">Open a checkpoint pair first.</p>
      </section>
    );
  }

  const finetunedBytes = pair.tensors.filter((t) => t.status !== 'only-pretrained').reduce((sum, t) => sum + t.params * dtypeSize(t.dtype), 0);
  const dtypeOf = new Map(pair.tensors.map((t) => [t.name, t.dtype]));
  // Before a subnetwork is written its size is estimated from the run's kept counts: values + 1 bit per parameter.
  const estimate =
    summariesK === k && Object.keys(summaries).length > 0
      ? Object.values(summaries).reduce((sum, s) => sum + s.keptCount * dtypeSize(dtypeOf.get(s.name) ?? 'F32') + Math.ceil(s.total / 8), 0)
      : null;
  const busy = state === 'running';

  const settingsKey = JSON.stringify({ pairVersion, k, rule, scope });
  const run = (label: string, start: () => ExportJob, describeDone: (bytes: number) => string, onDone?: (bytes: number) => void) => {
    setState('running');
    setMessage(label);
    setProgress(null);
    const job = start();
    jobRef.current = job;
    job.done.then(
      (result) => {
        if (jobRef.current !== job) return;
        jobRef.current = null;
        onDone?.(result.bytes);
        setState('done');
        setMessage(`${label}: ${describeDone(result.bytes)}`);
      },
      (error: unknown) => {
        if (jobRef.current !== job) return;
        jobRef.current = null;
        setState('error');
        setMessage(`${label} failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  };

  const exportArtifact = (button: ArtifactButton, target?: ExportTarget) => {
    const exportK = k;
    const exportKey = settingsKey;
    const fileName = target?.kind === 'directory' ? `the folder ${target.handle.name}/` : button.fileName(exportK);
    run(
      `${button.label} at k = ${exportK}`,
      () =>
        startExportJob(
          {
            type: 'export',
            pretrained: sources.pretrained,
            finetuned: sources.finetuned,
            artifact: button.artifact,
            container: target?.kind === 'directory' ? 'files' : button.container,
            settings: { k: exportK, rule, scope },
          },
          target ?? { kind: 'download', fileName: button.fileName(exportK), mimeType: button.mimeType },
          setProgress,
        ),
      (bytes) => `saved ${fileName} (${formatBytes(bytes)})`,
      (bytes) => setWritten((w) => ({ ...w, [button.artifact]: { settingsKey: exportKey, bytes, fileName } })),
    );
  };

  const saveModelToFolder = async () => {
    let handle: FileSystemDirectoryHandle;
    try {
      handle = await pickDirectory();
    } catch (error) {
      // Closing the picker is not an error worth showing.
      if (error instanceof DOMException && error.name === 'AbortError') return;
      setState('error');
      setMessage(error instanceof Error ? error.message : String(error));
      return;
    }
    exportArtifact(ARTIFACTS[0], { kind: 'directory', handle });
  };

  const applyFile = (file: File) => {
    const fileName = `${file.name.replace(/\.safetensors$/, '')}-applied.zip`;
    run(
      `Rebuilding the pruned model from ${file.name}`,
      () =>
        startExportJob(
          { type: 'apply', pretrained: sources.pretrained, subnetwork: file, container: 'zip' },
          { kind: 'download', fileName, mimeType: 'application/zip' },
          setProgress,
        ),
      (bytes) => `saved ${fileName} (${formatBytes(bytes)})`,
    );
  };

  const current = (artifact: ExportArtifact) => (written[artifact]?.settingsKey === settingsKey ? written[artifact] : undefined);
  const exactSize = current('subnetwork')?.bytes ?? null;
  const writtenNow = ARTIFACTS.flatMap((button) => {
    const file = current(button.artifact);
    return file ? [{ button, file }] : [];
  });
  return (
    <section className="export-panel" data-testid="view-export">
      <h2>Export at k = {k}</h2>
      <p className="muted">
        Rule {rule}, scope {scope.kind === 'pattern' ? `/${scope.pattern}/` : scope.kind}. The export recomputes the selection in a
        worker with the same code as the command line (<code>npm run kenviz -- prune</code>), so both write the same bytes.
      </p>
      <div className="export-buttons">
        {ARTIFACTS.map((button) => (
          <button key={button.artifact} type="button" disabled={busy} data-testid={`export-${button.artifact}`} onClick={() => exportArtifact(button)}>
            {button.label}
          </button>
        ))}
        {canPickDirectory() && (
          <button type="button" disabled={busy} data-testid="export-model-folder" onClick={() => void saveModelToFolder()}>
            Pruned model into a folder…
          </button>
        )}
      </div>
      <p data-testid="export-sizes">
        Fine-tuned checkpoint: <strong>{formatBytes(finetunedBytes)}</strong>; subnetwork:{' '}
        <strong data-testid="subnetwork-size" data-exact={exactSize !== null}>
          {exactSize !== null ? formatBytes(exactSize) : estimate !== null ? `at most ≈ ${formatBytes(estimate)}` : 'run KEN to estimate'}
        </strong>
        {exactSize !== null && ` (${((100 * exactSize) / finetunedBytes).toFixed(1)}% of the fine-tuned checkpoint)`}
        {exactSize === null && estimate !== null && (
          <span className="muted">
            {' '}
            (from the kept counts: values plus 1 bit per entry; kept values equal to the pre-trained ones are not stored, so the file is
            smaller. Download it for the exact size.)
          </span>
        )}
      </p>
      {writtenNow.length > 0 && (
        <table className="export-sizes-table" data-testid="export-written">
          <caption className="muted">
            Written at k = {k}
          </caption>
          <tbody>
            {writtenNow.map(({ button, file }) => (
              <tr key={button.artifact} data-testid={`written-${button.artifact}`} data-bytes={file.bytes}>
                <th>{button.label}</th>
                <td>{file.fileName}</td>
                <td className="num">{formatBytes(file.bytes)}</td>
                <td className="num muted">
                  {button.artifact.startsWith('report') ? '' : `${((100 * file.bytes) / finetunedBytes).toFixed(1)}% of the fine-tuned checkpoint`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="export-apply">
        <h3>Apply a subnetwork</h3>
        <p className="muted">Rebuilds the pruned model from the loaded pre-trained checkpoint and a subnetwork file, bit for bit.</p>
        <label className={busy ? 'button disabled' : 'button'} aria-disabled={busy}>
          Subnetwork file…
          <input
            ref={applyInput}
            type="file"
            accept=".safetensors"
            hidden
            disabled={busy}
            data-testid="apply-subnetwork-input"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) applyFile(file);
              event.target.value = '';
            }}
          />
        </label>
      </div>
      <div className="export-status" data-testid="export-status" data-state={state} role="status">
        {busy ? `${message} — ${describeProgress(progress)}` : message}
        {busy && (
          <button type="button" onClick={() => jobRef.current?.cancel()}>
            Cancel
          </button>
        )}
      </div>
    </section>
  );
}
