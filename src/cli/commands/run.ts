import type { Command } from 'commander';
import { DapError } from '../../errors.js';

// placeholder until the owning issue lands
export function register(program: Command): void {
  program
    .command('run')
    .description('(not built yet)')
    .action(() => {
      throw new DapError('dap run is not built yet');
    });
}
