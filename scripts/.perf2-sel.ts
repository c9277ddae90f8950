import { generate, cpuMs } from './bench-core';
import { selectTensor } from '../src/core/ken';
const rows = 768, cols = 768, k = 384;
const fine = generate(rows, cols, 7);
const ts: number[] = [];
for (let r = 0; r < 25; r++) { const c = cpuMs(); selectTensor(fine, rows, cols, k); ts.push(cpuMs() - c); }
ts.sort((a, b) => a - b); console.log('select median', ts[12].toFixed(1), 'min', ts[0].toFixed(1));
