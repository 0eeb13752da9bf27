/**
 * Heading-aware chunking. A document is cut into sections at top-level headings; each section is
 * cut into "atoms" (whole top-level blocks, or list items / single lines of a block that is too
 * big on its own), and atoms are packed greedily into chunks under the size limit. Chunks are
 * always whole source lines, never overlap, and never start or end on a blank line.
 *
 * Two kinds of fragment are not worth returning on their own, so they never become a chunk alone:
 * - markup without text (HTML comments, `<a id>` anchors, bare tags) that ends a section moves
 *   forward into the next section's first chunk, which then begins before its heading line (such
 *   markup is almost always an anchor or a note for the heading that follows it);
 * - a chunk with fewer than TINY_CHUNK_TEXT letters and digits of real text (typically the rest of
 *   a section after greedy packing) merges with the next chunk of its section, else the previous
 *   one. Greedy packing already put everything that fits together, so such a merge exceeds the
 *   size limit, by the tiny fragment only. A section's only chunk is kept however small.
 */

import { createHash } from 'node:crypto';

/**
 * Bumped whenever the same markdown would be cut into other chunks (3: links are read too; 2: markup-only fragments
 * join the next section, tiny fragments merge). An index made by another version, or with
 * another chunk size, is re-chunked by its next full index run.
 */
export const CHUNKER_VERSION = 3;
import type { Heading, Node, Root } from 'mdast';
import type { ParsedChunk } from '../types';

/** The source split into lines (on \r\n, \r or \n, as micromark counts them), with O(1) range sizes. */
export class LineIndex {
  readonly lines: string[];
  private readonly cum: Float64Array;

  constructor(text: string) {
    this.lines = text.split(/\r\n|\r|\n/);
    this.cum = new Float64Array(this.lines.length + 1);
    for (let i = 0; i < this.lines.length; i++) this.cum[i + 1] = this.cum[i] + this.lines[i].length + 1;
  }

  get count(): number {
    return this.lines.length;
  }

  /** Length of lines s..e (1-based, inclusive) joined with "\n". */
  chars(s: number, e: number): number {
    return this.cum[e] - this.cum[s - 1] - 1;
  }

  isBlank(line: number): boolean {
    return /^[ \t]*$/.test(this.lines[line - 1] ?? '');
  }

  text(s: number, e: number): string {
    return this.lines.slice(s - 1, e).join('\n');
  }
}

/** 1-based inclusive line range. */
export interface LineRange {
  s: number;
  e: number;
}

/** A unit of packing; `markup` when it is a whole block of HTML with no text (comments, anchors, bare tags). */
export interface Atom extends LineRange {
  markup?: boolean;
}

export interface SectionPlan {
  headingPath: string;
  /** The section's own heading lines, glued to the first chunk. */
  heading?: LineRange;
  /** First line of markup carried over from the sections before, glued in front of the heading. */
  leadStart?: number;
  atoms: Atom[];
}

export interface HeadingInfo {
  depth: number;
  text: string;
  line: number;
}

export interface Plan {
  sections: SectionPlan[];
  headings: HeadingInfo[];
}

/** Line range of a node; an end at column 1 of a later line means the node ended on the line before. */
export function nodeRange(node: Node): LineRange | undefined {
  const p = node.position;
  if (!p || !(p.start.line >= 1) || !(p.end.line >= p.start.line)) return undefined;
  let e = p.end.line;
  if (p.end.column === 1 && e > p.start.line) e--;
  return { s: p.start.line, e };
}

function trimRange(idx: LineIndex, r: LineRange): LineRange | undefined {
  let { s, e } = r;
  e = Math.min(e, idx.count);
  while (s <= e && idx.isBlank(s)) s++;
  while (e >= s && idx.isBlank(e)) e--;
  return s <= e ? { s, e } : undefined;
}

const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const HTML_TAG = /<[!?/]?[A-Za-z][^<>]*>/g;
const LINK_DEFINITION = /^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*$/gm;
const REAL_CHAR = /[\p{L}\p{N}]/gu;

/** Chunks with fewer letters and digits than this (outside markup) merge with a neighbour of their section. */
export const TINY_CHUNK_TEXT = 40;

/** Text without HTML comments, tags and link reference definitions: what a reader (or a query) would match. */
function withoutMarkup(text: string): string {
  if (text.includes('<')) text = text.replace(HTML_COMMENT, ' ').replace(HTML_TAG, ' ');
  return text.includes(']:') ? text.replace(LINK_DEFINITION, ' ') : text;
}

/** True for text made only of HTML comments and tags (an anchor, a comment, an image tag...). */
export function isMarkupOnly(text: string): boolean {
  return text.includes('<') && withoutMarkup(text).trim() === '';
}

