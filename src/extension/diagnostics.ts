/**
 * What the extension host costs: its memory now and at its peak, the longest time its event loop
 * was blocked since Lore started (every extension's work counts: other extensions loading, Lore
 * opening its index), and the longest while Lore was indexing (the work Lore does in a big
 * workspace). "Lore: Show Diagnostics" shows it; the host bench reads it (bench/host.ts).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
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
}

/** Times the event loop's turns while runs or embedding are under way (a 10 ms timer then, none otherwise). */
class IndexingStalls {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  maxMs = 0;

  set running(on: boolean) {
    if (on === !!this.timer) return;
    if (!on) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.maxMs = Math.max(this.maxMs, Math.round(now - this.last - 10));
      this.last = now;
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
    };
  };
  const command = vscode.commands.registerCommand('lore.showDiagnostics', () => {
    const d = read();
    void vscode.window.showInformationMessage(
      `Lore diagnostics: extension host RSS ${d.rssMb} MB (peak ${d.peakRssMb} MB; JavaScript heap ${d.heapUsedMb} of ${d.heapTotalMb} MB, external ${d.externalMb} MB); longest event-loop stall ${d.maxStallMs} ms since start (p99 ${d.p99StallMs} ms), ${d.maxStallIndexingMs} ms while indexing.`,
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
