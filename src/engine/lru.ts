// A byte-budgeted LRU for per-(tensor, k, rule) results: views and the comparison panel ask for the same
// selection many times, and an eviction only means the selection is computed again.

/** Default budget of the worker's result cache (bytes). */
export const RESULT_CACHE_BYTES = 256 * 1024 * 1024;

export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private usedBytes = 0;

  constructor(readonly budgetBytes: number = RESULT_CACHE_BYTES) {
    if (!(budgetBytes >= 0)) throw new Error(`ByteLru: budget must be >= 0 bytes, got ${budgetBytes}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.usedBytes;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Returns the value and marks it most recently used. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores a value; an entry larger than the whole budget is not kept (the caller still has it). */
  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.budgetBytes) return;
    this.entries.set(key, { value, bytes });
    this.usedBytes += bytes;
    // Map iteration order is insertion order, so the first key is the least recently used.
    for (const [oldKey, entry] of this.entries) {
      if (this.usedBytes <= this.budgetBytes) break;
      this.entries.delete(oldKey);
      this.usedBytes -= entry.bytes;
    }
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.usedBytes -= entry.bytes;
    return true;
  }

  clear(): void {
    this.entries.clear();
    this.usedBytes = 0;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
