// The export layer's public surface (pure: used by the CLI, the export worker and tests).
export * from './sink';
export * from './safetensors-writer';
export * from './zip';
export * from './fnv';
export * from './plan';
export * from './pipeline';
export * from './apply';
export * from './report';
export * from './subnetwork-format';
