/**
 * Link known-item evaluation: a folder whose documents link to one another (rust-book's
 * cross-references are real links) says, for each link, that the linking document's author
 * wanted the reader to find the target from there. Each link to another document becomes queries
 * whose one right answer is the target document, searched with the linking document as the
 * current document (`fromPath`): what the link prior (search/linkPrior.ts) is measured on.
 *
 * Two queries per link, as a reader who followed it would remember it:
 * - anchor: the link's own text as written ("Storing Keys with Associated Values in Hash Maps"),
 *   when it holds at least 2 words a query may use (knownItem.ts's queryWords: "Chapter 8" does not);
 * - section: 3 to 6 words drawn from the target's prose with probability tf x idf over the folder
 *   (knownItem.ts's makeQuery), from the section the link's #fragment names, else the whole
 *   document (its title left out, at least 2 words not in the title).
 *
 * Left out: links within a document, images and other files, links that reach no document, and
 * every link of a table of contents (a document linking to half the folder or more: rust-book's
 * SUMMARY.md), as a source; a document is still a target however many link to it.
 *
 * Split deterministically into dev and test halves by a hash of (source, target), so every query of
 * one pair is on the same side and tuning on dev says nothing of test. Same folder, same seed, same set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../config';
import { LoreError } from '../errors';
import { FileFilter, listFiles } from '../index/files';
import { documentKeys, headingSlug, isDocumentKey, linkKeys } from '../links/resolve';
import { roughPlainText } from '../markdown/chunk';
import { parseMarkdown } from '../markdown/parse';
import { makeQuery, proseOf, queryWords } from './knownItem';
import type { EvalSet } from './run';
import { fnv1a, seededRandom } from './seeded';

export type LinkQueryKind = 'anchor' | 'section';
export type LinkSplit = 'dev' | 'test';

export interface LinkQuery {
  id: string;
  text: string;
  kind: LinkQueryKind;
  /** The linking document: the current document of the search. */
  fromPath: string;
  /** The linked document: the one right answer. */
  target: string;
  /** The link's line in `fromPath`. */
  line: number;
  split: LinkSplit;
}

export interface LinkItemOptions {
  /** Which half (default both). */
  split?: LinkSplit | 'all';
  /** Which kinds of query (default both). */
  kinds?: LinkQueryKind[];
  /** Seed of the section queries' drawing (default 1). */
  seed?: number;
}

export interface LinkItemSet extends EvalSet {
  queries: LinkQuery[];
  files: number;
  /** Links to another document, from documents that are not tables of contents. */
  links: number;
  /** Sources left out as tables of contents. */
  tablesOfContents: string[];
}

/** The split of a (source, target) pair: a stable hash, even = dev. */
export function linkSplit(source: string, target: string): LinkSplit {
  return fnv1a(`lore-link-split\u0000${source}\u0000${target}`) % 2 === 0 ? 'dev' : 'test';
}

