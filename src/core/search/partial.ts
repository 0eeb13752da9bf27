import { formatCount } from '../format';
/** "partial results: 31,361 of 38,430 files indexed": said wherever results come while indexing runs. */
export function partialResults(p: { indexed: number; total?: number }): string {
  const n = formatCount;
  // While a run is still listing the files, how many there are is not known yet.
  return p.total === undefined ? `partial results: ${n(p.indexed)} files indexed so far` : `partial results: ${n(p.indexed)} of ${n(p.total)} files indexed`;
}
