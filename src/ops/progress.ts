import { MultiBar, Presets, type SingleBar } from 'cli-progress';

// The one progress reporter of long operations (dap sync, dap env build/push). On a terminal it
// draws a cli-progress bar that redraws in place with log lines above it; anywhere else (CI logs,
// pipes, tests) it writes plain lines, no escape codes. It writes only to the stream it is given
// (stderr at the CLI), so `--json` on stdout stays clean.

export interface ProgressStream { write(s: string): unknown; isTTY?: boolean; columns?: number }

export interface ProgressReporter {
  /** a line of its own; on a terminal it goes above the bar */
  log(line: string): void;
  /**
   * The state now: `value` of `total` (the bar) and a short text. `detail` shows on the bar only;
   * a plain line is written when `value` moved (and no sooner than `plainEveryMs` after the last).
   */
  update(value: number, total: number, text: string, detail?: string): void;
  /** leaves the bar's last state on its line and ends it with a newline; a later update starts a new bar */
  end(): void;
}

export interface ProgressOptions {
  /** starts every progress line: `dap sync:`, `  layers` */
  label: string;
  /** plain mode: at least this long between progress lines, counted from the start too (default 0) */
  plainEveryMs?: number;
  now?: () => number;
}

export function progressReporter(stream: ProgressStream, opts: ProgressOptions): ProgressReporter {
  return stream.isTTY ? barReporter(stream, opts) : lineReporter(stream, opts);
}

function lineReporter(stream: ProgressStream, opts: ProgressOptions): ProgressReporter {
  const now = opts.now ?? Date.now;
  let last = now();
  let lastValue: number | undefined;
  return {
    log: (line) => { stream.write(`${line}\n`); },
    update(value, _total, text) {
      if (value === lastValue || now() - last < (opts.plainEveryMs ?? 0)) return;
      last = now();
      lastValue = value;
      stream.write(`${opts.label} ${text}\n`);
    },
    end: () => { lastValue = undefined; },
  };
}

function barReporter(stream: ProgressStream, opts: ProgressOptions): ProgressReporter {
  let bars: MultiBar | undefined;
  let bar: SingleBar | undefined;
  let pendingLogs = false;
  return {
    log(line) {
      if (!bars) { stream.write(`${line}\n`); return; }
      bars.log(`${line}\n`); // drawn above the bar at its next redraw
      pendingLogs = true;
    },
    update(value, total, text, detail) {
      const payload = { text: detail ? `${text}, ${detail}` : text };
      if (!bars || !bar) {
        bars = new MultiBar({
          stream: stream as NodeJS.WritableStream,
          format: `${opts.label} [{bar}] {text}`,
          barsize: 30,
          emptyOnZero: true,
          // truncate to the terminal's width instead of switching its line wrapping off (which an
          // interrupted run would leave behind)
          linewrap: true,
          hideCursor: false,
          gracefulExit: false,
        }, Presets.shades_classic);
        bar = bars.create(total, value, payload);
        return;
      }
      bar.setTotal(total);
      bar.update(value, payload);
    },
    end() {
      if (!bars) return;
      if (pendingLogs) bars.update(); // flush the lines logged since the last redraw
      bars.stop();
      bars = bar = undefined;
      pendingLogs = false;
    },
  };
}
