/**
 * A bounded, direct-mapped cache of COPY bytes already encoded for a key (a row index),
 * with one number kept beside them. Skewed references repeat: Zipf-popular users appear
 * in a large share of sessions, tasks and events, and their `tenant\tuser_id\t` bytes
 * cost a hash, a Zipf draw, a Feistel permutation and 36 hex digits each time. Keys below
 * the slot count never evict each other (slot = key mod size), so the popular ranks stay.
 * Memory is fixed whatever the scale, and nothing is allocated after construction.
 */
import type { CopyWriter } from './copytext.ts';

export class EncodedCache {
  private readonly mask: number;
  private readonly slotBytes: number;
  private readonly keys: Int32Array;
  private readonly values: Float64Array;
  private readonly lengths: Uint8Array;
  private readonly arena: Buffer;
  // A view of each slot, made once: TypedArray.set of a whole view is ~15 ns, a byte loop
  // or a fresh subarray ~50 ns (measured on Node 20). Views made on each store instead
  // were promoted to V8's old space and died there: at 100m its heap grew by ~0.5 MB/s
  // until a full collection, and peak RSS with it.
  private readonly views: Buffer[];

  /**
   * @param slotsLog2 log2 of the number of slots
   * @param slotBytes the longest value cached (at most 255); longer ones are written but not cached
   */
  constructor(slotsLog2: number, slotBytes: number) {
    const n = 1 << slotsLog2;
    this.mask = n - 1;
    this.slotBytes = slotBytes;
    this.keys = new Int32Array(n).fill(-1);
    this.values = new Float64Array(n);
    this.lengths = new Uint8Array(n);
    this.arena = Buffer.alloc(n * slotBytes);
    this.views = Array.from({ length: n }, (_, i) => this.arena.subarray(i * slotBytes, (i + 1) * slotBytes));
  }

  /** If key is cached, append its bytes to w and return its value; otherwise return NaN. */
  copyTo(w: CopyWriter, key: number): number {
    const slot = key & this.mask;
    if (this.keys[slot] !== key) return NaN;
    const n = this.lengths[slot];
    const buf = w.buf;
    // The whole slot is copied and the position moves by the value's length: the bytes
    // past it are overwritten by whatever the writer writes next, and a writer's buffer
    // has room past any row. Only a nearly full small buffer gets the exact copy.
    if (buf.length - w.pos >= this.slotBytes) buf.set(this.views[slot], w.pos);
    else buf.set(this.views[slot].subarray(0, n), w.pos);
    w.pos += n;
    return this.values[slot];
  }

  /** Remember w's bytes from `start` to its current position as key's, with a value. */
  store(w: CopyWriter, key: number, start: number, value: number): void {
    const n = w.pos - start;
    if (n > this.slotBytes || key < 0 || key > 0x7fffffff) return;
    const slot = key & this.mask;
    w.buf.copy(this.arena, slot * this.slotBytes, start, w.pos);
    this.keys[slot] = key;
    this.values[slot] = value;
    this.lengths[slot] = n;
  }
}
