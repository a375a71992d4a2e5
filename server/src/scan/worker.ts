/** A scan worker thread: extracts the batches of files it is sent. */
import { parentPort } from 'node:worker_threads';
import { ExtractJob, extractFile } from './extractFiles';

parentPort?.on('message', (jobs: ExtractJob[]) => {
  parentPort!.postMessage(jobs.map(extractFile));
});
