/**
 * `lore mcp`: serves one Lore index over MCP on stdin/stdout. Stdout carries only the protocol;
 * everything for people goes to stderr.
 *
 *   lore mcp --db PATH            read-only on an index another process keeps fresh (the VS Code
 *                                 extension, `lore watch`); safe alongside that writer (WAL).
 *                                 With --watch: read-write, indexes the folder the index records, watches.
 *   lore mcp <folder>             the server keeps the folder's index itself (<folder>/.lore/index.db,
 *                                 the per-folder cache file, or --db): creates it if missing, brings it
 *                                 up to date, watches the folder. With --readonly: only reads an existing one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { version as loreVersion } from '../../package.json';
import { cacheDbPath, defaultDbPath } from '../cli/locate';
import { TEAM_HELP, TEAM_OPTIONS, teamInit } from '../cli/teamArgs';
import { LoreError, errorMessage } from '../core/errors';
import { createLore, type Lore, type LoreInit } from '../core/service';
import { embedderFromEnv } from '../core/embed/create';
import { createLoreMcpServer } from './server';

export const MCP_HELP = `lore mcp: serve a Lore index to MCP clients over stdio

Usage:
  lore mcp --db PATH        read-only on an existing index (e.g. the one the VS Code extension writes)
  lore mcp <folder>         keep the folder's index: create it if missing, update it, watch the folder
Options:
  --db PATH                 the index file (with a folder: where its index is kept)
  --watch                   with --db alone: open read-write, update the index and watch its folder
  --readonly                with a folder: only read its existing index (another process keeps it fresh)
  --help, -h                this text
${TEAM_HELP}
Environment: OLLAMA_HOST, LORE_EMBED_PROVIDER, LORE_EMBED_MODEL (semantic search, as for the CLI).
Logs go to stderr; stdout is the MCP protocol.`;

export interface McpIo {
  err: (s: string) => void;
  /** Only for --help (no server runs then). */
  out?: (s: string) => void;
}

export interface McpPlan {
  init: LoreInit;
  /** Index the folder on start and keep watching it. */
  maintain: boolean;
}

/** Decides which database to open and how, from the arguments (no side effects but mkdir for a new index). */
export function planMcp(argv: string[]): McpPlan | { help: true } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      watch: { type: 'boolean', default: false },
      readonly: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...TEAM_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { help: true };
  if (values.watch && values.readonly) throw new LoreError('BAD_INPUT', '--watch and --readonly exclude each other.');
  if (positionals.length > 1) throw new LoreError('BAD_INPUT', `lore mcp takes at most one folder, not ${positionals.length}: ${positionals.join(' ')}`);
  let embedder;
  try {
    embedder = embedderFromEnv({}, process.env); // null: keyword only (LORE_EMBED_PROVIDER=none)
  } catch (err) {
    throw new LoreError('BAD_INPUT', errorMessage(err));
  }
  const extra = { embedder, ...teamInit(values) };
  const folder = positionals[0];
  if (!folder) {
    if (!values.db) throw new LoreError('BAD_INPUT', 'lore mcp needs an index: --db PATH, or a folder (lore mcp <folder>).');
    const dbPath = path.resolve(values.db);
    if (!values.watch && !fs.existsSync(dbPath)) throw new LoreError('DB_OPEN', `No Lore index at ${dbPath}. Index a folder first, or run \`lore mcp <folder>\`.`);
    return { init: { dbPath, readonly: !values.watch, ...extra }, maintain: values.watch };
  }
  const root = path.resolve(folder);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new LoreError('BAD_INPUT', `Not a folder: ${root}`);
  if (values.readonly) {
    const existing = values.db ? path.resolve(values.db) : ownIndex(root);
    if (!existing || !fs.existsSync(existing)) throw new LoreError('DB_OPEN', `No Lore index for ${root} to read (--readonly). Run \`lore index ${folder}\` first, or leave out --readonly.`);
    return { init: { root, dbPath: existing, readonly: true, ...extra }, maintain: false };
  }
  const dbPath = values.db ? path.resolve(values.db) : defaultDbPath(root).dbPath;
  return { init: { root, dbPath, ...extra }, maintain: true };
}

/** The folder's own index, where the CLI keeps it (not a parent folder's). */
function ownIndex(root: string): string | undefined {
  return [path.join(root, '.lore', 'index.db'), cacheDbPath(root)].find((f) => fs.existsSync(f));
}

/** Runs the server until stdin closes or `signal` aborts; resolves with an exit code. */
export async function runMcp(argv: string[], io: McpIo, signal?: AbortSignal, version = loreVersion): Promise<number> {
  let plan: McpPlan;
  let lore: Lore;
  try {
    const p = planMcp(argv);
    if ('help' in p) {
      (io.out ?? io.err)(MCP_HELP);
      return 0;
    }
    plan = p;
    lore = await createLore({ ...plan.init, logger: { warn: (m) => io.err(`lore mcp: ${m}`) } });
  } catch (err) {
    io.err(`lore mcp: ${errorMessage(err)}`);
    return err instanceof LoreError && err.code === 'BAD_INPUT' ? 2 : err instanceof TypeError ? 2 : 3;
  }
  const log = (m: string) => io.err(`lore mcp: ${m}`);
  // Stdout is the protocol: a stray console.log from any dependency would corrupt it.
  console.log = console.info = console.debug = (...a: unknown[]) => console.error(...a);
  const server = createLoreMcpServer(lore, { version, log });
  const transport = new StdioServerTransport();
  const done = new Promise<void>((resolve) => {
    signal?.addEventListener('abort', () => resolve(), { once: true });
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
    server.server.onclose = () => resolve();
  });
  await server.connect(transport);
  log(`serving ${lore.root} from ${lore.dbPath} (${plan.init.readonly ? 'read-only' : 'read-write'})`);
  if (plan.maintain) {
    const maintenance = new AbortController();
    signal?.addEventListener('abort', () => maintenance.abort(), { once: true });
    void done.then(() => maintenance.abort());
    lore
      .maintain({
        signal: maintenance.signal,
        onIndexed: (s) => log(`indexed: ${s.added} added, ${s.changed} changed, ${s.removed} removed, ${s.failed} failed`),
        onError: (err) => log(`indexing failed: ${errorMessage(err)}`),
      })
      .then(
        () => log(`watching ${lore.root}`),
        (err) => !maintenance.signal.aborted && log(`indexing failed: ${errorMessage(err)}`),
      );
  }
  await done;
  await server.close().catch(() => undefined);
  await lore.close().catch((err) => log(`closing the index failed: ${errorMessage(err)}`));
  return 0;
}
