import { formatCount } from '../format';

/** "partial results: 31,361 of 38,430 files indexed": said wherever results come while indexing runs. */
export function partialResults(p: { indexed: number; total?: number }): string {
  // While a run is still listing the files, how many there are is not known yet.
  return p.total === undefined
    ? `partial results: ${formatCount(p.indexed)} files indexed so far`
    : `partial results: ${formatCount(p.indexed)} of ${formatCount(p.total)} files indexed`;
}
