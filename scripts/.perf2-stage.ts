import { generate, cpuMs } from './bench-core';
import { selectTensor, planTensor } from '../src/core/ken';
import { MatchWorkspace, sortRow, matchRow } from '../src/core/matching';
import { DensityWorkspace, roundedDensitiesFast } from '../src/core/density';
const rows = 768, cols = 768, k = 384;
const fine = generate(rows, cols, 7);
const plan = planTensor(fine, rows, cols, k);
const ws = new MatchWorkspace(); const dws = new DensityWorkspace();
const out = new Float64Array(k); const order = new Int32Array(k); for (let j=0;j<k;j++) order[j]=j;
const mask = new Uint8Array(rows*cols/8);
function t(name: string, f: () => void) { for (let w=0;w<3;w++) f(); const ts:number[]=[]; for (let r=0;r<7;r++){const c=cpuMs(); f(); ts.push(cpuMs()-c);} ts.sort((a,b)=>a-b); console.log(name, ts[3].toFixed(1),'ms'); }
t('select', () => selectTensor(fine, rows, cols, k));
t('sort', () => { for (let r=0;r<rows;r++) sortRow(fine.subarray(r*cols,(r+1)*cols), ws); });
t('dens', () => { for (let r=0;r<rows;r++) { const row=fine.subarray(r*cols,(r+1)*cols); sortRow(row, ws); roundedDensitiesFast(row, plan.bandwidth[r], plan.min[r], plan.max[r], k, out, dws, {}, ws.sortedValue.subarray(0,cols)); } });
t('match', () => { for (let r=0;r<rows;r++) { const row=fine.subarray(r*cols,(r+1)*cols); sortRow(row, ws); matchRow(row, k, order, plan.min[r], plan.max[r], ws, mask, r*cols, undefined, true); } });
t('plan', () => planTensor(fine, rows, cols, k));
