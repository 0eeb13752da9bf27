import path from 'node:path';
import { parseArgs } from 'node:util';
import { LoreError, errorMessage } from '../core/errors';
import { createLore, type Lore } from '../core/service';
import { formatResults, formatStatus, formatSummary, style } from './format';
import { defaultDbPath, findDbPath } from './locate';

/** Exit codes: what a script can rely on. */
export const EXIT = { ok: 0, noResults: 1, problems: 1, usage: 2, database: 3, interrupted: 130 } as const;

const HELP = `lore: a local, always-fresh index of a folder's markdown

Usage:
  lore index <dir>             index (or bring up to date) every markdown file under <dir>
  lore watch <dir>             index, then keep the index fresh as files change (Ctrl-C stops)
  lore search <query...>       keyword search; --k N (default 10), --type T (repeatable), --path GLOB
  lore status                  what the index holds, what failed and why
  lore validate                check the index's consistency; exits 1 if anything is wrong
  lore mcp [<dir>] [--db PATH] serve the index to MCP clients over stdio (\`lore mcp --help\`)

Options:
  --db PATH     the index file (default: <dir>/.lore/index.db, or a per-folder cache
                file when <dir> is read-only; search/status/validate look in the current
                folder and its parents)
  --dir DIR     the folder, for search/status/validate (default: the current folder)
  --json        machine-readable output
  --help, -h    this text

Exit codes: 0 ok, 1 no results (search) or problems found (validate), 2 bad usage,
3 the index cannot be opened, 130 interrupted.`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

const OPTIONS = {
  db: { type: 'string' },
  dir: { type: 'string' },
  json: { type: 'boolean', default: false },
  k: { type: 'string' },
  type: { type: 'string', multiple: true },
  path: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

class UsageError extends Error {}

export async function main(argv: string[], io: Io, signal?: AbortSignal): Promise<number> {
  if (argv[0] === 'mcp') return (await import('../mcp/cli')).runMcp(argv.slice(1), io, signal); // its own options; stdout is the protocol
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
    const open = (needFolder: boolean) => {
      if (needFolder) {
        if (rest.length !== 1) throw new UsageError(`\`lore ${command}\` takes one folder: lore ${command} <dir>`);
        const root = path.resolve(rest[0]);
        const where = opts.db ? { dbPath: opts.db, inCache: false } : defaultDbPath(root);
        if (where.inCache && !opts.json) io.err(`(${root} is read-only: the index is kept at ${where.dbPath})`);
        return createLore({ root, dbPath: where.dbPath });
      }
      const dbPath = opts.db ?? findDbPath(opts.dir ?? process.cwd());
      if (!dbPath) {
        throw new LoreError('DB_OPEN', `No Lore index found for ${path.resolve(opts.dir ?? '.')} or its parents. Run \`lore index <dir>\` first, or pass --db PATH.`);
      }
      return createLore({ dbPath });
    };
    switch (command) {
      case 'index':
      case 'watch': {
        lore = open(true);
        const summary = await lore.index({ signal, onProgress: progressPrinter(io, opts.json) });
        const failed = lore.files('failed');
        if (opts.json) io.out(JSON.stringify({ summary, failed }, null, 2));
        else io.out(formatSummary(summary, failed));
        if (command === 'index') return EXIT.ok;
        await lore.watch({
          onBatch: (batch, s) => {
            const line = { at: new Date().toISOString(), paths: batch.paths.length, ...s };
            if (opts.json) io.out(JSON.stringify(line));
            else io.out(`${line.at.slice(11, 19)} ${batch.paths.length} path(s): ${s.added} added, ${s.changed} changed, ${s.renamed} renamed, ${s.removed} removed, ${s.failed} failed (${s.ms} ms)`);
          },
          onError: (err) => io.err(`indexing failed: ${errorMessage(err)}`),
        });
        if (!opts.json) io.out(`Watching ${lore.root} for changes (Ctrl-C stops).`);
        await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
        return EXIT.ok;
      }
      case 'search': {
        if (!rest.length) throw new UsageError('Nothing to search for: lore search <query...>');
        const k = opts.k === undefined ? 10 : Number(opts.k);
        if (!Number.isInteger(k) || k < 1 || k > 1000) throw new UsageError(`--k takes a whole number from 1 to 1000, not "${opts.k}"`);
        lore = open(false);
        const response = await lore.search(rest.join(' '), { k, documentTypes: opts.type, pathGlob: opts.path });
        io.out(opts.json ? JSON.stringify(response, null, 2) : formatResults(response, style(io.isTTY)));
        return response.results.length ? EXIT.ok : EXIT.noResults;
      }
      case 'status': {
        lore = open(false);
        const status = lore.status();
        const failed = lore.files('failed');
        io.out(opts.json ? JSON.stringify({ ...status, failed, warnings: lore.files().filter((f) => f.status !== 'failed' && f.error) }, null, 2) : formatStatus(status, failed));
        return EXIT.ok;
      }
      case 'validate': {
        lore = open(false);
        const report = lore.validate();
        if (opts.json) io.out(JSON.stringify(report, null, 2));
        else if (report.ok) io.out(`Index is consistent (${report.checked.join(', ')}).`);
        else io.out([`Index has ${report.problems.length} problem(s):`, ...report.problems.map((p) => `  [${p.check}] ${p.message}`), 'Rebuild it with `lore index <dir>` after deleting the index file.'].join('\n'));
        return report.ok ? EXIT.ok : EXIT.problems;
      }
      default:
        throw new UsageError(`Unknown command "${command}". Run \`lore --help\` for the commands.`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message);
      return EXIT.usage;
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

function progressPrinter(io: Io, quiet: boolean) {
  if (quiet || !io.isTTY) return undefined;
  return (p: { phase: string; done: number; total: number; current?: string }) => {
    const text = p.phase === 'scanning' ? 'scanning…' : `indexing ${p.done}/${p.total} ${p.current ?? ''}`;
    process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 80) - 1)}`);
    if (p.phase === 'done') process.stderr.write('\r\x1b[2K');
  };
}

/** The process entry: wires signals and exits with main's code. */
export function run(): void {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.interrupted);
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  main(process.argv.slice(2), { out: (s) => console.log(s), err: (s) => console.error(s), isTTY: !!process.stdout.isTTY }, controller.signal).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(4);
    },
  );
}

if (require.main === module) run();
