/**
 * Front matter (YAML `---` or TOML `+++`) -> JSON-safe metadata, plus the title and type it declares.
 * Never throws: problems become warnings and the metadata degrades to what could be read.
 */

import { parseDocument } from 'yaml';
import { documentTypeFromTag } from './docInfo';

export interface FrontMatterResult {
  metadata: Record<string, unknown>;
  warnings: string[];
}

/**
 * Reads a front matter block. `value` is the text between the fences; `fenceLine` is the
 * 1-based file line of the opening fence (so the first value line is fenceLine + 1).
 */
export function readFrontMatter(kind: 'yaml' | 'toml', value: string, fenceLine: number): FrontMatterResult {
  try {
    return kind === 'yaml' ? readYaml(value, fenceLine) : readToml(value, fenceLine);
  } catch (err) {
    return { metadata: {}, warnings: [`front matter could not be read: ${message(err)}`] };
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function lineOfOffset(text: string, offset: number): number {
  let line = 0;
  const re = /\r\n|\r|\n/g;
  while (re.exec(text) && re.lastIndex <= offset) line++;
  return line;
}

function readYaml(value: string, fenceLine: number): FrontMatterResult {
  if (value.trim() === '') return { metadata: {}, warnings: [] };
  const doc = parseDocument(value, { prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = fenceLine + 1 + lineOfOffset(value, err.pos[0]);
    const text = err.message.split('\n')[0];
    return { metadata: {}, warnings: [`front matter is not valid YAML: ${text} (line ${line})`] };
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (data === null || data === undefined) return { metadata: {}, warnings: [] };
  const safe = toJsonSafe(data);
  if (typeof safe !== 'object' || safe === null || Array.isArray(safe)) {
    return { metadata: {}, warnings: [`front matter is not a mapping of keys to values (line ${fenceLine})`] };
  }
  return { metadata: safe as Record<string, unknown>, warnings: [] };
}

/** Converts any parsed value to plain JSON data: Dates -> ISO strings, functions/undefined dropped. */
export function toJsonSafe(value: unknown, depth = 0, seen: object[] = []): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'object':
      break;
    default:
      return undefined; // functions, symbols, undefined
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (depth > 64 || seen.includes(value)) return null;
  seen.push(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      return Array.from(value as Iterable<unknown>, (v) => {
        const safe = toJsonSafe(v, depth + 1, seen);
        return safe === undefined ? null : safe;
      });
    }
    const entries: Array<[string, unknown]> =
      value instanceof Map ? Array.from(value, ([k, v]) => [String(k), v]) : Object.entries(value);
    const out: Array<[string, unknown]> = [];
    for (const [k, v] of entries) {
      const safe = toJsonSafe(v, depth + 1, seen);
      if (safe !== undefined) out.push([k, safe]);
    }
    return Object.fromEntries(out); // defines "__proto__" as a plain own key
  } finally {
    seen.pop();
  }
}

// ---------------------------------------------------------------- TOML (minimal)

type Table = Record<string, unknown>;

/**
 * A deliberately small TOML reader: `key = value` with strings, numbers, booleans, dates (kept as
 * strings) and arrays of those (also spread over several lines), plus `[table]` headers.
 * Anything else is skipped with a warning.
 */
function readToml(value: string, fenceLine: number): FrontMatterResult {
  const root: Table = {};
  const warnings: string[] = [];
  let table: Table | undefined = root;
  const lines = value.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = fenceLine + 1 + i;
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(?:#.*)?$/.exec(line);
    if (header) {
      table = descend(root, header[1].split('.'));
      if (!table) warnings.push(`front matter (TOML): table [${header[1]}] conflicts with a value (line ${lineNo})`);
      continue;
    }
    if (line.startsWith('[[')) {
      warnings.push(`front matter (TOML): arrays of tables are not supported, skipped (line ${lineNo})`);
      table = undefined;
      continue;
    }
    const kv = /^([A-Za-z0-9_.-]+|"[^"]*"|'[^']*')\s*=\s*(.*)$/.exec(line);
    if (!kv) {
      warnings.push(`front matter (TOML): could not read line ${lineNo}`);
      continue;
    }
    let raw = kv[2];
    // Multi-line arrays: keep reading lines until the brackets balance.
    if (raw.startsWith('[')) {
      while (!bracketsBalanced(raw) && i + 1 < lines.length) raw += '\n' + lines[++i];
    }
    if (!table) continue;
    const parsed = parseTomlValue(raw);
    const key = kv[1];
    if (parsed === undefined) {
      warnings.push(`front matter (TOML): value of "${key}" is not supported, skipped (line ${lineNo})`);
      continue;
    }
    const path = /^["']/.test(key) ? [key.slice(1, -1)] : key.split('.');
    const target = descend(table, path.slice(0, -1));
    if (target) setOwn(target, path[path.length - 1], parsed);
  }
  return { metadata: toJsonSafe(root) as Record<string, unknown>, warnings };
}

function descend(from: Table, path: string[]): Table | undefined {
  let t = from;
  for (const part of path) {
    if (!Object.prototype.hasOwnProperty.call(t, part)) setOwn(t, part, {});
    const next = t[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return undefined;
    t = next as Table;
  }
  return t;
}

/** Assigns an own, enumerable key (safe for "__proto__"). */
function setOwn(t: Table, key: string, value: unknown): void {
  Object.defineProperty(t, key, { value, enumerable: true, writable: true, configurable: true });
}

function bracketsBalanced(raw: string): boolean {
  let depth = 0;
  let quote = '';
  for (const ch of raw) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === '#') break;
  }
  return depth <= 0;
}

/** Parses one TOML value (with an optional trailing comment); undefined when unsupported. */
function parseTomlValue(raw: string): unknown {
  const items = scanValues(raw.trim());
  if (!items || items.rest.replace(/#.*$/s, '').trim() !== '') return undefined;
  return items.value;
}

interface Scan {
  value: unknown;
  rest: string;
}

function scanValues(s: string): Scan | undefined {
  if (s.startsWith('"""') || s.startsWith("'''") || s.startsWith('{')) return undefined;
  if (s.startsWith('"')) {
    const m = /^"((?:[^"\\\n]|\\.)*)"/.exec(s);
    if (!m) return undefined;
    let value: string;
    try {
      value = JSON.parse(`"${m[1].replace(/\\U([0-9a-fA-F]{8})/g, (_, h: string) => jsonEscape(h))}"`) as string;
    } catch {
      value = m[1];
    }
    return { value, rest: s.slice(m[0].length) };
  }
  if (s.startsWith("'")) {
    const m = /^'([^'\n]*)'/.exec(s);
    return m ? { value: m[1], rest: s.slice(m[0].length) } : undefined;
  }
  if (s.startsWith('[')) {
    const out: unknown[] = [];
    let rest = s.slice(1);
    for (;;) {
      rest = rest.replace(/^(?:\s|#[^\n]*)*/, '');
      if (rest.startsWith(']')) return { value: out, rest: rest.slice(1) };
      const item = scanValues(rest);
      if (!item) return undefined;
      out.push(item.value);
      rest = item.rest.replace(/^(?:\s|#[^\n]*)*/, '');
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith(']')) return undefined;
    }
  }
  const bare = /^[^\s,\]#]+(?: [0-9:.+\-Z]+)?/.exec(s);
  if (!bare) return undefined;
  const token = bare[0];
  const rest = s.slice(token.length);
  if (token === 'true' || token === 'false') return { value: token === 'true', rest };
  if (/^[+-]?(?:\d[\d_]*)(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?$/.test(token)) {
    return { value: Number(token.replace(/_/g, '')), rest };
  }
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?$/.test(token)) return { value: token, rest };
  if (/^\d{2}:\d{2}:\d{2}(?:\.\d+)?$/.test(token)) return { value: token, rest };
  return undefined;
}

function jsonEscape(hex: string): string {
  const cp = parseInt(hex, 16);
  if (cp > 0x10ffff) return '\\uFFFD';
  const s = String.fromCodePoint(cp);
  return Array.from({ length: s.length }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
}

// ---------------------------------------------------------------- title and type

/** The front matter title when it is a non-empty string (or number), trimmed. */
export function titleFromMetadata(metadata: Record<string, unknown>): string | undefined {
  const t = metadata.title;
  if (typeof t === 'number' && Number.isFinite(t)) return String(t);
  if (typeof t !== 'string') return undefined;
  const trimmed = t.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The declared type: `type` (lowercased, trimmed, kept as written), else the first tag naming a known type. */
export function typeFromMetadata(metadata: Record<string, unknown>): string | undefined {
  const declared = metadata.type;
  if (typeof declared === 'string' && declared.trim() !== '') return declared.trim().toLowerCase();
  for (const key of ['tags', 'tag']) {
    const raw = metadata[key];
    const tags = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[,\s]+/) : [];
    for (const tag of tags) {
      if (typeof tag !== 'string') continue;
      const type = documentTypeFromTag(tag);
      if (type) return type;
    }
  }
  return undefined;
}
