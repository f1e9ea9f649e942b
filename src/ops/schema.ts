import fs from 'node:fs/promises';
import path from 'node:path';
import { schemasDir } from '../paths.js';

// `dap schema`: the JSON schemas of dap's files, for editors. `--write` copies them into the
// project, so a `$schema` comment resolves without dap in node_modules.

export const SCHEMA_FILES = ['experiment.schema.json', 'environment.schema.json'] as const;
export const DEFAULT_SCHEMA_DIR = 'schemas';

export async function readSchema(name: 'experiment' | 'environment'): Promise<string> {
  return fs.readFile(path.join(schemasDir, `${name}.schema.json`), 'utf8');
}

/** Schema files in `dir` that exist with other content than dap's (what --write would replace). */
export async function differingSchemas(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of SCHEMA_FILES) {
    const current = await fs.readFile(path.join(dir, f), 'utf8').catch(() => undefined);
    if (current !== undefined && current !== (await fs.readFile(path.join(schemasDir, f), 'utf8'))) out.push(path.join(dir, f));
  }
  return out;
}

export interface WrittenSchema { path: string; status: 'written' | 'unchanged' }

/** Copies the schemas into `dir` (absolute); files that are already identical are left alone. */
export async function writeSchemas(dir: string): Promise<WrittenSchema[]> {
  await fs.mkdir(dir, { recursive: true });
  const out: WrittenSchema[] = [];
  for (const f of SCHEMA_FILES) {
    const text = await fs.readFile(path.join(schemasDir, f), 'utf8');
    const dest = path.join(dir, f);
    const current = await fs.readFile(dest, 'utf8').catch(() => undefined);
    if (current === text) out.push({ path: dest, status: 'unchanged' });
    else {
      await fs.writeFile(dest, text);
      out.push({ path: dest, status: 'written' });
    }
  }
  return out;
}