/** Letters and digits outside markup, counted up to `cap`. */
export function realTextLength(text: string, cap = Infinity): number {
  let n = 0;
  REAL_CHAR.lastIndex = 0;
  const t = withoutMarkup(text);
  while (n < cap && REAL_CHAR.exec(t)) n++;
  REAL_CHAR.lastIndex = 0;
  return n;
}

function pushLines(idx: LineIndex, r: LineRange, out: LineRange[]): void {
  for (let l = r.s; l <= r.e; l++) if (!idx.isBlank(l)) out.push({ s: l, e: l });
}

/** Adds a top-level block as one atom, or as list items / lines when it is bigger than the limit. */
function addBlock(idx: LineIndex, node: Node, range: LineRange, max: number, out: Atom[]): void {
  const r = trimRange(idx, range);
  if (!r) return;
  if (idx.chars(r.s, r.e) <= max) {
    // Only blocks starting with "<" can be markup (the test is cheap: the text is only built for those).
    const atom: Atom = r;
    if (/^[ \t]*</.test(idx.lines[r.s - 1]) && isMarkupOnly(idx.text(r.s, r.e))) atom.markup = true;
    out.push(atom);
    return;
  }
  const children = (node as { children?: Node[] }).children;
  if (node.type === 'list' && children && children.length > 0) {
    let next = r.s;
    for (const item of children) {
      const ir = nodeRange(item);
      if (!ir || ir.s < next || ir.e > r.e) continue;
      if (ir.s > next) pushLines(idx, { s: next, e: ir.s - 1 }, out); // defensive: never lose lines
      const t = trimRange(idx, ir);
      if (t && idx.chars(t.s, t.e) <= max) out.push(t);
      else if (t) pushLines(idx, t, out);
      next = ir.e + 1;
    }
    if (next <= r.e) pushLines(idx, { s: next, e: r.e }, out);
    return;
  }
  pushLines(idx, r, out);
}

/** Sections and atoms from the top-level blocks of a parsed tree. */
export function planFromTree(
  root: Root,
  idx: LineIndex,
  headingText: (heading: Heading) => string,
  max: number,
): Plan {
  const sections: SectionPlan[] = [{ headingPath: '', atoms: [] }];
  const headings: HeadingInfo[] = [];
  const stack: Array<{ depth: number; text: string }> = [];
  let covered = 0; // last line already owned by a block (guards against overlapping positions)
  for (const child of root.children) {
    const type = child.type as string;
    if (type === 'yaml' || type === 'toml') continue;
    const range = nodeRange(child);
    if (!range || range.e <= covered) continue;
    if (range.s <= covered) range.s = covered + 1;
    covered = range.e;
    if (child.type === 'heading') {
      const text = headingText(child);
      headings.push({ depth: child.depth, text, line: range.s });
      while (stack.length > 0 && stack[stack.length - 1].depth >= child.depth) stack.pop();
      stack.push({ depth: child.depth, text });
      const headingPath = stack.map((h) => h.text).filter((t) => t !== '').join(' > ');
      sections.push({ headingPath, heading: range, atoms: [] });
    } else {
      addBlock(idx, child, range, max, sections[sections.length - 1].atoms);
    }
  }
  carryMarkupForward(sections);
  return { sections, headings };
}

/**
 * Markup atoms that end a section move to the front of the next section (as `leadStart`). A
 * section left with nothing but its heading (and markup) moves forward whole, like heading-only
 * sections fold into the next one. The last section keeps what it has, so nothing is lost.
 */
