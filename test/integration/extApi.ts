// Shared by the extension's integration tests: activate Lore, wait for the index, poll for a condition.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { LoreExtensionApi } from '../../src/extension/extension';

export async function loreApi(probe = 'PostgreSQL ledger'): Promise<LoreExtensionApi> {
  const ext = vscode.extensions.getExtension<LoreExtensionApi>('lore-dev.lore');
  assert.ok(ext, 'the Lore extension is not loaded in this host');
  const api = await ext.activate();
  assert.ok(api?.access, 'activate() returns { access, trees, statusBar, history }');
  await api.access.ready();
  await eventually(async () => !(await api.access.status()).some((s) => s.indexing) && (await api.access.search(probe)).results.length > 0, `the workspace is indexed ("${probe}" found)`, 30_000);
  return api;
}

export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'a workspace folder is open');
  return f.uri;
}

/** Runs `fn` with vscode.window.show*Message replaced by a recorder; returns what was shown. */
export async function captureMessages<T>(fn: () => Promise<T> | T): Promise<{ result: T; messages: string[] }> {
  const w = vscode.window as unknown as Record<string, unknown>;
  const names = ['showInformationMessage', 'showWarningMessage', 'showErrorMessage'];
  const saved = names.map((n) => w[n]);
  const messages: string[] = [];
  names.forEach((n) => (w[n] = (m: string) => (messages.push(m), Promise.resolve(undefined))));
  try {
    return { result: await fn(), messages };
  } finally {
    names.forEach((n, i) => (w[n] = saved[i]));
  }
}
