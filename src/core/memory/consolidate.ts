/**
 * Consolidation: a session's events become proposed durable memories, which the user accepts or
 * edits before anything is written. The session records how far it has been consolidated
 * (state.consolidation: unconsolidated -> consolidating -> consolidated, and the last event
 * read), so running it again proposes only what happened since.
 *
 * Without a chat model the proposal is extractive: the questions asked, the documents opened, and
 * each answer with the passages it cited. With one, the host asks the model (modelPrompt) and
 * reads its reply back (parseModelProposals); a reply that cannot be read falls back to extractive.
 */
import type { SessionEvent } from '../sessions/types';
import type { MemoryStore } from '../storage/memory';
import type { SessionStore } from '../storage/sessions';
import { checkKey, checkNamespace, checkType, type MemoryType, namespaceSegment, valueJson } from './types';

export type ConsolidationStatus = 'unconsolidated' | 'consolidating' | 'consolidated';

export interface ConsolidationState {
  status: ConsolidationStatus;
  /** The last event that was consolidated (0: none). */
  throughEventId: number;
  at?: number;
  /** How many memories the last run wrote. */
  written?: number;
}

export interface Proposal {
  namespace: string;
  key: string;
  value: unknown;
  type: MemoryType;
  /** Why it is proposed (shown beside it). */
  reason: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const MAX_ITEMS = 20;

/** "How is the staging DB reset?" -> "staging-db-reset": a key from the words that say something. */
export function keyFromText(text: string, max = 40): string {
  const filler = new Set('a an the is are was were be do does did how what when where why which who to of in on at for by with and or i we you it this that our my can should'.split(' '));
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !filler.has(w));
  let key = '';
  for (const w of words) {
    if ((key ? key.length + 1 : 0) + w.length > max) break;
    key = key ? `${key}-${w}` : w;
  }
  return key || 'note';
}

export function consolidationOf(state: Record<string, unknown>): ConsolidationState {
  const c = state.consolidation as Partial<ConsolidationState> | undefined;
  return { status: c?.status ?? 'unconsolidated', throughEventId: Number(c?.throughEventId) || 0, ...(c?.at ? { at: c.at } : {}), ...(c?.written !== undefined ? { written: c.written } : {}) };
}

/** The extractive proposal from the events after `throughEventId`. */
export function extractProposals(events: SessionEvent[], opts: { sessionId: string; namespace: string; throughEventId?: number }): Proposal[] {
  const fresh = events.filter((e) => e.id > (opts.throughEventId ?? 0));
  const questions = [...new Set(fresh.flatMap((e) => (e.type === 'chat.request' ? [str(e.payload.prompt)] : e.type === 'search' ? [str(e.payload.query)] : [])).filter(Boolean))];
  const opened = [...new Set(fresh.filter((e) => e.type === 'open').map((e) => str(e.payload.path)).filter(Boolean))];
  const out: Proposal[] = [];
  const sessionNs = `session:${namespaceSegment(opts.sessionId, 'session')}`;
  if (questions.length) out.push({ namespace: sessionNs, key: 'questions', value: questions.slice(-MAX_ITEMS), type: 'episodic', reason: `${questions.length} question(s) and search(es) in this session` });
  if (opened.length) out.push({ namespace: sessionNs, key: 'documents-opened', value: opened.slice(-MAX_ITEMS), type: 'episodic', reason: `${opened.length} document(s) opened` });
  // Each answer that cited passages: the question, the answer's first sentences, where it came from.
  let asked = '';
  for (const e of fresh) {
    if (e.type === 'chat.request') asked = str(e.payload.prompt);
    if (e.type !== 'chat.response' || !asked) continue;
    const refs = Array.isArray(e.payload.references) ? (e.payload.references as Array<{ path?: string; startLine?: number; endLine?: number }>) : [];
    const text = str(e.payload.text);
    if (!refs.length || !text || e.payload.error || e.payload.cancelled) continue;
    const answer = text.replace(/\s+/g, ' ').split(/(?<=[.!?])\s/).slice(0, 3).join(' ').slice(0, 600);
    out.push({
      namespace: opts.namespace,
      key: keyFromText(asked),
      value: { question: asked, answer, sources: refs.slice(0, 5).map((r) => `${r.path}:${r.startLine}-${r.endLine}`) },
      type: 'semantic',
      reason: `answered from ${refs.length} cited passage(s)`,
    });
    asked = '';
  }
  return out;
}

/** The instruction a chat model gets to propose memories from a session's transcript. */
export function modelPrompt(events: SessionEvent[], namespace: string, throughEventId = 0): string {
  const lines = events.filter((e) => e.id > throughEventId).flatMap((e) => {
    if (e.type === 'chat.request') return [`USER: ${str(e.payload.prompt)}`];
    if (e.type === 'chat.response') return [`ASSISTANT: ${str(e.payload.text).slice(0, 2000)}`];
    if (e.type === 'search') return [`SEARCHED: ${str(e.payload.query)}`];
    if (e.type === 'open') return [`OPENED: ${str(e.payload.path)}`];
    return [];
  });
  return [
    'From this work session, propose the durable facts, preferences and procedures worth remembering for later sessions.',
    'Only what the session established (not guesses); at most 8; nothing already obvious from a single document title.',
    `Reply with JSON only: [{"namespace": "${namespace}" or a more specific "${namespace}:<topic>", "key": "short-kebab-name", "value": "one or two sentences", "type": "semantic" | "procedural" | "episodic"}].`,
    '',
    ...lines,
  ].join('\n');
}

