// The view switcher: one tab per view, driven by store.view.
import type { ViewName } from '../../store/store';
import { useAppStore } from '../useAppStore';

export const TABS: readonly { view: ViewName; label: string }[] = [
  { view: 'pair', label: 'Pair' },
  { view: 'model', label: 'Model' },
  { view: 'matrix', label: 'Matrix' },
  { view: 'neuron', label: 'Neuron' },
  { view: 'compare', label: 'Compare' },
  { view: 'export', label: 'Export' },
  { view: 'eval', label: 'Evaluate' },
];

export function Tabs() {
  const view = useAppStore((s) => s.view);
  const setView = useAppStore((s) => s.setView);
  return (
    <nav className="tabs" role="tablist" aria-label="Views">
      {TABS.map((tab) => (
        <button
          key={tab.view}
          type="button"
          role="tab"
          id={`tab-${tab.view}`}
          aria-selected={view === tab.view}
          aria-controls="view-panel"
          data-testid={`tab-${tab.view}`}
          className={view === tab.view ? 'tab active' : 'tab'}
          onClick={() => setView(tab.view)}
        >
          {tab.label}
        </button>
      ))}
    </nav>
  );
}
