/**
 * Memories as an assistant or a terminal reads them, the same in every host (MCP, LM tools, chat):
 * where it is kept, which version, who wrote it and when, then the value.
 */
import type { MemoryEntry, MemoryHit } from './types';

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The value as text: a string as it is, anything else as JSON. */
export const memoryValueText = (e: Pick<MemoryEntry, 'value'>) => (typeof e.value === 'string' ? e.value : JSON.stringify(e.value));

/** "project:ops staging-db (v3, semantic, updated 2026-12-02T10:00:00Z by alice)". */
export function memoryLabel(e: MemoryEntry): string {
  const by = e.updatedBy ? ` by ${e.updatedBy}` : '';
  const until = e.expiresAt ? `, expires ${iso(e.expiresAt)}` : '';
  return `${e.namespace} ${e.key} (v${e.version}, ${e.type}${e.deleted ? ', forgotten' : ''}, updated ${iso(e.updatedAt)}${by}${until})`;
}

export function formatMemory(e: MemoryEntry): string {
  return `${memoryLabel(e)}:\n${memoryValueText(e)}`;
}

/** The memories a search found, for the top of an answer's context ('' when none). */
export function formatMemoryHits(hits: MemoryHit[] | undefined): string {
  if (!hits?.length) return '';
  return [`${hits.length} remembered fact(s) match (durable memory; cite as memory namespace key):`, ...hits.map((h) => `- ${formatMemory(h.entry).replace(/\n/, ' ')}`)].join('\n');
}

export function formatMemoryList(entries: MemoryEntry[], prefix: string | undefined): string {
  if (!entries.length) return `No memories${prefix ? ` in ${prefix}` : ''}.`;
  return [`${entries.length} memor${entries.length === 1 ? 'y' : 'ies'}${prefix ? ` in ${prefix}` : ''}:`, ...entries.map((e) => `- ${formatMemory(e).replace(/\n/, ' ')}`)].join('\n');
}

/** Why a recall found nothing, from the key's newest version (undefined: never remembered): "… was forgotten (version 3)", "… expired (version 2)". */
export function notRecalled(namespace: string, key: string, last: MemoryEntry | undefined, now = Date.now()): string {
  if (!last) return `Nothing is remembered as ${namespace} ${key}`;
  const how = last.expiresAt !== undefined && last.expiresAt <= now ? 'expired' : 'was forgotten';
  return `${last.namespace} ${last.key} ${how} (version ${last.version})`;
}
