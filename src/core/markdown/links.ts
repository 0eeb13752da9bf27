/**
 * The links of one document, by remark: inline links, reference links (`[text][ref]` with their
 * definitions), images, and `[[wikilinks]]` (`|alias`, `#heading`), each with its source line.
 *
 * The document tree parse.ts builds has inline parsing switched off (for speed), so the text of
 * the blocks that may hold a link (paragraphs, headings, table cells with a `[`) is parsed again,
 * all of it in one batch document with the definitions after it, and every link found is mapped
 * back to its line. Code blocks, inline code and HTML are never read for links. Links with a
 * scheme (https:, mailto:) and links within the document (`#part`) are left out: they are not
 * part of the workspace's graph.
 */
import type { Definition, Nodes, Root, Text } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import type { ParsedLink } from '../types';
import { isExternal, splitUrl } from '../links/resolve';

/** CommonMark only: GFM adds nothing a workspace link needs (its autolinks are URLs), and its autolink literals cost the most. */
const inlineProcessor = unified().use(remarkParse);

const WIKILINK = /!?\[\[([^[\]\r\n]+?)\]\]/g;
/** Line ends as micromark counts them (and LineIndex): classic Mac files end lines with a lone \r. */
const NEWLINE = /\r\n|\r|\n/;
const NEWLINES = /\r\n|\r|\n/g;
/** A longer link target is not a path anyone wrote (and would not fit a server's index row). */
const MAX_TARGET = 1000;
const MAX_CONTEXT = 200;
const MAX_TEXT = 200;
/** Enough for any real document; a generated one with more stops here. */
export const MAX_LINKS = 5000;

interface Block {
  /** The line of the original document the block's text starts on. */
  line: number;
  raw: string;
}

type Positioned = { position?: { start: { line: number; offset?: number }; end: { offset?: number } } };

/** Blocks whose raw text may hold a link, and every definition's source, in document order. */
function collect(src: string, root: Root): { blocks: Block[]; definitions: string[] } {
  const blocks: Block[] = [];
  const definitions: string[] = [];
  const hasDefinitions = /^ {0,3}\[[^\]\n]+\]:/m.test(src) || /^[ \t>*+-]*\[[^\]\n]+\]:/m.test(src);
  const visit = (node: Nodes): void => {
    switch (node.type) {
      case 'code':
      case 'html':
      case 'yaml':
      case 'math' as string:
        return;
      case 'definition': {
        const p = (node as Positioned).position;
        if (p?.start.offset !== undefined && p.end.offset !== undefined) definitions.push(src.slice(p.start.offset, p.end.offset));
        return;
      }
      case 'paragraph':
      case 'heading':
      case 'tableCell': {
        for (const child of node.children) {
          if (child.type !== 'text' || !child.value.includes('[')) continue;
          // Without definitions, only "](" (inline) and "[[" (wiki) can start a link.
          if (!hasDefinitions && !child.value.includes('](') && !child.value.includes('[[')) continue;
          const line = (child as Positioned).position?.start.line;
          if (line !== undefined) blocks.push({ line, raw: child.value });
        }
        return;
      }
    }
    if ('children' in node) for (const child of node.children as Nodes[]) visit(child);
  };
  visit(root);
  return { blocks, definitions };
}

function contextOf(lines: string[], line: number): string {
  const t = (lines[line - 1] ?? '').trim();
  return t.length > MAX_CONTEXT ? `${t.slice(0, MAX_CONTEXT - 1)}…` : t;
}

/** A wikilink's inside: "Note#Heading|alias" -> target, fragment, text. */
function wikilink(inner: string): { target: string; fragment: string; text: string } {
  const bar = inner.indexOf('|');
  const ref = (bar === -1 ? inner : inner.slice(0, bar)).trim();
  const alias = bar === -1 ? '' : inner.slice(bar + 1).trim();
  const hash = ref.indexOf('#');
  const target = (hash === -1 ? ref : ref.slice(0, hash)).trim();
  const fragment = hash === -1 ? '' : ref.slice(hash + 1).replace(/^\^/, '').trim();
  return { target, fragment, text: (alias || ref).slice(0, MAX_TEXT) };
}

