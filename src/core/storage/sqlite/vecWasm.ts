/**
 * A WebAssembly SIMD kernel for the Hamming scan of the binary prefilter: per row, xor with the
 * query, i8x16.popcnt, add; about 4x faster than the best plain-JS popcount. Hand-assembled below
 * (no toolchain needed), validated at load; where SIMD is missing, callers keep the JS scan.
 *
 * ham(bits, q, n, w128, out): for row i in [0, n), out[i] (u16) = popcount(bits[i] xor q), where a
 * row is w128 16-byte words. Byte lanes count at most 8 per word, so w128 must stay below 32.
 */
const CODE = [
  // p = bits
  0x20, 0x00, 0x21, 0x07,
  0x02, 0x40, // block
  0x03, 0x40, // loop (rows)
  0x20, 0x05, 0x20, 0x02, 0x4f, 0x0d, 0x01, // if i >= n: break
  0xfd, 0x0c, ...new Array(16).fill(0), 0x21, 0x09, // acc = 0
  0x41, 0x00, 0x21, 0x06, // j = 0
  0x03, 0x40, // loop (words)
  0x20, 0x09, // acc
  0x20, 0x07, 0x20, 0x06, 0x41, 0x04, 0x74, 0x6a, 0xfd, 0x00, 0x00, 0x00, // v128.load(p + j*16)
  0x20, 0x01, 0x20, 0x06, 0x41, 0x04, 0x74, 0x6a, 0xfd, 0x00, 0x00, 0x00, // v128.load(q + j*16)
  0xfd, 0x51, 0xfd, 0x62, 0xfd, 0x6e, 0x21, 0x09, // acc = acc + popcnt(a ^ b)
  0x20, 0x06, 0x41, 0x01, 0x6a, 0x22, 0x06, 0x20, 0x03, 0x49, 0x0d, 0x00, // if ++j < w128: continue
  0x0b, // end loop (words)
  0x20, 0x04, 0x20, 0x05, 0x41, 0x01, 0x74, 0x6a, // address out + i*2
  0x20, 0x09, 0xfd, 0x7d, 0xfd, 0x7f, 0x21, 0x09, // acc = pairwise-widen to 4 x i32
  0x20, 0x09, 0xfd, 0x1b, 0x00,
  0x20, 0x09, 0xfd, 0x1b, 0x01, 0x6a,
  0x20, 0x09, 0xfd, 0x1b, 0x02, 0x6a,
  0x20, 0x09, 0xfd, 0x1b, 0x03, 0x6a, // sum of lanes
  0x3b, 0x01, 0x00, // i32.store16
  0x20, 0x07, 0x20, 0x03, 0x41, 0x04, 0x74, 0x6a, 0x21, 0x07, // p += w128*16
  0x20, 0x05, 0x41, 0x01, 0x6a, 0x21, 0x05, // i++
  0x0c, 0x00, // continue rows
  0x0b, // end loop
  0x0b, // end block
  0x0b, // end function
];

function section(id: number, bytes: number[]): number[] {
  return [id, ...leb(bytes.length), ...bytes];
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const name = (s: string) => [s.length, ...Buffer.from(s)];
const body = [0x02, 0x04, 0x7f, 0x01, 0x7b, ...CODE]; // locals: 4 x i32 (i, j, p, unused), 1 x v128 (acc)
const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
  ...section(2, [0x01, ...name('env'), ...name('mem'), 0x02, 0x00, 0x01]),
  ...section(3, [0x01, 0x00]),
  ...section(7, [0x01, ...name('ham'), 0x00, 0x00]),
  ...section(10, [0x01, ...leb(body.length), ...body]),
]);

/** The few WebAssembly APIs used (this project's TypeScript lib has no DOM types). */
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const QUERY_BYTES = 1024;
const PAGE = 65536;

/** Hamming distances of every row to the query, computed in WebAssembly memory mirroring the rows. */
export class WasmHamming {
  private readonly memory: WasmMemory;
  private readonly ham: (bits: number, q: number, n: number, w128: number, out: number) => void;
  private mirrored = -1;

  private constructor(api: WasmApi) {
    this.memory = new api.Memory({ initial: 1 });
    const instance = new api.Instance(new api.Module(MODULE), { env: { mem: this.memory } });
    this.ham = instance.exports.ham as WasmHamming['ham'];
  }

  /** undefined when this runtime has no WebAssembly SIMD (the caller keeps its JS scan). */
  static create(): WasmHamming | undefined {
    try {
      return wasm?.validate(MODULE) ? new WasmHamming(wasm) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Marks the mirrored rows out of date (rows were added, moved or removed). */
  invalidate(): void {
    this.mirrored = -1;
  }

  /** dist[i] = Hamming distance of row i (words 32-bit words each, a multiple of 4) to q. */
  run(bits: Uint32Array, n: number, words: number, q: Uint32Array, dist: Uint16Array): void {
    const rowBytes = words * 4;
    const outAt = QUERY_BYTES + n * rowBytes;
    const need = outAt + n * 2;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
      this.mirrored = -1;
    }
    if (this.mirrored !== n) {
      new Uint32Array(this.memory.buffer, QUERY_BYTES, n * words).set(bits.subarray(0, n * words));
      this.mirrored = n;
    }
    new Uint32Array(this.memory.buffer, 0, words).set(q);
    this.ham(QUERY_BYTES, 0, n, words / 4, outAt);
    dist.set(new Uint16Array(this.memory.buffer, outAt, n));
  }
}
