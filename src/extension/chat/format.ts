// Markdown the @lore participant writes when it is not streaming a model's answer: passages,
// sessions, status, readable model errors, follow-ups. Pure: plain data in, strings out.

import { cutText, lineLabel, type Passage } from '../../core/search/passages';
import { retrievalQuery } from './prompt';

/** Escapes text for inline markdown (titles, headings, queries). */
export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, '\\$&').replace(/\s+/g, ' ').trim();
}

/** Text as a markdown block quote (so headings, fences and lists inside stay inside the quote). */
export function quote(text: string, maxChars = 600): string {
  return cutText(text.trim(), maxChars)
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/**
 * One passage of a results list, in two pieces around the clickable anchor the participant puts
 * between them: `head` + anchor(location, label) + `body`.
 */
export function passageBlock(p: Passage & { relation?: string }, n: number, maxChars = 600): { head: string; label: string; body: string } {
  const where = [p.headingPath && escapeMd(p.headingPath), p.relation && `*${escapeMd(p.relation)}*`, p.stale && '*changed since indexed*'].filter(Boolean).join(' · ');
  return {
    head: `**${n}. ${escapeMd(p.title || p.path)}** — `,
    label: lineLabel(p),
    body: `${where ? ` · ${where}` : ''}\n\n${quote(p.text, maxChars)}\n\n`,
  };
}

/** The participant's id and slash commands, as declared in package.json. */
export const PARTICIPANT_ID = 'lore.chat';
export const CHAT_COMMANDS = ['search', 'sessions', 'status', 'remember', 'recall', 'consolidate'] as const;

export type ModelProblem = 'none' | 'consent' | 'blocked' | 'notFound' | 'offTopic' | 'cancelled' | 'other';

/** Turns a failed model request into a reason the user can act on. `code` is LanguageModelError.code. */
export function describeModelError(err: unknown): { kind: ModelProblem; note: string } {
  const code = typeof err === 'object' && err && 'code' in err ? String((err as { code: unknown }).code) : '';
  const message = err instanceof Error ? err.message : String(err ?? '');
  if (code === 'NoPermissions') {
    return { kind: 'consent', note: 'Lore is not allowed to use the language model (the request for permission was declined or not answered), so here are the passages I found.' };
  }
  if (code === 'Blocked') {
    return { kind: 'blocked', note: 'The language model refused the request for now (blocked, for example because a quota or rate limit was reached), so here are the passages I found.' };
  }
  if (code === 'NotFound') {
    return { kind: 'notFound', note: 'The selected language model is no longer available; pick another model in the chat. Meanwhile, here are the passages I found.' };
  }
  if (/off_topic|off-topic/i.test(message)) {
    return { kind: 'offTopic', note: 'The language model declined to answer (it judged the question off-topic). Here are the passages I found.' };
  }
  if (/cancel/i.test(message) || (err instanceof Error && err.name === 'AbortError')) {
    return { kind: 'cancelled', note: 'Cancelled.' };
  }
  const detail = message ? `: ${message.replace(/\s+/g, ' ').slice(0, 200)}` : '';
  return { kind: 'other', note: `The language model request failed${detail}. Here are the passages I found.` };
}

export const NO_MODEL_NOTE = 'No language model is available here (for example, no Copilot), so here are the passages I found.';

/** What a @lore response remembers in ChatResult.metadata (must stay JSON). */
export interface ChatMeta {
  loreSessionId: string;
  command?: string;
  query: string;
  resultCount: number;
  /** Set when the model did not answer: why. */
  fallback?: ModelProblem | 'noModel';
  cancelled?: boolean;
}

export interface FollowupLike {
  prompt: string;
  label: string;
  command?: string;
}

export function followupsFor(meta: ChatMeta | undefined): FollowupLike[] {
  if (!meta || meta.cancelled) return [];
  const q = meta.query.trim();
  if (meta.command === 'status') return [{ prompt: '', command: 'sessions', label: 'What did I look for recently?' }];
  if (meta.command === 'sessions') return q ? [{ prompt: q, command: 'search', label: `Search the docs for “${cutText(q, 40)}”` }] : [];
  if (meta.command === 'remember' || meta.command === 'consolidate') return [{ prompt: '', command: 'recall', label: 'What does Lore remember?' }];
  if (meta.command === 'recall') return [];
  if (!q) return [];
  if (meta.resultCount === 0) return [{ prompt: '', command: 'status', label: 'Is the index up to date?' }];
  if (meta.command === 'search') return [{ prompt: q, label: 'Answer this from the passages' }];
  return [
    { prompt: q, command: 'search', label: 'Show all matching passages' },
    { prompt: retrievalQuery(q), command: 'sessions', label: 'What did I look for about this before?' },
  ];
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", or the date. */
export function ago(time: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - time) / 1000));
  if (s < 45) return 'just now';
  if (s < 3_600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3_600)} h ago`;
  if (s < 86_400 * 14) return `${Math.round(s / 86_400)} days ago`;
  return new Date(time).toISOString().slice(0, 10);
}

export interface SessionLike {
  id: string;
  title: string;
  status: string;
  lastUpdateTime: number;
  eventCount: number;
}

export interface EventLike {
  type: string;
  payload: Record<string, unknown>;
  time: number;
  sessionTitle?: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** One line describing an event, e.g. `searched “vector index” (4 results)`. */
export function describeEvent(e: EventLike): string {
  const p = e.payload;
  const q = (v: unknown) => `“${escapeMd(cutText(str(v), 80))}”`;
  switch (e.type) {
    case 'search':
      return `searched ${q(p.query)}${typeof p.resultCount === 'number' ? ` (${p.resultCount} results)` : ''}`;
    case 'open':
      return `opened \`${str(p.path)}${p.line ? `:${str(p.line)}` : ''}\``;
    case 'chat.request':
      return `asked @lore ${p.command ? `/${str(p.command)} ` : ''}${q(p.prompt)}`;
    case 'chat.response': {
      const refs = Array.isArray(p.references) ? p.references.length : 0;
      return `@lore replied${refs ? ` citing ${refs} passage${refs === 1 ? '' : 's'}` : ''}`;
    }
    case 'tool': {
      const input = (p.input ?? {}) as Record<string, unknown>;
      return `tool ${str(p.tool)} ${q(input.query ?? input.path ?? '')}`;
    }
    default:
      return escapeMd(e.type);
  }
}

