// The typed protocol of the export worker (engine/export.worker.ts): one request streams one download
// (a ZIP, or separate files for a folder picked with the File System Access API). Chunks travel as
// transferables and the worker waits for each chunk's ack, so a slow disk slows the export, never buffers it.
import type { SelectionRule } from '../core/types';
import type { ExportProgress, ExportReport } from '../export/pipeline';
import type { Scope, SourceSpec } from './protocol';

export type ExportArtifact = 'model' | 'masks' | 'subnetwork' | 'report-json' | 'report-csv';

export interface ExportSettingsMessage {
  k: number;
  scope: Scope;
  rule: SelectionRule;
  seed?: number;
}

/** 'zip': one ZIP stream; 'files': each file announced, then its chunks (for a picked folder). */
export type ExportContainer = 'zip' | 'files' | 'single';

export type ExportRequest =
  | { type: 'export'; id: number; pretrained: SourceSpec; finetuned: SourceSpec; artifact: ExportArtifact; container: ExportContainer; settings: ExportSettingsMessage }
  | { type: 'apply'; id: number; pretrained: SourceSpec; subnetwork: File; container: ExportContainer }
  | { type: 'ack'; id: number }
  | { type: 'cancel'; id: number };

export type ExportEvent =
  | { type: 'file'; id: number; name: string; size: number | null }
  | { type: 'chunk'; id: number; bytes: Uint8Array }
  | { type: 'progress'; id: number; progress: ExportProgress | { phase: 'apply'; tensorsDone: number; tensorsTotal: number; current?: string } }
  | { type: 'done'; id: number; bytes: number; report: ExportReport | null }
  | { type: 'error'; id: number; message: string };
