// The @lore chat participant: answers questions from the workspace's indexed markdown (a question
// about "this doc" from the open markdown file and what relates to it, related.ts, and a search for
// its other words), with /search, /sessions, /status and the memory commands (/remember, /recall,
// /consolidate: memory.ts), and records every turn in a session (one per conversation).

import * as vscode from 'vscode';
import type { LoreAccess } from '../loreAccess';
import { workspaceRecorder } from '../history';
import { activeFilePath } from '../openFiles';
import { answerWithModel, historyText, showPassages, type Sink, turnsOf } from './answer';
import {
  CHAT_COMMANDS,
  type ChatMeta,
  describeModelError,
  escapeMd,
  followupsFor,
  formatEventMatches,
  formatSessions,
  formatStatus,
  NO_MODEL_NOTE,
  PARTICIPANT_ID,
} from './format';
import { historyQuery, openFileTopic, refersToOpenFile, retrievalQuery } from './prompt';
import { retrieveForOpenFile, withSearchResults } from './related';
import { CancelledError, retrieve, type Retrieved, unlessCancelled } from './retrieve';
import { consolidateInChat, recallInChat, rememberInChat } from './memory';
import { deriveSessionId, sessionTitle } from './session';

export interface ChatHandlerOptions {
  /** Makes a new conversation's session id (tests pin it). */
  newId?: () => string;
  /** Passages retrieved for an answer / for /search. */
  answerK?: number;
  searchK?: number;
}

type ChatCommand = (typeof CHAT_COMMANDS)[number];

/** A ChatResponseStream that also keeps what was said, for the session history. */
export class RecordingSink implements Sink {
  text = '';
  readonly references: { path: string; startLine: number; endLine: number }[] = [];
  constructor(
    private readonly stream: Pick<vscode.ChatResponseStream, 'markdown' | 'anchor' | 'reference' | 'progress'>,
    private readonly multiRoot: boolean,
  ) {}
  markdown(value: string): void {
    this.text += value;
    this.stream.markdown(value);
  }
  anchor(value: vscode.Location, title?: string): void {
    this.text += title ?? '';
    this.stream.anchor(value, title);
  }
  reference(value: vscode.Location): void {
    const ref = {
      path: vscode.workspace.asRelativePath(value.uri, this.multiRoot),
      startLine: value.range.start.line + 1,
      endLine: value.range.end.line + 1,
    };
    if (this.references.some((r) => r.path === ref.path && r.startLine === ref.startLine && r.endLine === ref.endLine)) return;
    this.references.push(ref);
    this.stream.reference(value);
  }
  progress(value: string): void {
    this.stream.progress(value);
  }
}

/** Records a session event in the conversation's session; history is best effort and never fails a reply. */
function record(access: LoreAccess, sessionId: string, type: string, payload: Record<string, unknown>, title?: string) {
  const recorder = workspaceRecorder(access, { policy: 'conversation', idPrefix: 'chat', metadata: () => ({ source: 'chat' }) });
  return recorder.record(type, payload, { hint: title, conversation: sessionId });
}

const RESPONSE_TEXT_MAX = 8_000;

export function createChatHandler(access: LoreAccess, opts: ChatHandlerOptions = {}): vscode.ChatRequestHandler {
  return (request, context, stream, token) => handleChatRequest(access, request, context, stream, token, opts);
}

