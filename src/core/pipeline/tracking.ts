// How the experiment command line is wrapped for tracking. Kept apart so the hook is easy to change.

import { commandWords } from './shell.js';

export interface CommandLineInput {
  experiment: string;
  command: string | string[];
  params: ReadonlySet<string>;
  /** true when the job's image is a dap environment, so the dap CLI is inside it */
  tracked: boolean;
  /** untracked runs that dap_sync imports later: record the exit code in .dap/status/$DAP_RUN */
  recordStatus?: boolean;
}

/**
 * tracked: `dap track -- <argv words>` (a string command becomes `sh -c '<string>'`); dap track
 * keeps the command's exit code. Foreign image with tracking on: the same words run bare, and
 * the exit code is recorded for dap_sync. Tracking off: the bare command (a string as written).
 */
export function commandLine(input: CommandLineInput): string {
  const { experiment, command, params, tracked } = input;
  if (tracked) return ['dap', 'track', '--', ...commandWords(command, params, experiment)].join(' ');
  if (input.recordStatus) {
    // the job still fails with the command's code; `||` keeps errexit from ending the script first
    return [
      'dap_status=0',
      `${commandWords(command, params, experiment).join(' ')} || dap_status=$?`,
      'mkdir -p "$DAP_DIR/status"',
      `printf '%s\\n' "$dap_status" > "$DAP_DIR/status/$DAP_RUN"`,
      '[ "$dap_status" -eq 0 ] || exit "$dap_status"',
    ].join('\n');
  }
  if (typeof command === 'string') return command;
  return commandWords(command, params, experiment).join(' ');
}
