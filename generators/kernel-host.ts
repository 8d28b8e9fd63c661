/**
 * The row kernel's host: generators/wasm/row-kernel.wasm instantiated over its own fixed memory, which
 * holds the kernel's tables, the pre-encoded text and lookup tables the row loops read (an
 * arena, addressed by offset), the user cache, small scratch areas (a session's prefix
 * and message-loop state) and the output slots its writers fill. JS and WebAssembly write
 * into the same buffers: a writer over a slot is an ordinary CopyWriter whose `base` gives
 * the address. The memory never grows (growing would detach every Buffer over it), so
 * everything is sized when the kernel is made; untouched pages cost no RSS. The layout
 * both sides share, and a call with named fields per export, are in kernel-layout.ts
 * (generated from kernel-spec.mjs).
 *
 * Why: on two cores every CPU-second the generator spends is taken from Postgres, and a
 * row's byte work costs about half as much in the kernel as in JS (TypedArray.set has a
 * fixed cost per call that memory.copy does not; docs/performance.md has the figures).
 */
import { readFileSync } from 'node:fs';
import { SlotPool } from './buffer-pool.ts';
import { ARENA_START, EXPORT_PARAMS, KernelCalls, type KernelExports, SCRATCH_BYTES } from './kernel-layout.ts';

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

let compiled: object | undefined;

function kernelModule(): object {
  compiled ??= new WebAssembly.Module(readFileSync(new URL('./wasm/row-kernel.wasm', import.meta.url)));
  return compiled;
}

const PAGE = 65536;
const SCRATCH_AREAS = 256;

/** Byte strings copied into the arena: where each starts and how long it is, by index. */
export interface ArenaTable {
  at: Int32Array;
  len: Int32Array;
}

/**
 * The arena's layout, in one place for both passes over it: an ArenaSizer follows the
 * same calls to measure what a RowKernel, made that size, then fills.
 */
export abstract class ArenaLayout {
  protected top = ARENA_START;
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
    return this.top - ARENA_START;
  }
}

/** A row kernel: its memory, its arena, its output slots and scratch areas, and its exports called by name. */
export class RowKernel extends ArenaLayout {
  /** The kernel's exports, each called with one object of named fields. */
  readonly calls: KernelCalls;
  readonly slots: SlotPool;
  private readonly bytes: Buffer;
  protected readonly arenaEnd: number;
  private readonly freeScratch: number[] = [];

  /**
   * @param arenaBytes room for the arena: what an ArenaSizer measured for the same calls
   * @param slotSize bytes of each output slot
   * @param slotCount output slots
   * @param slotReserve slots kept for writers (SlotPool): the most row loops at once
   * @param lognormalTail what the kernel calls for a log-normal draw in a table's tails (generators/wasm/row-kernel.ts)
   */
  constructor(arenaBytes: number, slotSize: number, slotCount: number, slotReserve: number, lognormalTail: (which: number, u: number) => number = () => NaN) {
    super();
    const arenaEnd = ARENA_START + arenaBytes;
    const scratchStart = align(arenaEnd, 64);
    const scratchEnd = scratchStart + SCRATCH_AREAS * SCRATCH_BYTES;
    const slotBase = align(scratchEnd, PAGE);
    const pages = Math.ceil((slotBase + slotSize * slotCount) / PAGE);
    // Addresses come back from WebAssembly as signed int32: the memory must stay below 2 GiB.
    if (pages * PAGE >= 2 ** 31) throw new Error(`a row kernel of ${pages * PAGE} bytes is over 2 GiB (fewer or smaller slots)`);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const x = new WebAssembly.Instance(kernelModule(), { env: { memory, lognormalTail } }).exports as unknown as KernelExports;
    checkExports(x);
    x.init();
    this.calls = new KernelCalls(x);
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

/** The binary is the one the layout was generated with: its arena start and every export's arity. */
export function checkExports(x: KernelExports): void {
  const stale = 'generators/wasm/row-kernel.wasm does not match generators/kernel-layout.ts: run npm run build:wasm';
  if (x.DATA_START.value !== ARENA_START) throw new Error(`${stale} (its arena starts at ${x.DATA_START.value}, the layout says ${ARENA_START})`);
  for (const [name, params] of Object.entries(EXPORT_PARAMS)) {
    const fn = (x as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function' || fn.length !== params.length) throw new Error(`${stale} (export ${name} should take ${params.length} arguments)`);
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
