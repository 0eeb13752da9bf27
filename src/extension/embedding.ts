import type { EmbedderStatus } from '../core/embed/health';
import { formatCount } from '../core/format';

/** The embedder part of a Lore's status (issue 3), as the engine reports it. */
export type { EmbedderStatus };

/** Semantic search is wanted but not working (shown as "keyword only" with a warning). */
export function isDegraded(e: EmbedderStatus): boolean {
  return e.state === 'degraded';
}

export function describeEmbedder(e: EmbedderStatus): string {
  switch (e.state) {
    case 'live':
      return `live: ${e.provider === 'builtin' ? 'built-in ' : ''}${e.model ?? '?'}${e.dimensions ? ` (${e.dimensions} dims)` : ''}${e.progress && e.progress.done < e.progress.total ? `, ${formatCount(e.progress.done)}/${formatCount(e.progress.total)} documents` : ''}`;
    case 'checking':
      return `checking ${e.model ?? 'the embedder'}…`;
    case 'degraded':
      return 'keyword only';
    default:
      return 'off (keyword only)';
  }
}
