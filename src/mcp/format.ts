/** Turns Lore's answers into text an assistant reads well, within a budget of characters. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { IndexedDocument } from '../core/document';
import type { LoreStatus } from '../core/service';
import { formatTeam } from '../core/format';
import type { FoundEvent, Session, SessionEvent } from '../core/sessions/types';
import { CUT_MARK, cutText, lineLabel, type Passage } from '../core/search/passages';

export function formatPassages(query: string, mode: string, note: string | undefined, passages: Passage[], omitted: number): string {
  if (!passages.length) return `No indexed passage matches "${query}" (${mode} search).${note ? ` ${note}` : ''}`;
  const head = `${passages.length} passage(s) for "${query}" (${mode} search${note ? `; ${note}` : ''}). Cite them as file:lines.`;
  const body = passages.map((p, i) => {
    const where = lineLabel(p);
    const flags = [`score ${p.score}`, p.documentType, p.stale ? 'STALE: the file changed since it was indexed' : '', p.truncated ? 'cut to fit' : '']
      .filter(Boolean)
      .join(', ');
    return `[${i + 1}] ${where}: ${p.title}${p.headingPath ? ` > ${p.headingPath}` : ''} (${flags})\n${p.text}`;
  });
  const tail = omitted ? [`(${omitted} more result(s) left out to stay within max_chars; search more narrowly or raise max_chars.)`] : [];
  return [head, ...body, ...tail].join('\n\n');
}

export function formatDocument(doc: IndexedDocument, maxChars: number): { text: string; truncated: boolean; shownEndLine: number } {
  const text = cutText(doc.text, maxChars);
  const truncated = text !== doc.text;
  const shownEndLine = truncated ? doc.startLine + text.slice(0, -CUT_MARK.length).split('\n').length - 1 : doc.endLine;
  const head = `${doc.title} (${doc.path}, lines ${doc.startLine}-${doc.endLine} of ${doc.lineCount}, ${doc.documentType}${doc.stale ? ', STALE: the file changed since it was indexed' : ''})`;
  const more = truncated ? `\n\n(cut at about line ${shownEndLine} to stay within max_chars; call get_document again with start_line=${shownEndLine}.)` : '';
  return { text: `${head}\n\n${text}${more}`, truncated, shownEndLine };
}

const iso = (t: number | null) => (t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : 'never');

export function describeEvent(e: Pick<SessionEvent, 'type' | 'payload'>): string {
  const p = e.payload as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  switch (e.type) {
    case 'search':
      return `searched "${s(p.query)}"${p.mode ? ` (${s(p.mode)})` : ''}${p.resultCount !== undefined ? `, ${s(p.resultCount)} result(s)` : ''}`;
    case 'open':
      return `opened ${s(p.path)}${p.line ? `:${s(p.line)}` : ''}`;
    case 'chat.request':
      return `asked "${cutText(s(p.prompt ?? ''), 200)}"`;
    case 'chat.response':
      return `answered: ${cutText(s(p.text ?? ''), 200).replace(/\s+/g, ' ')}`;
    case 'tool':
      return `tool ${s(p.tool)} ${cutText(JSON.stringify(p.input ?? {}), 200)}`;
    default:
      return `${e.type} ${cutText(JSON.stringify(p), 200)}`;
  }
}

export function formatSessions(sessions: { session: Session; recent: SessionEvent[] }[]): string {
  if (!sessions.length) return 'No session history yet.';
  return sessions
    .map(({ session: s, recent }) => {
      const head = `- ${s.title || '(untitled)'} [${s.status}] id=${s.id}, ${s.eventCount} event(s), last ${iso(s.lastUpdateTime)}`;
      return [head, ...recent.map((e) => `    ${iso(e.time)} ${describeEvent(e)}`)].join('\n');
    })
    .join('\n');
}

export function formatFoundEvents(query: string, events: FoundEvent[]): string {
  if (!events.length) return `Nothing in session history matches "${query}".`;
  return [`${events.length} event(s) in session history match "${query}":`, ...events.map((e) => `- ${iso(e.time)} in "${e.sessionTitle || e.sessionId}": ${describeEvent(e)}`)].join('\n');
}

export function formatStatus(s: LoreStatus, extra: { readonly: boolean }): string {
  const c = s.counts;
  const lines = [
    `Lore index of ${s.root}`,
    `database: ${s.dbPath} (schema ${s.schemaVersion}, ${(s.databaseBytes / 1e6).toFixed(1)} MB, ${extra.readonly ? 'read-only here' : 'read-write'})`,
    ...(s.team ? [`team index: ${formatTeam(s.team)}`] : []),
    `session history: ${s.userDataPath === ':memory:' ? 'none yet' : s.userDataPath}`,
    `documents: ${s.documents} (synced ${c.synced}, pending ${c.pending}, stale ${c.stale}, failed ${c.failed}), chunks: ${s.chunks}`,
    `last synced: ${iso(s.lastSyncedAt)}`,
    `broken links: ${s.brokenLinks ?? 0}${s.brokenLinks ? ' (links in the documents that reach nothing; "related" shows a document\'s links)' : ''}`,
    s.indexing ? `indexing: ${s.indexing.phase} ${s.indexing.done}/${s.indexing.total}` : 'indexing: idle',
    `watching for changes: ${s.watching ? 'yes' : 'no (another process keeps it fresh, or nobody does)'}`,
  ];
  const emb = s.embedder;
  if (emb) {
    lines.push(`semantic search: ${emb.state}${emb.model ? ` (${emb.model})` : ''}${emb.reason ? `: ${emb.reason}` : ''}`);
    if (emb.fix) lines.push(`to fix: ${emb.fix.label}: ${emb.fix.value}`);
  }
  else lines.push(`semantic search: ${s.vectorExtension.loaded ? 'no embedder configured (keyword search)' : 'unavailable (keyword search)'}`);
  return lines.join('\n');
}

/** A tool's answer: its text, and the same as structured content when given. */
export const toolText = (t: string, structured?: Record<string, unknown>): CallToolResult => ({
  content: [{ type: 'text', text: t }],
  ...(structured ? { structuredContent: structured } : {}),
});
