// Small React hooks the views share: element size tracking and view-scoped keyboard shortcuts.
import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Tracks an element's content width (CSS pixels); 0 until it is laid out. Returns a callback ref, so an
 * element that appears later (after a pair loads) is observed too.
 */
export function useElementWidth<T extends HTMLElement>(): [(el: T | null) => void, number, T | null] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!el) return;
    const update = () => setWidth(Math.floor(el.getBoundingClientRect().width));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, [el]);
  const ref = useCallback((node: T | null) => setEl(node), []);
  return [ref, width, el];
}

/** Keys typed into a form control belong to it, not to the view's shortcuts. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target.isContentEditable;
}

/** Window-level shortcuts while the view is mounted; the handler returns true when it used the key. */
export function useViewKeys(handler: (event: KeyboardEvent) => boolean): void {
  const handlerRef = useRef(handler);
  useEffect(() => {
    handlerRef.current = handler;
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      if (handlerRef.current(event)) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
