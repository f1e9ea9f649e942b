import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';

export function register(program: Command, outcomes: Outcomes): void {
  program
    .command('init')
    .description('scaffold a research project: an example experiment and script, environments/python, .gitignore entries, .gitlab-ci.yml')
    .argument('[dir]', 'the project directory (default: the current directory)', '.')
    .option('--json', 'print the files written as JSON')
    .addHelpText('after', '\nRefuses (exit 1, nothing written) when a file it would create exists already; .gitignore is only appended to.')
    .action(outcomes.action(async (dir: string, o: { json?: boolean }) => {
      const { initOp } = await import('../../ops/init.js');
      const result = await initOp({ root: dir });
      if (o.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      for (const f of result.files) process.stdout.write(`${f.status}: ${f.path}\n`);
      process.stdout.write(`next: dap validate && dap plan && dap run --local${result.schema === 'copied' ? '  (editor schemas copied into schemas/; refresh them with `dap schema --write`)' : ''}\n`);
    }));
}
