/**
 * Broken links, as Index Status and `lore links --broken` list them: links to a document the index
 * does not hold and that is not on disk either (a folder without a README, a file the index leaves
 * out, are not broken), and links to a file that is not a document (an image, a PDF) that is not
 * where the link says.
 */
import { resolveLinkPath } from '../links/resolve';
import type { LinkIndex, StoredLink } from '../storage/links';
import { onDisk, unresolvedState } from './links';
import type { BrokenLinks } from './types';

/** How many unresolved links to documents are looked at on disk (beyond, the index's count is taken as it is). */
const DISK_CHECKS = 2000;
/** How many files that links name are looked at on disk (beyond, they are taken as there). */
const FILE_CHECKS = 5000;
/** How long what the disk said is kept (status reads ask every few hundred milliseconds while a run goes on). */
const DISK_TTL_MS = 5000;

const lastBroken = new WeakMap<LinkIndex, { at: number; indexCount: number; onDisk: number }>();
const fileSeen = new WeakMap<LinkIndex, Map<string, { at: number; there: boolean }>>();

/**
 * The workspace path of a file key ('=img/a.png'), when it is one: a path resolveLinkPath made
 * (it gives that path back unchanged), not a target kept as written because it leaves the folder.
 */
function fileOfKey(key: string): string | undefined {
  const rel = key.slice(1);
  return rel && resolveLinkPath('', rel) === rel ? rel : undefined;
}

/** Files looked at on disk in one call at most (new ones first; the others keep what they said): no status read stalls on thousands. */
const DISK_CHECKS_PER_CALL = 2000;
const lastFiles = new WeakMap<LinkIndex, { at: number; missing: Array<{ key: string; links: number }> }>();

/**
 * The files links name that are not on disk, each with how many links name it. Each file is
 * looked at again after DISK_TTL_MS; a status read (`fresh` false) takes the last answer while it
 * is that recent, whatever was written since (during a run the index changes with every batch).
 */
async function missingFiles(links: LinkIndex, root: string, fresh: boolean): Promise<Array<{ key: string; links: number }>> {
  const now = Date.now();
  const last = lastFiles.get(links);
  if (!fresh && last && now - last.at < DISK_TTL_MS) return last.missing;
  const targets = (await links.fileTargets(FILE_CHECKS)).flatMap((t) => {
    const rel = fileOfKey(t.key);
    return rel === undefined ? [] : [{ ...t, rel }];
  });
  const known = fileSeen.get(links) ?? new Map<string, { at: number; there: boolean }>();
  fileSeen.set(links, known);
  const due = targets.filter((t) => !known.has(t.key)).concat(targets.filter((t) => known.has(t.key) && now - known.get(t.key)!.at >= DISK_TTL_MS));
  for (const t of due.slice(0, DISK_CHECKS_PER_CALL)) known.set(t.key, { at: now, there: onDisk(root, t.rel) });
  if (known.size > 2 * FILE_CHECKS) for (const [k, v] of known) if (now - v.at >= DISK_TTL_MS) known.delete(k);
  const missing = targets.filter((t) => known.get(t.key)?.there === false).map(({ key, links: n }) => ({ key, links: n }));
  lastFiles.set(links, { at: now, missing });
  return missing;
}

/** The links to documents that reach nothing: the index's unresolved ones, less those naming something on disk. */
async function brokenDocumentLinks(links: LinkIndex, root: string, limit: number): Promise<{ count: number; links: StoredLink[] }> {
  const first = await links.broken(0);
  const known = lastBroken.get(links);
  if (first.count === 0) return { count: 0, links: [] };
  if (limit <= 0 && known && known.indexCount === first.count && Date.now() - known.at < DISK_TTL_MS) return { count: first.count - known.onDisk, links: [] };
  const { count, links: found } = await links.broken(Math.max(limit, DISK_CHECKS));
  const broken = found.filter((l) => unresolvedState(l, l.sourcePath, root).state === 'broken');
  lastBroken.set(links, { at: Date.now(), indexCount: count, onDisk: found.length - broken.length });
  return { count: count - (found.length - broken.length), links: broken.slice(0, Math.max(0, limit)) };
}

const byPlace = (a: StoredLink, b: StoredLink) => (a.sourcePath < b.sourcePath ? -1 : a.sourcePath > b.sourcePath ? 1 : a.line - b.line);

/** How many links are broken, and the first `limit` of them by path and line. */
export async function brokenLinks(links: LinkIndex, root: string, limit: number): Promise<BrokenLinks> {
  const [documents, files] = await Promise.all([brokenDocumentLinks(links, root, limit), missingFiles(links, root, limit > 0)]);
  const fileCount = files.reduce((n, f) => n + f.links, 0);
  const fileLinks = fileCount && limit > 0 ? await links.linksWithKeys(files.map((f) => f.key), limit) : [];
  const missing = new Set(fileLinks);
  const listed = [...documents.links, ...fileLinks].sort(byPlace).slice(0, Math.max(0, limit));
  return {
    count: documents.count + fileCount,
    links: listed.map((l) => ({
      path: l.sourcePath,
      line: l.line,
      target: l.fragment ? `${l.target}#${l.fragment}` : l.target,
      text: l.text,
      context: l.context,
      missing: missing.has(l) ? 'file' : 'document',
    })),
  };
}
