/**
 * Heading-aware chunking. A document is cut into sections at top-level headings; each section is
 * cut into "atoms" (whole top-level blocks, or list items / single lines of a block that is too
 * big on its own), and atoms are packed greedily into chunks under the size limit. Chunks are
 * always whole source lines, never span two sections, and never end on a blank line.
 */

import { createHash } from 'node:crypto';
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

export interface SectionPlan {
  headingPath: string;
  /** The section's own heading lines, glued to the first chunk. */
  heading?: LineRange;
  atoms: LineRange[];
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

function pushLines(idx: LineIndex, r: LineRange, out: LineRange[]): void {
  for (let l = r.s; l <= r.e; l++) if (!idx.isBlank(l)) out.push({ s: l, e: l });
}

/** Adds a top-level block as one atom, or as list items / lines when it is bigger than the limit. */
function addBlock(idx: LineIndex, node: Node, range: LineRange, max: number, out: LineRange[]): void {
  const r = trimRange(idx, range);
  if (!r) return;
  if (idx.chars(r.s, r.e) <= max) {
    out.push(r);
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
  return { sections, headings };
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

/** Greedy packing of one section's atoms; the heading always travels with the first atom. */
function packSection(idx: LineIndex, sec: SectionPlan, max: number, out: Array<{ path: string; r: LineRange }>): void {
  let cur: LineRange | undefined = sec.heading ? { ...sec.heading } : undefined;
  let glued = cur !== undefined;
  for (const a of sec.atoms) {
    if (!cur) {
      cur = { s: a.s, e: a.e };
    } else if (glued || idx.chars(cur.s, a.e) <= max) {
      cur.e = a.e;
    } else {
      out.push({ path: sec.headingPath, r: cur });
      cur = { s: a.s, e: a.e };
    }
    glued = false;
  }
  if (cur && !glued) out.push({ path: sec.headingPath, r: cur });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Packs every section and turns the ranges into chunks with ordinals, exact text and hashes. */
export function planToChunks(plan: Plan, idx: LineIndex, max: number): ParsedChunk[] {
  const ranges: Array<{ path: string; r: LineRange }> = [];
  for (const sec of plan.sections) packSection(idx, sec, max, ranges);
  if (ranges.length === 0) {
    // Only headings: rather than an empty document, each heading becomes its own chunk.
    for (const sec of plan.sections) if (sec.heading) ranges.push({ path: sec.headingPath, r: { ...sec.heading } });
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
