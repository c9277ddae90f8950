// What a view shows before a pair is open: while one loads it says so (not "load a pair"), after a
// failed load it points at the error in the header.
import { useAppStore } from '../useAppStore';

export function NoPairNotice({ testId, hint }: { testId: string; hint: string }) {
  const state = useAppStore((s) => s.state);
  const text = state === 'loading' ? 'Loading the pair… this view opens as soon as its tensors are listed.' : state === 'error' ? `No pair is open (see the error above). ${hint}` : hint;
  return (
    <section className="viz" data-testid={testId} data-state={state === 'loading' ? 'loading' : 'empty'}>
      <p className={state === 'loading' ? 'viz-notice computing' : 'viz-notice'}>{text}</p>
    </section>
  );
}
