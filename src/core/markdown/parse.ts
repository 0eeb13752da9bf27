/**
 * Markdown text -> ParsedDocument (title, type, metadata, heading-aware chunks with exact lines).
 *
 * Speed matters more than inline fidelity here: the document is parsed for BLOCK structure only
 * (micromark's inline constructs are switched off), and GFM is only enabled when the text may
 * contain a table or a footnote definition. Heading texts, which need inline parsing to drop
 * markup, are parsed one by one with a full processor (headings are short).
 */

import type { Heading, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified, type Processor } from 'unified';
import { DEFAULT_CHUNK_OPTIONS, type ChunkOptions, type ParsedChunk, type ParsedDocument, type ParsedLink } from '../types';
import { LineIndex, planFromLines, planFromTree, planToChunks, roughPlainText } from './chunk';
import { inferDocumentType, titleFromPath } from './docInfo';
import { extractLinks } from './links';
import { readFrontMatter, titleFromMetadata, typeFromMetadata } from './frontmatter';

export { inferDocumentType, titleFromPath } from './docInfo';

/** Inline (text-level) constructs; disabling them leaves paragraphs as raw text and keeps block positions. */
const INLINE_CONSTRUCTS = [
  'attention', 'autolink', 'characterEscape', 'characterReference', 'codeText', 'hardBreakEscape',
  'htmlText', 'labelStartImage', 'labelStartLink', 'labelEnd', 'hardBreakTrailing',
  // GFM's inline constructs (only present in the GFM processor).
  'strikethrough', 'wwwAutolink', 'protocolAutolink', 'emailAutolink', 'tasklistCheck',
  'gfmFootnoteCall', 'gfmPotentialFootnoteCall',
];

function inlineOff(this: Processor): void {
  const data = this.data();
  (data.micromarkExtensions ??= []).push({ disable: { null: INLINE_CONSTRUCTS } });
}

/**
 * Drops mdast-from-markdown tree transforms (GFM's autolink-literal transform rewrites every text
 * node, which is wasted work when inline parsing is off and only block positions are used).
 */
function noTransforms(this: Processor): void {
  const data = this.data();
  type Ext = NonNullable<typeof data.fromMarkdownExtensions>[number];
  const strip = (ext: Ext): Ext =>
    Array.isArray(ext) ? ext.map((e) => strip(e)) as Ext : 'transforms' in ext ? { ...ext, transforms: [] } : ext;
  if (data.fromMarkdownExtensions) data.fromMarkdownExtensions = data.fromMarkdownExtensions.map(strip);
}

const blockProcessor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml', 'toml']).use(inlineOff);
const gfmBlockProcessor = unified()
  .use(remarkParse)
  .use(remarkFrontmatter, ['yaml', 'toml'])
  .use(remarkGfm)
  .use(inlineOff)
  .use(noTransforms);
const inlineProcessor = unified().use(remarkParse).use(remarkGfm);

const TABLE_DELIMITER_ROW = /\|[ \t]*:?-+:?[ \t]*(?:\||$)|^[ \t]*:?-+:?[ \t]*\|/m;
const FOOTNOTE_DEFINITION = /\[\^[^\]\r\n]+\]:/;

/** Conservative: true whenever the text might hold a GFM table or footnote definition. */
export function mayNeedGfm(text: string): boolean {
  return TABLE_DELIMITER_ROW.test(text) || FOOTNOTE_DEFINITION.test(text);
}

/**
 * Containers (lists, blockquotes, and the two mixed) nested hundreds of levels deep make micromark
 * super-linear (seconds to minutes for a few KB). No real document nests like that, so such input
 * is chunked by lines instead. Each marker is followed by its whitespace only, so a line that does
 * not match fails without backtracking.
 */
export const MAX_NESTING = 100;
const DEEP_LIST_INDENT = /^[ \t]{200,}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/m;
const DEEP_CONTAINERS = new RegExp(`^[ \\t]*(?:(?:>|(?:[-*+]|\\d{1,9}[.)])(?=[ \\t]))[ \\t]*){${MAX_NESTING}}`, 'm');

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Inline syntax other than backticks: when absent, code spans are the only construct to undo. */
const INLINE_SYNTAX_BUT_CODE = /[\\*_[\]<&~]/;

/**
 * Plain text of heading content whose only inline syntax is backticks, following CommonMark code
 * spans exactly: a run of n backticks closes at the next run of exactly n; unmatched runs are literal.
 */
