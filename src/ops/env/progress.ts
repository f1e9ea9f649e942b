import type { StreamEvent, StreamState } from '../../core/env/build-stream.js';
import { layerSummary } from '../../core/env/build-stream.js';

// Prints build/push progress: every `Step N/M` line, step output when verbose, and one
// self-overwriting layer-progress line on a terminal (a line per finished layer otherwise).

export interface ProgressSink { write(s: string): unknown; isTTY?: boolean }

export function progressPrinter(out: ProgressSink, verbose: boolean): (ev: StreamEvent, printed: string[], state: StreamState) => void {
  let lastSummary = '';
  let pending = false;
  return (ev, printed, state) => {
    for (const line of printed) {
      const isStep = /^Step \d+\/\d+ : /.test(line);
      if (!isStep && !verbose) continue;
      if (pending) { out.write('\n'); pending = false; }
      out.write(isStep ? `${line}\n` : `  ${line}\n`);
    }
    if (ev.id && ev.status) {
      const summary = layerSummary(state) ?? '';
      if (summary && summary !== lastSummary) {
        if (out.isTTY) { out.write(`\r\x1b[K  ${summary}`); pending = true; }
        else if (summary.split(',')[0] !== lastSummary.split(',')[0]) out.write(`  ${summary.split(',')[0]}\n`);
        lastSummary = summary;
      }
    }
    if (ev.aux?.Digest && pending) { out.write('\n'); pending = false; }
  };
}
