/**
 * What the extension host costs: its memory now and at its peak, the longest time its event loop
 * was blocked since Lore started (every extension's work counts: other extensions loading, Lore
 * opening its index), and the longest while Lore was indexing (the work Lore does in a big
 * workspace). "Lore: Show Diagnostics" shows it; the host bench reads it (bench/host.ts).
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { type RunningWorker, runningWorkers } from '../core/idleWorker';
import type { LoreWorkspace } from './lores';

export interface HostDiagnostics {
  rssMb: number;
  peakRssMb: number;
  heapUsedMb: number;
  /** The JavaScript heap's reserved size, and memory held outside it (buffers, typed arrays). */
  heapTotalMb: number;
  externalMb: number;
  /** The longest event-loop stall since activation, and the 99th percentile (ms). */
  maxStallMs: number;
  p99StallMs: number;
  /** The longest stall while a run was indexing or the queue embedding (ms; 0 when none ran). */
  maxStallIndexingMs: number;
  /**
   * Of that stall, the time the thread ran on a CPU and the time it was ready but waited for one
   * (another process had the cores), where the system says (Linux); a busy machine makes stalls
   * that no work of the thread's causes.
   */
  maxStallIndexingSplit?: { runMs: number; waitMs: number };
  /** Lore's worker processes running now (the index writer, the embedder): memory outside the host. */
  workers: RunningWorker[];
}

function describeWorkers(workers: RunningWorker[]): string {
  if (!workers.length) return 'no worker process running';
  return `worker processes: ${workers.map((w) => `${w.name}${w.rssMb === undefined ? ` (pid ${w.pid})` : ` ${w.rssMb} MB`}`).join(', ')}`;
}

/** This thread's time on a CPU and waiting for one, in ns (Linux; undefined elsewhere). */
function cpuTimes(): [number, number] | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const [run, wait] = fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run, wait];
  } catch {
    return undefined;
  }
}

/** Times the event loop's turns while runs or embedding are under way (a 10 ms timer then, none otherwise). */
class IndexingStalls {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private lastCpu: [number, number] | undefined;
  maxMs = 0;
  split: { runMs: number; waitMs: number } | undefined;

  set running(on: boolean) {
    if (on === !!this.timer) return;
    if (!on) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.last = performance.now();
    this.lastCpu = cpuTimes();
    this.timer = setInterval(() => {
      const now = performance.now();
      const cpu = cpuTimes();
      const stall = Math.round(now - this.last - 10);
      if (stall > this.maxMs) {
        this.maxMs = stall;
        const [was, is] = [this.lastCpu, cpu];
        this.split = was && is ? { runMs: Math.round((is[0] - was[0]) / 1e6), waitMs: Math.round((is[1] - was[1]) / 1e6) } : undefined;
      }
      this.last = now;
      this.lastCpu = cpu;
    }, 10);
  }
}

export function registerDiagnostics(access: LoreWorkspace): vscode.Disposable {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const indexing = new IndexingStalls();
  const watch = access.onDidChange(() => {
    void access.status().then((all) => (indexing.running = all.some((s) => !!s.indexing || s.queue.running)), () => undefined);
  });
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const read = (): HostDiagnostics => {
    const m = process.memoryUsage();
    return {
      rssMb: mb(m.rss),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      heapUsedMb: mb(m.heapUsed),
      heapTotalMb: mb(m.heapTotal),
      externalMb: mb(m.external),
      // The histogram counts from the 10 ms sampling tick: what is above it is the stall.
      maxStallMs: Math.max(0, Math.round(loop.max / 1e6 - 10)),
      p99StallMs: Math.max(0, Math.round(loop.percentile(99) / 1e6 - 10)),
      maxStallIndexingMs: Math.max(0, indexing.maxMs),
      maxStallIndexingSplit: indexing.split,
      workers: runningWorkers(),
    };
  };
  const command = vscode.commands.registerCommand('lore.showDiagnostics', () => {
    const d = read();
    void vscode.window.showInformationMessage(
      `Lore diagnostics: extension host RSS ${d.rssMb} MB (peak ${d.peakRssMb} MB; JavaScript heap ${d.heapUsedMb} of ${d.heapTotalMb} MB, external ${d.externalMb} MB; ${describeWorkers(d.workers)}); longest event-loop stall ${d.maxStallMs} ms since start (p99 ${d.p99StallMs} ms), ${d.maxStallIndexingMs} ms while indexing${d.maxStallIndexingSplit ? ` (on a CPU ${d.maxStallIndexingSplit.runMs} ms of it, waiting for one ${d.maxStallIndexingSplit.waitMs} ms)` : ''}.`,
    );
    return d;
  });
  return {
    dispose: () => {
      loop.disable();
      indexing.running = false;
      watch.dispose();
      command.dispose();
    },
  };
}