function stripCodeSpans(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('`', i);
    if (open === -1) break;
    let n = open;
    while (raw[n] === '`') n++;
    const run = n - open;
    let close = -1;
    for (let j = raw.indexOf('`', n); j !== -1; j = raw.indexOf('`', j)) {
      let k = j;
      while (raw[k] === '`') k++;
      if (k - j === run) {
        close = j;
        break;
      }
      j = k;
    }
    if (close === -1) {
      out += raw.slice(i, n); // unmatched run: literal backticks
      i = n;
      continue;
    }
    let code = raw.slice(n, close).replace(/\r\n|\r|\n/g, ' ');
    if (code.length > 2 && code[0] === ' ' && code[code.length - 1] === ' ' && code.trim() !== '') code = code.slice(1, -1);
    out += raw.slice(i, open) + code;
    i = close + run;
  }
  return collapse(out + raw.slice(i));
}

/** Source of a node by offsets, or undefined without positions. */
function sourceOf(src: string, node: { position?: { start: { offset?: number }; end: { offset?: number } } }): string | undefined {
  const s = node.position?.start.offset;
  const e = node.position?.end.offset;
  return s === undefined || e === undefined ? undefined : src.slice(s, e);
}

/** Plain text of one heading from its own source (plus the definitions it may reference). */
function inlineHeadingText(source: string): string | undefined {
  const tree = inlineProcessor.parse(source);
  const node = tree.children.find((c): c is Heading => c.type === 'heading');
  return node ? collapse(toString(node, { includeHtml: false })) : undefined;
}

/**
 * Plain text of every top-level heading: "## Install **on** `Linux` [docs](x)" -> "Install on Linux docs".
 * Headings without inline syntax are taken as written; the others are parsed with a full inline
 * processor, all together in one batch document (one heading per block), one by one if that fails.
 */