/** Reads a model's reply (JSON, possibly fenced or with prose around it) into proposals; [] when it cannot. */
export function parseModelProposals(reply: string, namespace: string): Proposal[] {
  const start = reply.indexOf('[');
  const end = reply.lastIndexOf(']');
  if (start < 0 || end <= start) return [];
  let data: unknown;
  try {
    data = JSON.parse(reply.slice(start, end + 1));
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const out: Proposal[] = [];
  for (const d of data.slice(0, 20)) {
    const p = d as Record<string, unknown>;
    try {
      const ns = checkNamespace(typeof p.namespace === 'string' && (p.namespace === namespace || p.namespace.startsWith(`${namespace}:`)) ? p.namespace : namespace);
      const key = checkKey(typeof p.key === 'string' ? keyFromText(p.key.replace(/-/g, ' '), 60) : keyFromText(String(p.value ?? '')));
      const type = checkType(typeof p.type === 'string' ? p.type : undefined);
      if (p.value === undefined || p.value === null || p.value === '') continue;
      valueJson(p.value);
      out.push({ namespace: ns, key, value: p.value, type, reason: 'proposed by the chat model' });
    } catch {
      /* a proposal that does not check out is left out */
    }
  }
  return out;
}

/** Leaves out proposals whose value is already what is remembered under that key; two proposals with one key get -2, -3... */
export async function onlyNew(memory: MemoryStore, proposals: Proposal[]): Promise<Proposal[]> {
  const out: Proposal[] = [];
  const taken = new Set<string>();
  for (const raw of proposals) {
    let p = raw;
    for (let n = 2; taken.has(`${p.namespace} ${p.key}`); n++) p = { ...raw, key: `${raw.key}-${n}` };
    taken.add(`${p.namespace} ${p.key}`);
    const now = await memory.recall(p.namespace, p.key);
    if (now && JSON.stringify(now.value) === JSON.stringify(p.value)) continue;
    out.push(p);
  }
  return out;
}

/** Marks a session as being consolidated; returns its state before, and its events. */
export async function beginConsolidation(sessions: SessionStore, sessionId: string, now = Date.now()): Promise<{ before: ConsolidationState; events: SessionEvent[] }> {
  const session = await sessions.get(sessionId);
  if (!session) throw new Error(`No session with id "${sessionId}".`);
  const before = consolidationOf(session.state);
  await sessions.setState(sessionId, { ...session.state, consolidation: { ...before, status: 'consolidating', at: now } });
  return { before, events: await sessions.events(sessionId) };
}

/**
 * Writes the accepted proposals (audited as 'consolidate', with the session) and records the session
 * as consolidated through `throughEventId`. Nothing accepted still moves the mark: those events were read.
 */
export async function finishConsolidation(
  sessions: SessionStore,
  memory: MemoryStore,
  sessionId: string,
  accepted: Proposal[],
  throughEventId: number,
  opts: { by?: string; now?: number } = {},
): Promise<number> {
  for (const p of accepted) await memory.remember(p.namespace, p.key, p.value, { type: p.type, by: opts.by, sessionId, operation: 'consolidate', metadata: { reason: p.reason } });
  const session = await sessions.get(sessionId);
  if (session) {
    await sessions.setState(sessionId, { ...session.state, consolidation: { status: 'consolidated', throughEventId, at: opts.now ?? Date.now(), written: accepted.length } });
  }
  return accepted.length;
}

/** A run that was cancelled puts the session back as it was. */
export async function abandonConsolidation(sessions: SessionStore, sessionId: string, before: ConsolidationState): Promise<void> {
  const session = await sessions.get(sessionId);
  if (session) await sessions.setState(sessionId, { ...session.state, consolidation: before });
}

export interface ConsolidationProposal {
  before: ConsolidationState;
  proposals: Proposal[];
  /** The last event read: finishConsolidation records the session as consolidated through it. */
  throughEventId: number;
  /** How many events were new since the last run. */
  newEvents: number;
  source: 'model' | 'extractive';
  /** Why the model's proposal was not used, when one was asked for. */
  modelNote?: string;
}

/**
 * Begins a run over a session: marks it consolidating and proposes memories from its new events,
 * by the model when one is given (falling back to extractive when its reply cannot be used), then
 * leaves out what is already remembered as proposed. The host shows the proposals, then calls
 * finishConsolidation with what the user accepted (or abandonConsolidation).
 */
export async function proposeConsolidation(
  sessions: SessionStore,
  memory: MemoryStore,
  sessionId: string,
  opts: { namespace: string; model?: (prompt: string) => Promise<string>; now?: number },
): Promise<ConsolidationProposal> {
  const { before, events } = await beginConsolidation(sessions, sessionId, opts.now);
  const throughEventId = events.reduce((m, e) => Math.max(m, e.id), before.throughEventId);
  const newEvents = events.filter((e) => e.id > before.throughEventId).length;
  try {
    let proposals: Proposal[] = [];
    let source: ConsolidationProposal['source'] = 'extractive';
    let modelNote: string | undefined;
    if (newEvents && opts.model) {
      try {
        proposals = parseModelProposals(await opts.model(modelPrompt(events, opts.namespace, before.throughEventId)), opts.namespace);
        if (proposals.length) source = 'model';
        else modelNote = 'the model proposed nothing that could be used';
      } catch (err) {
        modelNote = `the model could not be used: ${(err as Error).message}`;
      }
    }
    if (newEvents && source === 'extractive') proposals = extractProposals(events, { sessionId, namespace: opts.namespace, throughEventId: before.throughEventId });
    return { before, proposals: await onlyNew(memory, proposals), throughEventId, newEvents, source, ...(modelNote ? { modelNote } : {}) };
  } catch (err) {
    await abandonConsolidation(sessions, sessionId, before);
    throw err;
  }
}
