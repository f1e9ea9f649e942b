// How the experiment command line is wrapped for tracking. Kept apart so the hook is easy to change.

import { commandWords } from './shell.js';

export interface CommandLineInput {
  experiment: string;
  command: string | string[];
  params: ReadonlySet<string>;
  /** true when the job's image is a dap environment, so the dap CLI is inside it */
  tracked: boolean;
}

/**
 * tracked: `dap track -- <argv words>` (a string command becomes `sh -c '<string>'`); dap track
 * keeps the command's exit code. Untracked (foreign image or tracking off): the bare command.
 */
export function commandLine(input: CommandLineInput): string {
  const { experiment, command, params, tracked } = input;
  if (tracked) return ['dap', 'track', '--', ...commandWords(command, params, experiment)].join(' ');
  if (typeof command === 'string') return command;
  return commandWords(command, params, experiment).join(' ');
}
