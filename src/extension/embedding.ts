import type { EmbedderStatus } from '../core/embed/health';
import type { EmbedderSettings } from '../core/embed/types';
import type { Lore, LoreStatus } from '../core/service';

/** The embedder part of a Lore's status (issue 3), as the engine reports it. */
export type { EmbedderStatus };

export interface QueueStatus {
  pending: number;
  running: boolean;
  paused: boolean;
}

type EmbedApi = {
  configureEmbedder?(settings: EmbedderSettings | null): Promise<void>;
  listModels?(): Promise<string[]>;
  pauseEmbedding?(): void;
  resumeEmbedding?(): void;
  onStatusChange?(listener: () => void): () => void;
  embeddingIdle?(signal?: AbortSignal): Promise<void>;
};

/** The embedding calls of a Lore, each a no-op when this Lore has no embedding pipeline. */
export function embedApi(lore: Lore): Required<EmbedApi> & { available: boolean } {
  const l = lore as Lore & EmbedApi;
  return {
    available: typeof l.configureEmbedder === 'function',
    configureEmbedder: (s) => (l.configureEmbedder ? l.configureEmbedder(s) : Promise.resolve()),
    listModels: () => (l.listModels ? l.listModels() : Promise.resolve([])),
    pauseEmbedding: () => l.pauseEmbedding?.(),
    resumeEmbedding: () => l.resumeEmbedding?.(),
    onStatusChange: (listener) => (l.onStatusChange ? l.onStatusChange(listener) : () => undefined),
    embeddingIdle: (signal) => (l.embeddingIdle ? l.embeddingIdle(signal) : Promise.resolve()),
  };
}

export function embedderOf(status: LoreStatus): EmbedderStatus {
  const e = (status as LoreStatus & { embedder?: EmbedderStatus }).embedder;
  return e ?? { state: 'off', reason: 'This build of Lore has no semantic search; keyword search works.' };
}

export function queueOf(status: LoreStatus): QueueStatus | undefined {
  return (status as LoreStatus & { queue?: QueueStatus }).queue;
}

/** Semantic search is wanted but not working (shown as "keyword only" with a warning). */
export function isDegraded(e: EmbedderStatus): boolean {
  return e.state === 'degraded';
}

export function describeEmbedder(e: EmbedderStatus): string {
  switch (e.state) {
    case 'live':
      return `live: ${e.model ?? '?'}${e.dimensions ? ` (${e.dimensions} dims)` : ''}`;
    case 'checking':
      return `checking ${e.model ?? 'the embedder'}…`;
    case 'degraded':
      return 'keyword only';
    default:
      return 'off (keyword only)';
  }
}
