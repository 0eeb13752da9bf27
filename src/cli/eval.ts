/** `lore eval`: retrieval quality of a BEIR set or a markdown folder (known-item queries). */
export interface EvalIo {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

export async function runEval(_argv: string[], io: EvalIo, _signal?: AbortSignal): Promise<number> {
  io.err('lore eval: not implemented yet');
  return 2;
}
