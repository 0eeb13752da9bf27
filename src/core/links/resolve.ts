/**
 * Where a link goes, from the path its document has: pure string work, shared by every backend
 * (which stores each link's key) and the engine (which resolves a document's keys the same way).
 *
 * A link's key names what it points at without its extension, so a link to a built page
 * (`ch04-01-x.html`, as mdBook, Docusaurus and Hugo sources write them), to the markdown file
 * (`ch04-01-x.md`) or to neither (`ch04-01-x`) meet the document `ch04-01-x.md`. A folder link
 * (`docs/`) meets its README or index. A wikilink (`[[Note]]`) meets any document of that name
 * (`~note`), as Obsidian and Foam resolve them. Other files (images, PDFs) keep their extension
 * behind `=` and are never documents.
 */
import path from 'node:path';
import type { ParsedLink } from '../types';

/** The extensions a link to a document may carry: markdown sources, or the pages built from them. */
const DOC_EXT = /\.(?:md|markdown|mdx|html?)$/i;
const INDEX_NAMES = new Set(['readme', 'index', '_index']);

/** A URL with a scheme (https:, mailto:, vscode:) or a protocol-relative one: not a workspace file. */
export function isExternal(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//');
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The path part and the fragment of a link's URL, decoded (a ?query is dropped). */
export function splitUrl(url: string): { target: string; fragment: string } {
  const hash = url.indexOf('#');
  const pathPart = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash + 1);
  const q = pathPart.indexOf('?');
  return { target: decode(q === -1 ? pathPart : pathPart.slice(0, q)).trim(), fragment: decode(fragment).trim() };
}

/**
 * The workspace-relative path a link points at from the document at `sourcePath`, or undefined
 * when it leaves the workspace. '' (a link within the document) is the document itself; a link
 * starting with '/' is from the workspace root.
 */
export function resolveLinkPath(sourcePath: string, target: string): string | undefined {
  if (target === '') return sourcePath;
  const slashed = target.replace(/\\/g, '/');
  const joined = slashed.startsWith('/') ? slashed.slice(1) : path.posix.join(path.posix.dirname(sourcePath), slashed);
  const norm = path.posix.normalize(joined === '' ? '.' : joined).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../')) return undefined;
  return norm === '.' || norm === '' ? '' : norm;
}

/** A document path (or the path a link resolves to) without a document extension. */
export function pathKey(p: string): string {
  return p.replace(DOC_EXT, '');
}

function stemOf(p: string): string {
  return (p.split('/').pop() ?? '').replace(DOC_EXT, '');
}

/**
 * The key of what a link points at (see the top of this file), or undefined for a link that
 * leaves the workspace.
 */
export function linkKey(sourcePath: string, link: Pick<ParsedLink, 'kind' | 'target'>): string | undefined {
  if (link.kind === 'wikilink') {
    const name = link.target.replace(/\\/g, '/').replace(/\/+$/, '').split('/').pop() ?? '';
    if (/\.[a-z0-9]+$/i.test(name) && !DOC_EXT.test(name)) return `=${name}`;
    return name ? `~${stemOf(name).toLowerCase()}` : pathKey(sourcePath);
  }
  const resolved = resolveLinkPath(sourcePath, link.target);
  if (resolved === undefined) return undefined;
  const base = resolved.split('/').pop() ?? '';
  // A file that is not a document (an image, a PDF, source code) keeps its extension.
  if (/\.[a-z0-9]+$/i.test(base) && !DOC_EXT.test(base)) return `=${resolved}`;
  return pathKey(resolved);
}

/**
 * The key a backend stores for a link: its linkKey, or, for one that leaves the workspace, the
 * target as written behind '=' (a file that is not a document: never resolved, never broken).
 */
export function storedLinkKey(sourcePath: string, link: Pick<ParsedLink, 'kind' | 'target'>): string {
  return linkKey(sourcePath, link) ?? `=${link.target}`;
}

/** Whether a key names a document (not some other file). */
export function isDocumentKey(key: string): boolean {
  return !key.startsWith('=');
}

/** Every key under which links reach the document at `docPath` (its path, its name, its folder for a README). */
export function documentKeys(docPath: string): string[] {
  const own = pathKey(docPath);
  const stem = stemOf(docPath);
  const keys = [own, `~${stem.toLowerCase()}`];
  if (INDEX_NAMES.has(stem.toLowerCase())) {
    const dir = path.posix.dirname(docPath);
    keys.push(dir === '.' ? '' : dir);
  }
  return [...new Set(keys)];
}

/**
 * The anchor a heading gets on GitHub and in mdBook: lower-cased, punctuation dropped, spaces as
 * hyphens ("Rules of `Ownership`!" -> "rules-of-ownership").
 */
export function headingSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** A heading's text as its anchor is made from: code spans kept as written ("`Box<T>`" -> "Box<T>"), links, emphasis and tags outside them dropped. */
export function headingText(raw: string): string {
  return raw
    .split(/(`+[^`]*`+)/)
    .map((part, i) => (i % 2 === 1 ? part.replace(/^`+|`+$/g, '') : part
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
      .replace(/<[^>]*>/g, '')
      .replace(/[*_~]+/g, '')
      .replace(/\\([!-/:-@[-`{-~])/g, '$1')))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The anchors of a markdown text and their lines: headings outside code fences (also inside block
 * quotes) by their slugs, repeats numbered as GitHub does, and explicit HTML anchors
 * (`<a id="old-name"></a>`, which books keep so links to a renamed heading still land).
 */
export function headingAnchors(lines: Array<{ line: number; text: string }>, plain: (raw: string) => string = headingText): Map<string, number> {
  const anchors = new Map<string, number>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const { line, text: raw } of lines) {
    const text = raw.replace(/^(?: {0,3}>[ \t]?)+/, '');
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(text);
    if (f) {
      if (fence === undefined) fence = f[1][0];
      else if (f[1][0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    for (const a of text.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*["']([^"']+)["']/gi)) if (!anchors.has(a[1])) anchors.set(a[1], line);
    const h = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(text);
    if (!h) continue;
    const base = headingSlug(plain(h[1] ?? ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    const slug = n === 0 ? base : `${base}-${n}`;
    if (!anchors.has(slug)) anchors.set(slug, line);
  }
  return anchors;
}
