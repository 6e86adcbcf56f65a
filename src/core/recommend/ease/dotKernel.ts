/**
 * The inner loop of the SPD inverse, the dot products of four rows with two rows over a
 * common contiguous range, in WebAssembly SIMD: two multiply-adds per instruction and no
 * bounds check per load, about three times the plain JavaScript loop (2 GFLOP/s) on the same
 * core (README.md). The module is assembled here from its bytes, so the core stays free of
 * files and build steps. Matrices above about 16,000 rows do not fit in WebAssembly's 4 GiB;
 * they take `dot42Plain`, which adds in the same order, so every size gives the same bits
 * either way.
 */

/** A WebAssembly memory: what the threads of one inverse share (a SharedArrayBuffer underneath). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

/** The part of the WebAssembly API used here: the project's type libraries (no DOM) do not declare it. */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The parts one inverse can be shared between: each has its own eight sums, on its own cache line. */
export const maxParts = 16;

/** Where part p's sums are: after L and U, at a multiple of eight doubles. */
const sumsAt = (n: number, part: number) => 8 * Math.ceil((2 * n * n) / 8) + 8 * part;

/** The matrices of one inverse in one Float64Array: L from 0, U from `u`, this part's eight sums at `sums`. */
export interface SpdWorkspace {
  readonly m: Float64Array;
  readonly n: number;
  readonly u: number;
  readonly sums: number;
  /** The WebAssembly memory behind `m`, shared between threads, or null when `m` is a plain array. */
  readonly memory: WasmMemory | null;
  /**
   * m[sums + 2a + b] = the sum over t in [0, len) of m[rowA + t] * m[rowB + t], a in 0..3 (rows
   * a0..a3), b in 0..1 (rows b0, b1): even t and odd t summed apart, then together, then the
   * last t when len is odd.
   */
  readonly dot42: (a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, len: number) => void;
}

const pageBytes = 65_536;
const maxPages = 65_536;

const leb = (value: number): number[] => {
  const out: number[] = [];
  let v = value;
  do {
    const low = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? low : low | 0x80);
  } while (v !== 0);
  return out;
};
const section = (id: number, body: readonly number[]) => [id, ...leb(body.length), ...body];
const name = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const simd = (op: number) => [0xfd, ...leb(op)];
const [v128Load, f64x2Add, f64x2Mul, f64x2ExtractLane] = [0x00, 0xf0, 0xf2, 0x21];

/**
 * (func (param a0 a1 a2 a3 b0 b1 len out i32): byte addresses; eight v128 sums (locals 8..15),
 * six loaded pairs (16..21), the end address (22). Loops over pairs of doubles, then stores
 * lane 0 + lane 1 of each sum at out; the caller adds an odd last term.
 */
function kernelModuleBytes(): Uint8Array {
  const body: number[] = [];
  body.push(...get(0), ...get(6), 0x41, 0x7e, 0x71, 0x41, 3, 0x74, 0x6a, ...set(22)); // end = a0 + (len & -2) * 8
  body.push(0x02, 0x40, 0x03, 0x40, ...get(0), ...get(22), 0x4f, 0x0d, 1); // block loop: exit when a0 >= end
  for (let t = 0; t < 6; t++) body.push(...get(t), ...simd(v128Load), 3, 0, ...set(16 + t));
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 2; b++) body.push(...get(8 + 2 * a + b), ...get(16 + a), ...get(20 + b), ...simd(f64x2Mul), ...simd(f64x2Add), ...set(8 + 2 * a + b));
  }
  for (let t = 0; t < 6; t++) body.push(...get(t), 0x41, 16, 0x6a, ...set(t));
  body.push(0x0c, 0, 0x0b, 0x0b); // br to the loop; end loop; end block
  for (let t = 0; t < 8; t++) body.push(...get(7), ...get(8 + t), ...simd(f64x2ExtractLane), 0, ...get(8 + t), ...simd(f64x2ExtractLane), 1, 0xa0, 0x39, 3, ...leb(8 * t));
  body.push(0x0b);
  const code = [2, 14, 0x7b, 1, 0x7f, ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 8, ...Array<number>(8).fill(0x7f), 0]),
    // Imports env.memory: shared, at most 4 GiB, so one module serves every thread.
    ...section(2, [1, ...name('env'), ...name('memory'), 2, 3, 0, ...leb(maxPages)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('dot42'), 0, 0]),
    ...section(10, [1, ...leb(code.length), ...code]),
  ]);
}

let compiled: object | undefined;

/**
 * The shared WebAssembly memory an n x n inverse needs, or null when it is too large (or the
 * runtime has no WebAssembly SIMD): the caller then uses plain arrays.
 */
