import * as vscode from 'vscode';
import type { LoreConfig } from '../core/config';
import type { EmbedderSettings } from '../core/embed/types';
import { FUSION_METHODS, SEARCH_MODES } from '../core/search/input';
import type { FusionMethod, SearchMode } from '../core/search/types';
import type { LoreInit } from '../core/service';
import { embeddingApiKey, teamPassword } from './secrets';

/** The extension's settings (contributes.configuration "lore.*"), typed and defaulted. */
export interface ExtensionConfig {
  include: string[];
  exclude: string[];
  maxFileSize: number;
  embedding: {
    provider: 'auto' | 'builtin' | 'none' | 'ollama' | 'openai';
    host: string;
    model: string;
    builtinModel: string;
    modelPath: string;
    batchSize: number;
    timeout: number;
  };
  search: { defaultMode: SearchMode; resultCount: number; fusion: FusionMethod };
  sessions: { retentionDays: number; maxSessions: number };
  indexOnStartup: boolean;
  storage: {
    backend: 'sqlite' | 'postgres' | 'auto';
    postgres: { host: string; port: number; database: string; user: string; project: string; poolMax: number; ssl: boolean };
  };
}

const SECTION = 'lore';

export function readConfig(scope?: vscode.ConfigurationScope): ExtensionConfig {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const list = (key: string) => (c.get<string[]>(key) ?? []).filter((s) => typeof s === 'string' && s.trim() !== '');
  const num = (key: string, fallback: number, min: number) => {
    const v = c.get<number>(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = c.get<string>(key);
    return allowed.includes(v as T) ? (v as T) : fallback;
  };
  return {
    include: list('include'),
    exclude: list('exclude'),
    maxFileSize: num('maxFileSize', 2 * 1024 * 1024, 1),
    embedding: {
      provider: oneOf('embedding.provider', ['auto', 'builtin', 'none', 'ollama', 'openai'] as const, 'auto'),
      host: (c.get<string>('embedding.host') ?? '').trim(),
      model: (c.get<string>('embedding.model') ?? '').trim(),
      builtinModel: (c.get<string>('embedding.builtinModel') ?? '').trim(),
      modelPath: (c.get<string>('embedding.modelPath') ?? '').trim(),
      batchSize: num('embedding.batchSize', 32, 1),
      timeout: num('embedding.timeout', 30_000, 100),
    },
    search: {
      defaultMode: oneOf('search.defaultMode', SEARCH_MODES, 'hybrid'),
      resultCount: Math.min(num('search.resultCount', 20, 1), 200),
      fusion: oneOf('search.fusion', FUSION_METHODS, FUSION_METHODS[0]),
    },
    sessions: { retentionDays: num('sessions.retentionDays', 90, 0), maxSessions: num('sessions.maxSessions', 200, 0) },
    indexOnStartup: c.get<boolean>('indexOnStartup') ?? true,
    storage: {
      backend: oneOf('storage.backend', ['sqlite', 'postgres', 'auto'] as const, 'sqlite'),
      postgres: {
        host: (c.get<string>('storage.postgres.host') ?? '').trim(),
        port: Math.min(num('storage.postgres.port', 5432, 1), 65535),
        database: (c.get<string>('storage.postgres.database') ?? '').trim(),
        user: (c.get<string>('storage.postgres.user') ?? '').trim(),
        project: (c.get<string>('storage.postgres.project') ?? '').trim(),
        poolMax: Math.min(num('storage.postgres.poolMax', 10, 2), 100),
        ssl: c.get<boolean>('storage.postgres.ssl') ?? false,
      },
    },
  };
}

/** What the engine reads from these settings (an empty include list means the engine's default). */
export function engineConfig(cfg: ExtensionConfig): Partial<LoreConfig> {
  return {
    include: cfg.include.length ? cfg.include : undefined,
    exclude: cfg.exclude,
    maxFileSize: cfg.maxFileSize,
  };
}

let modelDir: string | undefined;

/** Where built-in models are downloaded: the extension's global storage, shared by every workspace (set at activation). */
export function setModelDir(dir: string): void {
  modelDir = dir;
}

export function embedderSettings(cfg: ExtensionConfig): EmbedderSettings | null {
  const e = cfg.embedding;
  if (e.provider === 'none') return null;
  return {
    provider: e.provider,
    host: e.host || undefined,
    model: e.model || undefined,
    builtinModel: e.builtinModel || undefined,
    modelDir,
    modelPath: e.modelPath || undefined,
    batchSize: e.batchSize,
    timeoutMs: e.timeout,
    ...(e.provider === 'openai' && embeddingApiKey() ? { apiKey: embeddingApiKey() } : {}),
  };
}

/**
 * The team index the settings ask for: the server from host/port/database/user (else
 * LORE_DATABASE_URL from the environment), the password from secret storage (else
 * LORE_DATABASE_PASSWORD). `sqlite` (the default) keeps the index on this machine only.
 */
export function teamSettings(cfg: ExtensionConfig): Pick<LoreInit, 'backend' | 'postgres'> {
  const { backend, postgres: p } = cfg.storage;
  if (backend === 'sqlite') return { backend };
  const url = p.host
    ? `postgres://${p.user ? `${encodeURIComponent(p.user)}@` : ''}${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}/${encodeURIComponent(p.database || 'lore')}${p.ssl ? '?sslmode=require' : ''}`
    : undefined;
  return { backend, postgres: { url, project: p.project || undefined, max: p.poolMax, min: 0, password: teamPassword() } };
}

/** Which kind of change a configuration event is: the engine's file filter, the embedder, or neither. */
export function changeKinds(e: vscode.ConfigurationChangeEvent): { filter: boolean; embedder: boolean; sessions: boolean; storage: boolean } {
  const any = (...keys: string[]) => keys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
  return {
    filter: any('include', 'exclude', 'maxFileSize'),
    embedder: any('embedding'),
    sessions: any('sessions'),
    storage: any('storage'),
  };
}
