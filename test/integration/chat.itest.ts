// @lore inside the real extension host, on test/fixtures/workspace: the handler is driven directly
// with fake requests and a recording response stream (code-server has no chat model, so the model
// path uses a scripted LanguageModelChat), against the extension's own index via activate()'s `access`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as vscode from 'vscode';
import { handleChatRequest } from '../../src/extension/chat/participant';
import { NO_MODEL_NOTE } from '../../src/extension/chat/format';
import type { LoreAccess } from '../../src/extension/loreAccess';
import { loreApi } from './extApi';
import { RecordingStream, request, scriptedModel } from './chatFakes';

const ADR = 'docs/adr/0002-use-postgres-for-the-ledger.md';
const DESIGN = 'docs/design/reconciliation-engine.md';

async function getAccess(): Promise<LoreAccess> {
  return (await loreApi()).access;
}

const noHistory = { history: [] } as vscode.ChatContext;
const never = new vscode.CancellationTokenSource().token;

function messageText(m: vscode.LanguageModelChatMessage): string {
  return m.content.map((p) => (p as { value?: unknown }).value).filter((v) => typeof v === 'string').join('');
}

/** The lines a reference points at, read from disk. */
function linesAt(loc: vscode.Location): string {
  const lines = fs.readFileSync(loc.uri.fsPath, 'utf8').split('\n');
  return lines.slice(loc.range.start.line, loc.range.end.line + 1).join('\n');
}