export function spdWorkspaceMemory(n: number): WasmMemory | null {
  const pages = Math.ceil((sumsAt(n, maxParts) * 8) / pageBytes);
  if (pages > maxPages || wasm === undefined) return null;
  try {
    compiled ??= new wasm.Module(kernelModuleBytes());
    return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return null;
  }
}

/** The length of the plain array a workspace needs when there is no WebAssembly memory. */
export const spdWorkspaceLength = (n: number) => sumsAt(n, maxParts);

/**
 * Part `part`'s workspace over `memory` (from `spdWorkspaceMemory`, possibly another
 * thread's), or over `plain` (of `spdWorkspaceLength(n)` values) when it is null.
 */
export function spdWorkspace(n: number, memory: WasmMemory | null, plain?: Float64Array, part = 0): SpdWorkspace {
  if (!(part >= 0 && part < maxParts)) throw new RangeError(`spdWorkspace: part ${part} is not in [0, ${maxParts})`);
  const sums = sumsAt(n, part);
  if (memory === null || wasm === undefined) {
    const m = plain ?? new Float64Array(spdWorkspaceLength(n));
    return { m, n, u: n * n, sums, memory: null, dot42: (a0, a1, a2, a3, b0, b1, len) => dot42Plain(m, sums, a0, a1, a2, a3, b0, b1, len) };
  }
  const m = new Float64Array(memory.buffer, 0, spdWorkspaceLength(n));
  compiled ??= new wasm.Module(kernelModuleBytes());
  const kernel = new wasm.Instance(compiled, { env: { memory } }).exports['dot42'] as (...args: number[]) => void;
  return {
    m, n, u: n * n, sums, memory,
    dot42: (a0, a1, a2, a3, b0, b1, len) => {
      kernel(8 * a0, 8 * a1, 8 * a2, 8 * a3, 8 * b0, 8 * b1, len, 8 * sums);
      if (len % 2 === 1) addLastTerm(m, sums, a0, a1, a2, a3, b0, b1, len - 1);
    },
  };
}

function addLastTerm(m: Float64Array, sums: number, a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, t: number): void {
  const x0 = m[a0 + t]!, x1 = m[a1 + t]!, x2 = m[a2 + t]!, x3 = m[a3 + t]!, y0 = m[b0 + t]!, y1 = m[b1 + t]!;
  m[sums]! += x0 * y0; m[sums + 1]! += x0 * y1; m[sums + 2]! += x1 * y0; m[sums + 3]! += x1 * y1;
  m[sums + 4]! += x2 * y0; m[sums + 5]! += x2 * y1; m[sums + 6]! += x3 * y0; m[sums + 7]! += x3 * y1;
}

/** The kernel's sums in plain JavaScript, in its order: even terms (e) and odd terms (o) apart. */
function dot42Plain(m: Float64Array, sums: number, a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, len: number): void {
  let e00 = 0, e01 = 0, e10 = 0, e11 = 0, e20 = 0, e21 = 0, e30 = 0, e31 = 0;
  let o00 = 0, o01 = 0, o10 = 0, o11 = 0, o20 = 0, o21 = 0, o30 = 0, o31 = 0;
  for (let t = 0; t + 1 < len; t += 2) {
    let x0 = m[a0 + t]!, x1 = m[a1 + t]!, x2 = m[a2 + t]!, x3 = m[a3 + t]!, y0 = m[b0 + t]!, y1 = m[b1 + t]!;
    e00 += x0 * y0; e01 += x0 * y1; e10 += x1 * y0; e11 += x1 * y1;
    e20 += x2 * y0; e21 += x2 * y1; e30 += x3 * y0; e31 += x3 * y1;
    x0 = m[a0 + t + 1]!; x1 = m[a1 + t + 1]!; x2 = m[a2 + t + 1]!; x3 = m[a3 + t + 1]!; y0 = m[b0 + t + 1]!; y1 = m[b1 + t + 1]!;
    o00 += x0 * y0; o01 += x0 * y1; o10 += x1 * y0; o11 += x1 * y1;
    o20 += x2 * y0; o21 += x2 * y1; o30 += x3 * y0; o31 += x3 * y1;
  }
  m[sums] = e00 + o00; m[sums + 1] = e01 + o01; m[sums + 2] = e10 + o10; m[sums + 3] = e11 + o11;
  m[sums + 4] = e20 + o20; m[sums + 5] = e21 + o21; m[sums + 6] = e30 + o30; m[sums + 7] = e31 + o31;
  if (len % 2 === 1) addLastTerm(m, sums, a0, a1, a2, a3, b0, b1, len - 1);
}
