// The tensor picker the matrix and neuron views share, and the list it offers: every tensor that has
// fine-tuned values to look at (not integer tensors, not tensors only the pre-trained model has).
import { useEffect, useMemo } from 'react';
import type { TensorMeta } from '../../engine/protocol';
import { useAppStore } from '../useAppStore';

/** The viewable tensors and the selected one; selects the first pruned 2-D tensor when none is (better than an empty view). */
export function useViewableTensors(): { viewable: TensorMeta[]; meta: TensorMeta | undefined } {
  const pair = useAppStore((s) => s.pair);
  const tensorName = useAppStore((s) => s.tensorName);
  const selectTensor = useAppStore((s) => s.selectTensor);
  const viewable = useMemo(() => (pair?.tensors ?? []).filter((t) => t.status !== 'not-float' && t.status !== 'only-pretrained'), [pair]);
  useEffect(() => {
    if (pair && !tensorName && viewable.length > 0) selectTensor((viewable.find((t) => t.shape.length === 2 && t.status === 'pruned') ?? viewable[0]).name);
  }, [pair, tensorName, viewable, selectTensor]);
  return { viewable, meta: viewable.find((t) => t.name === tensorName) };
}

export function TensorSelect({ viewable, testId }: { viewable: readonly TensorMeta[]; testId: string }) {
  const tensorName = useAppStore((s) => s.tensorName);
  const selectTensor = useAppStore((s) => s.selectTensor);
  return (
    <label>
      tensor
      <select className="tensor-select" value={tensorName ?? ''} onChange={(e) => selectTensor(e.target.value || null)} data-testid={testId}>
        {viewable.map((t) => (
          <option key={t.name} value={t.name}>
            {t.name} [{t.shape.join('x')}]
          </option>
        ))}
      </select>
    </label>
  );
}