describe('@lore chat participant', function () {
  let access: LoreAccess;
  before(async function () {
    this.timeout(60_000);
    access = await getAccess();
  });

  it('without a language model, replies with the passages and references to the right file and lines', async () => {
    const stream = new RecordingStream();
    const result = await handleChatRequest(access, request('Why did we choose PostgreSQL for the ledger?'), noHistory, stream as unknown as vscode.ChatResponseStream, never, { newId: () => 'itest-nomodel' });
    assert.equal(result.errorDetails, undefined);
    assert.ok(stream.text.includes(NO_MODEL_NOTE), stream.text);
    const refs = stream.references;
    const adr = refs.find((r) => r.uri.fsPath.endsWith(ADR));
    assert.ok(adr, `no reference to ${ADR}: ${refs.map((r) => r.uri.fsPath).join(', ')}`);
    assert.match(linesAt(adr), /PostgreSQL/);
    assert.ok(adr.range.start.line >= 7, 'the reference points into the document, not at its front matter');
    // Each passage is also an anchor the user can click, labelled path:lines.
    assert.ok(stream.parts.some((p) => p.kind === 'anchor' && p.title?.startsWith(`${ADR}:`)));
    assert.equal((result.metadata as { fallback?: string }).fallback, 'noModel');
  });

  it('with a model: sends only the retrieved passages and the question, streams the answer, references what it cites', async () => {
    const { model, calls } = scriptedModel(['The ledger uses PostgreSQL 16 ', 'as its single store [1].']);
    const stream = new RecordingStream();
    const result = await handleChatRequest(access, request('Which database stores the ledger?', { model }), noHistory, stream as unknown as vscode.ChatResponseStream, never);
    assert.equal(calls.length, 1);
    const prompt = calls[0].map(messageText).join('\n');
    assert.match(prompt, /Answer ONLY from the passages/);
    assert.match(prompt, /\[1\] docs\/adr\/0002-use-postgres-for-the-ledger\.md:\d+-\d+/);
    assert.match(prompt, /Question: Which database stores the ledger\?/);
    assert.ok(stream.text.includes('The ledger uses PostgreSQL 16 as its single store [1].'));
    assert.equal(stream.references.length, 1, 'only the cited passage is attached');
    assert.ok(stream.references[0].uri.fsPath.endsWith(ADR));
    assert.equal((result.metadata as { fallback?: string }).fallback, undefined);
  });

  describe('a question about the open markdown file', () => {
    /** Opens the design doc with the cursor on line 20, in "### Fuzzy matching" (lines 18-22; the roadmap links there from its line 10). */
    before(async () => {
      const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(access.lores()[0].folder.uri, DESIGN));
      editor.selection = new vscode.Selection(19, 4, 19, 4);
    });
    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('"this doc": the model gets the open section and what relates to it, and the passages it cites are references', async () => {
      let roadmapN = 0;
      const { model, calls } = scriptedModel((messages) => {
        const prompt = messages.map(messageText).join('\n');
        roadmapN = Number(/\n\[(\d+)\] plans\/2024-q3-roadmap\.md:[^\n]*links to the open document \(#fuzzy-matching\)/.exec(prompt)?.[1] ?? 0);
        return ['This section is tuned by the roadmap ', `[${roadmapN}] and is the open section [1].`];
      });
      const stream = new RecordingStream();
      const result = await handleChatRequest(access, request('What else covers this doc?', { model }), noHistory, stream as unknown as vscode.ChatResponseStream, never);
      assert.equal(result.errorDetails, undefined);
      assert.equal(calls.length, 1);
      const prompt = calls[0].map(messageText).join('\n');
      assert.match(prompt, /The user has docs\/design\/reconciliation-engine\.md \("Reconciliation engine design"\) open in the editor, with the cursor at line 20 in section "Reconciliation engine design > Matching > Fuzzy matching" \(lines 18-22\)\./);
      assert.match(prompt, /Passages:\n\n\[1\] docs\/design\/reconciliation-engine\.md:18-22 \| title: Reconciliation engine design \| section: Reconciliation engine design > Matching > Fuzzy matching \| the open section, where the cursor is\n<<<\n### Fuzzy matching\n\nLines left over are compared with a weighted score/);
      assert.ok(roadmapN > 1, `the roadmap's link to the section is a passage: ${prompt}`);
      assert.match(prompt, /\| similar to the open section\n<<<\n/);
      assert.doesNotMatch(prompt, /Searching the docs/);
      assert.ok(!stream.parts.some((p) => p.kind === 'progress' && /Searching the docs/.test(p.value)), 'no search: Lore.related');
      assert.ok(stream.text.includes(`This section is tuned by the roadmap [${roadmapN}] and is the open section [1].`));
      // The cited passages, and only those, are the references: the roadmap's lines and the open section.
      assert.equal(stream.references.length, 2);
      const roadmap = stream.references.find((r) => r.uri.fsPath.endsWith('plans/2024-q3-roadmap.md'));
      assert.ok(roadmap, stream.references.map((r) => r.uri.fsPath).join(', '));
      assert.match(linesAt(roadmap), /\[reconciliation engine design\]\(\.\.\/docs\/design\/reconciliation-engine\.md#fuzzy-matching\)/);
      const open = stream.references.find((r) => r.uri.fsPath.endsWith(DESIGN));
      assert.ok(open);
      assert.deepEqual([open.range.start.line, open.range.end.line], [17, 21]);
    });

    it('without a model: the passages related to the open file, each a clickable anchor', async () => {
      const stream = new RecordingStream();
      const result = await handleChatRequest(access, request('what links here?'), noHistory, stream as unknown as vscode.ChatResponseStream, never);
      assert.equal((result.metadata as { fallback?: string }).fallback, 'noModel');
      assert.ok(stream.text.includes(NO_MODEL_NOTE), stream.text);
      assert.match(stream.text, /What relates to `docs\/design\/reconciliation-engine\.md` in section “Reconciliation engine design \\> Matching \\> Fuzzy matching” \(lines 18-22\): \d+ similar( \(by (keywords: .+|meaning)\))?, 1 linking here, 0 linked from it\./);
      assert.ok(stream.parts.some((p) => p.kind === 'anchor' && p.title === `${DESIGN}:18-22`));
      assert.ok(stream.parts.some((p) => p.kind === 'anchor' && p.title?.startsWith('plans/2024-q3-roadmap.md:')));
      // The passage the roadmap's link is on says so (as markdown: "\(\#fuzzy-matching\)").
      assert.match(stream.text, /\*\*\d\. Q3 2024 roadmap\*\* — plans\/2024-q3-roadmap\.md:[^\n]*links to the open document \\\(\\#fuzzy-matching\\\)\*\n/);
      assert.ok(stream.references.some((r) => r.uri.fsPath.endsWith(DESIGN)));
    });

    it('"this doc" with a topic: the related passages first, then what a search for the topic finds; citations of either are references', async () => {
      let searchN = 0;
      const { model, calls } = scriptedModel((messages) => {
        const prompt = messages.map(messageText).join('\n');
        searchN = Number(/\n\[(\d+)\] [^\n]*\| found by searching for "PostgreSQL ledger"\n/.exec(prompt)?.[1] ?? 0);
        return ['The open section is about fuzzy matching [1]; the ledger is described in ', `[${searchN}].`];
      });
      const stream = new RecordingStream();
      const result = await handleChatRequest(access, request('What does this doc say about the PostgreSQL ledger?', { model }), noHistory, stream as unknown as vscode.ChatResponseStream, never);
      assert.equal(result.errorDetails, undefined);
      const prompt = calls[0].map(messageText).join('\n');
      assert.match(prompt, /The user has docs\/design\/reconciliation-engine\.md \("Reconciliation engine design"\) open in the editor/);
      assert.match(prompt, /After them come passages from a search of all the workspace's documents for the question's words \("PostgreSQL ledger"\)/);
      assert.match(prompt, /Passages:\n\n\[1\] docs\/design\/reconciliation-engine\.md:18-22 [^\n]*\| the open section, where the cursor is\n/);
      assert.ok(stream.parts.some((p) => p.kind === 'progress' && p.value === 'Searching the docs for “PostgreSQL ledger”…'));
      // Every related passage comes before every search result, and no lines are given twice.
      const passages = [...prompt.matchAll(/\n\[(\d+)\] ([^:\n]+):(\d+)-(\d+) [^\n]*\| ([^|\n]+)\n<<</g)].map((m) => ({
        n: Number(m[1]), path: m[2], start: Number(m[3]), end: Number(m[4]), searched: m[5].startsWith('found by searching'),
      }));
      const firstSearched = passages.findIndex((p) => p.searched);
      assert.ok(searchN > 1 && firstSearched > 0, prompt);
      assert.ok(passages.slice(firstSearched).every((p) => p.searched), passages.map((p) => `${p.n}:${p.searched}`).join(' '));
      for (const [i, a] of passages.entries()) {
        for (const b of passages.slice(i + 1)) assert.ok(a.path !== b.path || a.end < b.start || b.end < a.start, `[${a.n}] and [${b.n}] overlap`);
      }
      // Both cited passages are the references: the open section and the one the search found.
      const searched = passages.find((p) => p.n === searchN)!;
      assert.equal(stream.references.length, 2);
      assert.ok(stream.references.some((r) => r.uri.fsPath.endsWith(searched.path) && r.range.start.line === searched.start - 1), stream.references.map((r) => r.uri.fsPath).join(', '));
      assert.ok(stream.references.some((r) => r.uri.fsPath.endsWith(DESIGN)));
    });

    it('other questions keep searching, even with a markdown file open', async () => {
      const { model, calls } = scriptedModel(['PostgreSQL [1].']);
      const stream = new RecordingStream();
      await handleChatRequest(access, request('Which database stores the ledger?', { model }), noHistory, stream as unknown as vscode.ChatResponseStream, never);
      const prompt = calls[0].map(messageText).join('\n');
      assert.doesNotMatch(prompt, /open in the editor/);
      assert.match(prompt, /\[1\] docs\/adr\/0002-use-postgres-for-the-ledger\.md:\d+-\d+/);
    });
  });

  it('/search lists the passages without calling the model', async () => {
    const { model, calls } = scriptedModel(['should not be called']);
    const stream = new RecordingStream();
    await handleChatRequest(access, request('fuzzy matching score', { command: 'search', model }), noHistory, stream as unknown as vscode.ChatResponseStream, never);
    assert.equal(calls.length, 0);
    assert.match(stream.text, /passages? for “fuzzy matching score”/);
    const ref = stream.references.find((r) => r.uri.fsPath.endsWith('docs/design/reconciliation-engine.md'));
    assert.ok(ref, 'the design doc is referenced');
    assert.match(linesAt(ref), /weighted score/);
  });

  it('declined consent or a blocked model falls back to the passages with a readable reason', async () => {
    for (const [err, kind, words] of [
      [vscode.LanguageModelError.NoPermissions('denied'), 'consent', /not allowed to use the language model/],
      [vscode.LanguageModelError.Blocked('quota'), 'blocked', /quota or rate limit/],
    ] as const) {
      const { model } = scriptedModel(err);
      const stream = new RecordingStream();
      const result = await handleChatRequest(access, request('PostgreSQL ledger', { model }), noHistory, stream as unknown as vscode.ChatResponseStream, never);
      assert.equal((result.metadata as { fallback?: string }).fallback, kind);
      assert.match(stream.text, words);
      assert.ok(stream.references.some((r) => r.uri.fsPath.endsWith(ADR)));
    }
  });

  it('says plainly when nothing relevant is indexed', async () => {
    const stream = new RecordingStream();
    const result = await handleChatRequest(access, request('zebra xylophone quasar'), noHistory, stream as unknown as vscode.ChatResponseStream, never);
    assert.match(stream.text, /I found nothing in the \d+ indexed documents about “zebra xylophone quasar”/);
    assert.equal(stream.references.length, 0);
    assert.equal((result.metadata as { resultCount: number }).resultCount, 0);
  });

  it('a cancelled request does no search; cancelling mid-answer stops the stream', async () => {
    let searches = 0;
    // The extension's own access object, with its search counted.
    const counting = new Proxy(access, {
      get(target, prop) {
        if (prop === 'search') {
          return (q: string, o?: Parameters<LoreAccess['search']>[1]) => {
            searches++;
            return target.search(q, o);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const cancelled = new vscode.CancellationTokenSource();
    cancelled.cancel();
    const s1 = new RecordingStream();
    const r1 = await handleChatRequest(counting, request('PostgreSQL ledger'), noHistory, s1 as unknown as vscode.ChatResponseStream, cancelled.token);
    assert.equal(searches, 0);
    assert.equal((r1.metadata as { cancelled?: boolean }).cancelled, true);
    assert.equal(s1.references.length, 0);

    const cts = new vscode.CancellationTokenSource();
    const { model } = scriptedModel(['first part. ', 'second part. ', 'third part [1].'], { delayMs: 20 });
    const s2 = new RecordingStream();
    s2.onMarkdown = (v) => v.includes('first part') && cts.cancel();
    const r2 = await handleChatRequest(counting, request('PostgreSQL ledger', { model }), noHistory, s2 as unknown as vscode.ChatResponseStream, cts.token);
    assert.equal((r2.metadata as { cancelled?: boolean }).cancelled, true);
    assert.ok(s2.text.includes('first part.'));
    assert.ok(!s2.text.includes('third part'), s2.text);
  });

  it('records every turn of a conversation in one session, found again by /sessions', async () => {
    const store = access.sessions();
    assert.ok(store, 'session history is available');
    const s1 = new RecordingStream();
    const first = await handleChatRequest(access, request('How are manifests imported twice handled?'), noHistory, s1 as unknown as vscode.ChatResponseStream, never, { newId: () => `itest-${Date.now()}` });
    const sessionId = (first.metadata as { loreSessionId: string }).loreSessionId;
    // The next request of the same conversation carries the first turn in its history.
    const history = {
      history: [
        { prompt: 'How are manifests imported twice handled?', command: undefined, participant: 'lore.chat', references: [], toolReferences: [] },
        { response: [], result: first, participant: 'lore.chat' },
      ],
    } as unknown as vscode.ChatContext;
    const s2 = new RecordingStream();
    const second = await handleChatRequest(access, request('and what does the roadmap say about it?'), history, s2 as unknown as vscode.ChatResponseStream, never, { newId: () => 'must-not-be-used' });
    assert.equal((second.metadata as { loreSessionId: string }).loreSessionId, sessionId);

    const events = (await store.events(sessionId));
    assert.deepEqual(events.map((e) => e.type), ['chat.request', 'chat.response', 'chat.request', 'chat.response']);
    assert.equal(events[0].payload.prompt, 'How are manifests imported twice handled?');
    const refs = events[1].payload.references as { path: string; startLine: number; endLine: number }[];
    assert.ok(refs.some((r) => r.path === 'docs/adr/0003-idempotent-manifest-import.md' && r.startLine >= 1 && r.endLine >= r.startLine), JSON.stringify(refs));
    assert.equal((await store.get(sessionId))?.title, 'How are manifests imported twice handled?');

    const s3 = new RecordingStream();
    await handleChatRequest(access, request('what did I ask about manifests?', { command: 'sessions' }), noHistory, s3 as unknown as vscode.ChatResponseStream, never);
    assert.match(s3.text, /What you looked for about “manifests”/);
    assert.match(s3.text, /asked @lore “How are manifests imported twice handled\?”/);
  });

  it('/status reports the index', async () => {
    const stream = new RecordingStream();
    await handleChatRequest(access, request('', { command: 'status' }), noHistory, stream as unknown as vscode.ChatResponseStream, never);
    assert.match(stream.text, /\d+ documents, \d+ chunks/);
    assert.match(stream.text, /Embeddings:/);
  });
});
