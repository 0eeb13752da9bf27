/**
 * A document's links both ways, as a reader wants them: backlinks with the linking line, outgoing
 * links with the line to open (the heading a `#part` names) and whether they reach anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { headingAnchors, headingSlug, isDocumentKey, resolveLinkPath } from '../links/resolve';
import type { DocumentStore } from '../storage/documents';
import type { LinkIndex, ResolvedLink, StoredLink } from '../storage/links';
import type { Backlink, OutgoingLink } from './types';

export interface LinkDeps {
  root: string;
  documents: Pick<DocumentStore, 'read'>;
  links: LinkIndex;
}

export function toBacklink(l: StoredLink): Backlink {
  return { path: l.sourcePath, title: l.sourceTitle, line: l.line, kind: l.kind, text: l.text, context: l.context, fragment: l.fragment };
}

/** Heading anchors of indexed documents, each read once. */
class Anchors {
  private readonly byPath = new Map<string, Promise<Map<string, number>>>();

  constructor(private readonly documents: LinkDeps['documents']) {}

  of(docPath: string): Promise<Map<string, number>> {
    let anchors = this.byPath.get(docPath);
    if (!anchors) {
      anchors = this.documents.read(docPath, 1, Number.MAX_SAFE_INTEGER).then((doc) => {
        const lines = (doc?.chunks ?? []).flatMap((c) => c.text.split('\n').map((text, i) => ({ line: c.startLine + i, text })));
        return headingAnchors(lines);
      });
      this.byPath.set(docPath, anchors);
    }
    return anchors;
  }
}

/** A workspace path a link names, when it is on disk (a folder without a README, a file the index leaves out). */
export function onDisk(root: string, rel: string): boolean {
  const full = path.join(root, rel);
  return path.relative(root, full).split(path.sep)[0] !== '..' && fs.existsSync(full);
}

/** What a link that reaches no document points at: outside the workspace, something on disk, or nothing. */
export function unresolvedState(l: Pick<StoredLink, 'kind' | 'key' | 'target'>, from: string, root: string): { state: OutgoingLink['state']; path?: string } {
  if (l.kind === 'wikilink') return { state: isDocumentKey(l.key) ? 'broken' : 'file' }; // a wikilink embed names a file anywhere
  const rel = resolveLinkPath(from, l.target);
  if (rel === undefined) return { state: 'outside' };
  if (onDisk(root, rel)) return { state: 'file', path: rel };
  return { state: isDocumentKey(l.key) ? 'broken' : 'missing-file' };
}

async function outgoing(l: ResolvedLink & { from: string }, root: string, anchors: Anchors): Promise<OutgoingLink> {
  const base: OutgoingLink = { line: l.line, kind: l.kind, target: l.target, fragment: l.fragment, text: l.text, context: l.context, state: 'broken' };
  if (l.targetPath !== undefined) {
    const out: OutgoingLink = { ...base, path: l.targetPath, title: l.targetTitle, targetLine: 1, state: 'document' };
    if (!l.fragment) return out;
    // As written first (an HTML anchor, or a slug), then as a heading's text would be slugged (a wikilink's #Heading).
    const found = await anchors.of(l.targetPath);
    const line = found.get(l.fragment) ?? found.get(headingSlug(l.fragment));
    return line === undefined ? { ...out, state: 'heading-missing' } : { ...out, targetLine: line };
  }
  return { ...base, ...unresolvedState(l, l.from, root) };
}

export async function linksFrom(deps: LinkDeps, docPath: string, limit: number): Promise<OutgoingLink[]> {
  const anchors = new Anchors(deps.documents);
  const links = (await deps.links.from(docPath)).slice(0, limit);
  return Promise.all(links.map((l) => outgoing({ ...l, from: docPath }, deps.root, anchors)));
}

export async function linksTo(deps: LinkDeps, docPath: string, limit: number): Promise<Backlink[]> {
  return (await deps.links.to(docPath, limit)).map(toBacklink);
}
