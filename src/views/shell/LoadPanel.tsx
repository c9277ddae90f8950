// Where a pair comes from: for each side, files, a folder, a drop or a URL; then Load.
// The demo pair is one click away. Loading reports progress and errors in the status line.
import { useState, type DragEvent } from 'react';
import type { SourceSpec } from '../../engine/protocol';
import { bridge } from '../../store/appBridge';
import { demoPair, urlSource } from '../../store/startup';
import { useAppStore } from '../useAppStore';
import { describePicked, filesFromDrop, filesFromInput, type PickedFile } from './dropFiles';

type Side = 'pretrained' | 'finetuned';
const SIDE_LABEL: Record<Side, string> = { pretrained: 'Pre-trained', finetuned: 'Fine-tuned' };

/** One side's choice: the files picked last, or the URL typed last. */
type SlotChoice = { kind: 'files'; files: PickedFile[] } | { kind: 'url'; url: string };

function toSource(choice: SlotChoice): SourceSpec | null {
  if (choice.kind === 'url') return choice.url.trim() ? urlSource(choice.url.trim(), window.location.href) : null;
  return choice.files.length > 0 ? { kind: 'files', files: choice.files, label: describePicked(choice.files) } : null;
}

export function LoadPanel() {
  // Closed at first (the app opens on the demo pair or the URL's pair by itself), but open while there
  // is no pair to look at because opening one failed, until the person toggles it.
  const [toggledOpen, setOpen] = useState<boolean | null>(null);
  const noPairAfterError = useAppStore((s) => s.pair === null && s.state === 'error');
  const open = toggledOpen ?? noPairAfterError;
  const [choices, setChoices] = useState<Record<Side, SlotChoice>>({
    pretrained: { kind: 'url', url: '' },
    finetuned: { kind: 'url', url: '' },
  });
  const state = useAppStore((s) => s.state);
  const pretrainedLabel = useAppStore((s) => s.pair?.pretrainedLabel ?? null);
  const finetunedLabel = useAppStore((s) => s.pair?.finetunedLabel ?? null);

  const setChoice = (side: Side, choice: SlotChoice) => setChoices((c) => ({ ...c, [side]: choice }));
  const pretrained = toSource(choices.pretrained);
  const finetuned = toSource(choices.finetuned);
  const busy = state === 'loading';

  return (
    <section className="load-panel" aria-label="Load a pair" data-testid="load-panel">
      <div className="load-summary">
        <button type="button" className="link" aria-expanded={open} data-testid="load-toggle" onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'} Load a pair
        </button>
        <span className="muted" data-testid="pair-labels">
          {pretrainedLabel && finetunedLabel ? `${pretrainedLabel} → ${finetunedLabel}` : 'no pair loaded'}
        </span>
      </div>
      {open && (
        // A form so that Enter in a URL field loads the pair, as a person expects after typing an address.
        <form
          className="load-body"
          onSubmit={(event) => {
            event.preventDefault();
            if (pretrained && finetuned && !busy) void bridge.loadPair(pretrained, finetuned);
          }}
        >
          <LoadSlot side="pretrained" choice={choices.pretrained} onChoice={(c) => setChoice('pretrained', c)} />
          <LoadSlot side="finetuned" choice={choices.finetuned} onChoice={(c) => setChoice('finetuned', c)} />
          <div className="load-actions">
            <button type="submit" className="primary" data-testid="load-pair" disabled={!pretrained || !finetuned || busy}>
              Load pair
            </button>
            <button
              type="button"
              data-testid="load-demo"
              disabled={busy}
              onClick={() => {
                const [demoPretrained, demoFinetuned] = demoPair(new URL(import.meta.env.BASE_URL, window.location.origin).href);
                void bridge.loadPair(demoPretrained, demoFinetuned);
              }}
            >
              Load demo pair
            </button>
            {!busy && (!pretrained || !finetuned) && (
              <span className="muted" data-testid="load-hint" style={{ fontSize: 12, maxWidth: '10rem' }}>
                {!pretrained && !finetuned ? 'Choose both checkpoints' : `Choose the ${!pretrained ? 'pre-trained' : 'fine-tuned'} checkpoint`}
              </span>
            )}
          </div>
        </form>
      )}
    </section>
  );
}

function LoadSlot({ side, choice, onChoice }: { side: Side; choice: SlotChoice; onChoice: (choice: SlotChoice) => void }) {
  const [dragging, setDragging] = useState(false);
  const [dropProblem, setDropProblem] = useState<string | null>(null);
  const pickFiles = (files: PickedFile[]) => {
    setDropProblem(null);
    if (files.length > 0) onChoice({ kind: 'files', files });
  };
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    filesFromDrop(event.dataTransfer).then(pickFiles, (error: unknown) =>
      setDropProblem(`Could not read the dropped items: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  return (
    <div
      className={dragging ? 'load-slot dragging' : 'load-slot'}
      data-testid={`slot-${side}`}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <div className="slot-title">{SIDE_LABEL[side]}</div>
      <div className="slot-pickers">
        <label className="button">
          Files…
          <input
            type="file"
            multiple
            accept=".safetensors,.json,.txt,.model"
            hidden
            data-testid={`${side}-files`}
            onChange={(event) => pickFiles(filesFromInput(event.target.files))}
          />
        </label>
        <label className="button">
          Folder…
          <input
            type="file"
            hidden
            ref={(input) => {
              if (input) input.webkitdirectory = true;
            }}
            data-testid={`${side}-folder`}
            onChange={(event) => pickFiles(filesFromInput(event.target.files))}
          />
        </label>
        <span className="muted">or drop files / a folder here</span>
      </div>
      <input
        type="text"
        className="slot-url"
        placeholder="URL: …/model.safetensors, …/model.safetensors.index.json, folder/, hf:org/name"
        aria-label={`${SIDE_LABEL[side]} URL`}
        data-testid={`${side}-url`}
        value={choice.kind === 'url' ? choice.url : ''}
        onChange={(event) => onChoice({ kind: 'url', url: event.target.value })}
      />
      {choice.kind === 'files' && (
        <div className="slot-picked" data-testid={`${side}-picked`}>
          {describePicked(choice.files)}
        </div>
      )}
      {dropProblem && (
        <div className="ken-error" role="alert">
          {dropProblem}
        </div>
      )}
    </div>
  );
}
