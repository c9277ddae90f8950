// The top bar: name, k control, backend choice and the KEN status line.
import type { BackendChoice } from '../../engine/protocol';
import { bridge } from '../../store/appBridge';
import { useAppStore } from '../useAppStore';
import { KControl } from './KControl';
import { KenStatus } from './KenStatus';

export function Header() {
  return (
    <header className="app-header">
      <h1 className="app-title" title="See what KEN keeps">
        KENviz
      </h1>
      <KControl />
      <BackendSelect />
      <KenStatus />
    </header>
  );
}

function BackendSelect() {
  const choice = useAppStore((s) => s.backendChoice);
  const reason = useAppStore((s) => s.backendReason);
  return (
    <label className="backend-select" title={reason || 'auto: WebGPU on a hardware adapter, else the CPU pool'}>
      on{' '}
      <select
        value={choice}
        data-testid="backend-select"
        onChange={(event) => {
          bridge.setBackendChoice(event.target.value as BackendChoice);
          void bridge.runKen();
        }}
      >
        <option value="auto">auto</option>
        <option value="webgpu">WebGPU</option>
        <option value="cpu">CPU</option>
      </select>
    </label>
  );
}
