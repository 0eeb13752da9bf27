import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LoreError, errorMessage } from '../core/errors';
import { createLore, type Lore } from '../core/service';
import type { ReconcileSummary } from '../core/index/reconcile';
import { embedderFromEnv } from '../core/embed/create';
import { EmbedderError } from '../core/embed/types';
import { offerModelDownload, runModel } from './model';
import { runMemory } from './memory';
import { FUSION_METHODS, SEARCH_MODES } from '../core/search/input';
import { formatBrokenLinks, formatEmbedding, formatLinks, formatRelated, formatResults, formatStatus, formatSummary, style } from './format';
import { defaultDbPath, findDbPath } from './locate';
import { findDocument, notIndexedMessage, pathAndLine, UsageError, wholeOption } from './documentArg';
import { TEAM_HELP, TEAM_OPTIONS, teamInit } from './teamArgs';

/** Exit codes: what a script can rely on. */
export const EXIT = { ok: 0, noResults: 1, problems: 1, usage: 2, database: 3, embedder: 5, interrupted: 130 } as const;

const HELP = `lore: a local, always-fresh index of a folder's markdown

Usage:
  lore index <dir>             index (or bring up to date) every markdown file under <dir>
  lore watch <dir>             index, then keep the index fresh as files change (Ctrl-C stops)
  lore search <query...>       search; --mode hybrid|semantic|keyword (default hybrid), --k N (default 10),
                               --type T (repeatable), --path GLOB, --fusion agreement|rrf|weighted,
                               --explain (why each result ranks where it does; in --json too),
                               --from PATH (an indexed document you are in: what it links to ranks slightly higher)
  lore status                  what the index holds, what failed and why (and how many links are broken)
  lore related <path>[:line]   what belongs with a document (the section at the line): similar passages in
                               other documents (by meaning when semantic search is live, else by the
                               section's distinctive words), the links to it and from it; --limit N (default 10)
  lore links <path>            the links to a document and from it (where each goes, broken or not)
  lore links --broken          every link that reaches nothing (missing images and files too); exits 1 when
                               there is one; --limit N (default 100)
  lore validate                check the index's consistency; exits 1 if anything is wrong
  lore backup [--to FILE] [--index]
                               a consistent copy of session history (and of the index with --index);
                               default: the backups folder beside it (automatic copies: daily, and
                               before every upgrade of the file; the newest 7 kept)
  lore restore FILE            replace session history with a backup (the current one is backed up first)
  lore migrate --to postgres|sqlite [<dir>]
                               move the folder's index to the team index or back: cached vectors are
                               copied (nothing is embedded again), documents indexed from the markdown;
                               session history and memory stay in their local file
  lore memory <command>        durable memory: remember, recall, list, history, forget, restore, search,
                               export, import (\`lore memory help\`)
  lore mcp [<dir>] [--db PATH] serve the index to MCP clients over stdio (\`lore mcp --help\`)
  lore model [status|download] the built-in embedding model: where it is, or download it (asks first;
                               --yes agrees ahead). \`lore index\` asks too when it needs the model
  lore eval <dir>              retrieval quality: a BEIR set (corpus.jsonl, queries.jsonl, qrels/) or,
                               for a markdown folder, known-item queries; --qrels FILE, --mode M
                               (repeatable), --queries N, --per-query (\`lore eval --help\`)

Options:
  --db PATH     the index file (default: <dir>/.lore/index.db, or a per-folder cache
                file when <dir> is read-only; search/status/validate look in the current
                folder and its parents)
  --dir DIR     the folder, for search/status/validate (default: the current folder)
  --json        machine-readable output
  --help, -h    this text

Semantic search (embeddings; keyword-only when no embedder answers):
  --embed-provider P   auto (default: Ollama when it answers with the model, else builtin), builtin
                       (bge-small-en-v1.5 run on this machine), ollama, openai (any OpenAI-compatible
                       /v1/embeddings), or none
  --embed-host URL     server address (env OLLAMA_HOST or LORE_EMBED_HOST; default http://127.0.0.1:11434)
  --embed-model M      model (env LORE_EMBED_MODEL; default nomic-embed-text; with builtin, the built-in model)
  --yes, -y            agree to download the built-in model when it is needed
  env LORE_EMBED_PROVIDER, LORE_EMBED_TIMEOUT (seconds), LORE_EMBED_API_KEY / OPENAI_API_KEY (openai),
  LORE_MODEL_DIR (where built-in models are kept; default the user cache folder), LORE_MODEL_PATH (a
  folder already holding the model's files: nothing is downloaded), HF_ENDPOINT (a model hub mirror)

${TEAM_HELP}

Exit codes: 0 ok, 1 no results (search), a document not in the index (related, links) or problems
found (validate, links --broken), 2 bad usage or input,
3 the index cannot be opened or is damaged (\`lore index <dir>\` rebuilds it), 4 an unexpected
error (a bug: the message says what; LORE_DEBUG=1 adds the stack), 5 the built-in model could not be
downloaded or run, 130 interrupted.`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
  /** A question on the terminal (only when there is one to ask). */
  ask?: (question: string) => Promise<string>;
}