/** The participant's handler; exported so tests can drive it with a fake request and a recording stream. */
export async function handleChatRequest(
  access: LoreAccess,
  request: vscode.ChatRequest,
  context: vscode.ChatContext,
  stream: vscode.ChatResponseStream,
  token: vscode.CancellationToken,
  opts: ChatHandlerOptions = {},
): Promise<vscode.ChatResult> {
  const turns = turnsOf(context.history);
  const { id: sessionId } = deriveSessionId(turns, opts.newId);
  const command = CHAT_COMMANDS.find((c) => c === request.command);
  const query = request.prompt.trim();
  const first = turns.find((t) => t.kind === 'request') ?? { prompt: request.prompt, command: request.command };
  const title = sessionTitle(first.prompt, first.command);
  const meta: ChatMeta = { loreSessionId: sessionId, ...(command ? { command } : {}), query, resultCount: 0 };
  const requestEvent = await record(access, sessionId, 'chat.request', { prompt: request.prompt, ...(command ? { command } : {}) }, title);
  const sink = new RecordingSink(stream, access.lores().length > 1);
  let errorDetails: vscode.ChatErrorDetails | undefined;
  try {
    if (token.isCancellationRequested) throw new CancelledError();
    if (command === 'status') {
      sink.markdown(await statusText(access));
    } else if (command === 'sessions') {
      await unlessCancelled(access.ready(), token);
      await showSessions(access, sink, query, meta, requestEvent?.id);
    } else if (command === 'remember' || command === 'recall' || command === 'consolidate') {
      await unlessCancelled(access.ready(), token);
      meta.resultCount = command === 'remember' ? await rememberInChat(access, sink, stream, query, context.history, sessionId)
        : command === 'recall' ? await recallInChat(access, sink, query)
        : await consolidateInChat(access, sink, stream, sessionId, request.model as vscode.LanguageModelChat | undefined, token);
    } else {
      await searchAndAnswer(access, request, context, sink, token, meta, command, opts);
    }
    if (token.isCancellationRequested) meta.cancelled = true;
  } catch (err) {
    if (err instanceof CancelledError || token.isCancellationRequested) {
      meta.cancelled = true;
    } else {
      const message = err instanceof Error ? err.message : String(err);
      errorDetails = { message: `Lore could not answer: ${message}` };
    }
  } finally {
    await record(access, sessionId, 'chat.response', {
      text: sink.text.length > RESPONSE_TEXT_MAX ? `${sink.text.slice(0, RESPONSE_TEXT_MAX)}…` : sink.text,
      references: sink.references,
      ...(meta.fallback ? { fallback: meta.fallback } : {}),
      ...(meta.cancelled ? { cancelled: true } : {}),
      ...(errorDetails ? { error: errorDetails.message } : {}),
    });
  }
  return errorDetails ? { metadata: meta, errorDetails } : { metadata: meta };
}

async function statusText(access: LoreAccess): Promise<string> {
  const statuses = await access.status();
  const opening = access.isReady() ? '' : 'Lore is still opening the index.\n\n';
  return opening + formatStatus(statuses);
}

async function showSessions(access: LoreAccess, sink: Sink, query: string, meta: ChatMeta, skipEventId?: number): Promise<void> {
  const store = access.sessions();
  if (!store) {
    sink.markdown('Session history is not available for this workspace (no index is open).');
    return;
  }
  if (query) {
    // Every word must match; when a several-word question finds nothing, any one of its words will do.
    const words = historyQuery(query);
    let events = (await store.findEvents(words, { limit: 20 })).filter((e) => e.id !== skipEventId);
    const split = words.split(' ');
    if (!events.length && split.length > 1) {
      const byId = new Map<number, (typeof events)[number]>();
      for (const w of split) for (const e of await store.findEvents(w, { limit: 20 })) if (e.id !== skipEventId) byId.set(e.id, e);
      events = [...byId.values()].sort((a, b) => b.id - a.id).slice(0, 20);
    }
    meta.resultCount = events.length;
    sink.markdown(formatEventMatches(words, events));
  } else {
    const sessions = await store.list({ limit: 10 });
    meta.resultCount = sessions.length;
    sink.markdown(formatSessions(sessions));
  }
}

