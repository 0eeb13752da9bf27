import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

// The layering rules of the architecture, checked on the source itself: the engine never imports
// 'vscode', and no module imports itself through others (a cycle makes load order decide which
// module sees the other half-initialised).

const SRC = path.resolve(__dirname, '../../src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic, types included). */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of text.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

test('src/core never imports vscode', async () => {
  const offenders = sources(path.join(SRC, 'core')).filter((f) => specifiers(f).includes('vscode'));
  assert.deepEqual(offenders.map((f) => path.relative(SRC, f)), []);
});

test('SQLite stays behind the storage interfaces: better-sqlite3 only in storage/sqlite, which only the factory opens', async () => {
  const sqliteDir = path.join(SRC, 'core', 'storage', 'sqlite');
  const inside = (f: string) => f.startsWith(sqliteDir + path.sep);
  const driver = sources(SRC).filter((f) => !inside(f) && specifiers(f).includes('better-sqlite3'));
  assert.deepEqual(driver.map((f) => path.relative(SRC, f)), [], 'better-sqlite3 imported outside src/core/storage/sqlite');
  // The backend factory opens it; the user's own data is a local SQLite file on every backend
  // (storage/userData.ts names it for them); the evaluation's plain-BM25 baseline is SQLite FTS5 by definition.
  const allowed = new Set(['core/storage/open.ts', 'core/storage/userData.ts', 'core/eval/run.ts']);
  const reaching = sources(SRC).filter(
    (f) => !inside(f) && !allowed.has(path.relative(SRC, f)) && specifiers(f).some((s) => resolveLocal(f, s)?.startsWith(sqliteDir + path.sep)),
  );
  assert.deepEqual(reaching.map((f) => path.relative(SRC, f)), [], 'modules reaching into the SQLite backend instead of the storage interfaces');
});

/** Import cycles among `files`, each as "a.ts -> b.ts -> a.ts" relative to `root`. */
function findCycles(files: string[], root: string): string[] {
  const edges = new Map(files.map((f) => [f, specifiers(f).map((s) => resolveLocal(f, s)).filter((x): x is string => !!x)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, stack: string[]) => {
    state.set(f, 'open');
    for (const g of edges.get(f) ?? []) {
      if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g].map((x) => path.relative(root, x)).join(' -> '));
      else if (!state.has(g)) visit(g, [...stack, g]);
    }
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f, [f]);
  return cycles;
}

test('no import cycles in src', async () => {
  assert.deepEqual(findCycles(sources(SRC), SRC), []);
});

test('the cycle check reports two modules that import each other only for types', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lore-cycle-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "export type { A } from './a';\nexport type B = 1;\n");
    fs.writeFileSync(path.join(dir, 'c.ts'), "import { x } from './d';\n");
    fs.writeFileSync(path.join(dir, 'd.ts'), 'export const x = 1;\n');
    assert.deepEqual(findCycles(sources(dir), dir), ['a.ts -> b.ts -> a.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
