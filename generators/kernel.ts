/**
 * A row kernel: generators/wasm/kernel.wasm instantiated over its own fixed memory, which
 * holds the kernel's tables, the pre-encoded text and lookup tables the row loops read (an
 * arena, addressed by offset), the user cache, small scratch areas (a session's prefix
 * and message-loop state) and the output slots its writers fill. JS and WebAssembly write
 * into the same buffers: a writer over a slot is an ordinary CopyWriter whose `base` gives
 * the address. The memory never grows (growing would detach every Buffer over it), so
 * everything is sized when the kernel is made; untouched pages cost no RSS.
 *
 * Why: on two cores every CPU-second the generator spends is taken from Postgres. A
 * message row's byte work cost ~160 ns in JS and ~70 ns in the kernel (TypedArray.set
 * alone is ~15 ns a call, memory.copy ~9 ns with the call; 3 M synthetic rows), and the
 * whole generator went from 537-550 to 279-286 ms at 1m as rows moved here (the Intel VM,
 * Node 20; README, "Load throughput").
 */
import { readFileSync } from 'node:fs';
import { SlotPool } from './buffer-pool.ts';

// The few WebAssembly JS API pieces used here (lib ES2023 has no WebAssembly types, and
// lib DOM would bring the browser's globals).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
};

interface KernelExports {
  DATA_START: { value: number };
  init(): void;
  id(p: number, hi: number, lo: number, mixed: number, key: number): number;
  session(p: number, pre: number, preLen: number, bot: number, channel: number, channelLen: number, intent: number, intentLen: number, memoryType: number, memoryTypeLen: number, title: number, titleLen: number, messages: number, start: number, end: number): number;
  event(p: number, id: number, cache: number, cacheMask: number, cacheStride: number, user: number, session: number, hi: number, lo: number, mixed: number, key: number, type: number, typeLen: number, channel: number, channelLen: number, props: number, propsLen: number, t: number): number;
  taskTail(p: number, session: number, hi: number, lo: number, mixed: number, key: number, title: number, titleLen: number, status: number, statusLen: number, priority: number, priorityLen: number, mode: number, modeLen: number, risk: number, riskLen: number, intent: number, intentLen: number, progress: number, created: number, updated: number, completed: number): number;
  messages(p: number, full: number, state: number, config: number, pre: number, preLen: number, k: number, mixed: number, key: number, n: number, hasSystem: number, write: number, provider: number, providerLen: number, lastMs: number): number;
  eventTail(p: number, session: number, hi: number, lo: number, mixed: number, key: number, type: number, typeLen: number, channel: number, channelLen: number, props: number, propsLen: number, t: number): number;
}

let compiled: object | undefined;

function kernelModule(): object {
  compiled ??= new WebAssembly.Module(readFileSync(new URL('./wasm/kernel.wasm', import.meta.url)));
  return compiled;
}

const PAGE = 65536;
/**
 * Bytes of one scratch area: a conversations generator's session prefix (two UUIDs and a
 * tenant id, < 100 bytes) in the first 128, the kernel's message-loop state (56 bytes,
 * wasm/kernel.ts ST_) from 128.
 */
export const SCRATCH_BYTES = 256;
/** Bytes of a scratch area before the message-loop state. */
export const PREFIX_BYTES = 128;
/** The message-loop state's fields (wasm/kernel.ts ST_), as indexes into int32 and float64 views from PREFIX_BYTES. */
export const LOOP = { rng: 0, crng: 4, next: 8, prevRole: 9, seq: 10, clock: 6 } as const;
const SCRATCH_AREAS = 256;

/** Byte strings copied into the arena: where each starts and how long it is, by index. */
export interface ArenaTable {
  at: Int32Array;
  len: Int32Array;
}

/** wasm/kernel.ts DATA_START: where the arena begins (checked against the binary). */
const DATA_START = 270336;

/**
 * The arena's layout, in one place for both passes over it: an ArenaSizer follows the
 * same calls to measure what a RowKernel, made that size, then fills.
 */
export abstract class ArenaLayout {
  protected top = DATA_START;
  protected abstract readonly arenaEnd: number;
  protected abstract write(at: number, bytes: Uint8Array): void;

  /** Room for `bytes` at the next multiple of `to`; returns its address. */
  private reserve(bytes: number, to: number): number {
    const at = align(this.top, to);
    if (at + bytes > this.arenaEnd) throw new Error('row kernel arena is full (an internal sizing error)');
    this.top = at + bytes;
    return at;
  }

