// The API key of an OpenAI-compatible embedder lives in VS Code's secret storage (the OS keychain),
// never in settings or logs. "Lore: Set Embedding API Key" stores or clears it; without one, the
// engine falls back to LORE_EMBED_API_KEY / OPENAI_API_KEY from the environment.
import * as vscode from 'vscode';

export const API_KEY_SECRET = 'lore.embedding.apiKey';

let cached: string | undefined;

/** The stored key (loaded at activation, kept current by the secret-change listener). */
export function embeddingApiKey(): string | undefined {
  return cached;
}

export async function loadApiKey(secrets: vscode.SecretStorage): Promise<void> {
  try {
    cached = (await secrets.get(API_KEY_SECRET)) || undefined;
  } catch {
    cached = undefined; // no keychain: the environment's key still works
  }
}

/**
 * lore.setEmbeddingApiKey [key]: asks for the key (masked); an empty answer removes it. With an
 * argument (tests, scripts) it stores that key without asking. Re-applies the embedder either way.
 */
export function registerApiKey(secrets: vscode.SecretStorage, apply: () => Promise<void>): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('lore.setEmbeddingApiKey', async (key?: unknown) => {
      let value = typeof key === 'string' ? key : undefined;
      if (value === undefined) {
        value = await vscode.window.showInputBox({
          title: 'Lore: Set Embedding API Key',
          prompt: 'API key of the OpenAI-compatible embeddings endpoint (kept in the OS keychain, never in settings). Leave empty to remove it.',
          password: true,
          ignoreFocusOut: true,
        });
        if (value === undefined) return false; // dismissed
      }
      value = value.trim();
      if (value) await secrets.store(API_KEY_SECRET, value);
      else await secrets.delete(API_KEY_SECRET);
      return true; // the change listener below re-applies the embedder
    }),
    secrets.onDidChange(async (e) => {
      if (e.key !== API_KEY_SECRET) return;
      await loadApiKey(secrets);
      await apply();
    }),
  ];
}