function carryMarkupForward(sections: SectionPlan[]): void {
  let carry: number | undefined;
  for (let i = 0; i < sections.length; i++) {
    const sec = sections[i];
    if (carry !== undefined) {
      sec.leadStart = carry;
      carry = undefined;
    }
    if (i === sections.length - 1) break;
    let k = sec.atoms.length;
    while (k > 0 && sec.atoms[k - 1].markup) k--;
    if (k > 0) {
      if (k < sec.atoms.length) carry = sec.atoms[k].s;
      sec.atoms.length = k;
    } else if (sec.atoms.length > 0 || sec.leadStart !== undefined) {
      // Only markup (or a heading with markup carried into it): the whole section goes on.
      carry = sec.leadStart ?? sec.heading?.s ?? sec.atoms[0].s;
      sec.atoms.length = 0;
      sec.leadStart = undefined;
    }
  }
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;

/** Best-effort plain text of a heading without a parser: drops links, emphasis, code and html markup. */
export function roughPlainText(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]*>/g, '')
    .replace(/[*_~`]+/g, '')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Degraded planning on plain lines: ATX headings outside code fences split sections, every line is an atom. */
export function planFromLines(idx: LineIndex, firstLine: number): Plan {
  const sections: SectionPlan[] = [{ headingPath: '', atoms: [] }];
  const headings: HeadingInfo[] = [];
  const stack: Array<{ depth: number; text: string }> = [];
  let fence = '';
  for (let l = Math.max(1, firstLine); l <= idx.count; l++) {
    const line = idx.lines[l - 1];
    const current = sections[sections.length - 1].atoms;
    if (fence) {
      const close = FENCE_OPEN.exec(line);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length && /^[ \t]*$/.test(line.slice(close[0].length))) fence = '';
      if (!idx.isBlank(l)) current.push({ s: l, e: l });
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    const atx = open ? null : ATX.exec(line);
    if (open) fence = open[1];
    if (atx) {
      const depth = atx[1].length;
      const text = roughPlainText(atx[2] ?? '');
      headings.push({ depth, text, line: l });
      while (stack.length > 0 && stack[stack.length - 1].depth >= depth) stack.pop();
      stack.push({ depth, text });
      const headingPath = stack.map((h) => h.text).filter((t) => t !== '').join(' > ');
      sections.push({ headingPath, heading: { s: l, e: l }, atoms: [] });
    } else if (!idx.isBlank(l)) {
      current.push({ s: l, e: l });
    }
  }
  return { sections, headings };
}

interface Packed {
  path: string;
  r: LineRange;
  section: number;
}

/**
 * Greedy packing of one section's atoms; the heading (and any markup carried in front of it)
 * always travels with the first atom. A heading alone is not a chunk, unless markup came with it.
 */
function packSection(idx: LineIndex, sec: SectionPlan, section: number, max: number, out: Packed[]): void {
  let cur: LineRange | undefined = sec.heading ? { ...sec.heading } : undefined;
  if (sec.leadStart !== undefined) cur = { s: sec.leadStart, e: cur?.e ?? sec.leadStart };
  const lead = sec.leadStart !== undefined;
  let glued = cur !== undefined;
  for (const a of sec.atoms) {
    if (!cur) {
      cur = { s: a.s, e: a.e };
    } else if (glued || idx.chars(cur.s, a.e) <= max) {
      cur.e = a.e;
    } else {
      out.push({ path: sec.headingPath, r: cur, section });
      cur = { s: a.s, e: a.e };
    }
    glued = false;
  }
  if (cur && (!glued || lead)) out.push({ path: sec.headingPath, r: cur, section });
}

/** Merges chunks with too little real text into the next chunk of their section, else the previous one. */
function mergeTiny(idx: LineIndex, ranges: Packed[]): Packed[] {
  const out: Packed[] = [];
  for (let i = 0; i < ranges.length; ) {
    let j = i;
    while (j < ranges.length && ranges[j].section === ranges[i].section) j++;
    const group = ranges.slice(i, j).map((p) => ({ ...p, r: { ...p.r } }));
    i = j;
    const tiny = (p: Packed) => realTextLength(idx.text(p.r.s, p.r.e), TINY_CHUNK_TEXT) < TINY_CHUNK_TEXT;
    for (let k = 0; k < group.length && group.length > 1; ) {
      if (!tiny(group[k])) {
        k++;
      } else if (k + 1 < group.length) {
        group[k + 1].r.s = group[k].r.s;
        group.splice(k, 1);
      } else {
        group[k - 1].r.e = group[k].r.e;
        group.splice(k, 1);
        k--;
      }
    }
    out.push(...group);
  }
  return out;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Packs every section and turns the ranges into chunks with ordinals, exact text and hashes. */
export function planToChunks(plan: Plan, idx: LineIndex, max: number): ParsedChunk[] {
  let ranges: Packed[] = [];
  plan.sections.forEach((sec, i) => packSection(idx, sec, i, max, ranges));
  ranges = mergeTiny(idx, ranges);
  if (ranges.length === 0) {
    // Only headings: rather than an empty document, each heading becomes its own chunk.
    plan.sections.forEach((sec, i) => {
      if (sec.heading) ranges.push({ path: sec.headingPath, r: { ...sec.heading }, section: i });
    });
  }
  const chunks: ParsedChunk[] = [];
  for (const { path, r } of ranges) {
    const t = trimRange(idx, r);
    if (!t) continue;
    const text = idx.text(t.s, t.e);
    chunks.push({ ordinal: chunks.length, headingPath: path, startLine: t.s, endLine: t.e, text, contentHash: sha256(text) });
  }
  return chunks;
}