export function formatSessions(sessions: readonly SessionLike[], now = Date.now()): string {
  if (!sessions.length) return 'No sessions recorded yet. Searches, opened results and chats with @lore are recorded here as you work.';
  const lines = sessions.map(
    (s) => `- **${escapeMd(s.title || s.id)}** — ${s.eventCount} event${s.eventCount === 1 ? '' : 's'}, ${ago(s.lastUpdateTime, now)}${s.status === 'archived' ? ' (archived)' : ''}`,
  );
  return `Recent sessions:\n\n${lines.join('\n')}\n`;
}

export function formatEventMatches(query: string, events: readonly EventLike[], now = Date.now()): string {
  if (!events.length) return `Nothing in your session history mentions “${escapeMd(query)}”.`;
  const lines = events.map((e) => `- ${ago(e.time, now)}: ${describeEvent(e)}${e.sessionTitle ? ` — in *${escapeMd(e.sessionTitle)}*` : ''}`);
  return `What you looked for about “${escapeMd(query)}”:\n\n${lines.join('\n')}\n`;
}

/** The parts of a folder's status the /status command shows (the core's LoreStatus fits). */
export interface StatusLike {
  root: string;
  /** The workspace folder's name, when known. */
  folder?: string;
  documents: number;
  chunks: number;
  counts: Record<string, number>;
  lastSyncedAt: number | null;
  indexing?: { phase?: string; done?: number; total?: number } | null;
  watching?: boolean;
  embedder?: { state: string; reason?: string; provider?: string; model?: string; dimensions?: number; fix?: { label: string; value: string } };
  queue?: { pending: number; running: boolean; paused: boolean };
}

export function formatStatus(statuses: readonly StatusLike[], now = Date.now()): string {
  if (!statuses.length) return 'No workspace folder is indexed (open a folder with markdown files).';
  return statuses
    .map((s) => {
      const failed = s.counts.failed ?? 0;
      const stale = (s.counts.stale ?? 0) + (s.counts.pending ?? 0);
      const facts = [
        `${s.documents} documents, ${s.chunks} chunks`,
        failed && `${failed} failed`,
        stale && `${stale} waiting to be re-indexed`,
        s.lastSyncedAt ? `last synced ${ago(s.lastSyncedAt, now)}` : 'never synced',
        s.indexing ? `indexing now${s.indexing.total ? ` (${s.indexing.done ?? 0}/${s.indexing.total})` : ''}` : '',
        s.watching ? 'watching for changes' : 'not watching',
      ].filter(Boolean);
      const lines = [s.folder ? `**${escapeMd(s.folder)}** (\`${s.root.replace(/`/g, '')}\`)` : `**${escapeMd(s.root)}**`, `- Index: ${facts.join(' · ')}`];
      const e = s.embedder;
      if (!e || e.state === 'off') {
        lines.push('- Embeddings: off (keyword search only)');
      } else {
        const what = [e.provider, e.model, e.dimensions && `${e.dimensions} dims`].filter(Boolean).join(', ');
        lines.push(`- Embeddings: ${e.state}${what ? ` (${escapeMd(what)})` : ''}${e.reason ? ` — ${escapeMd(e.reason)}` : ''}`);
        if (e.fix) lines.push(`- To fix: ${escapeMd(e.fix.label)} (\`${e.fix.value.replace(/`/g, '')}\`)`);
      }
      if (s.queue && (s.queue.pending || s.queue.paused)) {
        lines.push(`- Embedding queue: ${s.queue.pending} pending${s.queue.paused ? ', paused' : s.queue.running ? ', running' : ''}`);
      }
      return lines.join('\n');
    })
    .join('\n\n');
}
