import fs from 'node:fs';
import path from 'node:path';
import { parseSpecDocument } from '../core/spec/document.js';

// The project's spec files as tracking sees them: lineage and ranking hints, parsed and hashed the
// way the spec loader does (core's parser and hash). Not validated: a job or a listing must not
// fail because of a spec; validation belongs to `dap lint`/`dap generate` (ops' loader).

export interface SpecData {
  /** path as shown and tagged (experiments/NAME.yaml) */
  file: string;
  /** sha256 of the file's text, as the loader computes it */
  hash: string;
  /** the plain YAML data; not checked against the schema */
  data: unknown;
}

/** One spec file, or undefined when it cannot be read or is not YAML. */
export function readSpecFile(abs: string, file: string): SpecData | undefined {
  try {
    const { doc } = parseSpecDocument({ file, source: fs.readFileSync(abs, 'utf8') });
    return doc.fatal ? undefined : { file, hash: doc.hash, data: doc.data };
  } catch {
    return undefined;
  }
}

/** experiments/*.y(a)ml under `root`, in name order; unreadable ones are left out. */
export function readSpecFiles(root: string): SpecData[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(root, 'experiments')).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  return names.flatMap((f) => readSpecFile(path.join(root, 'experiments', f), `experiments/${f}`) ?? []);
}
