/**
 * Where a link goes, from the path its document has: pure string work, shared by every backend
 * (which stores each link's keys) and the engine (which resolves a document's keys the same way).
 *
 * A link's key names what it points at without its extension, so a link to a built page
 * (`ch04-01-x.html`, as mdBook, Docusaurus and Hugo sources write them), to the markdown file
 * (`ch04-01-x.md`) or to neither (`ch04-01-x`) meet the document `ch04-01-x.md`. A folder link
 * (`docs/`) meets the folder's README or index (`docs/`); a link that may name either
 * (`docs`, `docs/index.html`) keeps the folder as its second key, used when no document has the
 * first. A wikilink (`[[Note]]`) meets a document of that name in any folder (`~note`), as
 * Obsidian and Foam resolve them; `[[b/Note]]` the one at that path first. Other files (images,
 * PDFs) keep their extension behind `=` and are never documents. When several documents have a
 * key, the one with the shortest path is the one it reaches.
 */
import path from 'node:path';
import type { ParsedLink } from '../types';

/** The extensions a link to a document may carry: markdown sources, or the pages built from them. */
const DOC_EXT = /\.(?:md|markdown|mdx|html?)$/i;
const INDEX_NAMES = new Set(['readme', 'index', '_index']);
/** What a wikilink names when it is a file, not a note (`![[diagram.png]]`); names like "Release 1.2" are notes. */
const WIKI_FILE_EXT = /\.(?:png|jpe?g|gif|svg|webp|bmp|ico|avif|pdf|mp[34]|m4a|mov|webm|ogg|wav|flac|zip|csv|tsv|json|ya?ml|txt|canvas|excalidraw|drawio)$/i;

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

/** The key of a folder ('' for the workspace root): what its README or index is reached by. */
export function folderKey(dir: string): string {
  return dir === '' || dir === '.' ? '/' : `${dir}/`;
}

function stemOf(p: string): string {
  return (p.split('/').pop() ?? '').replace(DOC_EXT, '');
}

/** What a link points at: its key, and the key it falls back to when no document has that one. */
export interface LinkKeys {
  key: string;
  alt?: string;
}

/** The keys of a link from the document at `sourcePath` (see the top of this file). */
export function linkKeys(sourcePath: string, link: Pick<ParsedLink, 'kind' | 'target'>): LinkKeys {
  const slashed = link.target.replace(/\\/g, '/');
  if (link.kind === 'wikilink') {
    const trimmed = slashed.replace(/^\/+|\/+$/g, '');
    const name = trimmed.split('/').pop() ?? '';
    if (WIKI_FILE_EXT.test(name)) return { key: `=${name}` };
    if (!name) return { key: pathKey(sourcePath) };
    const byName = `~${stemOf(name).toLowerCase()}`;
    if (!trimmed.includes('/')) return { key: byName };
    const at = path.posix.normalize(trimmed);
    return at.startsWith('../') ? { key: byName } : { key: pathKey(at), alt: byName };
  }
  const resolved = resolveLinkPath(sourcePath, slashed);
  if (resolved === undefined) return { key: `=${link.target}` };
  const base = resolved.split('/').pop() ?? '';
  // A file that is not a document (an image, a PDF, source code) keeps its extension.
  if (/\.[a-z0-9]+$/i.test(base) && !DOC_EXT.test(base)) return { key: `=${resolved}` };
  if (resolved === '' || /\/$|(?:^|\/)\.{1,2}$/.test(slashed)) return { key: folderKey(resolved) };
  const dir = path.posix.dirname(resolved);
  if (INDEX_NAMES.has(stemOf(base).toLowerCase())) return { key: pathKey(resolved), alt: folderKey(dir) };
  // `docs` may be docs.md or the docs folder; `docs.html` is a page.
  return DOC_EXT.test(base) ? { key: pathKey(resolved) } : { key: pathKey(resolved), alt: folderKey(resolved) };
}

/** Whether a key names a document (not some other file). */
export function isDocumentKey(key: string): boolean {
  return !key.startsWith('=');
}

/** Every key under which links reach the document at `docPath` (its path, its name, its folder for a README). */
export function documentKeys(docPath: string): string[] {
  const stem = stemOf(docPath);
  const keys = [pathKey(docPath), `~${stem.toLowerCase()}`];
  if (INDEX_NAMES.has(stem.toLowerCase())) keys.push(folderKey(path.posix.dirname(docPath)));
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
      .replace(/[*~]+/g, '')
      // Emphasis underscores, not those inside a word (`my_function` keeps its own).
      .replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '')
      .replace(/\\([!-/:-@[-`{-~])/g, '$1')))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The anchors of a markdown text and their lines: headings outside code fences (ATX and setext,
 * also inside block quotes) by their slugs, repeats numbered as GitHub does, and explicit HTML
 * anchors (`<a id="old-name"></a>`, which books keep so links to a renamed heading still land).
 */
export function headingAnchors(lines: Array<{ line: number; text: string }>, plain: (raw: string) => string = headingText): Map<string, number> {
  const anchors = new Map<string, number>();
  const seen = new Map<string, number>();
  const add = (raw: string, line: number) => {
    const base = headingSlug(plain(raw));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    const slug = n === 0 ? base : `${base}-${n}`;
    if (!anchors.has(slug)) anchors.set(slug, line);
  };
  let fence: { char: string; length: number } | undefined;
  /** A paragraph line that a setext underline below would make a heading. */
  let previous: { line: number; text: string } | undefined;
  lines.forEach(({ line, text: raw }, i) => {
    const text = raw.replace(/^(?: {0,3}>[ \t]?)+/, '');
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(text);
    if (fence) {
      // Closed by a fence of the same character, at least as long, with nothing after it.
      if (f && f[1][0] === fence.char && f[1].length >= fence.length && /^ {0,3}[`~]+[ \t]*$/.test(text)) fence = undefined;
      previous = undefined;
      return;
    }
    if (f) {
      fence = { char: f[1][0], length: f[1].length };
      previous = undefined;
      return;
    }
    for (const a of text.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*["']([^"']+)["']/gi)) if (!anchors.has(a[1])) anchors.set(a[1], line);
    const h = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(text);
    if (h) {
      add(h[1] ?? '', line);
      previous = undefined;
      return;
    }
    if (previous && /^ {0,3}(?:=+|-+)[ \t]*$/.test(text) && lines[i - 1]?.line === line - 1) {
      add(previous.text.trim(), previous.line);
      previous = undefined;
      return;
    }
    const paragraph = text.trim() !== '' && !/^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)|^ {4}|^ {0,3}<|^ {0,3}(?:[-*_][ \t]*){3,}$|^ {0,3}\|/.test(text);
    previous = paragraph ? { line, text } : undefined;
  });
  return anchors;
}
