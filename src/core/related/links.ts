/**
 * A document's links both ways, as a reader wants them: backlinks with the linking line, outgoing
 * links with the line to open (the heading a `#part` names) and whether they reach anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { headingAnchors, headingSlug, isDocumentKey, resolveLinkPath } from '../links/resolve';
import type { DocumentStore } from '../storage/documents';
import type { LinkIndex, ResolvedLink, StoredLink } from '../storage/links';
import type { Backlink, BrokenLinks, OutgoingLink } from './types';

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

async function outgoing(l: ResolvedLink & { from: string }, root: string, anchors: Anchors): Promise<OutgoingLink> {
  const base: OutgoingLink = { line: l.line, kind: l.kind, target: l.target, fragment: l.fragment, text: l.text, context: l.context, state: 'broken' };
  if (l.targetPath !== undefined) {
    const out: OutgoingLink = { ...base, path: l.targetPath, title: l.targetTitle, targetLine: 1, state: 'document' };
    if (!l.fragment) return out;
    const line = (await anchors.of(l.targetPath)).get(headingSlug(l.fragment));
    return line === undefined ? { ...out, state: 'heading-missing' } : { ...out, targetLine: line };
  }
  if (isDocumentKey(l.key)) return base;
  // A file that is not a document: there when it is on disk (a wikilink embed names a file anywhere).
  const file = l.key.slice(1);
  if (l.kind === 'wikilink') return { ...base, state: 'file' };
  if (resolveLinkPath(l.from, l.target) === undefined) return { ...base, state: 'outside' };
  const full = path.join(root, file);
  return fs.existsSync(full) && path.relative(root, full).split(path.sep)[0] !== '..' ? { ...base, path: file, state: 'file' } : base;
}

export async function linksFrom(deps: LinkDeps, docPath: string, limit: number): Promise<OutgoingLink[]> {
  const anchors = new Anchors(deps.documents);
  const links = (await deps.links.from(docPath)).slice(0, limit);
  return Promise.all(links.map((l) => outgoing({ ...l, from: docPath }, deps.root, anchors)));
}

export async function linksTo(deps: LinkDeps, docPath: string, limit: number): Promise<Backlink[]> {
  return (await deps.links.to(docPath, limit)).map(toBacklink);
}

export async function brokenLinks(links: LinkIndex, limit: number): Promise<BrokenLinks> {
  const { count, links: found } = await links.broken(limit);
  return { count, links: found.map((l) => ({ path: l.sourcePath, line: l.line, target: l.fragment ? `${l.target}#${l.fragment}` : l.target, text: l.text, context: l.context })) };
}
