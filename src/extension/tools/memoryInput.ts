// The memory tools' input (lore_remember, lore_recall), checked with messages written for the
// model so it can correct its call. No 'vscode' import.

import { checkKey, checkNamespace, checkPrefix, checkType, type MemoryType, parseTtl } from '../../core/memory/types';
import { obj, optString as str, ToolInputError } from './format';

export interface RememberInput {
  namespace: string;
  key: string;
  value: string;
  /** Absent: as the key had it, else semantic. */
  type?: MemoryType;
  ttlMs?: number;
}

export interface RecallInput {
  /** Both given: that one memory. Otherwise a search (query) or a listing (prefix). */
  namespace?: string;
  key?: string;
  query?: string;
  prefix?: string;
}

/** Runs a core check, its message becoming the tool's. */
function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ToolInputError((err as Error).message);
  }
}

export function parseRememberInput(raw: unknown): RememberInput {
  const o = obj(raw);
  const namespace = str(o, 'namespace');
  const key = str(o, 'key');
  const value = str(o, 'value');
  if (!namespace) throw new ToolInputError('"namespace" is required: where to keep it, e.g. "project:<name>" or "user:prefs".');
  if (!key) throw new ToolInputError('"key" is required: a short name for the memory, e.g. "staging-db".');
  if (!value) throw new ToolInputError('"value" is required: what to remember, in a sentence.');
  const given = str(o, 'type');
  const type = given === undefined ? undefined : checked(() => checkType(given));
  const ttl = str(o, 'ttl');
  if (ttl && type !== 'episodic') throw new ToolInputError('"ttl" is for episodic memories only: set "type": "episodic" or leave "ttl" out.');
  return { namespace: checked(() => checkNamespace(namespace)), key: checked(() => checkKey(key)), value, type, ttlMs: ttl ? checked(() => parseTtl(ttl)) : undefined };
}

export function parseRecallInput(raw: unknown): RecallInput {
  const o = raw === undefined || raw === null ? {} : obj(raw);
  const namespace = str(o, 'namespace');
  const key = str(o, 'key');
  const query = str(o, 'query');
  if (key && !namespace) throw new ToolInputError('"key" needs its "namespace".');
  if (namespace && key) return { namespace: checked(() => checkNamespace(namespace)), key: checked(() => checkKey(key)) };
  return { query, prefix: checked(() => checkPrefix(str(o, 'prefix') ?? namespace)) || undefined };
}

export function describeRemember(i: RememberInput): string {
  const v = i.value.length > 200 ? `${i.value.slice(0, 199)}…` : i.value;
  return `Remember as ${i.namespace} ${i.key} (${i.type ?? 'semantic'}${i.ttlMs ? `, for ${Math.round(i.ttlMs / 3_600_000)} h` : ''}): "${v}"`;
}
