/**
 * Link structure as a prior on a result list (optional): a document that many others link to, or
 * one that the current document links to, ranks slightly higher. Each hit's score is multiplied by
 *
 *   (1 + inbound x ln(1 + documents linking to it)) x (1 + linked, when the current document links to it)
 *
 * and the list re-sorted (ties keep the order the search gave). It reorders what the search found,
 * so it takes a few more candidates than it returns (PRIOR_DEPTH): a document just below the k-th
 * can move in. A workspace without links gets the same list as without the prior.
 */
import path from 'node:path';
import { relativeDocPath } from '../document';
import type { LinkIndex } from '../storage/links';
import type { LinkPriorWeights, SearchHit, SearchOptions } from './types';

export type LinkPrior = LinkPriorWeights;

export const LINK_PRIOR_OFF: LinkPrior = { inbound: 0, linked: 0 };
/**
 * The prior that `linkPrior: true` asks for, chosen on the dev half of the rust-book link queries
 * (src/core/eval/linkItems.ts): the best MRR@10 there (0.9138 off -> 0.9479) among the weights
 * that cost at most 0.001 MRR@10 on known-item queries asked from a document that does not link
 * to the answer (0.8901 -> 0.8900). A larger `linked` gains more on the first and costs on the
 * second (0.25: 0.9798, but 0.8676). Figures: BENCHMARKS.md, "Link prior".
 */
export const TUNED_LINK_PRIOR: LinkPrior = { inbound: 0.02, linked: 0.05 };
/**
 * What search uses when the caller says nothing: the linked part only, so it acts only when the
 * caller names the current document (`fromPath`), and a search without one is the same as off.
 * Held out (BENCHMARKS.md, "Link prior"): rust-book link queries MRR@10 up, known-item queries
 * asked from a document that does not link to the answer within 0.001. The inbound part stays off
 * by default: it cost 0.009 MRR@10 on held-out known-item queries with no current document.
 */
export const DEFAULT_LINK_PRIOR: LinkPrior = { inbound: 0, linked: TUNED_LINK_PRIOR.linked };
/** With a prior, this many candidates (at least k) are re-ranked. */
export const PRIOR_DEPTH = 20;

export type LinkPriorOption = NonNullable<SearchOptions['linkPrior']>;

/** The prior an option asks for: true = TUNED_LINK_PRIOR, false = off, a number = that inbound weight (with the tuned `linked`). */
export function resolveLinkPrior(opt: LinkPriorOption | undefined): LinkPrior {
  if (opt === undefined) return DEFAULT_LINK_PRIOR;
  if (opt === true) return TUNED_LINK_PRIOR;
  if (opt === false) return LINK_PRIOR_OFF;
  const clean = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);
  if (typeof opt === 'number') return { inbound: clean(opt), linked: TUNED_LINK_PRIOR.linked };
  return { inbound: clean(opt.inbound), linked: clean(opt.linked) };
}

/**
 * The current document as a path of this index (`fromPath` relative or absolute), or undefined
 * when none is given or it lies outside the index's folder (a host with several folders names the
 * open file to each of them; only the one that holds it boosts what the file links to).
 */
export function currentDocument(root: string, fromPath: string | undefined): string | undefined {
  const p = fromPath?.trim();
  if (!p) return undefined;
  const rel = relativeDocPath(root, p);
  // Outside: above the folder, or on another drive (Windows: path.relative gives the path itself).
  return rel && rel !== '..' && !rel.startsWith('../') && !path.isAbsolute(rel) ? rel : undefined;
}

/** Whether the prior can change anything for this search. */
export function priorActive(prior: LinkPrior, fromPath: string | undefined): boolean {
  return prior.inbound > 0 || (prior.linked > 0 && !!fromPath);
}

/** A hit's factor under the prior. */
export function priorFactor(prior: LinkPrior, inbound: number, linked: boolean): number {
  return (1 + prior.inbound * Math.log1p(Math.max(0, inbound))) * (linked ? 1 + prior.linked : 1);
}

type Scored = Pick<SearchHit, 'path' | 'score'> & { explain?: SearchHit['explain'] };

/**
 * The hits re-ranked by the prior, given each document's inbound count and the documents the
 * current one links to (pure: the unit tests call this). Scores are the boosted ones (a negative
 * score moves up by the same share of its size), so the list's scores still fall down it.
 */
export function rerankByLinks<T extends Scored>(hits: T[], prior: LinkPrior, inbound: ReadonlyMap<string, number>, linked: ReadonlySet<string>): T[] {
  if (!priorActive(prior, linked.size ? 'x' : undefined)) return hits;
  const scored = hits.map((h, i) => {
    const n = inbound.get(h.path) ?? 0;
    const to = linked.has(h.path);
    const f = priorFactor(prior, n, to);
    if (f === 1) return { h, i, score: h.score };
    const score = h.score + Math.abs(h.score) * (f - 1);
    const why = [n ? `${n} document${n === 1 ? '' : 's'} link here` : '', to ? 'the current document links here' : ''].filter(Boolean).join(', ');
    const explain = h.explain && { ...h.explain, summary: `${h.explain.summary}; link prior x${f.toFixed(3)} (${why})` };
    return { h: { ...h, score, ...(explain ? { explain } : {}) }, i, score };
  });
  scored.sort((a, b) => b.score - a.score || a.i - b.i);
  return scored.map((s) => s.h);
}

/** The documents `fromPath` links to (resolved now), itself left out. */
async function linkedFrom(links: Pick<LinkIndex, 'from'>, fromPath: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const l of await links.from(fromPath)) if (l.targetPath && l.targetPath !== fromPath) out.add(l.targetPath);
  return out;
}

/** The hits re-ranked by the prior (two link reads: the inbound counts of their documents, the current document's links). */
export async function applyLinkPrior<T extends Scored>(hits: T[], prior: LinkPrior, links: Pick<LinkIndex, 'inbound' | 'from'>, fromPath?: string): Promise<T[]> {
  if (!hits.length || !priorActive(prior, fromPath)) return hits;
  const [inbound, linked] = await Promise.all([
    prior.inbound > 0 ? links.inbound([...new Set(hits.map((h) => h.path))]) : Promise.resolve(new Map<string, number>()),
    prior.linked > 0 && fromPath ? linkedFrom(links, fromPath) : Promise.resolve(new Set<string>()),
  ]);
  return rerankByLinks(hits, prior, inbound, linked);
}
