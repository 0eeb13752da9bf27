/**
 * How related passages and links are written, the same in every host: the words the CLI, the MCP
 * `related` tool and the `lore_related` language-model tool use for how a list was made, where a
 * link goes and what is wrong with it, and the text an assistant reads (MCP and LM tool alike).
 */
import { cutText } from '../search/passages';
import type { Backlink, OutgoingLink, RelatedResult } from './types';

/** How the similar passages were found, in short: "by meaning", "by keywords: a, b, c" (the first `maxTerms`) or "none" (`similar.reason` says why). */
export function similarHow(similar: RelatedResult['similar'], maxTerms = Infinity): string {
  if (similar.method === 'semantic') return 'by meaning';
  if (similar.method === 'keyword') {
    const terms = similar.terms ?? [];
    return `by keywords: ${terms.slice(0, maxTerms).join(', ')}${terms.length > maxTerms ? ', …' : ''}`;
  }
  return 'none';
}

/** Where an outgoing link goes: the document and the line to open (`docs/b.md:12`), else the target as written (`nope.md#part`). */
export function linkTarget(l: OutgoingLink, show: (p: string) => string = (p) => p): string {
  if (l.path !== undefined && l.state !== 'heading-missing') return l.targetLine !== undefined ? `${show(l.path)}:${l.targetLine}` : show(l.path);
  const written = l.path !== undefined ? show(l.path) : l.target;
  return l.fragment ? `${written}#${l.fragment}` : written;
}

/**
 * How many links a list holds, as a host says it: "12", or "100 of 137" when the list stops short of
 * the true count (`total`: the result's linksToTotal / linksFromTotal; the lists stop at the link limit).
 */
export function linkCount(listed: number, total?: number, num: (n: number) => string = String): string {
  return total !== undefined && total > listed ? `${num(listed)} of ${num(total)}` : num(listed);
}

/** What is wrong with an outgoing link, in words ('' when it reaches what it names). */
export function linkProblem(l: Pick<OutgoingLink, 'state'>): string {
  switch (l.state) {
    case 'broken':
      return 'broken: reaches nothing';
    case 'heading-missing':
      return 'heading-missing: the document has no such heading';
    case 'outside':
      return 'outside: leaves the workspace, not checked';
    case 'missing-file':
      return 'missing-file: no such file on disk';
    default:
      return '';
  }
}

/** Text on one line, at most `max` characters (cut at a word, ending in "[…]"). */
export function oneLine(text: string, max: number): string {
  return cutText(text.replace(/\s+/g, ' ').trim(), max).replace(/\n/g, ' ');
}

/** The line a backlink is on, as a one-line preview. */
export function linkPreview(l: Pick<Backlink, 'context' | 'text'>, max = 160): string {
  return oneLine(l.context || l.text, max);
}

export interface RelatedTextOptions {
  /** Characters the text may take (default 12,000). */
  budgetChars?: number;
  /** How a workspace-relative path is shown (a multi-root host prefixes the folder's name). */
  displayPath?: (p: string) => string;
  /** The tool to call to read a passage whole ("lore_get_document", "get_document"). */
  readTool?: string;
}

/** Items of one section, as many as fit in `room` characters; how many were left out. */
function fitting(items: string[], room: number): { kept: string[]; omitted: number } {
  const kept: string[] = [];
  let used = 0;
  for (const item of items) {
    if (used + item.length + 1 > room && kept.length) break;
    kept.push(item.length > room ? cutText(item, Math.max(80, room)) : item);
    used += item.length + 1;
  }
  return { kept, omitted: items.length - kept.length };
}

/**
 * What an assistant reads of a related result: the section compared, the similar passages (path:lines,
 * heading, snippet, and how they were found), the links to the document (path:line and the linking
 * line) and from it (line, where it goes, what is wrong with it). Never longer than the budget:
 * each section keeps its share and says how many items it left out.
 */
export function formatRelatedText(r: RelatedResult, opts: RelatedTextOptions = {}): string {
  const budget = Math.max(600, opts.budgetChars ?? 12_000);
  const show = opts.displayPath ?? ((p: string) => p);
  const section = r.section
    ? `, section ${r.section.headingPath ? `"${r.section.headingPath}" ` : ''}(lines ${r.section.startLine}-${r.section.endLine})`
    : ' (no indexed text)';
  const head = `Related to ${show(r.path)} — ${r.title}${section}. Cite passages as path:lines${opts.readTool ? `; ${opts.readTool} reads one whole` : ''}.`;

  const similar = r.similar.passages.map((p, i) => {
    const heading = p.headingPath ? ` > ${p.headingPath}` : '';
    return `[${i + 1}] ${show(p.path)}:${p.startLine}-${p.endLine} — ${p.title}${heading} (score ${p.score.toFixed(3)})\n    ${p.snippet}`;
  });
  const to = r.linksTo.map((l) => `- ${show(l.path)}:${l.line} — ${l.title}${l.fragment ? ` (to #${l.fragment})` : ''}: ${linkPreview(l)}`);
  const from = r.linksFrom.map((l) => {
    const problem = linkProblem(l);
    const text = oneLine(l.text, 80);
    return `- line ${l.line} -> ${linkTarget(l, show)}${l.title && !problem ? ` (${l.title})` : ''}${problem ? ` [${problem}]` : ''}${text ? `: "${text}"` : ''}`;
  });

  const room = budget - head.length - 300;
  // Similar passages carry the most text: half the room; the links a quarter each, and what one leaves goes to the others.
  const weights = [0.5, 0.25, 0.25];
  const lists = [similar, to, from];
  const need = lists.map((l) => l.reduce((n, s) => n + s.length + 1, 0));
  const share = weights.map((w) => Math.floor(room * w));
  let spare = share.reduce((n, s, i) => n + Math.max(0, s - need[i]), 0);
  const rooms = share.map((s, i) => {
    if (need[i] <= s) return need[i];
    const extra = Math.min(spare, need[i] - s);
    spare -= extra;
    return s + extra;
  });
  const [sim, back, out] = lists.map((l, i) => fitting(l, rooms[i]));
  const more = (n: number) => (n ? [`(${n} more left out to fit)`] : []);

  const similarTitle = r.similar.method === 'none'
    ? `Similar passages: none (${r.similar.reason}).`
    : `Similar passages in other documents, ${similarHow(r.similar)} (why: ${r.similar.reason}):`;
  const blocks = [
    head,
    [similarTitle, ...(r.similar.method !== 'none' && !similar.length ? ['(none found)'] : []), ...sim.kept, ...more(sim.omitted)].join('\n'),
    [`Links to this document (${linkCount(r.linksTo.length, r.linksToTotal)}):`, ...(to.length ? back.kept : ['(none)']), ...more(back.omitted)].join('\n'),
    [`Links from this document (${linkCount(r.linksFrom.length, r.linksFromTotal)}):`, ...(from.length ? out.kept : ['(none)']), ...more(out.omitted)].join('\n'),
  ];
  return cutText(blocks.join('\n\n'), budget);
}
