// Reads a ZIP's stored entries through its central directory (ZIP64 aware), for checking downloads.
// Written apart from src/export/zip.ts so the app's ZIP writer is not graded by its own logic.
export function readStoredZip(zip: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a ZIP: no end of central directory record');
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff) {
    const record = Number(view.getBigUint64(eocd - 20 + 8, true));
    count = Number(view.getBigUint64(record + 32, true));
    cdOffset = Number(view.getBigUint64(record + 48, true));
  }
  const files = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    if (view.getUint16(p + 10, true) !== 0) throw new Error('compressed entry');
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLength));
    for (let e = p + 46 + nameLength; e < p + 46 + nameLength + extraLength; e += 4 + view.getUint16(e + 2, true)) {
      if (view.getUint16(e, true) !== 1) continue;
      let f = e + 4;
      if (size === 0xffffffff) {
        size = Number(view.getBigUint64(f, true));
        f += 16;
      }
      if (localOffset === 0xffffffff) localOffset = Number(view.getBigUint64(f, true));
    }
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    files.set(name, zip.subarray(dataStart, dataStart + size));
    p += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}
