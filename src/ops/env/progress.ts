import type { StreamEvent, StreamState } from '../../core/env/build-stream.js';
import { layerProgress } from '../../core/env/build-stream.js';
import { progressReporter, type ProgressStream } from '../progress.js';

// Build/push output: every `Step N/M` line, step output when verbose, and layer progress through
// the shared reporter (a bar on a terminal, a line per finished layer otherwise).

export interface BuildProgress {
  onEvent(ev: StreamEvent, printed: string[], state: StreamState): void;
  /** ends a bar still drawn (call once the build or push returned, also on failure) */
  end(): void;
}

export function buildProgress(out: ProgressStream, verbose: boolean): BuildProgress {
  const layers = progressReporter(out, { label: '  layers' });
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    onEvent(ev, printed, state) {
      for (const line of printed) {
        const isStep = /^Step \d+\/\d+ : /.test(line);
        if (!isStep && !verbose) continue;
        if (isStep) layers.end(); // a new step: the layers of the one before are done
        layers.log(isStep ? line : `  ${line}`);
      }
      const p = ev.id && ev.status ? layerProgress(state) : undefined;
      if (p) layers.update(p.done, p.count, `${p.done}/${p.count} done`, p.totalBytes ? `${mb(p.bytes)}/${mb(p.totalBytes)} MB` : undefined);
      if (ev.aux?.Digest) layers.end();
    },
    end: () => layers.end(),
  };
}
