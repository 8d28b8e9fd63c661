/**
 * COPY writers' output buffers, recycled. Each 1.25 MiB buffer is memory outside V8's
 * heap, which V8 frees only when it collects the Buffer object: between collections a
 * load's garbage buffers piled up (process.memoryUsage().arrayBuffers), the bulk of its
 * peak RSS and of how that peak varied from run to run. The COPY path hands a buffer back once the socket has written
 * it to the kernel (db/copy.ts); until then it is never reused. Buffers nobody hands
 * back (a test's, say) are collected as before.
 */

export class BufferPool implements OutputSource {
  private readonly free: ArrayBuffer[] = [];
  /** Never: it allocates when it has none. */
  readonly scarce: boolean = false;

  /**
   * @param size bytes of each buffer
   * @param keep most buffers kept for reuse (the rest are left to the garbage collector)
   */
  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `size` bytes, recycled when one is free (its old content is garbage). */
  acquire(): Buffer {
    const ab = this.free.pop();
    return ab ? Buffer.from(ab) : Buffer.allocUnsafeSlow(this.size);
  }

  /**
   * Hand back a buffer, or a piece of one, that nothing reads or writes any more. Pieces
   * of other buffers are ignored, and so is a buffer already handed back.
   */
  release(piece: Uint8Array): void {
    const ab = piece.buffer;
    if (!(ab instanceof ArrayBuffer) || ab.byteLength !== this.size || this.free.length >= this.keep) return;
    if (this.free.includes(ab)) return;
    this.free.push(ab);
  }

  /** Buffers waiting for reuse. */
  get pooled(): number {
    return this.free.length;
  }
}

/** Where a writer gets its output buffers. */
export interface OutputSource {
  /** A buffer; undefined when none is free. */
  acquire(): Buffer | undefined;
  release(piece: Uint8Array): void;
  /** True when writers should hand over copies and keep their buffers (few are left). */
  readonly scarce: boolean;
}

/** Pools of slots inside one ArrayBuffer (a WebAssembly memory), by that buffer. */
const slotPools = new WeakMap<ArrayBufferLike, SlotPool>();

/** The SlotPool a piece was cut from, if any. */
export function slotPoolOf(piece: Uint8Array): SlotPool | undefined {
  return slotPools.get(piece.buffer);
}

/**
 * Fixed-size output buffers carved out of one region of a fixed memory (a row kernel's,
 * generators/kernel-host.ts), handed out and taken back by offset. A writer over a slot must
 * always have one (the kernel writes only into its own memory), so the last `reserve`
 * slots are kept for writers: once only those are free, the pool is `scarce` and writers
 * hand over copies instead of their slots (CopyWriter.take, done). A reader that never
 * hands slots back (a test) so holds at most count - reserve of them. Unlike the shared
 * pool's buffers, a slot nobody hands back is not collected: a writer abandoned mid-chunk
 * (a failed COPY) keeps its slots for the life of its context, which ends with the load.
 */
export class SlotPool implements OutputSource {
  private readonly free: number[] = [];

  constructor(
    private readonly memory: ArrayBuffer,
    private readonly base: number,
    readonly size: number,
    readonly count: number,
    private readonly reserve: number,
  ) {
    // Lowest offsets on top: a load that needs few slots touches (and keeps resident) few pages.
    for (let i = count - 1; i >= 0; i--) this.free.push(base + i * size);
    slotPools.set(memory, this);
  }

  acquire(): Buffer | undefined {
    const at = this.free.pop();
    return at === undefined ? undefined : Buffer.from(this.memory, at, this.size);
  }

  /** Take back the slot a piece starts at; pieces not at a slot's start, and slots already free, are ignored. */
  release(piece: Uint8Array): void {
    const at = piece.byteOffset;
    if (piece.buffer !== this.memory || at < this.base || (at - this.base) % this.size !== 0 || at >= this.base + this.count * this.size) return;
    if (this.free.includes(at)) return;
    this.free.push(at);
  }

  get scarce(): boolean {
    return this.free.length <= this.reserve;
  }

  /** Slots free for use. */
  get pooled(): number {
    return this.free.length;
  }
}
