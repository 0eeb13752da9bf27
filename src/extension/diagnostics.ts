/**
 * What the extension host costs: its memory now and at its peak, and the longest time its event
 * loop was blocked since Lore started (every extension's work counts, Lore's indexing included).
 * "Lore: Show Diagnostics" shows it; the host bench reads it (bench/host.ts).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';

export interface HostDiagnostics {
  rssMb: number;
  peakRssMb: number;
  heapUsedMb: number;
  /** The longest event-loop stall since activation, and the 99th percentile (ms). */
  maxStallMs: number;
  p99StallMs: number;
}

export function registerDiagnostics(): vscode.Disposable {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const read = (): HostDiagnostics => ({
    rssMb: mb(process.memoryUsage().rss),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: mb(process.memoryUsage().heapUsed),
    // The histogram counts from the 10 ms sampling tick: what is above it is the stall.
    maxStallMs: Math.max(0, Math.round(loop.max / 1e6 - 10)),
    p99StallMs: Math.max(0, Math.round(loop.percentile(99) / 1e6 - 10)),
  });
  const command = vscode.commands.registerCommand('lore.showDiagnostics', () => {
    const d = read();
    void vscode.window.showInformationMessage(
      `Lore diagnostics: extension host RSS ${d.rssMb} MB (peak ${d.peakRssMb} MB, heap ${d.heapUsedMb} MB); longest event-loop stall ${d.maxStallMs} ms since start (p99 ${d.p99StallMs} ms).`,
    );
    return d;
  });
  return { dispose: () => (loop.disable(), command.dispose()) };
}
