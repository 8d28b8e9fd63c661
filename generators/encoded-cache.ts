/**
 * A bounded, direct-mapped cache of COPY bytes already encoded for a key (a row index),
 * with one number kept beside them. Skewed references repeat: Zipf-popular users appear
 * in a large share of sessions, tasks and events, and their `tenant\tuser_id\t` bytes
 * cost a hash, a Zipf draw, a Feistel permutation and 36 hex digits each time. Keys below
 * the slot count never evict each other (slot = key mod size), so the popular ranks stay.
 * Memory is fixed whatever the scale: one arena of slots × slotBytes, and a view a slot.
 */
import type { CopyWriter } from './copytext.ts';

export class EncodedCache {
  private readonly mask: number;
  private readonly slotBytes: number;
  private readonly keys: Int32Array;
  private readonly values: Float64Array;
  private readonly arena: Buffer;
  // A view of the arena a slot, made when it is stored: TypedArray.set of a whole view
  // is ~15 ns, a byte loop or a fresh subarray ~50 ns (measured on Node 20). Views of one
  // arena, not small Buffers of their own: those come from Node's shared 8 KiB pool,
  // and one live slice keeps a whole pool block alive (RSS grew with scale).
  private readonly views: Buffer[];

  /**
   * @param slotsLog2 log2 of the number of slots
   * @param slotBytes the longest value cached; longer ones are written but not cached
   */
  constructor(slotsLog2: number, slotBytes: number) {
    const n = 1 << slotsLog2;
    this.mask = n - 1;
    this.slotBytes = slotBytes;
    this.keys = new Int32Array(n).fill(-1);
    this.values = new Float64Array(n);
    this.arena = Buffer.alloc(n * slotBytes);
    this.views = new Array<Buffer>(n).fill(this.arena.subarray(0, 0));
  }

  /** If key is cached, append its bytes to w and return its value; otherwise return NaN. */
  copyTo(w: CopyWriter, key: number): number {
    const slot = key & this.mask;
    if (this.keys[slot] !== key) return NaN;
    const bytes = this.views[slot];
    w.buf.set(bytes, w.pos);
    w.pos += bytes.length;
    return this.values[slot];
  }

  /** Remember w's bytes from `start` to its current position as key's, with a value. */
  store(w: CopyWriter, key: number, start: number, value: number): void {
    const n = w.pos - start;
    if (n > this.slotBytes || key < 0 || key > 0x7fffffff) return;
    const slot = key & this.mask;
    const at = slot * this.slotBytes;
    w.buf.copy(this.arena, at, start, w.pos);
    // Values of one kind mostly have one length: keep the evicted key's view then.
    if (this.views[slot].length !== n) this.views[slot] = this.arena.subarray(at, at + n);
    this.keys[slot] = key;
    this.values[slot] = value;
  }
}
