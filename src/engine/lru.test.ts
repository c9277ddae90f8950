import { describe, expect, it } from 'vitest';
import { ByteLru, RESULT_CACHE_BYTES } from './lru';

describe('ByteLru', () => {
  it('defaults to a 256 MiB budget', () => {
    expect(RESULT_CACHE_BYTES).toBe(268_435_456);
    expect(new ByteLru().budgetBytes).toBe(RESULT_CACHE_BYTES);
  });

  it('evicts least recently used entries until the bytes fit', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 40); // 120 > 100: b goes
    expect(lru.keys()).toEqual(['a', 'c']);
    expect(lru.has('b')).toBe(false);
    expect(lru.bytes).toBe(80);
  });

  it('replacing a key frees its old bytes', () => {
    const lru = new ByteLru<number>(100);
    lru.set('a', 1, 60);
    lru.set('a', 2, 30);
    expect(lru.bytes).toBe(30);
    expect(lru.get('a')).toBe(2);
    expect(lru.size).toBe(1);
  });

  it('does not keep an entry larger than the budget, and evicts nothing for it', () => {
    const lru = new ByteLru<number>(100);
    lru.set('small', 1, 10);
    lru.set('huge', 2, 101);
    expect(lru.has('huge')).toBe(false);
    expect(lru.get('small')).toBe(1);
  });

  it('delete and clear account bytes', () => {
    const lru = new ByteLru<number>(100);
    lru.set('a', 1, 10);
    lru.set('b', 2, 20);
    expect(lru.delete('a')).toBe(true);
    expect(lru.delete('a')).toBe(false);
    expect(lru.bytes).toBe(20);
    lru.clear();
    expect(lru.bytes).toBe(0);
    expect(lru.size).toBe(0);
  });

  it('evicts several entries at once for a big newcomer', () => {
    const lru = new ByteLru<number>(100);
    for (let i = 0; i < 10; i++) lru.set(`k${i}`, i, 10);
    lru.set('big', 99, 75);
    expect(lru.keys()).toEqual(['k8', 'k9', 'big']);
    expect(lru.bytes).toBe(95);
  });
});
