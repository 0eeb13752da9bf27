import type { Database, Statement } from 'better-sqlite3';
import type { Turns } from '../../turns';
import { WasmHamming } from './vecWasm';

/**
 * The binary-quantised prefilter of a vector space, held in memory: one sign bit per dimension
 * (the layout of sqlite-vec's vec_quantize_binary: bit i is set when v[i] > 0, least significant
 * bit first within each byte). sqlite-vec 0.1.9's own KNN over a bit column costs O(rows x k)
 * (about 12 ms at 100K rows for k = 100, 150 ms for k = 1000), while this scan is a fixed ~4 ms
 * at 100K x 768 for any number of candidates, and can skip rows outside a filter so filters
 * never starve the candidate list.
 */
export class BitIndex {
  /** 32-bit words per vector (dims / 32, rounded up to a multiple of 4: whole 128-bit lanes; padding bits stay 0 on both sides). */
  readonly words: number;
  private ids: Float64Array;
  private bits: Uint32Array;
  private n = 0;
  private readonly slotOf = new Map<number, number>();
  private readonly kernel: WasmHamming | undefined;

  constructor(
    readonly dims: number,
    /** The space version this index reflects (vector_spaces.version). */
    public version: number,
    capacity = 1024,
    useWasm = true,
  ) {
    this.words = Math.ceil(dims / 128) * 4;
    // The SIMD kernel (when the runtime has it) counts per byte lane: up to 31 lanes (3968 dims).
    this.kernel = this.words / 4 < 32 && useWasm ? WasmHamming.create() : undefined;
    this.ids = new Float64Array(capacity);
    this.bits = new Uint32Array(capacity * this.words);
  }

  get size(): number {
    return this.n;
  }

  /** The packed sign bits of a float vector, as bytes in vec_quantize_binary's layout. */
  static quantize(v: Float32Array): Buffer {
    const out = Buffer.alloc(Math.ceil(v.length / 8));
    for (let i = 0; i < v.length; i++) if (v[i] > 0) out[i >> 3] |= 1 << (i & 7);
    return out;
  }

  private wordsOf(bytes: Uint8Array, offset: number, into: Uint32Array, at: number): void {
    const nbytes = Math.ceil(this.dims / 8);
    for (let w = 0; w < this.words; w++) {
      let x = 0;
      for (let b = 0; b < 4; b++) {
        const i = w * 4 + b;
        if (i < nbytes) x |= bytes[offset + i] << (8 * b);
      }
      into[at + w] = x >>> 0;
    }
  }

