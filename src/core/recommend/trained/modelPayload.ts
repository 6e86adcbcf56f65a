import { AttuneError } from '../../errors/AttuneError.js';
import { trainedModelKinds, type TrainedModel, type TrainedModelKind } from './TrainedModel.js';

/**
 * The stored form of a trained model, one byte string:
 *
 * | bytes   | what                                                                  |
 * |---------|-----------------------------------------------------------------------|
 * | 0-3     | `ATRM`                                                                |
 * | 4-7     | format version (1), little-endian u32                                 |
 * | 8-11    | header length h, little-endian u32                                    |
 * | 12-     | header: UTF-8 JSON `{ kind, itemIds, arrays: [{ name, type, length }] }` |
 * | then    | each array's bytes in header order, each starting at a multiple of 8  |
 *
 * Arrays are written as the platform holds them, little-endian on every platform Node runs
 * on (checked when decoding), so decoding is a view on the bytes, not a parse: a 2,000-item
 * EASE model (16 MB) decodes in a copy at most.
 */
const MAGIC = [0x41, 0x54, 0x52, 0x4d];
const FORMAT = 1;

type ArrayType = 'f32' | 'f64' | 'u32';
interface ArraySpec { readonly name: string; readonly type: ArrayType; readonly length: number }
interface Header { readonly kind: TrainedModelKind; readonly itemIds: readonly string[]; readonly arrays: readonly ArraySpec[] }
type NumericArray = Float32Array | Float64Array | Uint32Array;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const align = (n: number) => Math.ceil(n / 8) * 8;

function arraysOf(model: TrainedModel): [string, NumericArray][] {
  return model.kind === 'ease-norm'
    ? [['weights', model.ease.weights], ['b', model.ease.b]]
    : [['offsets', model.knn.offsets], ['neighbours', model.knn.neighbours], ['similarities', model.knn.similarities]];
}

const typeOf = (a: NumericArray): ArrayType => (a instanceof Float32Array ? 'f32' : a instanceof Float64Array ? 'f64' : 'u32');

/** @example decodeModelPayload(encodeModelPayload(model)) // the same model */
export function encodeModelPayload(model: TrainedModel): Uint8Array {
  if (!littleEndian) throw new RangeError('model payloads are little-endian; this platform is not');
  const arrays = arraysOf(model);
  const header: Header = { kind: model.kind, itemIds: model.itemIds, arrays: arrays.map(([name, a]) => ({ name, type: typeOf(a), length: a.length })) };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  let size = align(12 + headerBytes.length);
  for (const [, a] of arrays) size += align(a.byteLength);
  const out = new Uint8Array(size);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, FORMAT, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  let at = align(12 + headerBytes.length);
  for (const [, a] of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += align(a.byteLength);
  }
  return out;
}

const invalid = (detail: string) => new AttuneError('ATTUNE_MODEL_INVALID', { detail: `the stored model cannot be read: ${detail}` });

function isHeader(value: unknown): value is Header {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Record<string, unknown>;
  return trainedModelKinds.includes(h.kind as TrainedModelKind) && Array.isArray(h.itemIds) && h.itemIds.every((id) => typeof id === 'string')
    && Array.isArray(h.arrays) && h.arrays.every((a: unknown) => typeof a === 'object' && a !== null
      && typeof (a as ArraySpec).name === 'string' && ['f32', 'f64', 'u32'].includes((a as ArraySpec).type) && Number.isInteger((a as ArraySpec).length) && (a as ArraySpec).length >= 0);
}

/** The model a payload holds; ATTUNE_MODEL_INVALID when the bytes are not one (truncated, another format). */
export function decodeModelPayload(payload: Uint8Array): TrainedModel {
  if (!littleEndian) throw invalid('this platform is not little-endian');
  if (payload.length < 12 || MAGIC.some((b, i) => payload[i] !== b)) throw invalid('not a model payload');
  // Typed views need aligned offsets: a buffer handed over by a driver may start anywhere.
  const bytes = payload.byteOffset % 8 === 0 ? payload : payload.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== FORMAT) throw invalid(`format ${view.getUint32(4, true)} (this version reads ${FORMAT})`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw invalid('truncated header');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (error) {
    throw new AttuneError('ATTUNE_MODEL_INVALID', { detail: 'the stored model cannot be read: its header is not JSON', cause: error });
  }
  if (!isHeader(header)) throw invalid('its header is not a model header');
  const arrays = new Map<string, NumericArray>();
  let at = align(12 + headerLength);
  for (const spec of header.arrays) {
    const width = spec.type === 'f64' ? 8 : 4;
    if (at + spec.length * width > bytes.length) throw invalid(`array ${spec.name} is truncated`);
    const start = bytes.byteOffset + at;
    arrays.set(spec.name, spec.type === 'f32' ? new Float32Array(bytes.buffer, start, spec.length)
      : spec.type === 'f64' ? new Float64Array(bytes.buffer, start, spec.length) : new Uint32Array(bytes.buffer, start, spec.length));
    at += align(spec.length * width);
  }
  const n = header.itemIds.length;
  const get = <T extends NumericArray>(name: string, type: new (...args: never[]) => T, length?: number): T => {
    const a = arrays.get(name);
    if (!(a instanceof type) || (length !== undefined && a.length !== length)) throw invalid(`array ${name} is missing or has the wrong size`);
    return a;
  };
  if (header.kind === 'ease-norm') {
    return { kind: 'ease-norm', itemIds: header.itemIds, ease: { itemCount: n, weights: get('weights', Float64Array, n), b: get('b', Float32Array, n * n) } };
  }
  const offsets = get('offsets', Uint32Array, n + 1);
  const edges = offsets[n]!;
  return { kind: 'item-knn', itemIds: header.itemIds, knn: { itemCount: n, offsets, neighbours: get('neighbours', Uint32Array, edges), similarities: get('similarities', Float32Array, edges) } };
}
