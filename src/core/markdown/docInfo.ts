/**
 * Facts about a document that come from its path alone: the fallback title and the inferred
 * document type. Pure string work, no I/O.
 */

import { DOCUMENT_TYPES } from '../types';

/** The extensions of the files Lore indexes, at the end of a name. */
export const MARKDOWN_EXT = /\.(?:md|markdown|mdx)$/i;

/** Basename without its markdown extension, kept as written: "docs/Getting-Started.md" -> "Getting-Started". */
export function titleFromPath(relPath: string): string {
  const base = relPath.split(/[\\/]/).filter(Boolean).pop() ?? '';
  const stem = base.replace(MARKDOWN_EXT, '');
  return stem || base || 'untitled';
}

type DocType = (typeof DOCUMENT_TYPES)[number];

/** Whole file stems / folder names that decide the type on their own. */
const WHOLE_NAMES: Record<string, DocType> = {
  readme: 'readme',
  changelog: 'changelog', changes: 'changelog', history: 'changelog',
  'release-notes': 'changelog', release_notes: 'changelog', releasenotes: 'changelog',
  adr: 'adr', adrs: 'adr', decisions: 'adr', 'decision-records': 'adr', decision_records: 'adr',
  'architecture-decisions': 'adr', 'architecture-decision-records': 'adr',
};

/** Strong markers: win wherever they appear among a name's tokens. */
const STRONG_TOKENS: Record<string, DocType> = {
  readme: 'readme', changelog: 'changelog', adr: 'adr', adrs: 'adr',
};

/** Ordinary tokens; in a compound name the last one wins ("incident-response-plan" is a plan). */
const TOKENS: Record<string, DocType> = {
  decisions: 'adr',
  design: 'design', designs: 'design', architecture: 'design',
  spec: 'spec', specs: 'spec', rfc: 'spec', rfcs: 'spec', specification: 'spec', specifications: 'spec',
  plan: 'plan', plans: 'plan', roadmap: 'plan', roadmaps: 'plan', todo: 'plan', todos: 'plan',
  report: 'report', reports: 'report', postmortem: 'report', postmortems: 'report', retro: 'report',
  retros: 'report', retrospective: 'report', retrospectives: 'report', incident: 'report', incidents: 'report',
};

/** Two-token phrases inside longer names ("v2-release-notes", "our-decision-records"). */
const PHRASES: Array<[string, string, DocType]> = [
  ['release', 'notes', 'changelog'],
  ['decision', 'records', 'adr'],
  ['post', 'mortem', 'report'],
];

const ADR_FOLDERS = new Set(['adr', 'adrs', 'decisions', 'decision-records', 'decision_records',
  'architecture-decisions', 'architecture-decision-records']);

function own<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

/** Type suggested by one lowercased name (file stem or folder), matching whole tokens only. */
function typeFromName(name: string): DocType | undefined {
  const whole = own(WHOLE_NAMES, name) ?? own(TOKENS, name);
  if (whole) return whole;
  const tokens = name.split(/[-_. ]+/).filter(Boolean);
  for (let i = 0; i + 1 < tokens.length; i++) {
    for (const [a, b, type] of PHRASES) if (tokens[i] === a && tokens[i + 1] === b) return type;
  }
  for (const token of tokens) {
    const strong = own(STRONG_TOKENS, token);
    if (strong) return strong;
  }
  for (let i = tokens.length - 1; i >= 0; i--) {
    const type = own(TOKENS, tokens[i]);
    if (type) return type;
  }
  return undefined;
}

/**
 * Infers the kind of document from its workspace-relative path. File-name tokens beat folder
 * names, deeper folders beat shallower ones; a numbered file ("0001-use-sqlite.md") inside an
 * ADR folder is always an ADR. Falls back to 'note'.
 */
export function inferDocumentType(relPath: string): string {
  const parts = relPath.toLowerCase().split(/[\\/]/).filter(Boolean);
  const file = parts.pop() ?? '';
  const stem = file.replace(MARKDOWN_EXT, '');
  if (/^\d+(?:[-_. ]|$)/.test(stem) && parts.some((p) => ADR_FOLDERS.has(p))) return 'adr';
  const fromFile = typeFromName(stem);
  if (fromFile) return fromFile;
  for (let i = parts.length - 1; i >= 0; i--) {
    const fromFolder = typeFromName(parts[i]);
    if (fromFolder) return fromFolder;
  }
  return 'note';
}

/**
 * Maps one front matter tag to a known document type: "ADR", "#plans", "Notes" -> 'adr', 'plan', 'note'.
 * Returns undefined for anything that is not a document type (or its plural).
 */
export function documentTypeFromTag(tag: string): string | undefined {
  const t = tag.trim().replace(/^#/, '').toLowerCase();
  for (const type of DOCUMENT_TYPES) {
    if (t === type || t === `${type}s`) return type;
  }
  return undefined;
}
