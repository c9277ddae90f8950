// The app layout: header (k, status), load panel, tabs and the active view. No computation here:
// every component reads the store through useAppStore and acts through the bridge.
import type { ComponentType } from 'react';
import type { ViewName } from '../store/store';
import { useAppStore } from './useAppStore';
import { Header } from './shell/Header';
import { LoadPanel } from './shell/LoadPanel';
import { PairTable } from './shell/PairTable';
import { Tabs } from './shell/Tabs';
import { ViewErrorBoundary } from './shell/ViewErrorBoundary';
import { ModelView } from './model/ModelView';
import { MatrixView } from './matrix/MatrixView';
import { NeuronView } from './neuron/NeuronView';
import { ComparePanel } from './compare/ComparePanel';
import { ExportPanel } from './export/ExportPanel';
import { EvalPanel } from './eval/EvalPanel';
import './app.css';

const VIEWS: Record<ViewName, ComponentType> = {
  pair: PairTable,
  model: ModelView,
  matrix: MatrixView,
  neuron: NeuronView,
  compare: ComparePanel,
  export: ExportPanel,
  eval: EvalPanel,
};

export function App() {
  const view = useAppStore((s) => s.view);
  const ActiveView = VIEWS[view];
  return (
    <div className="app">
      <Header />
      <LoadPanel />
      <Tabs />
      <main id="view-panel" className="view-panel" role="tabpanel" aria-labelledby={`tab-${view}`}>
        <ViewErrorBoundary key={view} viewLabel={view}>
          <ActiveView />
        </ViewErrorBoundary>
      </main>
    </div>
  );
}
