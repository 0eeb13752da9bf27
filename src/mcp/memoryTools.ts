/**
 * Durable memory over MCP: tools `remember`, `recall`, `forget`, `list_memories`, and a resource
 * per live memory (`lore://memory/<namespace>/<key>`). Writes carry the client's name and the
 * connection's session, so the audit says which assistant wrote what.
 */
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Lore } from '../core/lore';
import { formatMemory, formatMemoryList, memoryValueText, notRecalled } from '../core/memory/format';
import { toolText } from './format';
import { KEY_MAX, MEMORY_TYPES, type MemoryActor, type MemoryType, NAMESPACE_MAX, parseTtl } from '../core/memory/types';

export const MEMORY_URI_PREFIX = 'lore://memory/';

export const memoryUri = (namespace: string, key: string) => `${MEMORY_URI_PREFIX}${encodeURIComponent(namespace)}/${encodeURIComponent(key)}`;

type Guard = <A>(tool: string, fn: (args: A, signal: AbortSignal) => Promise<CallToolResult> | CallToolResult) => (args: A, extra: { signal: AbortSignal }) => Promise<CallToolResult>;

const text = toolText;

const namespace = z.string().trim().min(3).max(NAMESPACE_MAX).describe('Where it is kept: a scope and a name separated by ":", lowercase, e.g. "project:lore:deploy" or "user:prefs".');
const key = z.string().trim().min(1).max(KEY_MAX).describe('A short name for it within the namespace, e.g. "staging-db".');

export function registerMemoryTools(server: McpServer, lore: Lore, guarded: Guard, actor: () => Promise<MemoryActor>): void {
  // A read-only server (an index another process owns) offers only what it can do: recall and list.
  if (!lore.memory.readonly) registerWrites(server, lore, guarded, actor);
  registerReads(server, lore, guarded);
}

function registerWrites(server: McpServer, lore: Lore, guarded: Guard, actor: () => Promise<MemoryActor>): void {
  server.registerTool(
    'remember',
    {
      title: 'Remember a fact',
      description:
        'Keeps a fact, preference or procedure the user wants remembered across sessions (durable memory, not the docs). ' +
        'Writing a key again makes a new version; the old ones are kept. Only remember what the user asked for or agreed to.',
      inputSchema: {
        namespace,
        key,
        value: z.any().refine((v) => v !== undefined, 'value is required').describe('What to remember: a sentence, or any JSON (an object for structured facts).'),
        type: z.enum(MEMORY_TYPES).optional().describe('semantic (a fact), procedural (how to do something) or episodic (what happened; may expire). Default: as the key had it, else semantic.'),
        ttl: z.string().max(20).optional().describe('Episodic only: forget it after this long, e.g. "12h" or "7d".'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    guarded('remember', async (a: { namespace: string; key: string; value: unknown; type?: MemoryType; ttl?: string }) => {
      const e = await lore.memory.remember(a.namespace, a.key, a.value, { ...(await actor()), type: a.type, ttlMs: a.ttl === undefined ? undefined : parseTtl(a.ttl) });
      return text(`Remembered ${e.namespace} ${e.key} as version ${e.version}.`, { entry: e, uri: memoryUri(e.namespace, e.key) });
    }),
  );

  server.registerTool(
    'forget',
    {
      title: 'Forget a remembered fact',
      description: 'Forgets a memory (a soft delete: the user can restore it from its history). Only when the user asks.',
      inputSchema: { namespace, key },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('forget', async (a: { namespace: string; key: string }) => {
      const done = await lore.memory.forget(a.namespace, a.key, await actor());
      return text(done ? `Forgot ${a.namespace} ${a.key}.` : `Nothing live is remembered as ${a.namespace} ${a.key}.`, { forgotten: done });
    }),
  );
}

function registerReads(server: McpServer, lore: Lore, guarded: Guard): void {
  server.registerTool(
    'recall',
    {
      title: 'Recall a remembered fact',
      description: 'The latest value remembered under a namespace and key (use list_memories or search to find keys).',
      inputSchema: { namespace, key },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('recall', async (a: { namespace: string; key: string }) => {
      const e = await lore.memory.recall(a.namespace, a.key);
      if (e) return text(formatMemory(e), { found: true, entry: e });
      return text(`${notRecalled(a.namespace, a.key, (await lore.memory.history(a.namespace, a.key))[0])}.`, { found: false });
    }),
  );

  server.registerTool(
    'list_memories',
    {
      title: 'List remembered facts',
      description: 'The memories in a namespace and below it ("project:lore" lists project:lore:deploy too); no prefix lists all.',
      inputSchema: {
        prefix: z.string().trim().max(NAMESPACE_MAX).optional().describe('A namespace or scope, e.g. "project" or "project:lore".'),
        type: z.enum(MEMORY_TYPES).optional().describe('Only this type.'),
        limit: z.number().int().min(1).max(1000).default(100).describe('At most this many.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('list_memories', async (a: { prefix?: string; type?: MemoryType; limit: number }) => {
      const entries = await lore.memory.list(a.prefix, { type: a.type, limit: a.limit });
      return text(formatMemoryList(entries, a.prefix), { entries });
    }),
  );

  server.registerResource(
    'memory',
    new ResourceTemplate(`${MEMORY_URI_PREFIX}{namespace}/{key}`, {
      list: async () => ({
        resources: (await lore.memory.list(undefined, { limit: 5000 })).map((e) => ({
          uri: memoryUri(e.namespace, e.key), name: `${e.namespace} ${e.key}`, title: `${e.namespace} ${e.key}`, mimeType: 'text/plain',
        })),
      }),
    }),
    { title: 'Remembered fact', description: 'The latest value of one durable memory.', mimeType: 'text/plain' },
    async (uri, variables) => {
      const one = (v: string | string[] | undefined) => decodeURIComponent(Array.isArray(v) ? v.join('/') : String(v ?? ''));
      const e = await lore.memory.recall(one(variables.namespace), one(variables.key));
      if (!e) throw new McpError(ErrorCode.InvalidParams, `Nothing is remembered at ${uri.href}.`);
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: memoryValueText(e) }] };
    },
  );
}
