import path from 'node:path';

/** The dap checkout the tests run in (its dist/, schemas/, experiments/). */
export const repoRoot = path.resolve(import.meta.dirname, '../..');
