import type { ReconcileSummary } from '../core/index/reconcile';
import type { FileState, LoreStatus } from '../core/service';
import type { SearchResponse } from '../core/search/types';
import { alsoIn } from '../core/search/group';
import { partialResults } from '../core/search/partial';
import { formatCount, formatTeam } from '../core/format';
import { linkCount, linkPreview, linkProblem, linkTarget, oneLine, similarHow } from '../core/related/format';
import type { BrokenLinks, DocumentLinks, RelatedResult } from '../core/related/types';

const n = formatCount;

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  warn(s: string): string;
}

export function style(color: boolean): Style {
  const wrap = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { bold: wrap('1'), dim: wrap('2'), warn: wrap('33') };
}

export function formatSummary(s: ReconcileSummary, failed: FileState[]): string {
  const mb = s.bytes / 1e6;
  const lines = [
    `Indexed ${n(s.scanned)} markdown files in ${(s.ms / 1000).toFixed(2)} s: ` +
      `${n(s.added)} added, ${n(s.changed)} changed, ${n(s.renamed)} renamed, ${n(s.removed)} removed, ` +
      `${n(s.unchanged + s.touched)} unchanged, ${n(s.failed)} failed.`,
  ];
  if (s.added + s.changed) {
    lines.push(`Parsed ${mb.toFixed(2)} MB into ${n(s.chunks)} chunks (${(mb / Math.max(s.ms / 1000, 0.001)).toFixed(2)} MB/s).`);
  }
  lines.push('Keyword search is ready.');
  if (s.skipped) lines.push(...skippedLines(s.skipped, s.skippedPaths));
  if (failed.length) {
    lines.push('', `Not indexed (${failed.length}):`);
    for (const f of failed.slice(0, 20)) lines.push(`  ${f.path}: ${f.error}`);
    if (failed.length > 20) lines.push(`  … and ${failed.length - 20} more (lore status --json lists them all)`);
  }
  return lines.join('\n');
}

export function formatResults(r: SearchResponse, st: Style): string {
  const used = `mode used: ${r.mode}${r.fallbackReason ? `, reason: ${r.fallbackReason}` : ''}`;
  const memories = (r.memories ?? []).flatMap((m) => [
    `${st.bold('memory')} ${m.entry.namespace} ${st.bold(m.entry.key)}  ${st.dim(`v${m.entry.version} · ${m.entry.type}`)}`,
    `   ${highlight(m.snippet, m.highlights, st)}`,
  ]);
  if (!r.results.length) return [...memories, `No results for "${r.query}" in the documents (${used}).`].join('\n');
  const out: string[] = [...memories];
  r.results.forEach((hit, i) => {
    const heading = hit.headingPath ? st.dim(` › ${hit.headingPath}`) : '';
    const stale = hit.stale ? st.warn(' [changed since indexed]') : '';
    out.push(`${i + 1}. ${st.bold(hit.title)}${heading}`);
    const found = r.mode === 'keyword' ? '' : ` · ${hit.retriever === 'both' ? 'keyword+semantic' : hit.retriever}`;
    const langs = hit.translations ? ` · ${alsoIn(hit.translations)}` : '';
    out.push(`   ${hit.path}:${hit.startLine}-${hit.endLine}  ${st.dim(`${hit.documentType} · score ${hit.score.toFixed(r.mode === 'hybrid' ? 4 : 2)}${found}${langs}`)}${stale}`);
    out.push(`   ${highlight(hit.snippet, hit.highlights, st)}`);
    if (hit.explain) out.push(`   ${st.dim(`why: ${hit.explain.summary}`)}`);
  });
  const partial = r.partial ? ` · ${partialResults(r.partial)}` : '';
  out.push(st.dim(`${r.results.length} result(s) in ${r.ms.toFixed(1)} ms · ${used}${partial}`));
  return out.join('\n');
}

function highlight(text: string, ranges: [number, number][], st: Style): string {
  let out = '';
  let at = 0;
  for (const [a, b] of ranges) {
    out += text.slice(at, a) + st.bold(text.slice(a, b));
    at = b;
  }
  return out + text.slice(at);
}

