// Main-thread side of the export worker: starts one worker per job, receives the streamed chunks and
// either collects them into a Blob download or writes them into a folder picked with showDirectoryPicker.
import type { ExportEvent, ExportRequest } from '../../engine/export-protocol';
import type { ExportReport } from '../../export/pipeline';
import { downloadBlob } from '../export-image';

type RequestBody = ExportRequest extends infer R ? (R extends { type: 'export' | 'apply' } ? Omit<R, 'id'> : never) : never;

export type ExportTarget = { kind: 'download'; fileName: string; mimeType: string } | { kind: 'directory'; handle: FileSystemDirectoryHandle };

export interface JobProgress {
  phase: string;
  tensorsDone: number;
  tensorsTotal: number;
  current?: string;
}

export interface JobResult {
  bytes: number;
  report: ExportReport | null;
}

export interface ExportJob {
  done: Promise<JobResult>;
  cancel(): void;
}

interface DirectoryPickerWindow {
  showDirectoryPicker?: (options?: { mode?: 'read' | 'readwrite' }) => Promise<FileSystemDirectoryHandle>;
}

export function canPickDirectory(): boolean {
  return typeof (window as unknown as DirectoryPickerWindow).showDirectoryPicker === 'function';
}

export function pickDirectory(): Promise<FileSystemDirectoryHandle> {
  const picker = (window as unknown as DirectoryPickerWindow).showDirectoryPicker;
  if (!picker) return Promise.reject(new Error('This browser cannot write to a folder; use the ZIP download.'));
  return picker({ mode: 'readwrite' });
}

let nextJobId = 1;

export function startExportJob(body: RequestBody, target: ExportTarget, onProgress: (progress: JobProgress) => void): ExportJob {
  const id = nextJobId++;
  const worker = new Worker(new URL('../../engine/export.worker.ts', import.meta.url), { type: 'module', name: 'kenviz-export' });
  const chunks: Uint8Array[] = [];
  let writable: FileSystemWritableFileStream | null = null;
  // Events are handled strictly in order: a chunk must land before the next file is opened.
  let queue: Promise<void> = Promise.resolve();
  let settled = false;
  let rejectJob: (error: Error) => void = () => undefined;

  const closeWritable = async () => {
    const open = writable;
    writable = null;
    if (open) await open.close();
  };

  const done = new Promise<JobResult>((resolve, reject) => {
    rejectJob = (error) => {
      if (settled) return;
      settled = true;
      worker.terminate();
      void writable?.abort().catch(() => undefined);
      reject(error);
    };
    const handle = async (event: ExportEvent) => {
      switch (event.type) {
        case 'file':
          if (target.kind === 'directory') {
            await closeWritable();
            const file = await target.handle.getFileHandle(event.name, { create: true });
            writable = await file.createWritable();
          }
          return;
        case 'chunk':
          if (target.kind === 'directory') {
            if (!writable) throw new Error('The export sent data before naming its file.');
            await writable.write(event.bytes as Uint8Array<ArrayBuffer>);
          } else {
            chunks.push(event.bytes);
          }
          worker.postMessage({ type: 'ack', id } satisfies ExportRequest);
          return;
        case 'progress':
          onProgress(event.progress);
          return;
        case 'done':
          if (target.kind === 'directory') await closeWritable();
          else downloadBlob(new Blob(chunks as Uint8Array<ArrayBuffer>[], { type: target.mimeType }), target.fileName);
          settled = true;
          worker.terminate();
          resolve({ bytes: event.bytes, report: event.report });
          return;
        case 'error':
          throw new Error(event.message);
      }
    };
    worker.onmessage = (message: MessageEvent<ExportEvent>) => {
      queue = queue.then(() => handle(message.data)).catch((error: unknown) => rejectJob(error instanceof Error ? error : new Error(String(error))));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      rejectJob(new Error(`The export worker failed: ${event.message || 'it could not start'}`));
    };
  });
  worker.postMessage({ ...body, id } as ExportRequest);
  return {
    done,
    cancel() {
      worker.postMessage({ type: 'cancel', id } satisfies ExportRequest);
      rejectJob(Object.assign(new Error('The export was cancelled.'), { name: 'AbortError' }));
    },
  };
}
