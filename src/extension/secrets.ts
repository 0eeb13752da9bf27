// Secrets live in VS Code's secret storage (the OS keychain), never in settings or logs: the API
// key of an OpenAI-compatible embedder ("Lore: Set Embedding API Key"; without one, the engine
// falls back to LORE_EMBED_API_KEY / OPENAI_API_KEY) and the team index's PostgreSQL password
// ("Lore: Set Team Index Password"; without one, LORE_DATABASE_PASSWORD / PGPASSWORD).
import * as vscode from 'vscode';

export const API_KEY_SECRET = 'lore.embedding.apiKey';
export const TEAM_PASSWORD_SECRET = 'lore.storage.postgres.password';

const cached = new Map<string, string>();

/** The stored key (loaded at activation, kept current by the secret-change listener). */
export function embeddingApiKey(): string | undefined {
  return cached.get(API_KEY_SECRET);
}

/** The stored team index password. */
export function teamPassword(): string | undefined {
  return cached.get(TEAM_PASSWORD_SECRET);
}

async function load(secrets: vscode.SecretStorage, key: string): Promise<void> {
  try {
    const v = await secrets.get(key);
    if (v) cached.set(key, v);
    else cached.delete(key);
  } catch {
    cached.delete(key); // no keychain: the environment's value still works
  }
}

export async function loadSecrets(secrets: vscode.SecretStorage): Promise<void> {
  await Promise.all([load(secrets, API_KEY_SECRET), load(secrets, TEAM_PASSWORD_SECRET)]);
}

/**
 * A command that asks for a secret (masked) and stores it; an empty answer removes it. With an
 * argument (tests, scripts) it stores that value without asking. `apply` runs after every change.
 */
function secretCommand(secrets: vscode.SecretStorage, command: string, key: string, title: string, prompt: string, apply: () => Promise<void>): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(command, async (given?: unknown) => {
      let value = typeof given === 'string' ? given : undefined;
      if (value === undefined) {
        value = await vscode.window.showInputBox({ title, prompt, password: true, ignoreFocusOut: true });
        if (value === undefined) return false; // dismissed
      }
      value = value.trim();
      if (value) await secrets.store(key, value);
      else await secrets.delete(key);
      return true; // the change listener below applies it
    }),
    secrets.onDidChange(async (e) => {
      if (e.key !== key) return;
      await load(secrets, key);
      await apply();
    }),
  ];
}

/** lore.setEmbeddingApiKey [key]: re-applies the embedder. */
export function registerApiKey(secrets: vscode.SecretStorage, apply: () => Promise<void>): vscode.Disposable[] {
  return secretCommand(secrets, 'lore.setEmbeddingApiKey', API_KEY_SECRET, 'Lore: Set Embedding API Key',
    'API key of the OpenAI-compatible embeddings endpoint (kept in the OS keychain, never in settings). Leave empty to remove it.', apply);
}

/** lore.setTeamIndexPassword [password]: reopens the indexes on the team server with it. */
export function registerTeamPassword(secrets: vscode.SecretStorage, apply: () => Promise<void>): vscode.Disposable[] {
  return secretCommand(secrets, 'lore.setTeamIndexPassword', TEAM_PASSWORD_SECRET, 'Lore: Set Team Index Password',
    'Password of the PostgreSQL user in lore.storage.postgres.user (kept in the OS keychain, never in settings). Leave empty to remove it.', apply);
}
