// The formats layer's public API (browser, worker and Node alike; Node-only file access is in ./node).
export * from './types';
export { bufferSource, blobSource, httpSource, SourceNotFoundError, isAbortError, type HttpSourceOptions } from './sources';
export {
  openSafetensors, readSafetensorsHeader, readMetadata, readTensorBytes, readTensorFloat32, dtypeSize, isFloatDType,
  MAX_HEADER_BYTES, type SafetensorsHeader,
} from './safetensors';
export {
  openCheckpointFromFiles, openCheckpointFromUrl, resolveCheckpointUrl, EXTRA_FILE_NAMES, type UrlCheckpointOptions,
} from './checkpoint';
export {
  pairCheckpoints, layerOf, matrixTypeOf, rowsColsOf, summarizePair, pairWarnings, pairKeyOf, type PairTotals,
} from './pairing';
export { naturalCompare } from './natural-sort';
