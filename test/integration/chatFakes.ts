// Fakes for driving the @lore handler in the extension host: a response stream that records what
// it was given, a scripted LanguageModelChat (code-server has no chat model), and a request.
import * as vscode from 'vscode';

type Part = { kind: 'markdown'; value: string } | { kind: 'anchor'; value: vscode.Location; title?: string } | { kind: 'reference'; value: vscode.Location } | { kind: 'progress'; value: string };

export class RecordingStream {
  parts: Part[] = [];
  onMarkdown?: (value: string) => void;
  markdown(value: string | vscode.MarkdownString) {
    const v = typeof value === 'string' ? value : value.value;
    this.parts.push({ kind: 'markdown', value: v });
    this.onMarkdown?.(v);
  }
  anchor(value: vscode.Location, title?: string) {
    this.parts.push({ kind: 'anchor', value, title });
  }
  reference(value: vscode.Location) {
    this.parts.push({ kind: 'reference', value });
  }
  progress(value: string) {
    this.parts.push({ kind: 'progress', value });
  }
  buttons: vscode.Command[] = [];
  button(command: vscode.Command) {
    this.buttons.push(command);
  }
  filetree() {}
  push() {}
  get text(): string {
    return this.parts.map((p) => (p.kind === 'markdown' ? p.value : p.kind === 'anchor' ? (p.title ?? '') : '')).join('');
  }
  get references(): vscode.Location[] {
    return this.parts.filter((p): p is Extract<Part, { kind: 'reference' }> => p.kind === 'reference').map((p) => p.value);
  }
}

/** A LanguageModelChat that answers with the given fragments (or those made from what it was sent, or fails), and remembers what it was sent. */
export function scriptedModel(fragments: string[] | Error | ((messages: vscode.LanguageModelChatMessage[]) => string[]), opts: { delayMs?: number } = {}) {
  const calls: vscode.LanguageModelChatMessage[][] = [];
  const model = {
    id: 'test-model',
    name: 'Test model',
    vendor: 'lore-test',
    family: 'test',
    version: '1',
    maxInputTokens: 8_000,
    countTokens: async (t: string | vscode.LanguageModelChatMessage) => (typeof t === 'string' ? t.length : 1) / 4,
    async sendRequest(messages: vscode.LanguageModelChatMessage[], _o?: unknown, token?: vscode.CancellationToken) {
      calls.push(messages);
      if (fragments instanceof Error) throw fragments;
      const list = typeof fragments === 'function' ? fragments(messages) : fragments;
      async function* gen() {
        for (const f of list) {
          if (token?.isCancellationRequested) return;
          if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
          yield f;
        }
      }
      return { text: gen(), stream: gen() };
    },
  };
  return { model: model as unknown as vscode.LanguageModelChat, calls };
}

export function request(prompt: string, opts: { command?: string; model?: vscode.LanguageModelChat } = {}): vscode.ChatRequest {
  return { prompt, command: opts.command, references: [], toolReferences: [], toolInvocationToken: undefined as never, model: opts.model } as unknown as vscode.ChatRequest;
}

