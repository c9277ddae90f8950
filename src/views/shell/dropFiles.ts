// Turns what a person drops or picks into { file, path } lists: folders are walked recursively
// (DataTransferItem.webkitGetAsEntry) so a dropped Hugging Face folder keeps its relative paths.

export interface PickedFile {
  file: File;
  /** Path relative to what was picked, e.g. "finetuned/model.safetensors" or just "model.safetensors". */
  path: string;
}

/** Files from an <input type=file>, with folder-relative paths when it was a folder picker. */
export function filesFromInput(list: FileList | null): PickedFile[] {
  return Array.from(list ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Files from a drop: plain files, and every file inside dropped folders. */
export async function filesFromDrop(dataTransfer: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken synchronously: the DataTransfer is emptied once the event handler returns.
  const entries: FileSystemEntry[] = [];
  const looseFiles: File[] = [];
  for (const item of Array.from(dataTransfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) looseFiles.push(file);
    }
  }
  if (entries.length === 0 && looseFiles.length === 0) return filesFromInput(dataTransfer.files);
  const picked: PickedFile[] = looseFiles.map((file) => ({ file, path: file.name }));
  for (const entry of entries) picked.push(...(await walkEntry(entry)));
  return picked;
}

async function walkEntry(entry: FileSystemEntry): Promise<PickedFile[]> {
  const path = entry.fullPath.replace(/^\//, '') || entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ file, path }];
  }
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries returns the listing in batches (100 in Chromium) until an empty batch.
  while (true) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  const nested = await Promise.all(children.map(walkEntry));
  return nested.flat();
}

/**
 * "model.safetensors", "pretrained/ (5 files)" or "model.safetensors + 2 files": what the slot shows and the
 * label the header and errors use. Loose files are named by their weights file, so two picked sides differ.
 */
export function describePicked(files: readonly PickedFile[]): string {
  if (files.length === 0) return '';
  if (files.length === 1) return files[0].path;
  const topFolders = new Set(files.map((f) => (f.path.includes('/') ? f.path.split('/')[0] : '')));
  if (topFolders.size === 1 && !topFolders.has('')) return `${[...topFolders][0]}/ (${files.length} files)`;
  const primary =
    files.find((f) => f.path.endsWith('.safetensors.index.json')) ?? files.find((f) => f.path.endsWith('.safetensors')) ?? files[0];
  const others = files.length - 1;
  return `${primary.path} + ${others} ${others === 1 ? 'file' : 'files'}`;
}
