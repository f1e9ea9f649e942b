import path from 'node:path';
import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('schema')
    .description("print dap's JSON schema for experiment specs (or environments), or copy both into the project for editors")
    .argument('[kind]', 'experiment or environment', 'experiment')
    .option('--write [dir]', 'copy experiment.schema.json and environment.schema.json into DIR (default: schemas/ in the project root)')
    .option('--json', 'with --write: print the files as JSON')
    .addHelpText('after', '\nIn a spec: # yaml-language-server: $schema=../schemas/experiment.schema.json')
    .action(outcomes.action(async (kind: string, o: { write?: string | boolean; json?: boolean }) => {
      const { UsageError } = await import('../../errors.js');
      if (kind !== 'experiment' && kind !== 'environment') throw new UsageError(`unknown schema "${kind}"`, 'use experiment or environment');
      const { readSchema, writeSchemas, DEFAULT_SCHEMA_DIR } = await import('../../ops/schema.js');
      if (o.write === undefined) {
        process.stdout.write(await readSchema(kind));
        return;
      }
      const { findProjectRoot } = await import('../../paths.js');
      const dir = typeof o.write === 'string' ? path.resolve(o.write) : path.join(findProjectRoot(), DEFAULT_SCHEMA_DIR);
      const written = await writeSchemas(dir);
      if (o.json) process.stdout.write(JSON.stringify(written, null, 2) + '\n');
      else for (const w of written) process.stdout.write(`${w.status}: ${path.relative(process.cwd(), w.path) || w.path}\n`);
    }));
}
