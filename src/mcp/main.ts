/** Entry of dist/mcp.js: `node dist/mcp.js --db PATH` or `node dist/mcp.js <folder>` (see cli.ts). */
import { runMcp } from './cli';

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
process.on('SIGTERM', () => controller.abort());
process.on('unhandledRejection', (err) => process.stderr.write(`lore mcp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
runMcp(process.argv.slice(2), { err: (s) => process.stderr.write(`${s}\n`), out: (s) => process.stdout.write(`${s}\n`) }, controller.signal).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`lore mcp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(4);
  },
);
