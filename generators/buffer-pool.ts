/**
 * COPY writers' output buffers, recycled. Each 1.25 MiB buffer is memory outside V8's
 * heap, which V8 frees only when it collects the Buffer object: between collections a
 * load's garbage buffers piled up to ~70 MiB (process.memoryUsage().arrayBuffers
 * sampled every 50 ms during a 10m load), the bulk of its peak RSS and of how that peak
 * varied from run to run. The COPY path hands a buffer back once the socket has written
 * it to the kernel (db/copy.ts); until then it is never reused. Buffers nobody hands
 * back (`generate`, the bench's files) are collected as before.
 */

export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

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
