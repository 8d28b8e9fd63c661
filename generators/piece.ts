/**
 * What the generators yield: one buffer of one table's COPY text. A generated piece's
 * buffer is lent from a pool (a row kernel's output slot, or one of the shared output
 * buffers), and the type says it must go back.
 */
import { releaseOutput } from './copytext.ts';
import type { TableName } from './tables.ts';

/** One encoded buffer of one table's COPY text, as a COPY takes it (from a generator or any other source). */
export interface Piece {
  readonly table: TableName;
  readonly buf: Buffer;
}

/**
 * A piece a generator yielded. Call release() once nothing reads `buf` any more (the COPY
 * path releases the buffer once the socket has written it: db/copy.ts). A row kernel's
 * slot that is never released is not collected: it is lost for the life of its generator
 * context, and once too many are out, writers hand over copies. Releasing twice is
 * harmless; releasing the buffer by another way as well (releaseOutput) is not, as the
 * slot may be in use again by then.
 */
export class GeneratedPiece implements Piece {
  private released = false;

  constructor(
    readonly table: TableName,
    readonly buf: Buffer,
  ) {}

  /** Hand the buffer back to the pool it came from. */
  release(): void {
    if (this.released) return;
    this.released = true;
    releaseOutput(this.buf);
  }
}
