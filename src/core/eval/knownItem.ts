/**
 * Known-item evaluation of a markdown folder that has no relevance judgements: each sampled
 * document yields one query made from its own prose, and the document is the one right answer.
 * The queries are simulated the way Azzopardi, de Rijke & Balog (2007, "Building simulated queries
 * for known-item topics") do it: pick a document, pick a query length, then draw that many terms
 * from the document with probability proportional to a discriminative weight; here tf x idf over
 * the folder (their "discriminative"/tf.idf strategies gave the queries closest to real ones).
 *
 * What counts as prose: paragraph, list, table, quote and heading text, with fenced and indented
 * code, inline code, HTML, front matter, link and image URLs, link reference definitions and bare
 * URLs left out. Stopwords, words under 3 letters and words with digits are never drawn. The
 * title (the first heading) is left out of the drawing, and a query needs at least 2 words that
 * are not title words: no title-only queries.
 *
 * Deterministic: the same folder and seed give the same documents and queries.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Nodes, Root } from 'mdast';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { resolveConfig } from '../config';
import { LoreError, throwIfAborted } from '../errors';
import { FileFilter, listFiles } from '../index/files';
import { titleFromPath } from '../markdown/docInfo';
import type { EvalSet } from './run';
import { fnv1a, seededRandom } from './seeded';
import { STOPWORDS } from '../search/stopwords';

export interface KnownItemOptions {
  /** Documents to sample, one query each (default 200; fewer when fewer documents qualify). */
  queries?: number;
  /** Seed of the sampling (default 1). */
  seed?: number;
  /** Query length range, drawn uniformly (default 3 to 6 words). */
  minWords?: number;
  maxWords?: number;
  signal?: AbortSignal;
}

export interface KnownItemQuery {
  /** The query id: `q1`, `q2`, ... in sampling order. */
  id: string;
  text: string;
  /** The file it was made from: the one relevant answer (folder-relative, '/'-separated). */
  target: string;
}

export interface KnownItemSet extends EvalSet {
  queries: KnownItemQuery[];
  /** Markdown files in the folder (the search space). */
  files: number;
  /** Files with enough prose to make a query from. */
  eligible: number;
  seed: number;
}


const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml', 'toml']).use(remarkGfm);
const SKIP = new Set(['code', 'inlineCode', 'html', 'yaml', 'toml', 'definition', 'image', 'imageReference']);
const URL = /\b(?:https?|ftp|file|mailto):\S*|\bwww\.\S+|\S+@\S+\.\w+/gi;

export interface Prose {
  /** The first heading's text, if any. */
  heading?: string;
  /** Everything else that is prose, blocks separated by newlines. */
  text: string;
}

/** The prose of a markdown document (see the module comment for what is left out). */
export function proseOf(markdown: string): Prose {
  let tree: Root;
  try {
    tree = processor.parse(markdown);
  } catch {
    return { text: markdown.replace(/```[\s\S]*?```/g, ' ').replace(URL, ' ') };
  }
  let heading: string | undefined;
  const blocks: string[] = [];
  const textOf = (node: Nodes, out: string[]) => {
    if (SKIP.has(node.type)) return;
    if (node.type === 'text') {
      out.push(node.value);
      return;
    }
    if (node.type === 'link' && node.children.length === 1 && node.children[0].type === 'text' && node.children[0].value === node.url) return; // an autolink: its text is the URL
    if ('children' in node) for (const c of node.children as Nodes[]) textOf(c, out);
    if (node.type === 'break') out.push(' ');
  };
  const walkBlocks = (node: Nodes) => {
    if (SKIP.has(node.type)) return;
    if (node.type === 'heading' || node.type === 'paragraph' || node.type === 'tableCell') {
      const parts: string[] = [];
      textOf(node, parts);
      const text = parts.join('').replace(URL, ' ').replace(/\s+/g, ' ').trim();
      if (!text) return;
      if (node.type === 'heading' && heading === undefined) heading = text;
      else blocks.push(text);
      return;
    }
    if ('children' in node) for (const c of node.children as Nodes[]) walkBlocks(c);
  };
  walkBlocks(tree);
  return { heading, text: blocks.join('\n') };
}