export function formatStatus(s: LoreStatus, failed: FileState[]): string {
  const when = s.lastSyncedAt ? new Date(s.lastSyncedAt).toLocaleString() : 'never';
  const lines = [
    `Folder:    ${s.root}`,
    `Index:     ${s.dbPath} (${(s.databaseBytes / 1e6).toFixed(1)} MB, schema ${s.schemaVersion}; rebuildable from the markdown)`,
    `History:   ${s.userDataPath === ':memory:' ? 'none yet' : s.userDataPath} (session history, kept apart from the index)`,
    `Documents: ${n(s.documents)} (${n(s.counts.synced)} synced, ${n(s.counts.pending)} pending, ${n(s.counts.stale)} stale, ${n(s.counts.failed)} failed)`,
    `Chunks:    ${n(s.chunks)}${s.empty ? `; ${n(s.empty)} empty document(s) have none` : ''}`,
    `Last sync: ${when}`,
    `Search:    keyword (full-text) ready${s.vectorExtension.loaded ? '' : ` — ${s.vectorExtension.error}`}`,
    `Semantic:  ${embedderLine(s)}`,
  ];
  if (s.team) lines.splice(2, 0, `Team:      ${formatTeam(s.team)}`, ...(s.team.using === 'postgres' ? [`Local:     ${s.team.local} (answers while the team index cannot be reached)`] : []));
  if (s.recovered) lines.splice(3, 0, `Repaired:  the index was damaged (${s.recovered.reason}); it was set aside as ${s.recovered.movedTo} and rebuilt from the markdown`);
  if (s.embedder.fix) lines.push(`           fix: ${fixText(s.embedder.fix)}`);
  if (s.embedder.autoNote) lines.push(`           (${s.embedder.autoNote})`);
  if (s.embedder.truncated) lines.push(`           ${n(s.embedder.truncated)} chunk(s) were longer than the model reads and were cut`);
  if (s.cache.hits + s.cache.misses) lines.push(`Cache:     ${pct(s.cache.hitRate)} hit rate (${n(s.cache.hits)} of ${n(s.cache.hits + s.cache.misses)} chunks)`);
  if (s.withWarnings) lines.push(`Warnings:  ${n(s.withWarnings)} document(s) indexed despite a problem (lore status --json shows them)`);
  lines.push(`Links:     ${s.brokenLinks ? `${brokenCount(s.brokenLinks)} (lore links --broken lists them)` : 'no broken links'}`);
  if (s.skipped.count) lines.push(...skippedLines(s.skipped.count, s.skipped.paths));
  if (failed.length) {
    lines.push('', 'Failed:');
    for (const f of failed.slice(0, 20)) lines.push(`  ${f.path}: ${f.error}`);
    if (failed.length > 20) lines.push(`  … and ${failed.length - 20} more`);
  }
  return lines.join('\n');
}

/** A fix as the CLI says it: VS Code's actions have a CLI command of their own. */
export function fixText(fix: NonNullable<LoreStatus['embedder']['fix']>): string {
  if (fix.kind === 'command') return `run \`${fix.value}\``;
  if (fix.kind === 'action') return fix.value === 'lore.downloadModel' ? 'run `lore model download` (or pass --yes to `lore index`)' : fix.label;
  return `set ${fix.value}`;
}

/** Paths a walk could not index, with why (nothing is left out silently). */
function skippedLines(count: number, paths: { path: string; reason: string }[]): string[] {
  const lines = ['', `Skipped (${n(count)}):`, ...paths.slice(0, 20).map((p) => `  ${p.path}: ${p.reason}`)];
  if (count > 20) lines.push(`  … and ${n(count - 20)} more (lore status --json lists up to ${paths.length})`);
  return lines;
}

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;

function embedderLine(s: LoreStatus): string {
  const e = s.embedder;
  const what = e.model ? `${e.provider === 'builtin' ? 'built-in ' : `${e.provider}:`}${e.model}${e.dimensions ? ` (${e.dimensions} dims)` : ''}` : '';
  const progress = e.progress && e.progress.done < e.progress.total ? `, ${n(e.progress.done)}/${n(e.progress.total)} documents embedded` : '';
  const serving = e.activeModel && e.model && e.activeModel !== `${e.provider}:${e.model}` ? `; ${e.activeModel} serves until the switch completes` : '';
  switch (e.state) {
    case 'off':
      return 'off (no embedder configured: keyword only)';
    case 'checking':
      return `checking ${what}…`;
    case 'live':
      return `live, ${what}${progress}${serving}${s.queue.paused ? ' (embedding paused)' : ''}`;
    case 'degraded':
      return `degraded, ${what}: ${e.reason ?? 'unavailable'}${progress}${serving} (search falls back to keyword)`;
  }
}