/** The links of a document (see the top of this file), at most MAX_LINKS. */
export function extractLinks(src: string, root: Root, lines: string[]): ParsedLink[] {
  const { blocks, definitions } = collect(src, root);
  if (!blocks.length) return [];
  // One batch: blocks apart by blank lines, each starting at a known line of the batch.
  const starts: number[] = [];
  let text = '';
  let line = 1;
  for (const b of blocks) {
    starts.push(line);
    // A zero-width space first: in the batch, text that opened a heading or a table cell must not
    // open a block ("```rust", "<!--", "    x" would swallow the blocks after it); inline it is nothing.
    text += `\u200b${b.raw}\n\n`;
    line += b.raw.split(NEWLINE).length + 1;
  }
  const definedAt = line;
  text += definitions.join('\n\n');
  const tree = inlineProcessor.parse(text);
  const urls = new Map<string, string>();
  const defs: Definition[] = [];
  const gather = (node: Nodes): void => {
    if (node.type === 'definition') defs.push(node);
    else if ('children' in node) for (const c of node.children as Nodes[]) gather(c);
  };
  gather(tree);
  for (const d of defs) if (!urls.has(d.identifier)) urls.set(d.identifier, d.url);

  /** The original line of a line of the batch (undefined past the blocks: the definitions). */
  const origin = (batchLine: number): number | undefined => {
    if (batchLine >= definedAt) return undefined;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= batchLine) lo = mid;
      else hi = mid - 1;
    }
    return blocks[lo].line + (batchLine - starts[lo]);
  };
  const out: ParsedLink[] = [];
  const add = (batchLine: number | undefined, kind: ParsedLink['kind'], url: string, label: string): void => {
    const at = batchLine === undefined ? undefined : origin(batchLine);
    if (at === undefined || out.length >= MAX_LINKS) return;
    const u = url.trim();
    if (!u || u.length > MAX_TARGET || isExternal(u)) return;
    const { target, fragment } = splitUrl(u);
    if (target === '' && kind !== 'wikilink') return;
    out.push({ line: at, kind, target, fragment, text: label.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT), context: contextOf(lines, at) });
  };
  const walk = (node: Nodes): void => {
    const at = (node as Positioned).position?.start.line;
    switch (node.type) {
      case 'link':
        add(at, 'inline', node.url, toString(node));
        break;
      case 'image':
        add(at, 'image', node.url, node.alt ?? '');
        return;
      case 'linkReference': {
        const url = urls.get(node.identifier);
        if (url !== undefined) add(at, 'reference', url, toString(node));
        break;
      }
      case 'imageReference': {
        const url = urls.get(node.identifier);
        if (url !== undefined) add(at, 'image', url, node.alt ?? '');
        return;
      }
      case 'text':
        wikilinks(node, at);
        return;
      case 'inlineCode':
      case 'code':
      case 'html':
      case 'definition':
        return;
    }
    if ('children' in node) for (const c of node.children as Nodes[]) if (out.length < MAX_LINKS) walk(c);
  };
  const wikilinks = (node: Text, at: number | undefined): void => {
    if (at === undefined || !node.value.includes('[[')) return;
    // Lines counted from the last match on, not from the start of the text each time (one long paragraph of [[links]]).
    let lineOf = at;
    let counted = 0;
    for (const m of node.value.matchAll(WIKILINK)) {
      if (out.length >= MAX_LINKS) return;
      lineOf += node.value.slice(counted, m.index).match(NEWLINES)?.length ?? 0;
      counted = m.index;
      const w = wikilink(m[1]);
      // [[#Heading]] is a link within the document: not part of the graph, like (#part).
      if (!w.target) continue;
      add(lineOf, 'wikilink', w.fragment ? `${w.target}#${w.fragment}` : w.target, w.text);
    }
  };
  walk(tree);
  return out;
}