  /** Adds or replaces one vector's bits (`bytes` as made by quantize). */
  set(id: number, bytes: Uint8Array, offset = 0): void {
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      if (this.n === this.ids.length) this.grow();
      slot = this.n++;
      this.slotOf.set(id, slot);
      this.ids[slot] = id;
    }
    this.wordsOf(bytes, offset, this.bits, slot * this.words);
    this.kernel?.invalidate();
  }

  delete(id: number): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.kernel?.invalidate();
    const last = --this.n;
    if (slot !== last) {
      const moved = this.ids[last];
      this.ids[slot] = moved;
      this.slotOf.set(moved, slot);
      this.bits.copyWithin(slot * this.words, last * this.words, (last + 1) * this.words);
    }
  }

  private grow(): void {
    const ids = new Float64Array(this.ids.length * 2);
    ids.set(this.ids);
    const bits = new Uint32Array(ids.length * this.words);
    bits.set(this.bits);
    this.ids = ids;
    this.bits = bits;
  }

  /**
   * About `m` candidates nearest to `query`, among `allowed` when given, never any in `excluded`:
   * a Hamming scan keeps the nearest `pool` (ties at the cut included), then an asymmetric score
   * (the float query against each candidate's signs, which ranks far better than Hamming) keeps `m`.
   */
  nearest(query: Float32Array, m: number, allowed?: Set<number>, excluded?: Set<number>, pool = Math.max(10 * m, 2000)): number[] {
    return this.refine(query, this.hamming(query, pool, allowed, excluded), m);
  }

  /**
   * nearest() with a turn for the thread between its two passes (each 10-30 ms at 100,000 vectors).
   * Vectors written meanwhile may leave a candidate out or in: the caller scores them exactly.
   */
  async nearestInTurns(query: Float32Array, m: number, turns: Turns, allowed?: Set<number>, excluded?: Set<number>, pool = Math.max(10 * m, 2000)): Promise<number[]> {
    const wide = this.hamming(query, pool, allowed, excluded);
    if (turns.due()) await turns.take();
    return this.refine(query, wide.filter((slot) => slot < this.n), m);
  }

  /** The `m` of the Hamming pool's slots nearest by the query's components over their sign bits, as ids. */
  private refine(query: Float32Array, wide: number[], m: number): number[] {
    if (wide.length <= m) return wide.map((s) => this.ids[s]);
    // lut[b * 256 + x]: the sum of the query's components whose sign bit is set in byte value x of byte b.
    const nbytes = this.words * 4;
    const lut = new Float32Array(nbytes * 256);
    for (let b = 0; b < nbytes; b++) {
      const o = b * 256;
      for (let x = 1; x < 256; x++) {
        const low = 31 - Math.clz32(x & -x);
        const d = b * 8 + low;
        lut[o + x] = lut[o + (x & (x - 1))] + (d < query.length ? query[d] : 0);
      }
    }
    const W = this.words;
    const bits = this.bits;
    const score = new Float64Array(wide.length);
    for (let j = 0; j < wide.length; j++) {
      const o = wide[j] * W;
      let t = 0;
      for (let w = 0; w < W; w++) {
        const x = bits[o + w];
        const base = w * 1024;
        t += lut[base + (x & 255)] + lut[base + 256 + ((x >>> 8) & 255)] + lut[base + 512 + ((x >>> 16) & 255)] + lut[base + 768 + (x >>> 24)];
      }
      score[j] = t;
    }
    const cut = Float64Array.from(score).sort()[wide.length - m];
    const out: number[] = [];
    for (let j = 0; j < wide.length; j++) if (score[j] >= cut) out.push(this.ids[wide[j]]);
    return out;
  }

  private mark(keep: Uint8Array, id: number, v: number): void {
    const s = this.slotOf.get(id);
    if (s !== undefined) keep[s] = v;
  }

  /** Slots of the `m` vectors nearest by Hamming distance (ties at the cut all included). */
  private hamming(query: Float32Array, m: number, allowed?: Set<number>, excluded?: Set<number>): number[] {
    const q = new Uint32Array(this.words);
    this.wordsOf(BitIndex.quantize(query), 0, q, 0);
    const W = this.words;
    const bits = this.bits;
    const skip = 0xffff;
    // Slots to score: every slot, or (a small filter) only the allowed ones.
    let slots: Int32Array | undefined;
    if (allowed && allowed.size < this.n / 4) {
      slots = new Int32Array(allowed.size);
      let j = 0;
      for (const id of allowed) {
        const s = this.slotOf.get(id);
        if (s !== undefined && !excluded?.has(id)) slots[j++] = s;
      }
      slots = slots.subarray(0, j);
    }
    const count = slots ? slots.length : this.n;
    // A full scan with a filter: which slots count, from the (smaller) id sets rather than a Set look-up per row.
    let keep: Uint8Array | undefined;
    if (!slots && (allowed || excluded?.size)) {
      keep = new Uint8Array(count);
      if (allowed) for (const id of allowed) this.mark(keep, id, 1);
      else keep.fill(1);
      if (excluded) for (const id of excluded) this.mark(keep, id, 0);
    }
    const dist = new Uint16Array(count);
    const hist = new Uint32Array(this.dims + 2);
    if (!slots && this.kernel) {
      this.kernel.run(bits, count, W, q, dist);
      for (let j = 0; j < count; j++) {
        if (keep && !keep[j]) dist[j] = skip;
        else hist[dist[j]]++;
      }
    } else for (let j = 0; j < count; j++) {
      const s = slots ? slots[j] : j;
      if (keep && !keep[s]) {
        dist[j] = skip;
        continue;
      }
      let d = 0;
      const o = s * W;
      for (let w = 0; w < W; w += 2) {
        // SWAR popcount of two words at once (byte counts of both fit in a byte until the final multiply).
        let x = bits[o + w] ^ q[w];
        let y = bits[o + w + 1] ^ q[w + 1];
        x -= (x >>> 1) & 0x55555555;
        y -= (y >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        y = (y & 0x33333333) + ((y >>> 2) & 0x33333333);
        x = (x + (x >>> 4)) & 0x0f0f0f0f;
        y = (y + (y >>> 4)) & 0x0f0f0f0f;
        d += Math.imul(x + y, 0x01010101) >>> 24;
      }
      dist[j] = d;
      hist[d]++;
    }
    let threshold = 0;
    for (let acc = 0; threshold <= this.dims; threshold++) {
      acc += hist[threshold];
      if (acc >= m) break;
    }
    const out: number[] = [];
    for (let j = 0; j < count; j++) {
      if (dist[j] <= threshold) out.push(slots ? slots[j] : j);
    }
    return out;
  }

  /**
   * Reads a space's bit column straight from sqlite-vec 0.1.9's shadow tables (one row per chunk
   * of `chunk_size` vectors: a validity bitmap, the int64 row ids, and the packed vectors), which
   * takes a few ms at 100K rows where a `SELECT` through the virtual table takes ~260 ms.
   * Returns undefined when the layout is not the one expected (then the caller scans instead).
   */
  static loadFromShadow(db: Database, table: string, dims: number, version: number, bitColumn: number): BitIndex | undefined {
    let rows: ShadowRow[];
    try {
      rows = db.prepare(shadowSql(table, bitColumn)).all(-1, -1) as ShadowRow[]; // LIMIT -1: every chunk
    } catch {
      return undefined;
    }
    const index = new BitIndex(dims, version, Math.max(1024, rows.reduce((s, r) => s + r.size, 0)));
    return index.fill(rows) ? index : undefined;
  }

  /**
   * loadFromShadow() a few chunks at a time, with turns of the event loop between: ~100 ms at
   * 100K vectors in the editor's extension host that was one piece. The caller checks that the
   * space's version did not move meanwhile.
   */
  static async loadFromShadowInTurns(db: Database, table: string, dims: number, version: number, bitColumn: number, turns: Turns): Promise<BitIndex | undefined> {
    let total: number;
    let page: Statement;
    try {
      total = db.prepare(`SELECT coalesce(sum(size), 0) FROM "${table}_chunks"`).pluck().get() as number;
      page = db.prepare(shadowSql(table, bitColumn));
    } catch {
      return undefined;
    }
    const index = new BitIndex(dims, version, Math.max(1024, total));
    for (let after = -1; ; ) {
      if (turns.due()) await turns.take();
      const rows = page.all(after, PAGE_CHUNKS) as ShadowRow[];
      if (rows.length && !index.fill(rows)) return undefined;
      if (rows.length < PAGE_CHUNKS) return index;
      after = rows[rows.length - 1].chunkId;
    }
  }

  /** Copies shadow rows' live vectors in; false when their layout is not the one expected (or they outgrow the capacity). */
  private fill(rows: ShadowRow[]): boolean {
    const bytesPer = Math.ceil(this.dims / 8);
    const bytes = new Uint8Array(this.bits.buffer);
    const rowBytes = this.words * 4;
    for (const r of rows) {
      if (r.rowids.length !== r.size * 8 || r.vectors.length !== r.size * bytesPer || r.validity.length * 8 < r.size) return false;
      if (this.n + r.size > this.ids.length) return false;
      const rowids = new BigInt64Array(Uint8Array.prototype.slice.call(r.rowids).buffer);
      for (let i = 0; i < r.size; i++) {
        if (!(r.validity[i >> 3] & (1 << (i & 7)))) continue;
        // Straight byte copy: the words are little-endian, as wordsOf packs them.
        const slot = this.n++;
        const id = Number(rowids[i]);
        this.ids[slot] = id;
        this.slotOf.set(id, slot);
        bytes.set(r.vectors.subarray(i * bytesPer, (i + 1) * bytesPer), slot * rowBytes);
      }
    }
    this.kernel?.invalidate();
    return true;
  }

  /** The slow but layout-independent way: through the virtual table. */
  static loadByScan(db: Database, table: string, dims: number, version: number): BitIndex {
    const index = new BitIndex(dims, version);
    const rows = db.prepare(`SELECT chunk_id, bits FROM "${table}"`).raw().iterate() as IterableIterator<[number | bigint, Buffer]>;
    for (const [id, bits] of rows) index.set(Number(id), bits);
    return index;
  }
}

/** Shadow chunks (64 vectors each) read at once when loading in turns: 4,096 vectors, a few ms. */
const PAGE_CHUNKS = 64;

type ShadowRow = { chunkId: number; size: number; validity: Buffer; rowids: Buffer; vectors: Buffer };

/** sqlite-vec 0.1.9's chunks of one space with their packed bit column, after a chunk id, at most a number of them. */
function shadowSql(table: string, bitColumn: number): string {
  const col = String(bitColumn).padStart(2, '0');
  return `SELECT c.chunk_id AS chunkId, c.size AS size, c.validity AS validity, c.rowids AS rowids, v.vectors AS vectors
    FROM "${table}_chunks" c JOIN "${table}_vector_chunks${col}" v ON v.rowid = c.chunk_id
    WHERE c.chunk_id > ? ORDER BY c.chunk_id LIMIT ?`;
}
