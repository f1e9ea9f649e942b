import type { Command } from 'commander';
import { DapError } from '../../errors.js';

// placeholder until the owning issue lands
export function register(program: Command): void {
  program
    .command('track')
    .description('(not built yet)')
    .action(() => {
      throw new DapError('dap track is not built yet');
    });
}
