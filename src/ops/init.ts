import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DapError } from '../errors.js';
import { bundledEnvironmentsDir } from '../paths.js';
import { EXAMPLE_SCRIPT, EXAMPLE_SPEC, EXAMPLE_TRAIN_PY, environmentCopy, exampleSpec, withGitignoreEntries } from '../core/init/scaffold.js';
import { generateOp } from './generate.js';
import { DEFAULT_SCHEMA_DIR, differingSchemas, writeSchemas } from './schema.js';

// `dap init`: scaffold a research project (empty or existing repository). Writes nothing when any
// file it would create exists already; the .gitignore is only ever appended to.

export interface InitOptions { root: string }

export interface InitResult {
  root: string;
  files: Array<{ path: string; status: 'written' | 'updated' }>;
  /** how the spec's $schema comment resolves */
  schema: 'node_modules' | 'copied';
}

const ENV_FILE = 'environments/python/environment.yaml';
const PIPELINE = '.gitlab-ci.yml';

export async function initOp(opts: InitOptions): Promise<InitResult> {
  const root = path.resolve(opts.root);
  // the editor's $schema: dap's own copy when it is installed in the project, else copies in schemas/
  const installed = path.join(root, 'node_modules', 'dap', 'schemas');
  const schema: InitResult['schema'] = existsSync(path.join(installed, 'experiment.schema.json')) ? 'node_modules' : 'copied';
  const schemaDir = schema === 'node_modules' ? installed : path.join(root, DEFAULT_SCHEMA_DIR);
  const creates = [EXAMPLE_SPEC, EXAMPLE_SCRIPT, ENV_FILE, PIPELINE];
  const existing = creates.filter((f) => existsSync(path.join(root, f)));
  if (schema === 'copied') existing.push(...(await differingSchemas(schemaDir)).map((f) => rel(root, f)));
  if (existing.length) {
    throw new DapError(`dap init would overwrite ${existing.join(', ')}; nothing was written`, {
      hint: 'move them aside (or add your own specs under experiments/ and run `dap generate`)',
    });
  }
  const files: InitResult['files'] = [];
  if (schema === 'copied') {
    for (const w of await writeSchemas(schemaDir)) if (w.status === 'written') files.push({ path: rel(root, w.path), status: 'written' });
  }
  const ref = (fromDir: string, file: string) => path.relative(path.join(root, fromDir), path.join(schemaDir, file)).split(path.sep).join('/');

  const write = async (file: string, text: string, mode?: number) => {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), text, { flag: 'wx', mode });
    files.push({ path: file, status: 'written' });
  };
  await write(EXAMPLE_SPEC, exampleSpec(ref('experiments', 'experiment.schema.json')));
  await write(EXAMPLE_SCRIPT, EXAMPLE_TRAIN_PY, 0o755);
  const builtinEnv = await fs.readFile(path.join(bundledEnvironmentsDir, 'python', 'environment.yaml'), 'utf8');
  await write(ENV_FILE, environmentCopy(builtinEnv, ref('environments/python', 'environment.schema.json')));

  const ignoreFile = path.join(root, '.gitignore');
  const before = await fs.readFile(ignoreFile, 'utf8').catch(() => undefined);
  const after = withGitignoreEntries(before);
  if (after !== before) {
    await fs.writeFile(ignoreFile, after);
    files.push({ path: '.gitignore', status: before === undefined ? 'written' : 'updated' });
  }
  const generated = await generateOp({ root });
  for (const f of generated.files) if (f.status === 'written') files.push({ path: f.path, status: 'written' });
  return { root, files, schema };
}

function rel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}
