import type { ProgressStream } from '../../src/ops/progress.js';

/** A stderr stand-in that keeps what was written; a terminal of 80 columns when `tty`. */
export function fakeStream(tty: boolean): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY: tty, columns: tty ? 80 : undefined, write: (s: string) => { chunks.push(s); return true; }, text: () => chunks.join('') };
}