async function searchAndAnswer(
  access: LoreAccess,
  request: vscode.ChatRequest,
  context: vscode.ChatContext,
  sink: Sink,
  token: vscode.CancellationToken,
  meta: ChatMeta,
  command: ChatCommand | undefined,
  opts: ChatHandlerOptions,
): Promise<void> {
  const query = meta.query;
  if (!query) {
    sink.markdown(
      command === 'search'
        ? 'What should I search for? For example: `/search retry policy`.'
        : 'Ask me about this workspace’s documents, for example: *Why did we choose this database?* Use `/search` to see matching passages, `/sessions` for your history, `/status` for the index.',
    );
    return;
  }
  // A question about the open markdown file ("what else covers this doc?") is answered from it and
  // what relates to it, and from a search for the question's other words when it has any.
  const aboutOpenFile = !command && refersToOpenFile(query);
  if (aboutOpenFile) sink.progress('Reading the open document and what relates to it…');
  let open = aboutOpenFile ? await retrieveForOpenFile(access, token) : undefined;
  // A question is searched by its topic words; /search takes the words as typed.
  const searchText = command === 'search' ? query : open ? openFileTopic(query) : retrievalQuery(query);
  let found: Retrieved = { passages: [], mode: 'related' };
  if (searchText) {
    const shown = open ? searchText : query;
    sink.progress(`Searching the docs for “${shown.length > 60 ? `${shown.slice(0, 59)}…` : shown}”…`);
    found = await retrieve(access, searchText, { k: command === 'search' ? (opts.searchK ?? 10) : (opts.answerK ?? 8), mode: 'hybrid', fromPath: activeFilePath() }, token);
  }
  if (open) {
    if (searchText) open = withSearchResults(open, found.passages, searchText);
    found = { passages: open.passages, mode: 'related' };
  }
  const withIntro = (note: string) => (open ? `${note}\n\n${open.intro}` : note);
  meta.resultCount = found.passages.length;
  const indexing = (await access.status()).find((s) => s.indexing);
  if (indexing) {
    const n = indexing.indexing?.total ? ` (${indexing.indexing.done ?? 0} of ${indexing.indexing.total} files)` : '';
    sink.markdown(`*Lore is still indexing${n}; documents not indexed yet are not searched.*\n\n`);
  }
  if (!found.passages.length) {
    sink.markdown(await nothingFound(access, query));
    return;
  }
  if (command === 'search') {
    const how = found.fallbackReason ? ` (${found.mode} search: ${escapeMd(found.fallbackReason)})` : '';
    sink.markdown(`${found.passages.length} passage${found.passages.length === 1 ? '' : 's'} for “${escapeMd(query)}”${how}:\n\n`);
    showPassages(sink, found.passages);
    return;
  }
  const model = request.model as vscode.LanguageModelChat | undefined;
  if (!model) {
    meta.fallback = 'noModel';
    showPassages(sink, found.passages, withIntro(NO_MODEL_NOTE));
    return;
  }
  sink.progress(`Reading ${found.passages.length} passages…`);
  let streamed = 0;
  const counting: Sink = {
    markdown: (v) => {
      streamed += v.length;
      sink.markdown(v);
    },
    anchor: (v, t) => sink.anchor(v, t),
    reference: (v) => sink.reference(v),
    progress: (v) => sink.progress(v),
  };
  try {
    await answerWithModel(model, query, found.passages, historyText(context.history), counting, token, open?.context);
  } catch (err) {
    if (token.isCancellationRequested) throw new CancelledError();
    const problem = describeModelError(err);
    meta.fallback = problem.kind;
    if (streamed) sink.markdown('\n\n---\n\n');
    showPassages(sink, found.passages, withIntro(problem.note));
  }
}

async function nothingFound(access: LoreAccess, query: string): Promise<string> {
  const statuses = await access.status();
  const documents = statuses.reduce((n, s) => n + (s.documents ?? 0), 0);
  if (!documents) return 'The index has no documents yet: Lore indexes the markdown files (`.md`, `.markdown`, `.mdx`) of the open folders. Try again once indexing has finished (`/status`).';
  return `I found nothing in the ${documents} indexed documents about “${escapeMd(query)}”. Try other words, or \`/search\` with a shorter query.`;
}

/** Registers @lore (when this VS Code has the chat API) with its icon, follow-ups and feedback recording. */
export function registerChat(context: vscode.ExtensionContext, access: LoreAccess, opts: ChatHandlerOptions = {}): vscode.Disposable {
  if (typeof vscode.chat?.createChatParticipant !== 'function') return new vscode.Disposable(() => undefined);
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, createChatHandler(access, opts));
  participant.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'lore-chat.svg');
  participant.followupProvider = {
    provideFollowups: (result) =>
      followupsFor(result.metadata as ChatMeta | undefined).map((f) => ({ prompt: f.prompt, label: f.label, ...(f.command ? { command: f.command } : {}) })),
  };
  const feedback = participant.onDidReceiveFeedback((f) => {
    const meta = f.result.metadata as ChatMeta | undefined;
    if (!meta?.loreSessionId) return;
    record(access, meta.loreSessionId, 'chat.feedback', { helpful: f.kind === vscode.ChatResultFeedbackKind.Helpful, query: meta.query });
  });
  return vscode.Disposable.from(participant, feedback);
}
