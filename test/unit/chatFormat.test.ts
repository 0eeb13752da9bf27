import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ago,
  describeModelError,
  escapeMd,
  followupsFor,
  formatEventMatches,
  formatSessions,
  formatStatus,
  passageBlock,
  quote,
} from '../../src/extension/chat/format';
import { deriveSessionId, sessionTitle } from '../../src/extension/chat/session';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('chat format: passages without a model', () => {
  it('quotes passage text so markdown inside stays inside the quote', async () => {
    assert.equal(quote('# Heading\n```\ncode\n```'), '> # Heading\n> ```\n> code\n> ```');
  });

  it('renders title, file:lines label, section and the stale mark', async () => {
    const b = passageBlock(
      { path: 'docs/adr/0003.md', title: 'Use *SQLite*', headingPath: 'Decision', startLine: 5, endLine: 9, text: 'We chose SQLite.', score: 1, stale: true, documentType: 'adr' },
      2,
    );
    assert.equal(b.head, '**2. Use \\*SQLite\\*** — ');
    assert.equal(b.label, 'docs/adr/0003.md:5-9');
    assert.match(b.body, /Decision · \*changed since indexed\*/);
    assert.match(b.body, /> We chose SQLite\./);
  });

  it('escapes markdown in user-visible inline text', async () => {
    assert.equal(escapeMd('a [link](x) `code`\n#tag'), 'a \\[link\\]\\(x\\) \\`code\\` \\#tag');
  });
});

describe('chat format: model errors read as reasons', () => {
  it('maps LanguageModelError codes and off-topic refusals', async () => {
    const err = (code: string, message = '') => Object.assign(new Error(message), { code });
    assert.equal(describeModelError(err('NoPermissions')).kind, 'consent');
    assert.match(describeModelError(err('Blocked')).note, /quota/);
    assert.equal(describeModelError(err('NotFound')).kind, 'notFound');
    assert.equal(describeModelError(err('Unknown', 'Response got filtered: off_topic')).kind, 'offTopic');
    const other = describeModelError(new Error('socket hang up'));
    assert.equal(other.kind, 'other');
    assert.match(other.note, /socket hang up/);
  });
});

describe('chat format: follow-ups', () => {
  it('offers the passages after an answer, an answer after /search, and /status when nothing was found', async () => {
    const base = { loreSessionId: 's', query: 'vector store', resultCount: 3 };
    assert.deepEqual(followupsFor(base).map((f) => f.command), ['search', 'sessions']);
    assert.deepEqual(followupsFor({ ...base, command: 'search' }), [{ prompt: 'vector store', label: 'Answer this from the passages' }]);
    assert.equal(followupsFor({ ...base, resultCount: 0 })[0].command, 'status');
    assert.deepEqual(followupsFor({ ...base, cancelled: true }), []);
    assert.deepEqual(followupsFor(undefined), []);
  });
});

describe('chat format: sessions and status', () => {
  it('lists sessions with counts and relative times', async () => {
    const text = formatSessions([{ id: 'a', title: 'Vectors', status: 'active', lastUpdateTime: NOW - 5 * 60_000, eventCount: 3 }], NOW);
    assert.match(text, /- \*\*Vectors\*\* — 3 events, 5 min ago/);
    assert.match(formatSessions([], NOW), /No sessions recorded yet/);
  });

  it('describes matching events of every type', async () => {
    const text = formatEventMatches(
      'vector',
      [
        { type: 'search', payload: { query: 'vector index', resultCount: 4 }, time: NOW - 2 * 3_600_000, sessionTitle: 'Morning' },
        { type: 'chat.request', payload: { prompt: 'how are vectors stored?', command: 'search' }, time: NOW },
        { type: 'tool', payload: { tool: 'lore_search', input: { query: 'vector' } }, time: NOW },
      ],
      NOW,
    );
    assert.match(text, /- 2 h ago: searched “vector index” \(4 results\) — in \*Morning\*/);
    assert.match(text, /asked @lore \/search “how are vectors stored\?”/);
    assert.match(text, /tool lore_search “vector”/);
    assert.match(formatEventMatches('zebra', [], NOW), /Nothing in your session history mentions “zebra”/);
  });

  it('shows index counts, failures and the embedder state with its fix', async () => {
    const text = formatStatus(
      [
        {
          root: '/ws',
          documents: 12,
          chunks: 80,
          counts: { synced: 10, failed: 1, stale: 1, pending: 0 },
          lastSyncedAt: NOW - 60_000,
          watching: true,
          embedder: { state: 'degraded', reason: 'Ollama is not running', provider: 'ollama', model: 'nomic-embed-text', fix: { label: 'Start Ollama', value: 'ollama serve' } },
          queue: { pending: 4, running: false, paused: true },
        },
      ],
      NOW,
    );
    assert.match(text, /12 documents, 80 chunks · 1 failed · 1 waiting to be re-indexed · last synced 1 min ago · watching for changes/);
    assert.match(text, /Embeddings: degraded \(ollama, nomic-embed-text\) — Ollama is not running/);
    assert.match(text, /To fix: Start Ollama \(`ollama serve`\)/);
    assert.match(text, /Embedding queue: 4 pending, paused/);
    assert.match(formatStatus([{ root: '/w', documents: 0, chunks: 0, counts: {}, lastSyncedAt: null }], NOW), /Embeddings: off/);
  });

  it('relative times', async () => {
    assert.equal(ago(NOW - 10_000, NOW), 'just now');
    assert.equal(ago(NOW - 3 * 86_400_000, NOW), '3 days ago');
    assert.equal(ago(NOW - 30 * 86_400_000, NOW), '2026-10-24');
  });
});

describe('chat session id: one session per conversation', () => {
  it('a new conversation gets a fresh id; later turns find it in the previous result', async () => {
    const first = deriveSessionId([], () => 'uuid-1');
    assert.deepEqual(first, { id: 'chat-uuid-1', isNew: true });
    const later = deriveSessionId(
      [
        { kind: 'request', prompt: 'q1' },
        { kind: 'response', sessionId: first.id },
        { kind: 'request', prompt: 'q2' },
        { kind: 'response', sessionId: first.id },
      ],
      () => 'uuid-2',
    );
    assert.deepEqual(later, { id: 'chat-uuid-1', isNew: false });
  });

  it('without ids in the history, derives a stable id from the first prompt', async () => {
    const h1 = [{ kind: 'request' as const, prompt: 'what is lore?' }, { kind: 'response' as const }];
    const a = deriveSessionId(h1, () => 'x');
    const b = deriveSessionId([...h1, { kind: 'request', prompt: 'more' }, { kind: 'response' }], () => 'y');
    assert.equal(a.id, b.id);
    assert.match(a.id, /^chat-[0-9a-f]{24}$/);
    assert.notEqual(a.id, deriveSessionId([{ kind: 'request', prompt: 'another start' }], () => 'z').id);
  });

  it('titles come from the first prompt, short', async () => {
    assert.equal(sessionTitle('  how   do we index?  '), 'how do we index?');
    assert.equal(sessionTitle('', 'status'), '/status');
    assert.equal(sessionTitle('x'.repeat(100)).length, 58);
  });
});
