/** How numbers are written for people, the same in every host. */

/** A count as people read it: 38,952 (no locale data to load: the first toLocaleString() costs tens of milliseconds). */
export function formatCount(n: number): string {
  const s = String(Math.trunc(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/** Bytes as people read them: "712 KB", "32.9 MB", "1.2 GB" (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/** The team index's state in one line, the same in every host: which index answers, and why. */
export function formatTeam(t: import('./storage/storage').TeamStatus): string {
  const where = `${t.server} (project ${t.project})`;
  if (t.state !== 'connected') return `team index unreachable: ${t.reason ?? 'not connected yet'} — working on the local index at ${t.local}; ${where} is tried again every few seconds`;
  const h = t.health;
  if (h && !h.reachable) return `${where}: not answering just now (${h.error ?? 'no reply'})`;
  const parts = h ? teamHealthParts(h, 'no pgvector (keyword search only)') : [];
  return `${where}: connected${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** A reachable server's health as short phrases: "3 ms", "PostgreSQL 15.18", "pgvector 0.8.0" (or `noPgvector`). */
export function teamHealthParts(h: NonNullable<import('./storage/storage').TeamStatus['health']>, noPgvector: string): string[] {
  return [
    `${Math.max(1, Math.round(h.latencyMs ?? 0))} ms`,
    ...(h.serverVersion ? [`PostgreSQL ${h.serverVersion.split(' ')[0]}`] : []),
    h.pgvector ? `pgvector ${h.pgvector}` : noPgvector,
  ];
}
