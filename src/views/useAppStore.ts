// React's window onto the vanilla app store: components subscribe to a slice with a selector
// and re-render only when that slice changes (render loops and the bridge use appStore directly).
import { useStore } from 'zustand';
import { appStore, type AppState } from '../store/store';

export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
