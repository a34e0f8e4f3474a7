import { Worker } from 'node:worker_threads';

/**
 * A worker thread running `entry`, a TypeScript module of the sources, compiled on load by swc (what jest
 * uses): the way specs start the engine's worker modules, which have no compiled file under jest.
 */
export function tsWorker(entry: string, workerData: unknown): Worker {
  const swc = require.resolve('@swc/core');
  const code = `
    const fs = require('node:fs');
    const swc = require(${JSON.stringify(swc)});
    require.extensions['.ts'] = (m, filename) => {
      const out = swc.transformSync(fs.readFileSync(filename, 'utf8'), { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
      m._compile(out.code, filename);
    };
    require(${JSON.stringify(entry)});
  `;
  return new Worker(code, { eval: true, workerData });
}
