/**
 * What belongs with the document in front of the user (lore related, the Related view, the
 * lore_related tool): the passages most like the section at a line, the links to the document and
 * the links from it. One read of the document, one search, two link reads.
 */
import { relativeDocPath } from '../document';
import { LoreError } from '../errors';
import type { DocumentStore } from '../storage/documents';
import type { LinkIndex } from '../storage/links';
import { linksFrom, linksTo } from './links';
import { type SectionChunk, type SimilarDeps, similarPassages } from './similar';
import type { DocumentLinks, RelatedOptions, RelatedResult } from './types';

export interface RelatedDeps extends SimilarDeps {
  root: string;
  documents: Pick<DocumentStore, 'read'>;
  links: LinkIndex;
}

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;
const DEFAULT_LINKS = 100;

function wholeNumber(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new LoreError('BAD_INPUT', `${name} must be a whole number from ${min}, not ${String(v)}.`);
  return v;
}

function docPathOf(root: string, p: unknown): string {
  if (typeof p !== 'string' || !p.trim()) throw new LoreError('BAD_INPUT', 'A document path is required.');
  return relativeDocPath(root, p.trim());
}

/** The chunk holding `line` (the last one starting at or before it; the first for none). */
function sectionAt<T extends { startLine: number; endLine: number }>(chunks: T[], line: number): T | undefined {
  let best: T | undefined;
  for (const c of chunks) if (c.startLine <= line && (!best || c.startLine >= best.startLine)) best = c;
  return best ?? chunks[0];
}

export async function findRelated(deps: RelatedDeps, p: string, opts: RelatedOptions = {}): Promise<RelatedResult | undefined> {
  const started = performance.now();
  const line = wholeNumber('line', opts.line, 1) ?? 1;
  const limit = Math.min(wholeNumber('limit', opts.limit, 1) ?? DEFAULT_LIMIT, MAX_LIMIT);
  const linkLimit = wholeNumber('linkLimit', opts.linkLimit, 0) ?? DEFAULT_LINKS;
  const docPath = docPathOf(deps.root, p);
  const doc = await deps.documents.read(docPath, 1, Number.MAX_SAFE_INTEGER);
  if (!doc) return undefined;
  opts.signal?.throwIfAborted();
  const chunk = sectionAt(doc.chunks, line);
  const section: SectionChunk | undefined = chunk && { ...chunk, docPath: doc.path };
  const [similar, to, from, totals] = await Promise.all([
    section ? similarPassages(deps, section, limit, opts.signal) : Promise.resolve({ method: 'none' as const, reason: 'the document has no text', passages: [] }),
    linksTo(deps, doc.path, linkLimit),
    linksFrom(deps, doc.path, linkLimit),
    deps.links.counts(doc.path),
  ]);
  return {
    path: doc.path,
    title: doc.title,
    ...(chunk ? { section: { headingPath: chunk.headingPath ?? '', startLine: chunk.startLine, endLine: chunk.endLine } } : {}),
    similar,
    linksTo: to,
    linksFrom: from,
    linksToTotal: totals.to,
    linksFromTotal: totals.from,
    tookMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

export async function documentLinks(deps: Omit<RelatedDeps, keyof SimilarDeps>, p: string, opts: { limit?: number } = {}): Promise<DocumentLinks | undefined> {
  const limit = wholeNumber('limit', opts.limit, 0) ?? 1000;
  const docPath = docPathOf(deps.root, p);
  const doc = await deps.documents.read(docPath, 1, 1);
  if (!doc) return undefined;
  const [to, from, totals] = await Promise.all([linksTo(deps, doc.path, limit), linksFrom(deps, doc.path, limit), deps.links.counts(doc.path)]);
  return { path: doc.path, title: doc.title, linksTo: to, linksFrom: from, linksToTotal: totals.to, linksFromTotal: totals.from };
}