/** The words of a text that a query may use: lower case, letters only, 3+ characters, no stopwords. */
export function queryWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu)) {
    let w = m[0].replace(/’/g, "'");
    if (STOPWORDS.has(w)) continue;
    w = w.replace(/'s$/, '');
    if (w.length < 3 || /[\p{N}']/u.test(w) || STOPWORDS.has(w)) continue;
    out.push(w);
  }
  return out;
}

/** A crude stem, only to keep one query from asking for "borrow" and "borrowing" both. */
function stemKey(w: string): string {
  return w.replace(/(?:ing|ed|es|s)$/, '') || w;
}

interface FileProse {
  rel: string;
  title: string;
  raw: string;
  hasHeading: boolean;
  titleWords: Set<string>;
  tf: Map<string, number>;
}

/**
 * One query for one document: k words drawn without replacement, probability tf x idf, no two
 * with the same crude stem, at least 2 outside the title. Undefined when the document has too
 * little prose for a query of `min` words.
 */
export function makeQuery(
  tf: Map<string, number>,
  idf: (w: string) => number,
  titleWords: Set<string>,
  random: () => number,
  min = 3,
  max = 6,
): string[] | undefined {
  const pool = [...tf].map(([w, n]) => ({ w, weight: n * idf(w) })).filter((c) => c.weight > 0);
  const k = min + Math.floor(random() * (max - min + 1));
  const picked: string[] = [];
  const stems = new Set<string>();
  let outsideTitle = 0;
  while (picked.length < k && pool.length) {
    // Once only the title-word quota is left to fill, draw only from words outside the title.
    const needOutside = Math.max(0, 2 - outsideTitle) >= k - picked.length;
    const candidates = needOutside ? pool.filter((c) => !titleWords.has(c.w)) : pool;
    const total = candidates.reduce((s, c) => s + c.weight, 0);
    if (!(total > 0)) break;
    let r = random() * total;
    let chosen = candidates[candidates.length - 1];
    for (const c of candidates) {
      r -= c.weight;
      if (r <= 0) {
        chosen = c;
        break;
      }
    }
    pool.splice(pool.indexOf(chosen), 1);
    const stem = stemKey(chosen.w);
    if (stems.has(stem)) continue;
    stems.add(stem);
    picked.push(chosen.w);
    if (!titleWords.has(chosen.w)) outsideTitle++;
  }
  return picked.length >= min && outsideTitle >= 2 ? picked : undefined;
}

/**
 * Reads the markdown files Lore would index under `root` (default include/exclude rules and
 * .gitignore), and makes the known-item queries. Throws BAD_INPUT when there are no markdown files
 * or none has enough prose.
 */
export async function buildKnownItemSet(root: string, opts: KnownItemOptions = {}): Promise<KnownItemSet> {
  const want = opts.queries ?? 200;
  const seed = opts.seed ?? 1;
  const min = opts.minWords ?? 3;
  const max = Math.max(min, opts.maxWords ?? 6);
  const config = resolveConfig();
  const filter = new FileFilter(root, { include: config.include, exclude: config.exclude, respectGitignore: config.respectGitignore });
  const listed = [...(await listFiles(filter, opts.signal))].filter(([, f]) => f.size <= config.maxFileSize).map(([rel]) => rel).sort();
  if (!listed.length) throw new LoreError('BAD_INPUT', `${root} holds no markdown files (*.md, *.markdown, *.mdx) to evaluate on`);

  const files: FileProse[] = [];
  for (const [i, rel] of listed.entries()) {
    if (i % 50 === 0) throwIfAborted(opts.signal);
    let raw: string;
    try {
      raw = fs.readFileSync(path.join(root, rel), 'utf8');
    } catch {
      continue;
    }
    const prose = proseOf(raw);
    const tf = new Map<string, number>();
    for (const w of queryWords(prose.text)) tf.set(w, (tf.get(w) ?? 0) + 1);
    files.push({ rel, raw, title: prose.heading ?? titleFromPath(rel), hasHeading: prose.heading !== undefined, titleWords: new Set(queryWords(prose.heading ?? '')), tf });
  }

  // Document frequency over the whole folder (title words count as occurring in their document).
  const df = new Map<string, number>();
  for (const f of files) for (const w of new Set([...f.tf.keys(), ...f.titleWords])) df.set(w, (df.get(w) ?? 0) + 1);
  const n = files.length;
  const idf = (w: string) => Math.log(n / (df.get(w) ?? n));

  // Every file's query is made (from its own seeded stream, so one file's query does not depend on
  // which others are sampled), then the files with a query are shuffled with the seed.
  const candidates: Array<{ rel: string; words: string[] }> = [];
  for (const f of files) {
    const words = makeQuery(f.tf, idf, f.titleWords, seededRandom(fnv1a(`${seed}\u0000${f.rel}`)), min, max);
    if (words) candidates.push({ rel: f.rel, words });
  }
  if (!candidates.length) throw new LoreError('BAD_INPUT', `no markdown file in ${root} has enough prose to make a query from (${min}+ distinctive words)`);
  const random = seededRandom(seed);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const chosen = candidates.slice(0, Math.max(0, want));
  const queries = chosen.map((c, i) => ({ id: `q${i + 1}`, text: c.words.join(' '), target: c.rel }));
  const qrels = new Map(queries.map((q) => [q.id, new Map([[q.target, 1]])]));
  const known = new Set(files.map((f) => f.rel));
  return {
    // The baseline's row is the whole file; its title is the first heading (already in the file's
    // text, so not added twice) or, when there is none, the file name.
    docs: files.map((f) => ({ id: f.rel, title: f.hasHeading ? '' : f.title, text: f.raw })),
    queries,
    qrels,
    root,
    docOfPath: (rel) => (known.has(rel) ? rel : undefined),
    files: files.length,
    eligible: candidates.length,
    seed,
  };
}
