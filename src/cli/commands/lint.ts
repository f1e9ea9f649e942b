import type { Command } from 'commander';
import { DapError } from '../../errors.js';

// placeholder until the owning issue lands
export function register(program: Command): void {
  program
    .command('lint')
    .description('(not built yet)')
    .action(() => {
      throw new DapError('dap lint is not built yet');
    });
}
