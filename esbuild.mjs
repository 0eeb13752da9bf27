// Bundles each entry point into dist/ as CommonJS for Node 20 (and VS Code's extension host).
// Native and binary-loading modules stay external and ship beside the bundle in node_modules.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const options = {
  entryPoints: {
    cli: 'src/cli/main.ts',
    parseWorker: 'src/core/index/parseWorker.ts',
    mcp: 'src/mcp/main.ts', // the MCP server over stdio: `node dist/mcp.js --db PATH | <folder>`
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'better-sqlite3', 'sqlite-vec'],
  logLevel: 'warning',
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('esbuild: watching');
} else {
  await esbuild.build(options);
}
