/**
 * Lore as an MCP server: tools `search`, `get_document`, `related`, `list_sessions`, `status`, the memory tools
 * (memoryTools.ts) and a resource per indexed document (`lore://doc/<path>`) and per memory.
 * Transport-agnostic: main.ts connects it to stdio.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { errorMessage } from '../core/errors';
import type { Lore } from '../core/service';
import { DEFAULT_K, MAX_K, MAX_QUERY_CHARS, SEARCH_MODES } from '../core/search/input';
import type { SearchMode, SearchOptions } from '../core/search/types';
import { SessionRecorder } from '../core/sessions/recorder';
import { formatMemoryHits } from '../core/memory/format';
import { formatRelatedText } from '../core/related/format';
import { formatDocument, formatFoundEvents, formatPassages, formatSessions, formatStatus, toolText } from './format';
import { registerMemoryTools } from './memoryTools';

export const DOC_URI_PREFIX = 'lore://doc/';

export interface LoreMcpOptions {
  /** Server version reported to clients. */
  version?: string;
  /** Record tool calls in session history (only when the index is writable). */
  recordSessions?: boolean;
  /** The most documents listed as resources. */
  maxListedResources?: number;
  log?: (message: string) => void;
}

/** `lore://doc/docs/adr/0001%20x.md` for `docs/adr/0001 x.md`: every segment percent-encoded, slashes kept. */
export function docUri(relPath: string): string {
  return DOC_URI_PREFIX + relPath.split('/').map(encodeURIComponent).join('/');
}

export function pathFromDocUri(raw: string): string {
  try {
    return raw.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw new McpError(ErrorCode.InvalidParams, `Not a valid Lore document URI path: "${raw}"`);
  }
}

const text = toolText;

const toolError = (message: string): CallToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

