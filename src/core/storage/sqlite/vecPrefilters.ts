import type { Database } from 'better-sqlite3';
import { Turns } from '../../turns';
import { BitIndex } from './vecBits';
import type { SpaceRow, VectorsWritten } from './vecTypes';

/**
 * The spaces' in-memory prefilters (vecBits.ts), one per vec0 table, each at the space's version
 * it reflects: a change this connection makes, or the writer process reports, updates one in
 * place; a change it did not hear of leaves it behind, and the next search loads it again.
 */
export class Prefilters {
  private readonly byTable = new Map<string, BitIndex>();

  constructor(private readonly db: Database) {}

  /** The space's prefilter at its current version, loaded in one piece when missing or behind. */
  of(s: SpaceRow): BitIndex {
    let index = this.byTable.get(s.table);
    if (index && index.version === s.version) return index;
    index = BitIndex.loadFromShadow(this.db, s.table, s.dims, s.version, 1) ?? BitIndex.loadByScan(this.db, s.table, s.dims, s.version);
    this.byTable.set(s.table, index);
    return index;
  }

  /**
   * Loads a space's prefilter in pieces, giving the thread its turns (the first search after
   * opening would otherwise load it in one piece). Kept only if the space is still at the version
   * it was loaded at (`versionNow`); else the search loads it as before.
   */
  async prepare(s: SpaceRow, versionNow: () => number | undefined): Promise<void> {
    const current = this.byTable.get(s.table);
    if (current && current.version === s.version) return;
    const index = await BitIndex.loadFromShadowInTurns(this.db, s.table, s.dims, s.version, 1, new Turns());
    if (index && versionNow() === s.version) this.byTable.set(s.table, index);
  }

  /** A write of vectors (on this connection or the writer process's); a prefilter that missed another change is dropped. */
  noteWritten({ table, before, written }: VectorsWritten): void {
    const index = this.byTable.get(table);
    if (!index || !written.length) return;
    if (index.version !== before) {
      this.byTable.delete(table);
      return;
    }
    for (const w of written) if (w.bits) index.set(w.id, w.bits);
    index.version = before + 1;
  }

  /** Vectors deleted from a space that was at version `before`. */
  noteDeleted(table: string, ids: number[], before: number): void {
    const index = this.byTable.get(table);
    if (!index || !ids.length) return;
    for (const id of ids) index.delete(id);
    if (index.version === before) index.version = before + 1;
    else this.byTable.delete(table);
  }

  /** Rows moved within a space at `version` (same ids, same vectors): a prefilter that was current still is. */
  noteMoved(table: string, version: number): void {
    const index = this.byTable.get(table);
    if (index && index.version === version) index.version = version + 1;
  }

  drop(table: string): void {
    this.byTable.delete(table);
  }
}
