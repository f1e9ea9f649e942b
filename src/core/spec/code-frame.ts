import { createRequire } from 'node:module';

// Code frames for problems in user files, cut to a readable width: a frame shows the lines around
// line:col, but a 200 KB line (a 100,000-deep `[`, minified JSON) is shown as a window around the
// column, so a message stays a few lines of text.

// @babel/code-frame is loaded on the first problem only: valid files (and a cold CLI) never need it
const require = createRequire(import.meta.url);
let codeFrameColumns: typeof import('@babel/code-frame').codeFrameColumns | undefined;

export const FRAME_WIDTH = 120;

export interface FrameOptions { linesAbove?: number; linesBelow?: number; width?: number; highlightCode?: boolean }

export function codeFrame(source: string, line: number, col: number, opts: FrameOptions = {}): string {
  codeFrameColumns ??= (require('@babel/code-frame') as typeof import('@babel/code-frame')).codeFrameColumns;
  const above = opts.linesAbove ?? 2;
  const below = opts.linesBelow ?? 1;
  const width = opts.width ?? FRAME_WIDTH;
  const first = Math.max(1, line - above);
  const lines = linesBetween(source, first, line + below);
  // one window for all shown lines, so the context lines stay aligned with the marked one
  const from = Math.max(0, col - 1 - Math.floor(width / 2));
  const cutLines = lines.map((l) => {
    if (l.length <= width && from === 0) return l;
    if (l.length <= from) return ''; // a short context line: nothing of it falls in the window
    return (from > 0 ? '…' : '') + l.slice(from, from + width) + (from + width < l.length ? '…' : '');
  });
  const column = col - from + (from > 0 ? 1 : 0);
  return codeFrameColumns(cutLines.join('\n'), { start: { line, column } }, {
    highlightCode: opts.highlightCode ?? false, linesAbove: above, linesBelow: below, startLine: first,
  } as Parameters<typeof codeFrameColumns>[2]);
}

/** Lines first..last (1-based) without splitting the whole text (a huge file may have one giant line). */
function linesBetween(source: string, first: number, last: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let n = 1; n <= last && at <= source.length; n++) {
    let end = source.indexOf('\n', at);
    if (end < 0) end = source.length;
    if (n >= first) out.push(source.slice(at, end).replace(/\r$/, ''));
    at = end + 1;
  }
  return out;
}