/** The lines of the section a #fragment names (its heading to the next heading of the same or a higher level), or undefined. */
export function sectionOf(markdown: string, fragment: string): string | undefined {
  const lines = markdown.split('\n');
  const want = headingSlug(fragment);
  const seen = new Map<string, number>();
  let fence: string | undefined;
  let start = -1;
  let depth = 0;
  for (const [i, text] of lines.entries()) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(text);
    if (f) {
      if (fence === undefined) fence = f[1][0];
      else if (f[1][0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const h = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(text);
    if (!h) continue;
    if (start !== -1 && h[1].length <= depth) return lines.slice(start, i).join('\n');
    if (start !== -1) continue;
    const base = headingSlug(roughPlainText(h[2] ?? ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    if ((n === 0 ? base : `${base}-${n}`) === want) {
      start = i;
      depth = h[1].length;
    }
  }
  return start === -1 ? undefined : lines.slice(start).join('\n');
}

export interface LinkedDoc {
  rel: string;
  raw: string;
  titleWords: Set<string>;
}

export interface LinkGraph {
  /** The markdown documents Lore would index, by folder-relative path. */
  docs: Map<string, LinkedDoc>;
  /** Links from one document to another (images, links within a document and links that reach none left out; tables of contents left out as sources). */
  edges: Array<{ source: string; target: string; line: number; text: string; fragment: string }>;
  tablesOfContents: string[];
}

/** The documents of a folder (Lore's default include/exclude rules) and the links between them, resolved as the index resolves them. */
export async function readLinkGraph(root: string): Promise<LinkGraph> {
  const config = resolveConfig();
  const filter = new FileFilter(root, { include: config.include, exclude: config.exclude, respectGitignore: config.respectGitignore });
  const listed = [...(await listFiles(filter))].filter(([, f]) => f.size <= config.maxFileSize).map(([rel]) => rel).sort();
  if (!listed.length) throw new LoreError('BAD_INPUT', `${root} holds no markdown files to evaluate on`);

  const docs = new Map<string, LinkedDoc>();
  const byKey = new Map<string, string[]>();
  for (const rel of listed) {
    let raw: string;
    try {
      raw = fs.readFileSync(path.join(root, rel), 'utf8');
    } catch {
      continue;
    }
    docs.set(rel, { rel, raw, titleWords: new Set(queryWords(proseOf(raw).heading ?? '')) });
    for (const k of documentKeys(rel)) byKey.set(k, [...(byKey.get(k) ?? []), rel]);
  }
  // Which document a link reaches: its key's documents, the shortest path when a name is several's.
  const reach = (source: string, link: Parameters<typeof linkKeys>[1]): string | undefined => {
    const { key, alt } = linkKeys(source, link);
    if (!isDocumentKey(key)) return undefined;
    const docsOf = byKey.get(key) ?? (alt !== undefined ? byKey.get(alt) : undefined) ?? [];
    return [...docsOf].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))[0];
  };

  const edges: LinkGraph['edges'] = [];
  const tablesOfContents: string[] = [];
  for (const d of docs.values()) {
    const out = parseMarkdown(d.raw, d.rel).links
      .filter((l) => l.kind !== 'image')
      .map((l) => ({ l, target: reach(d.rel, l) }))
      .filter((x): x is { l: (typeof x)['l']; target: string } => x.target !== undefined && x.target !== d.rel);
    if (docs.size > 4 && new Set(out.map((x) => x.target)).size * 2 >= docs.size) {
      tablesOfContents.push(d.rel);
      continue;
    }
    for (const { l, target } of out) edges.push({ source: d.rel, target, line: l.line, text: l.text, fragment: l.fragment });
  }
  return { docs, edges, tablesOfContents };
}

/**
 * Known-item queries (knownItem.ts) asked from a current document that does not link to the
 * answer: for each query, a document drawn with the seed among those that link to at least one
 * other document but not to the query's target (and are not it). Where the link prior's boost of
 * linked documents can only cost: what it gives up when people search for something else.
 */
export async function withUnlinkedCurrentDocument<T extends { id: string; text: string; target: string }>(root: string, queries: T[], seed = 1): Promise<Array<T & { fromPath: string }>> {
  const { edges } = await readLinkGraph(root);
  const out = new Map<string, Set<string>>();
  for (const e of edges) out.set(e.source, (out.get(e.source) ?? new Set()).add(e.target));
  const sources = [...out.keys()].sort();
  return queries.flatMap((q) => {
    const fit = sources.filter((s) => s !== q.target && !out.get(s)!.has(q.target));
    if (!fit.length) return [];
    const r = seededRandom(fnv1a(`${seed}\u0000current\u0000${q.id}\u0000${q.target}`));
    return [{ ...q, fromPath: fit[Math.floor(r() * fit.length)] }];
  });
}

export async function buildLinkItemSet(root: string, opts: LinkItemOptions = {}): Promise<LinkItemSet> {
  const seed = opts.seed ?? 1;
  const kinds = new Set(opts.kinds ?? ['anchor', 'section']);
  const { docs, edges, tablesOfContents } = await readLinkGraph(root);

  // Document frequency over the folder's prose, for the section queries (as knownItem.ts counts it).
  const tfOf = (markdown: string) => {
    const tf = new Map<string, number>();
    for (const w of queryWords(proseOf(markdown).text)) tf.set(w, (tf.get(w) ?? 0) + 1);
    return tf;
  };
  const df = new Map<string, number>();
  for (const d of docs.values()) for (const w of new Set([...tfOf(d.raw).keys(), ...d.titleWords])) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log(docs.size / (df.get(w) ?? docs.size));

  const queries: LinkQuery[] = [];
  const seen = new Set<string>();
  const add = (kind: LinkQueryKind, text: string, e: (typeof edges)[number]) => {
    const key = `${kind}\u0000${e.source}\u0000${e.target}\u0000${text.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    const split = linkSplit(e.source, e.target);
    if (opts.split && opts.split !== 'all' && opts.split !== split) return;
    queries.push({ id: `${kind === 'anchor' ? 'a' : 's'}${queries.length + 1}`, text, kind, fromPath: e.source, target: e.target, line: e.line, split });
  };
  for (const e of edges) {
    if (kinds.has('anchor')) {
      const text = e.text.replace(/[“”"‘’`*_]/g, ' ').replace(/\s+/g, ' ').trim();
      if (queryWords(text).length >= 2) add('anchor', text, e);
    }
    if (kinds.has('section')) {
      const target = docs.get(e.target)!;
      const part = (e.fragment && sectionOf(target.raw, e.fragment)) || target.raw;
      const words = makeQuery(tfOf(part), idf, target.titleWords, seededRandom(fnv1a(`${seed}\u0000${e.source}\u0000${e.line}\u0000${e.target}`)));
      if (words) add('section', words.join(' '), e);
    }
  }
  const qrels = new Map(queries.map((q) => [q.id, new Map([[q.target, 1]])]));
  return {
    // The baseline's row is the whole file, as knownItem.ts gives it.
    docs: [...docs.values()].map((d) => ({ id: d.rel, title: '', text: d.raw })),
    queries,
    qrels,
    root,
    docOfPath: (rel) => (docs.has(rel) ? rel : undefined),
    files: docs.size,
    links: edges.length,
    tablesOfContents,
  };
}