  /** A zeroed, 64-byte-aligned piece of the arena (for tables the kernel reads); returns its address. */
  alloc(bytes: number): number {
    return this.reserve(bytes, 64);
  }

  /** Copy an array of numbers into the arena, 8-byte aligned; returns its address. */
  putArray(values: Int32Array | Float64Array): number {
    const at = this.reserve(values.byteLength, 8);
    this.write(at, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return at;
  }

  /** Copy byte strings into the arena, once; the table says where each went. */
  put(list: readonly Uint8Array[]): ArenaTable {
    const at = new Int32Array(list.length);
    const len = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      at[i] = this.reserve(list[i].length, 1);
      len[i] = list[i].length;
      this.write(at[i], list[i]);
    }
    return { at, len };
  }
}

/** Measures an arena: the bytes a RowKernel needs for the same calls. */
export class ArenaSizer extends ArenaLayout {
  protected readonly arenaEnd = Infinity;

  protected write(): void {}

  get bytes(): number {
    return this.top - DATA_START;
  }
}

export class RowKernel extends ArenaLayout {
  readonly x: KernelExports;
  readonly slots: SlotPool;
  private readonly bytes: Buffer;
  protected readonly arenaEnd: number;
  private readonly freeScratch: number[] = [];

  /**
   * @param arenaBytes room for the arena: what an ArenaSizer measured for the same calls
   * @param slotSize bytes of each output slot
   * @param slotCount output slots
   * @param slotReserve slots kept for writers (SlotPool): the most row loops at once
   * @param lognormalTail what the kernel calls for a log-normal draw in a table's tails (generators/wasm/kernel.ts)
   */
  constructor(arenaBytes: number, slotSize: number, slotCount: number, slotReserve: number, lognormalTail: (which: number, u: number) => number = () => NaN) {
    super();
    const arenaEnd = DATA_START + arenaBytes;
    const scratchStart = align(arenaEnd, 64);
    const scratchEnd = scratchStart + SCRATCH_AREAS * SCRATCH_BYTES;
    const slotBase = align(scratchEnd, PAGE);
    const pages = Math.ceil((slotBase + slotSize * slotCount) / PAGE);
    // Addresses come back from WebAssembly as signed int32: the memory must stay below 2 GiB.
    if (pages * PAGE >= 2 ** 31) throw new Error(`a row kernel of ${pages * PAGE} bytes is over 2 GiB (fewer or smaller slots)`);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.x = new WebAssembly.Instance(kernelModule(), { env: { memory, lognormalTail } }).exports as unknown as KernelExports;
    if (this.x.DATA_START.value !== DATA_START) throw new Error(`kernel.wasm's DATA_START is ${this.x.DATA_START.value}, kernel.ts expects ${DATA_START}: rebuild with npm run build:wasm`);
    this.x.init();
    this.bytes = Buffer.from(memory.buffer);
    this.arenaEnd = arenaEnd;
    for (let i = SCRATCH_AREAS - 1; i >= 0; i--) this.freeScratch.push(scratchStart + i * SCRATCH_BYTES);
    this.slots = new SlotPool(memory.buffer, slotBase, slotSize, slotCount, slotReserve);
  }

  /** An Int32Array and a Float64Array over the same bytes of the kernel's memory (a scratch area's, say). */
  views(buf: Buffer): { words: Int32Array; doubles: Float64Array } {
    return { words: new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2), doubles: new Float64Array(buf.buffer, buf.byteOffset, buf.length >> 3) };
  }

  protected write(at: number, bytes: Uint8Array): void {
    this.bytes.set(bytes, at);
  }

  /** A view of `bytes` of the kernel's memory at `at` (an alloc()ed table). */
  view(at: number, bytes: number): Buffer {
    return Buffer.from(this.bytes.buffer, at, bytes);
  }

  /** A small buffer in the kernel's memory (for bytes the kernel copies from), until released. */
  scratch(): Buffer {
    const at = this.freeScratch.pop();
    if (at === undefined) throw new Error(`more than ${SCRATCH_AREAS} row loops at once on one generator context`);
    return Buffer.from(this.bytes.buffer, at, SCRATCH_BYTES);
  }

  releaseScratch(buf: Buffer): void {
    if (buf.buffer === this.bytes.buffer && !this.freeScratch.includes(buf.byteOffset)) this.freeScratch.push(buf.byteOffset);
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
