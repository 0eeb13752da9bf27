/**
 * Connections to a PostgreSQL server for the shared team index: a `pg` pool (2-10 connections),
 * statement timeouts, TLS, transactions that roll back on error and are retried on a serialization
 * failure or a lost connection, and messages that say what went wrong without the password.
 */
import pg from 'pg';
import { errorMessage, LoreError } from '../../errors';

export interface PgOptions {
  /** postgres://user@host:port/database?sslmode=require (the password from LORE_DATABASE_PASSWORD or PGPASSWORD, never logged). */
  url: string;
  password?: string;
  /** Pool size (default 2-10). */
  min?: number;
  max?: number;
  /** Every statement is cancelled after this long (default 30 s). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection (default 5 s). */
  connectTimeoutMs?: number;
  /** TLS: true, false, or the options node's tls takes (ca, rejectUnauthorized...). Default: what the URL's sslmode says. */
  ssl?: boolean | { ca?: string; rejectUnauthorized?: boolean };
  log?: (message: string) => void;
  /** Every transaction read-only (a reader of the team index never writes to it). */
  readonly?: boolean;
}

/** The URL as it can be shown: no password, whatever form it was given in. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of ['password', 'sslpassword']) if (u.searchParams.has(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  }
}

/** Codes a retry can get past: serialization failure, deadlock, and the connection going away. */
const RETRY_CODES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']);

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return (!!code && RETRY_CODES.has(code)) || /Connection terminated|connection (?:was )?closed/i.test(errorMessage(err));
}

/** The server went away or cannot be reached (not a failed statement): the local index takes over. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return (!!code && CONNECTION_CODES.has(code)) || /Connection terminated|connection (?:was )?closed|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(errorMessage(err));
}

/** A readable reason for a failure to reach or use the server (never the password). */
export function describePgError(err: unknown, url: string): string {
  const code = (err as { code?: string })?.code;
  const where = safeUrl(url);
  const message = errorMessage(err).replace(/password=[^\s&]+/gi, 'password=***');
  if (code === '28P01' || code === '28000') return `PostgreSQL at ${where} refused the login (${message}): check the user and the password (LORE_DATABASE_PASSWORD).`;
  if (code === 'ECONNREFUSED') return `PostgreSQL at ${where} is not answering (connection refused): is the server running, and on that port?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `PostgreSQL host in ${where} cannot be found (${code}).`;
  if (code === '3D000') return `PostgreSQL at ${where}: the database does not exist (${message}).`;
  if (code === '57014') return `PostgreSQL at ${where}: a statement ran past the statement timeout and was cancelled.`;
  return `PostgreSQL at ${where}: ${message}`;
}

export interface PgDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
  /** One statement outside a transaction (retried once when the connection was lost). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** `fn` in a transaction: committed when it resolves, rolled back when it throws; retried (up to `attempts`) when the failure is retryable. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>, opts?: { attempts?: number; isolation?: 'read committed' | 'repeatable read' | 'serializable' }): Promise<T>;
  /** Ends the pool (closing twice is harmless). */
  close(): Promise<void>;
}

export async function openPg(opts: PgOptions): Promise<PgDatabase> {
  const url = opts.url;
  let parsed: URL;
  try {
    parsed = new URL(url);
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`not a postgres:// URL`);
  } catch (err) {
    throw new LoreError('BAD_INPUT', `The database URL ${safeUrl(url)} is not a PostgreSQL URL (${errorMessage(err)}): write postgres://user@host:5432/database.`);
  }
  const sslmode = parsed.searchParams.get('sslmode');
  const ssl = opts.ssl ?? (sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full' ? { rejectUnauthorized: sslmode !== 'require' } : undefined);
  // The URL's parts given one by one: pg lets a connection string's (missing) password override the one given beside it.
  const pool = new pg.Pool({
    host: decodeURIComponent(parsed.hostname) || parsed.searchParams.get('host') || undefined,
    port: parsed.port ? Number(parsed.port) : undefined,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined,
    user: decodeURIComponent(parsed.username) || undefined,
    password: opts.password ?? process.env.LORE_DATABASE_PASSWORD ?? (parsed.password ? decodeURIComponent(parsed.password) : process.env.PGPASSWORD),
    min: opts.min ?? 2,
    max: opts.max ?? 10,
    ssl,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    idleTimeoutMillis: 30_000,
    application_name: 'lore',
    // No JIT: a search's plan looks costly to the planner (it cannot know how few chunks hold a word)
    // and JIT then spends ~2 s compiling a query that runs in milliseconds.
    options: `-c jit=off${opts.readonly ? ' -c default_transaction_read_only=on' : ''}`,
  });
  // An idle connection the server closed is not a crash: the pool makes a new one.
  pool.on('error', (err) => opts.log?.(`a pooled PostgreSQL connection failed: ${describePgError(err, url)}`));
  let closing: Promise<void> | undefined; // closing twice is harmless
  const db: PgDatabase = {
    url,
    pool,
    async query(sql, params) {
      try {
        return await pool.query(sql, params);
      } catch (err) {
        if (!isRetryable(err)) throw err;
        return pool.query(sql, params);
      }
    },
    async transaction(fn, o = {}) {
      const attempts = o.attempts ?? 4;
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        // A checked-out connection the server drops emits 'error' besides failing the query: without a listener that is a crash.
        const dropped = (err: Error) => opts.log?.(`a PostgreSQL connection in use failed: ${describePgError(err, url)}`);
        client.on('error', dropped);
        let broken = false;
        try {
          await client.query(o.isolation ? `BEGIN ISOLATION LEVEL ${o.isolation.toUpperCase()}` : 'BEGIN');
          const out = await fn(client);
          await client.query('COMMIT');
          return out;
        } catch (err) {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true; // the connection itself is gone: do not give it back to the pool
          }
          if (attempt >= attempts || !isRetryable(err)) throw err;
          await new Promise((r) => setTimeout(r, 20 * 2 ** attempt + Math.random() * 20));
        } finally {
          client.off('error', dropped);
          client.release(broken);
        }
      }
    },
    close: () => (closing ??= pool.end()),
  };
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new LoreError('DB_OPEN', describePgError(err, url), { cause: err });
  }
  return db;
}
