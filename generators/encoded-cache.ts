/**
 * A bounded, direct-mapped cache of COPY bytes already encoded for a key (a row index),
 * with one number kept beside them. Skewed references repeat: Zipf-popular users appear
 * in a large share of sessions, tasks and events, and their `tenant\tuser_id\t` bytes
 * cost a hash, a Zipf draw, a Feistel permutation and 36 hex digits each time. Keys below
 * the slot count never evict each other (slot = key mod size), so the popular ranks stay.
 * Memory is fixed whatever the scale, and nothing is allocated after construction.
 */
import type { CopyWriter } from './copytext.ts';
import { CACHE_HEADER_BYTES as HEADER, CACHE_SLOT } from './kernel-layout.ts';

export class EncodedCache {
  readonly mask: number;
  private readonly capacity: number;
  /** Bytes from one slot to the next. */
  readonly stride: number;
  /** Where the arena starts in its memory (a row kernel reads slots from there too). */
  readonly address: number;
  // One arena, each slot's key, number, length and bytes side by side (kernel-layout.ts
  // CACHE_SLOT): a lookup touches one or two cache lines. Separate arrays of keys,
  // lengths, numbers and per-slot views made a hit four or five cache misses.
  private readonly arena: Buffer;
  private readonly words: Int32Array;
  private readonly view: DataView;

  /**
   * @param slotsLog2 log2 of the number of slots
   * @param slotBytes the longest value cached; longer ones are written but not cached.
   *   Rounded up to whole 32-bit words; a row kernel's cache uses CACHE_SLOT_BYTES - CACHE_HEADER_BYTES (kernel-layout.ts), one cache line a slot.
   * @param place where to put the arena (memory of that many bytes, 4-byte aligned); default: its own
   */
  constructor(slotsLog2: number, slotBytes: number, place?: (bytes: number) => Buffer) {
    const n = 1 << slotsLog2;
    this.mask = n - 1;
    this.capacity = (slotBytes + 3) & ~3;
    this.stride = HEADER + this.capacity;
    this.arena = place ? place(n * this.stride) : Buffer.alloc(n * this.stride);
    this.address = this.arena.byteOffset;
    this.words = new Int32Array(this.arena.buffer, this.arena.byteOffset, this.arena.length >> 2);
    this.view = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.length);
    for (let i = 0; i < n; i++) this.words[((i * this.stride) >> 2) + CACHE_SLOT.key] = -1;
  }

  /** If key is cached, append its bytes to w and return its value; otherwise return NaN. */
  copyTo(w: CopyWriter, key: number): number {
    const base = (key & this.mask) * this.stride;
    const words = this.words;
    const at = base >> 2;
    if (words[at + CACHE_SLOT.key] !== key) return NaN;
    const n = words[at + CACHE_SLOT.length];
    const from = base + HEADER;
    const p = w.pos;
    // Whole words are copied and the position moves by the value's length: the bytes past
    // it are overwritten by whatever the writer writes next, and a writer's buffer has
    // room past any row. Only a nearly full small buffer gets the exact copy.
    if (w.buf.length - p >= n + 3) {
      const src = this.view;
      const dst = w.view;
      for (let i = 0; i < n; i += 4) dst.setInt32(p + i, src.getInt32(from + i, true), true);
    } else {
      this.arena.copy(w.buf, p, from, from + n);
    }
    w.pos = p + n;
    return words[at + CACHE_SLOT.value];
  }

  /** Remember w's bytes from `start` to its current position as key's, with an int32 value. */
  store(w: CopyWriter, key: number, start: number, value: number): void {
    const n = w.pos - start;
    if (n > this.capacity || key < 0 || key > 0x7fffffff || value !== (value | 0)) return;
    const base = (key & this.mask) * this.stride;
    w.buf.copy(this.arena, base + HEADER, start, w.pos);
    const at = base >> 2;
    this.words[at + CACHE_SLOT.key] = key;
    this.words[at + CACHE_SLOT.value] = value;
    this.words[at + CACHE_SLOT.length] = n;
  }
}