function headingTexts(src: string, root: Root): Map<Heading, string> {
  const texts = new Map<Heading, string>();
  const pending: Array<{ heading: Heading; raw: string; source: string }> = [];
  for (const child of root.children) {
    if (child.type !== 'heading') continue;
    const only = child.children.length === 1 ? child.children[0] : undefined;
    const raw = only && only.type === 'text' ? only.value : toString(child);
    // GFM autolink literals ("www.x", "https://x") can swallow backticks, so they take the slow path.
    if (!INLINE_SYNTAX_BUT_CODE.test(raw) && !(raw.includes('`') && /www\.|:\/\//i.test(raw))) {
      texts.set(child, raw.includes('`') ? stripCodeSpans(raw) : collapse(raw));
      continue;
    }
    const source = sourceOf(src, child);
    if (source === undefined) texts.set(child, roughPlainText(raw));
    else pending.push({ heading: child, raw, source });
  }
  if (pending.length === 0) return texts;
  // Reference links ("[docs][ref]") need their definitions to resolve to text.
  const defs: string[] = [];
  if (pending.some((p) => p.raw.includes('['))) {
    const lower = pending.map((p) => p.raw.toLowerCase()).join('\n');
    for (const def of root.children) {
      if (def.type !== 'definition' || !lower.includes((def.label ?? def.identifier).toLowerCase())) continue;
      const d = sourceOf(src, def);
      if (d !== undefined) defs.push(d);
    }
  }
  const tail = defs.length > 0 ? '\n\n' + defs.join('\n\n') : '';
  try {
    const batch = inlineProcessor.parse(pending.map((p) => p.source).join('\n\n') + tail);
    const nodes = batch.children.filter((c): c is Heading => c.type === 'heading');
    if (nodes.length === pending.length) {
      pending.forEach((p, i) => texts.set(p.heading, collapse(toString(nodes[i], { includeHtml: false }))));
      return texts;
    }
  } catch {
    // fall back to one parse per heading
  }
  for (const p of pending) {
    let text: string | undefined;
    try {
      text = inlineHeadingText(p.source + tail);
    } catch {
      text = undefined;
    }
    texts.set(p.heading, text ?? roughPlainText(p.raw));
  }
  return texts;
}

function limitFrom(options?: Partial<ChunkOptions>): number {
  const max = options?.maxChunkChars;
  return typeof max === 'number' && Number.isFinite(max) && max >= 1 ? Math.floor(max) : DEFAULT_CHUNK_OPTIONS.maxChunkChars;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The heading that titles a document: its H1, else its first heading when no heading is shallower
 * than that one (a book's sub-chapter opens with "## Title" and has only deeper ones after it).
 */
function titleHeading(headings: ReadonlyArray<{ depth: number; text: string }>): string | undefined {
  const named = headings.filter((h) => h.text !== '');
  const h1 = named.find((h) => h.depth === 1);
  if (h1) return h1.text;
  const first = named[0];
  return first && named.every((h) => h.depth >= first.depth) ? first.text : undefined;
}

function assemble(
  relPath: string,
  metadata: Record<string, unknown>,
  warnings: string[],
  h1: string | undefined,
  chunks: ParsedChunk[],
  links: ParsedLink[] = [],
): ParsedDocument {
  const fmTitle = titleFromMetadata(metadata);
  const fmType = typeFromMetadata(metadata);
  return {
    title: fmTitle ?? h1 ?? titleFromPath(relPath),
    titleSource: fmTitle !== undefined ? 'frontmatter' : h1 !== undefined ? 'heading' : 'file',
    documentType: fmType ?? inferDocumentType(relPath),
    typeSource: fmType !== undefined ? 'frontmatter' : 'path',
    metadata,
    warnings,
    chunks,
    links,
  };
}

function parseWithTree(src: string, relPath: string, max: number): ParsedDocument {
  const idx = new LineIndex(src);
  const processor = mayNeedGfm(src) ? gfmBlockProcessor : blockProcessor;
  const root = processor.parse(src);
  let metadata: Record<string, unknown> = {};
  let warnings: string[] = [];
  const first = root.children[0] as { type: string; value?: unknown; position?: { start: { line: number } } } | undefined;
  if (first && (first.type === 'yaml' || first.type === 'toml')) {
    ({ metadata, warnings } = readFrontMatter(first.type, String(first.value ?? ''), first.position?.start.line ?? 1));
  }
  const texts = headingTexts(src, root);
  const plan = planFromTree(root, idx, (h) => texts.get(h) ?? roughPlainText(toString(h)), max);
  const chunks = planToChunks(plan, idx, max);
  const h1 = titleHeading(plan.headings);
  let links: ParsedLink[] = [];
  try {
    links = extractLinks(src, root, idx.lines);
  } catch (err) {
    warnings = [...warnings, `links could not be read (${describe(err)}); the text is indexed without them`];
  }
  return assemble(relPath, metadata, warnings, h1, chunks, links);
}

/** Degraded path when the parser fails: front matter by fences, ATX headings, chunks packed from lines. */
function parseWithLines(src: string, relPath: string, max: number, why: string): ParsedDocument {
  const idx = new LineIndex(src);
  let metadata: Record<string, unknown> = {};
  const warnings = [why];
  let body = 1;
  const fence = idx.lines[0];
  if (fence === '---' || fence === '+++') {
    let close = 2;
    while (close <= idx.count && idx.lines[close - 1] !== fence) close++;
    if (close <= idx.count) {
      const fm = readFrontMatter(fence === '---' ? 'yaml' : 'toml', idx.text(2, close - 1), 1);
      metadata = fm.metadata;
      warnings.push(...fm.warnings);
      body = close + 1;
    }
  }
  const plan = planFromLines(idx, body);
  const chunks = planToChunks(plan, idx, max);
  const h1 = titleHeading(plan.headings);
  return assemble(relPath, metadata, warnings, h1, chunks);
}

/**
 * Parses one markdown file. `relPath` is workspace-relative with forward slashes. Never throws:
 * if the markdown parser fails, the document is chunked by lines and a warning says so.
 */
export function parseMarkdown(text: string, relPath: string, options?: Partial<ChunkOptions>): ParsedDocument {
  const path = typeof relPath === 'string' ? relPath : String(relPath ?? '');
  const max = limitFrom(options);
  let src = typeof text === 'string' ? text : String(text ?? '');
  if (src.charCodeAt(0) === 0xfeff) src = src.slice(1);
  try {
    if (DEEP_LIST_INDENT.test(src) || DEEP_CONTAINERS.test(src)) {
      return parseWithLines(src, path, max, `lists or blockquotes are nested more than ${MAX_NESTING} levels deep, too deep to parse quickly; chunked by lines`);
    }
    return parseWithTree(src, path, max);
  } catch (err) {
    try {
      return parseWithLines(src, path, max, `markdown could not be parsed (${describe(err)}); chunked by lines`);
    } catch (err2) {
      return assemble(path, {}, [`markdown could not be parsed or chunked: ${describe(err2)}`], undefined, []);
    }
  }
}
