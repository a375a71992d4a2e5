/**
 * Preloaded into a CLI process by tests (`node -r …/countWorkers.js`): counts the worker threads the
 * process starts, and writes `worker threads started: N` to stderr at exit, so a test can tell that a
 * parallel path really ran rather than trusting a threshold it lowered.
 */
import * as fs from 'node:fs';

// The module object itself (an `import * as` copy has getters only): the CLI reads `Worker` from it when it starts one.
const workerThreads = require('node:worker_threads') as typeof import('node:worker_threads');

let started = 0;
const Original = workerThreads.Worker;
(workerThreads as { Worker: typeof Original }).Worker = class extends Original {
  constructor(...args: ConstructorParameters<typeof Original>) {
    super(...args);
    started++;
  }
};
process.on('exit', () => fs.writeSync(2, `worker threads started: ${started}\n`));
