/**
 * While watching, files that failed for a reason that may clear by itself (disk full, busy, I/O,
 * a permission fixed later) are tried again with back-off: 5 s, then doubling up to 5 minutes,
 * back to 5 s once nothing is left to retry. No file event is needed for them to come back.
 */
export const FIRST_RETRY_MS = 5_000;
export const MAX_RETRY_MS = 5 * 60_000;

export class RetryScheduler {
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private stopped = false;
  /** A whole run stopped on such an error: files it never reached are not recorded, so the next try is a full pass. */
  private fullPass = false;

  constructor(
    /** The paths failed with a retryable reason now. */
    private readonly retryable: () => Promise<string[]>,
    /** Indexes those paths again (undefined: the whole folder). */
    private readonly retry: (paths: string[] | undefined) => Promise<unknown>,
    private readonly firstMs = FIRST_RETRY_MS,
    private readonly onError?: (err: unknown) => void,
  ) {
    this.delay = firstMs;
  }

  /** A run stopped because the index could not be written (disk full): try the whole folder again. */
  runFailed(): void {
    this.fullPass = true;
    this.check();
  }

  /** Looks for retryable failures (after a run) and schedules the next try when there are some. */
  check(): void {
    if (this.stopped || this.timer) return;
    this.retryable().then(
      (paths) => {
        if (this.stopped || this.timer) return;
        if (!paths.length && !this.fullPass) {
          this.delay = this.firstMs;
          return;
        }
        this.timer = setTimeout(() => {
          this.timer = undefined;
          const full = this.fullPass;
          this.fullPass = false;
          this.retry(full ? undefined : paths).then(() => this.check(), (err) => (this.onError?.(err), this.check()));
        }, this.delay);
        this.timer.unref?.();
        this.delay = Math.min(this.delay * 2, MAX_RETRY_MS);
      },
      (err) => this.onError?.(err),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