/** After `lore index`: whether semantic search is ready, or plainly that the run was keyword-only. */
export function formatEmbedding(s: LoreStatus): string {
  const e = s.embedder;
  const cache = s.cache.hits + s.cache.misses ? `; ${n(s.cache.misses)} chunk(s) embedded, ${n(s.cache.hits)} from the cache (${pct(s.cache.hitRate)} hit rate)` : '';
  if (e.state === 'off') return 'Indexed keyword-only: no embedder is configured (see --embed-provider).';
  if (e.state === 'degraded' || e.state === 'checking') {
    return `Indexed keyword-only: ${e.reason ?? 'the embedder did not answer'}${e.fix ? `; ${fixText(e.fix)}` : ''}.` +
      (s.queue.pending ? ` ${n(s.queue.pending)} document(s) stay pending and are embedded on a later run once it answers.` : '');
  }
  if (s.queue.pending) return `Semantic search is partly built: ${n(s.queue.pending)} document(s) still wait for vectors${cache}.`;
  return `Semantic search is ready with ${e.provider}:${e.model} (${e.dimensions} dims)${cache}.`;
}

const brokenCount = (count: number) => `${n(count)} broken link${count === 1 ? '' : 's'}`;

/** `lore related`: the section compared, the similar passages (and how they were found), the links both ways. */
export function formatRelated(r: RelatedResult, st: Style): string {
  const where = r.section ? `${r.path}:${r.section.startLine}-${r.section.endLine}` : r.path;
  const heading = r.section?.headingPath ? st.dim(` › ${r.section.headingPath}`) : '';
  const out = [`${st.bold(r.title)}${heading}  ${where}`, ''];
  const how = similarHow(r.similar);
  if (r.similar.method === 'none') out.push(`Similar: none (${r.similar.reason})`);
  else {
    out.push(`Similar, ${how}`, `  ${st.dim(`(${r.similar.reason})`)}`);
    if (!r.similar.passages.length) out.push('  nothing similar in other documents');
    r.similar.passages.forEach((p, i) => {
      out.push(`  ${i + 1}. ${p.path}:${p.startLine}-${p.endLine}  ${st.bold(p.title)}${p.headingPath ? st.dim(` › ${p.headingPath}`) : ''}`);
      out.push(`     ${oneLine(p.snippet, 400)}`);
    });
  }
  out.push('', ...linkLines(r, st));
  out.push('', st.dim(`in ${r.tookMs.toFixed(1)} ms`));
  return out.join('\n');
}

/** `lore links <path>`: the links to the document and from it. */
export function formatLinks(l: DocumentLinks, st: Style): string {
  return [`${st.bold(l.title)}  ${l.path}`, '', ...linkLines(l, st)].join('\n');
}

/** The links both ways; a list cut at the link limit says how many there are ("Links to here (100 of 137)"). */
function linkLines(r: Pick<DocumentLinks, 'linksTo' | 'linksFrom' | 'linksToTotal' | 'linksFromTotal'>, st: Style): string[] {
  const { linksTo: to, linksFrom: from } = r;
  const out = [`Links to here (${linkCount(to.length, r.linksToTotal, n)})${to.length ? '' : ': none'}`];
  for (const b of to) out.push(`  ${b.path}:${b.line}  ${linkPreview(b)}${b.fragment ? st.dim(`  (#${b.fragment})`) : ''}`);
  out.push('', `Links from here (${linkCount(from.length, r.linksFromTotal, n)})${from.length ? '' : ': none'}`);
  for (const l of from) {
    const problem = linkProblem(l);
    const text = oneLine(l.text, 60);
    out.push(`  ${l.line} -> ${linkTarget(l)}${problem ? `  ${st.warn(problem)}` : ''}${text ? st.dim(`  "${text}"`) : ''}`);
  }
  return out;
}

/** `lore links --broken`: the links that reach nothing, where they are and the line they are on. */
export function formatBrokenLinks(b: BrokenLinks, st: Style): string {
  if (!b.count) return 'No broken links.';
  const out = [`${brokenCount(b.count)}:`];
  for (const l of b.links) out.push(`  ${l.path}:${l.line} -> ${st.warn(l.target)}${l.missing === 'file' ? ' (missing file)' : ''}  ${st.dim(oneLine(l.context || l.text, 120))}`);
  if (b.count > b.links.length) out.push(`  … and ${n(b.count - b.links.length)} more (--limit N lists more)`);
  return out.join('\n');
}
