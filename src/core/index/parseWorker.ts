/** Worker thread entry: processes files sent by ParsePool, off the main thread. */
import { parentPort } from 'node:worker_threads';
import { lowerThisThread } from '../workerEntry';
import { processFile, type FileJob } from './processFile';

lowerThisThread();

parentPort!.on('message', (msg: { id: number; job: FileJob }) => {
  parentPort!.postMessage({ id: msg.id, started: true }); // the pool's per-file time budget starts now
  parentPort!.postMessage({ id: msg.id, result: processFile(msg.job) });
});