const OPTIONS = {
  db: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean', default: false },
  k: { type: 'string' },
  type: { type: 'string', multiple: true },
  path: { type: 'string' },
  mode: { type: 'string' },
  fusion: { type: 'string' },
  explain: { type: 'boolean', default: false },
  from: { type: 'string' },
  to: { type: 'string' },
  index: { type: 'boolean', default: false },
  'embed-provider': { type: 'string' },
  'embed-host': { type: 'string' },
  'embed-model': { type: 'string' },
  yes: { type: 'boolean', short: 'y', default: false },
  ttl: { type: 'string' },
  purge: { type: 'boolean', default: false },
  format: { type: 'string' },
  limit: { type: 'string' },
  broken: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  ...TEAM_OPTIONS,
} as const;

export async function main(argv: string[], io: Io, signal?: AbortSignal): Promise<number> {
  if (argv[0] === 'mcp') return (await import('../mcp/cli')).runMcp(argv.slice(1), io, signal); // its own options; stdout is the protocol
  if (argv[0] === 'eval') return (await import('./eval')).runEval(argv.slice(1), io, signal); // its own options (src/cli/eval.ts)
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`${errorMessage(err)}\nRun \`lore --help\` for usage.`);
    return EXIT.usage;
  }
  const { values: opts, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (opts.help || !command) {
    io.out(HELP);
    return command || opts.help ? EXIT.ok : EXIT.usage;
  }
  let lore: Lore | undefined;
  try {
    let embedder: ReturnType<typeof embedderFromEnv>;
    try {
      embedder = embedderFromEnv({ provider: opts['embed-provider'], host: opts['embed-host'], model: opts['embed-model'] });
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
    // search/status read: check the embedder, never start embedding in a one-shot command.
    const embedding = { background: command === 'index' || command === 'watch' };
    const logger = { warn: (m: string) => io.err(`lore: ${m}`) };
    const team = teamInit(opts);
    const open = (needFolder: boolean) => {
      if (needFolder) {
        if (rest.length !== 1) throw new UsageError(`\`lore ${command}\` takes one folder: lore ${command} <dir>`);
        const root = path.resolve(rest[0]);
        const where = opts.db ? { dbPath: opts.db, inCache: false } : defaultDbPath(root);
        if (where.inCache && !opts.json) io.err(`(${root} is read-only: the index is kept at ${where.dbPath})`);
        // An indexing run checks every page first: a damaged index is set aside and rebuilt now.
        return createLore({ root, dbPath: where.dbPath, embedder, embedding, logger, check: true, ...team });
      }
      // On a team index the folder need not have been indexed on this machine: its local index is made when needed.
      const onServer = !opts.db && team.postgres?.url ? { dbPath: defaultDbPath(opts.dir ?? process.cwd()).dbPath, folder: path.resolve(opts.dir ?? process.cwd()) } : undefined;
      const found = opts.db ? { dbPath: opts.db, folder: undefined } : (findDbPath(opts.dir ?? process.cwd()) ?? onServer);
      if (!found) {
        throw new LoreError('DB_OPEN', `No Lore index found for ${path.resolve(opts.dir ?? '.')} or its parents. Run \`lore index <dir>\` first, or pass --db PATH.`);
      }
      const { dbPath, folder } = found;
      // Reading someone else's index (no write access to it or its folder): open it read-only and say so.
      const readonly = !writable(dbPath);
      if (readonly && !opts.json) io.err(`(${dbPath} is not writable for you: reading it read-only)`);
      // status checks every page too, so that it tells the truth about a damaged index.
      // (An index found at <folder>/.lore is <folder>'s, even when it was damaged and set aside.)
      return createLore({ dbPath, defaultRoot: folder, logger, readonly, check: command === 'status' && !readonly, ...team, ...(command === 'validate' || command === 'memory' || command === 'links' ? {} : { embedder, embedding }) });
    };
    switch (command) {
      case 'migrate': {
        const { runMigrate } = await import('./migrate');
        const r = await runMigrate(rest, { to: opts.to, db: opts.db, dir: opts.dir, json: opts.json }, { postgres: team.postgres, embedder, logger }, io, (l) => waitForEmbedding(l, io, opts.json, signal), signal);
        lore = r.lore;
        return r.code;
      }
      case 'memory':
        return await runMemory(rest, async () => (lore ??= await open(false)), io, {
          json: opts.json, type: opts.type?.at(-1), ttl: opts.ttl, to: opts.to, yes: opts.yes, purge: opts.purge, format: opts.format,
        });
      case 'model':
        return await runModel(rest[0], embedder, io, { json: opts.json, yes: opts.yes }, signal);
      case 'index':
      case 'watch': {
        lore = await open(true);
        const l = lore;
        await offerModelDownload(lore, io, opts.yes, signal);
        const report = async (summary: ReconcileSummary) => {
          if (!opts.json) io.out(formatSummary(summary, await l.files('failed')));
          await waitForEmbedding(l, io, opts.json, signal);
          const st = await l.status();
          if (opts.json) io.out(JSON.stringify({ summary, failed: await l.files('failed'), embedder: st.embedder, queue: st.queue, cache: st.cache }, null, 2));
          else io.out(formatEmbedding(st));
        };
        if (command === 'index') {
          await report(await lore.index({ signal, onProgress: progressPrinter(io, opts.json) }));
          return EXIT.ok;
        }
        await lore.maintain({
          signal,
          onProgress: progressPrinter(io, opts.json),
          onIndexed: report,
          onBatch: (batch, s) => {
            const line = { at: new Date().toISOString(), paths: batch.paths.length, ...s };
            if (opts.json) io.out(JSON.stringify(line));
            else io.out(`${line.at.slice(11, 19)} ${batch.paths.length} path(s): ${s.added} added, ${s.changed} changed, ${s.renamed} renamed, ${s.removed} removed, ${s.failed} failed (${s.ms} ms)`);
          },
          onError: (err) => io.err(`indexing failed: ${errorMessage(err)}`),
        });
        if (!opts.json) io.out(`Watching ${lore.root} for changes (Ctrl-C stops).`);
        await new Promise<void>((resolve) => (signal?.aborted ? resolve() : signal?.addEventListener('abort', () => resolve(), { once: true })));
        return EXIT.ok;
      }
      case 'search': {
        if (!rest.length) throw new UsageError('Nothing to search for: lore search <query...>');
        const k = opts.k === undefined ? 10 : Number(opts.k);
        if (!Number.isInteger(k) || k < 1 || k > 1000) throw new UsageError(`--k takes a whole number from 1 to 1000, not "${opts.k}"`);
        lore = await open(false);
        const mode = SEARCH_MODES.find((m) => m === (opts.mode ?? 'hybrid'));
        if (!mode) throw new UsageError(`--mode takes keyword, semantic or hybrid, not "${opts.mode}"`);
        const fusion = FUSION_METHODS.find((f) => f === (opts.fusion ?? FUSION_METHODS[0]));
        if (!fusion) throw new UsageError(`--fusion takes ${FUSION_METHODS.join(', ')}, not "${opts.fusion}"`);
        const l = lore;
        const fromPath = opts.from === undefined ? undefined : await findDocument(l, opts.from, async (p) => (await l.getDocument(p, { startLine: 1, endLine: 1 }))?.path);
        if (opts.from !== undefined && !fromPath) return notIndexed(l, opts.from, io);
        const response = await lore.search(rest.join(' '), { k, documentTypes: opts.type, pathGlob: opts.path, mode, fusion, explain: opts.explain, fromPath, signal });
        io.out(opts.json ? JSON.stringify(response, null, 2) : formatResults(response, style(io.isTTY)));
        return response.results.length || response.memories?.length ? EXIT.ok : EXIT.noResults;
      }
      case 'status': {
        lore = await open(false);
        // Found damaged just now and set aside: rebuilt from the markdown before it is described.
        if ((await lore.status()).recovered) await lore.index({ signal, onProgress: progressPrinter(io, opts.json) });
        await lore.embeddingIdle(signal); // the embedder's check (a few seconds at most when nothing answers)
        const status = await lore.status();
        const failed = await lore.files('failed');
        io.out(opts.json ? JSON.stringify({ ...status, failed, warnings: (await lore.files()).filter((f) => f.status !== 'failed' && f.error) }, null, 2) : formatStatus(status, failed));
        return EXIT.ok;
      }
      case 'related': {
        if (rest.length !== 1) throw new UsageError('`lore related` takes one document: lore related <path>[:line]');
        const { file, line } = pathAndLine(rest[0]);
        const limit = wholeOption('limit', opts.limit, 1, 50);
        lore = await open(false);
        const l = lore;
        const related = await findDocument(l, file, (p) => l.related(p, { line, limit, signal }));
        if (!related) return notIndexed(l, rest[0], io);
        io.out(opts.json ? JSON.stringify(related, null, 2) : formatRelated(related, style(io.isTTY)));
        return EXIT.ok;
      }
      case 'links': {
        if (opts.broken ? rest.length : rest.length !== 1) throw new UsageError('`lore links` takes one document, or --broken: lore links <path> | lore links --broken');
        lore = await open(false);
        const l = lore;
        if (opts.broken) {
          const broken = await l.brokenLinks(wholeOption('limit', opts.limit, 1, 100_000) ?? 100);
          io.out(opts.json ? JSON.stringify(broken, null, 2) : formatBrokenLinks(broken, style(io.isTTY)));
          return broken.count ? EXIT.problems : EXIT.ok;
        }
        const limit = wholeOption('limit', opts.limit, 1, 100_000);
        const links = await findDocument(l, rest[0], (p) => l.links(p, { limit }));
        if (!links) return notIndexed(l, rest[0], io);
        io.out(opts.json ? JSON.stringify(links, null, 2) : formatLinks(links, style(io.isTTY)));
        return EXIT.ok;
      }
      case 'validate': {
        lore = await open(false);
        const report = await lore.validate();
        if (opts.json) io.out(JSON.stringify(report, null, 2));
        else if (report.ok) io.out(`Index is consistent (${report.checked.join(', ')}).`);
        else {
          const history = (await lore.status()).userDataPath;
          const advice = report.problems.some((p) => !p.check.startsWith('history:'))
            ? `Run \`lore index <dir>\`: it checks the index file, sets a damaged one aside and rebuilds it from the markdown; session history is kept apart (${history}) and stays.`
            : `The problems are in session history (${history}); the index itself is consistent.`;
          io.out([`Index has ${report.problems.length} problem(s):`, ...report.problems.map((p) => `  [${p.check}] ${p.message}`), advice].join('\n'));
        }
        return report.ok ? EXIT.ok : EXIT.problems;
      }
      case 'backup': {
        if (rest.length) throw new UsageError('`lore backup` takes no folder: --dir or --db says which index, --to FILE where the copy goes');
        lore = await open(false);
        const made = await lore.backup({ to: opts.to, index: opts.index });
        io.out(opts.json ? JSON.stringify(made, null, 2) : [`Session history backed up to ${made.userData}`, ...(made.index ? [`Index backed up to ${made.index}`] : [])].join('\n'));
        return EXIT.ok;
      }
      case 'restore': {
        if (rest.length !== 1) throw new UsageError('`lore restore` takes the backup file: lore restore FILE');
        lore = await open(false);
        const kept = await lore.restore(path.resolve(rest[0]));
        io.out(opts.json ? JSON.stringify({ restored: path.resolve(rest[0]), previous: kept }, null, 2) : `Session history restored from ${path.resolve(rest[0])}; what it held before is kept in ${kept}.`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`Unknown command "${command}". Run \`lore --help\` for the commands.`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message);
      return EXIT.usage;
    }
    if (err instanceof EmbedderError) {
      io.err(`lore: ${err.message}`);
      return err.kind === 'aborted' ? EXIT.interrupted : EXIT.embedder;
    }
    if (err instanceof LoreError) {
      io.err(err.message);
      if (err.code === 'ABORTED') return EXIT.interrupted;
      if (err.code === 'BAD_INPUT') return EXIT.usage;
      return EXIT.database;
    }
    throw err;
  } finally {
    await lore?.close();
  }
}

function notIndexed(lore: Lore, arg: string, io: Io): number {
  io.err(notIndexedMessage(lore, arg));
  return EXIT.noResults;
}

/** Whether this process may write the index file, its write-ahead log and its folder (where SQLite keeps them). */
function writable(dbPath: string): boolean {
  try {
    fs.accessSync(path.dirname(path.resolve(dbPath)), fs.constants.W_OK);
    for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) if (fs.existsSync(f)) fs.accessSync(f, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Lets the background queue finish (progress on a terminal); Ctrl-C leaves the rest pending for next time. */
async function waitForEmbedding(lore: Lore, io: Io, quiet: boolean, signal?: AbortSignal): Promise<void> {
  const tty = !quiet && io.isTTY;
  const off = tty
    ? lore.onStatusChange(() => {
        void lore.status().then(({ embedder, queue }) => {
          if (embedder.state !== 'live' || !embedder.progress) return;
          process.stderr.write(`\r\x1b[2Kembedding ${embedder.progress.done}/${embedder.progress.total} documents (${queue.pending} waiting)`);
        });
      })
    : undefined;
  try {
    await lore.embeddingIdle(signal);
  } finally {
    off?.();
    if (tty) process.stderr.write('\r\x1b[2K');
  }
}

function progressPrinter(io: Io, quiet: boolean) {
  if (quiet || !io.isTTY) return undefined;
  return (p: { phase: string; done: number; total: number; current?: string }) => {
    const text = p.phase === 'scanning' ? 'scanning…' : `indexing ${p.done}/${p.total} ${p.current ?? ''}`;
    process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 80) - 1)}`);
    if (p.phase === 'done') process.stderr.write('\r\x1b[2K');
  };
}

/** The process entry: wires signals and exits with main's code once its output is out. */
export function run(): void {
  // On a pipe, writes are asynchronous and an immediate process.exit drops whatever the reader has
  // not taken yet (`lore search --json | jq` got the first 64 KB only): exit once stdout and stderr
  // have written everything. A reader that went away (EPIPE, `| head`) wants nothing more.
  const exitWhenFlushed = (code: number) => {
    process.exitCode = code;
    let pending = 2;
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', () => process.exit(code));
      stream.write('', () => --pending === 0 && process.exit(code)); // called after everything written before it
    }
  };
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  // A question (the model download) only when a person is at the terminal.
  const ask = process.stdin.isTTY && process.stderr.isTTY
    ? async (question: string) => {
        const rl = (await import('node:readline/promises')).createInterface({ input: process.stdin, output: process.stderr });
        try {
          return await rl.question(question, { signal: controller.signal });
        } finally {
          rl.close();
        }
      }
    : undefined;
  main(process.argv.slice(2), { out: (s) => console.log(s), err: (s) => console.error(s), isTTY: !!process.stdout.isTTY, ask }, controller.signal).then(
    (code) => exitWhenFlushed(code),
    (err) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(process.env.LORE_DEBUG && err instanceof Error ? (err.stack ?? message) : `lore: unexpected error: ${message}`);
      exitWhenFlushed(4);
    },
  );
}

if (require.main === module) run();
