// The top bar: name, k control and the KEN status line.
import { KControl } from './KControl';
import { KenStatus } from './KenStatus';

export function Header() {
  return (
    <header className="app-header">
      <h1 className="app-title" title="See what KEN keeps">
        KENviz
      </h1>
      <KControl />
      <KenStatus />
    </header>
  );
}
