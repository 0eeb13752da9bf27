// Types of lib.mjs for the TypeScript test harness (test/e2e/harness.ts).
import type { BrowserContext } from 'playwright-core';

export const REPO: string;
export const CHROMIUM: string;
export const FIXTURES: string;
export const RESULTS: string;
export const CHROMIUM_ARGS: string[];
export const DEFAULT_SETTINGS: Record<string, unknown>;

export interface PreparedWorkspace {
  /** The copied fixture folder. */
  root: string;
  /** Set for a single folder. */
  folder?: string;
  /** Set for a multi-root fixture (it has a .code-workspace file). */
  workspaceFile?: string;
  /** Absolute paths of the workspace folders. */
  folders: string[];
}

export interface CodeServer {
  url: string;
  port: number;
  host: string;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): number;
}

export function ensureSetup(): string;
export function build(): void;
export function makeRunDir(label?: string): string;
export function freePort(preferred?: number, host?: string): Promise<number>;
export function prepareWorkspace(runDir: string, fixture?: string): PreparedWorkspace;
export function testEnv(ws: PreparedWorkspace): Record<string, string>;
export function startCodeServer(opts: {
  csDir: string;
  runDir: string;
  open?: string;
  env?: Record<string, string>;
  settings?: Record<string, unknown>;
  port?: number;
  host?: string;
  extensionsDir?: string;
  userDataDir?: string;
  logFile?: string;
  vsix?: string;
}): Promise<CodeServer>;
export function installVsix(opts: { csDir: string; vsix: string; userDataDir: string; extensionsDir: string }): void;
export function workbenchUrl(
  server: CodeServer,
  opts: { folder?: string; workspaceFile?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string },
): string;
export function launchBrowser(runDir: string, opts?: { width?: number; height?: number }): Promise<BrowserContext>;
export function killTrees(roots: number[], opts?: { grace?: number }): number;
export function killRun(runDir: string, pidFile?: string | null, opts?: { grace?: number }): number;
export function tail(file: string, lines?: number): string;
export function memorySampler(runDir: string): { sample(): number; readonly peak: number };
