import { LoreError } from '../errors';

/** A unit-length copy of `v`, refusing the wrong length, NaNs and all-zero vectors with a clear message. */
export function normalised(v: Float32Array, dims: number, what: string, model: string): Float32Array {
  if (v.length !== dims) {
    throw new LoreError('BAD_INPUT', `Vector for ${what} has ${v.length} dimensions, but model "${model}" stores ${dims}.`);
  }
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  if (!Number.isFinite(s) || s === 0) {
    throw new LoreError('BAD_INPUT', `Vector for ${what} (model "${model}") is ${s === 0 ? 'all zeros' : 'not finite'}: it cannot be stored or searched.`);
  }
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

export function toFloat32(blob: Buffer, dims: number): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, dims);
  return new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + dims * 4));
}

/** 1 - cos(q, v) for a unit-length q, as sqlite-vec's vec_distance_cosine computes it. */
export function cosineDistance(q: Float32Array, blob: Buffer, dims: number): number {
  const v = toFloat32(blob, dims);
  let dot = 0;
  let nv = 0;
  for (let i = 0; i < dims; i++) {
    dot += q[i] * v[i];
    nv += v[i] * v[i];
  }
  return nv === 0 ? 1 : 1 - dot / Math.sqrt(nv);
}

/** A unit vector as int8 codes with one scale (code * scale ~ component): the rescoring copy, a quarter of the float's size. */
export function quantizeInt8(v: Float32Array): { scale: number; codes: Buffer } {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  const scale = max / 127 || 1;
  const codes = Buffer.alloc(v.length);
  for (let i = 0; i < v.length; i++) codes.writeInt8(Math.max(-127, Math.min(127, Math.round(v[i] / scale))), i);
  return { scale, codes };
}

/** 1 - cos(q, codes) for a unit-length q (the scale cancels out); within ~1e-3 of the float distance. */
export function int8CosineDistance(q: Float32Array, codes: Buffer): number {
  const c = new Int8Array(codes.buffer, codes.byteOffset, codes.length);
  let dot = 0;
  let n = 0;
  for (let i = 0; i < c.length; i++) {
    dot += q[i] * c[i];
    n += c[i] * c[i];
  }
  return n === 0 ? 1 : 1 - dot / Math.sqrt(n);
}
