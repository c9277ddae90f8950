// Placeholder until its owner replaces this file: keeps the app shell compiling and navigable.
import { useAppStore } from '../useAppStore';

export function ExportPanel() {
  const tensorName = useAppStore((s) => s.tensorName);
  return (
    <section className="view-placeholder" data-testid="view-export">
      <h2>Export</h2>
      <p>not built yet{tensorName ? ` (selected: ${tensorName})` : ''}</p>
    </section>
  );
}
