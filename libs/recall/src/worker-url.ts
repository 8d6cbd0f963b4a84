import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread that runs `kernel(message)` for each message and answers 'done'. The kernel must be a
 * self-contained function (no imports, no closure); its source is shipped to the worker as text. This works the
 * same from the TypeScript sources (tsx, vitest) and from the compiled dist: on Node 20, a `.ts` worker entry is
 * not loaded even with `execArgv: ['--import', 'tsx']` (ERR_UNKNOWN_FILE_EXTENSION), so a file URL is not used.
 */
export function startKernelWorker(kernel: (message: never) => void): Worker {
  const source =
    `const { parentPort } = require('node:worker_threads');\n` +
    `const kernel = (${kernel.toString()});\n` +
    `parentPort.on('message', (m) => { kernel(m); parentPort.postMessage('done'); });\n`;
  return new Worker(source, { eval: true });
}