export function createLoreMcpServer(lore: Lore, opts: LoreMcpOptions = {}): McpServer {
  const notIndexed = (p: string) => toolError(`"${p}" is not in the index. Use search to find documents; paths are relative to ${lore.root}.`);
  const server = new McpServer(
    { name: 'lore', title: 'Lore: workspace markdown memory', version: opts.version ?? '0.0.0' },
    {
      capabilities: { logging: {} },
      instructions:
        `Lore indexes the markdown of ${lore.root} (design docs, ADRs, plans, notes). Use "search" to find passages ` +
        'and cite them as file:lines, "get_document" to read a whole file or a line range, "related" for what belongs with ' +
        'a document (similar passages elsewhere, links to it and from it), "list_sessions" for what ' +
        'the user searched and asked before, "status" for what the index holds, and "remember"/"recall"/"list_memories" ' +
        'for facts the user asked to keep across sessions (search returns matching memories too).',
    },
  );
  const readonly = lore.sessions.readonly;
  // One session per connection, titled after the client once it has said who it is.
  const recorder = new SessionRecorder({
    store: () => (opts.recordSessions === false ? undefined : lore.sessions),
    policy: 'recorder',
    idPrefix: 'mcp',
    title: () => `MCP: ${server.server.getClientVersion()?.name ?? 'client'}`,
    metadata: () => ({ source: 'mcp', client: server.server.getClientVersion()?.name ?? 'client', pid: process.pid }),
    log: (line) => opts.log?.(line),
  });

  /** Wraps a handler: records the call, and turns any failure into a tool error with its message. */
  const guarded =
    <A>(tool: string, fn: (args: A, signal: AbortSignal) => Promise<CallToolResult> | CallToolResult) =>
    async (args: A, extra: { signal: AbortSignal }): Promise<CallToolResult> => {
      void recorder.record('tool', { tool, input: args as Record<string, unknown> });
      try {
        return await fn(args, extra.signal);
      } catch (err) {
        return toolError(errorMessage(err));
      }
    };

  server.registerTool(
    'search',
    {
      title: 'Search workspace docs',
      description:
        'Searches the indexed markdown (design docs, ADRs, plans, notes) and returns the best passages with file, ' +
        'line range, heading path, score and a stale flag, within a budget of characters, and the remembered facts (durable memory) that match.',
      inputSchema: {
        query: z.string().trim().min(1, 'query must not be empty').max(MAX_QUERY_CHARS).describe('What to look for, in words.'),
        k: z.number().int().min(1).max(MAX_K).default(DEFAULT_K).describe(`How many passages at most (1-${MAX_K}).`),
        mode: z.enum(SEARCH_MODES).optional().describe('Retrieval mode; default hybrid (keyword when no embedder is available).'),
        document_type: z.union([z.string().min(1), z.array(z.string().min(1)).max(20)]).optional().describe('Only these document types, e.g. "adr" or ["adr","design"].'),
        path_glob: z.string().min(1).max(500).optional().describe('Only files whose workspace-relative path matches this glob, e.g. "docs/adr/**".'),
        max_chars: z.number().int().min(200).max(200_000).default(8000).describe('Budget for the passages\' text in characters.'),
        from_path: z.string().min(1).max(1000).optional().describe('The document the user is reading (workspace-relative or absolute): the documents it links to rank slightly higher.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('search', async (a: { query: string; k: number; mode?: SearchMode; document_type?: string | string[]; path_glob?: string; max_chars: number; from_path?: string }, signal) => {
      const options: SearchOptions = {
        signal,
        k: a.k,
        mode: a.mode,
        documentTypes: a.document_type === undefined ? undefined : ([] as string[]).concat(a.document_type),
        pathGlob: a.path_glob,
        fromPath: a.from_path,
      };
      const response = await lore.searchPassages(a.query, { ...options, budgetChars: a.max_chars, perPassageMax: a.max_chars, minUseful: 160 });
      // As MCP clients have read them: scores to three decimals, and whether each text was cut.
      const passages = response.passages.map((p) => ({ ...p, score: Math.round(p.score * 1000) / 1000, truncated: !!p.truncated }));
      const { omitted } = response;
      const memories = formatMemoryHits(response.memories);
      return text([memories, formatPassages(a.query, response.mode, response.fallbackReason, passages, omitted)].filter(Boolean).join('\n\n'), {
        query: a.query,
        mode: response.mode,
        requestedMode: response.requestedMode,
        ...(response.fallbackReason ? { fallbackReason: response.fallbackReason } : {}),
        results: passages,
        omitted,
        ...(response.memories ? { memories: response.memories } : {}),
      });
    }),
  );

  server.registerTool(
    'get_document',
    {
      title: 'Read an indexed document',
      description: 'Returns the indexed text of one markdown file (workspace-relative path, as search returns it), or a line range of it.',
      inputSchema: {
        path: z.string().trim().min(1, 'path must not be empty').max(4000).describe('Workspace-relative path, e.g. "docs/adr/0001-storage.md".'),
        start_line: z.number().int().min(1).optional().describe('First line (1-based).'),
        end_line: z.number().int().min(1).optional().describe('Last line (inclusive).'),
        max_chars: z.number().int().min(200).max(500_000).default(40_000).describe('Budget for the returned text in characters.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('get_document', async (a: { path: string; start_line?: number; end_line?: number; max_chars: number }) => {
      const doc = await lore.getDocument(a.path, { startLine: a.start_line, endLine: a.end_line });
      if (!doc) return notIndexed(a.path);
      const out = formatDocument(doc, a.max_chars);
      return text(out.text, { path: doc.path, title: doc.title, documentType: doc.documentType, startLine: doc.startLine, endLine: out.shownEndLine, lineCount: doc.lineCount, stale: doc.stale, truncated: out.truncated });
    }),
  );

  server.registerTool(
    'related',
    {
      title: 'What relates to a document',
      description:
        'For one indexed document (and the section at a line of it): the most similar passages in other documents ' +
        '(by meaning when semantic search is live, else by the section\'s distinctive words, which it names), the links ' +
        'to the document from others (file:line and the linking line) and the links from it (where each goes, and whether it is broken).',
      inputSchema: {
        path: z.string().trim().min(1, 'path must not be empty').max(4000).describe('Workspace-relative path, e.g. "docs/adr/0001-storage.md".'),
        line: z.number().int().min(1).optional().describe('A line of the document (1-based): the section holding it is compared. Default: the first section.'),
        limit: z.number().int().min(1).max(50).default(10).describe('How many similar passages at most (1-50).'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('related', async (a: { path: string; line?: number; limit: number }, signal) => {
      const related = await lore.related(a.path, { line: a.line, limit: a.limit, signal });
      if (!related) return notIndexed(a.path);
      return text(formatRelatedText(related, { readTool: 'get_document' }), { ...related });
    }),
  );

  server.registerTool(
    'list_sessions',
    {
      title: 'Session history',
      description:
        'Without a query: the most recent sessions (searches, opened files, chat turns) with their latest events. ' +
        'With a query: the events whose text matches it ("what did I look for about X").',
      inputSchema: {
        query: z.string().max(MAX_QUERY_CHARS).optional().describe('Words to find in past queries, prompts, answers and paths.'),
        limit: z.number().int().min(1).max(100).default(10).describe('How many sessions (or matching events).'),
        include_archived: z.boolean().default(false).describe('Include archived sessions.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('list_sessions', async (a: { query?: string; limit: number; include_archived: boolean }) => {
      if (a.query?.trim()) {
        const events = await lore.sessions.findEvents(a.query, { limit: a.limit });
        return text(formatFoundEvents(a.query, events), { events });
      }
      const sessions = await lore.sessions.list({ includeArchived: a.include_archived, limit: a.limit });
      const withEvents = await Promise.all(sessions.map(async (session) => ({ session, recent: await lore.sessions.events(session.id, { limit: 5 }) })));
      return text(formatSessions(withEvents), { sessions });
    }),
  );

  server.registerTool(
    'status',
    {
      title: 'Index status',
      description: 'What the index holds: documents per state, failures, last sync, whether it is being kept fresh, and whether semantic search is available.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    guarded('status', async () => {
      const status = await lore.status();
      const failed = (await lore.files('failed', 20)).map((f) => ({ path: f.path, error: f.error }));
      const lines = [formatStatus(status, { readonly }), ...failed.map((f) => `failed: ${f.path}: ${f.error}`)];
      return text(lines.join('\n'), { ...status, readonly, failed });
    }),
  );

  const client = () => server.server.getClientVersion()?.name ?? 'client';
  registerMemoryTools(server, lore, guarded, async () => ({ by: `mcp:${client()}`, sessionId: await recorder.settledId() }));

  server.registerResource(
    'document',
    new ResourceTemplate(`${DOC_URI_PREFIX}{+path}`, {
      list: async () => ({
        resources: (await lore.files(undefined, opts.maxListedResources ?? 5000))
          .filter((f) => f.status !== 'failed')
          .map((f) => ({ uri: docUri(f.path), name: f.path, title: f.title, mimeType: 'text/markdown', size: f.size })),
      }),
    }),
    { title: 'Indexed markdown document', description: 'The indexed text of one markdown file of the workspace.', mimeType: 'text/markdown' },
    async (uri, variables) => {
      const raw = Array.isArray(variables.path) ? variables.path.join('/') : String(variables.path ?? '');
      const rel = pathFromDocUri(raw);
      const doc = await lore.getDocument(rel);
      if (!doc) throw new McpError(ErrorCode.InvalidParams, `No indexed document at "${rel}" (${uri.href}).`);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: doc.text }] };
    },
  );

  return server;
}
