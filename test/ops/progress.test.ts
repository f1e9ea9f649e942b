import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressReporter, type ProgressStream } from '../../src/ops/progress.js';
import { buildProgress } from '../../src/ops/env/progress.js';
import { applyEvent, newStreamState, type StreamEvent } from '../../src/core/env/build-stream.js';

// One reporter for long work: a bar redrawn in place on a terminal, plain lines everywhere else.

function fakeStream(tty: boolean): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY: tty, columns: tty ? 80 : undefined, write: (s: string) => { chunks.push(s); return true; }, text: () => chunks.join('') };
}

const ESC = '\x1b';

describe('progress reporter, not a terminal (CI, pipes)', () => {
  it('writes plain lines: one when the value moved, log lines as they come, no escape codes', () => {
    const out = fakeStream(false);
    const p = progressReporter(out, { label: '  layers' });
    p.update(0, 2, '0/2 done', '0.0/5.0 MB');
    p.update(0, 2, '0/2 done', '2.5/5.0 MB'); // only the bytes moved: no new line
    p.update(0, 3, '0/3 done'); // one more layer seen, none finished: no new line either
    p.log('Step 2/3 : RUN make');
    p.update(2, 2, '2/2 done', '5.0/5.0 MB');
    p.end();
    expect(out.text()).toBe('  layers 0/2 done\nStep 2/3 : RUN make\n  layers 2/2 done\n');
    expect(out.text()).not.toContain(ESC);
  });

  it('waits plainEveryMs between progress lines, counted from the start', () => {
    let t = 0;
    const out = fakeStream(false);
    const p = progressReporter(out, { label: 'dap sync:', plainEveryMs: 3000, now: () => t });
    p.update(10, 100, '10%'); // too early: quick work prints no progress at all
    t = 3000;
    p.update(40, 100, '40%');
    t = 4000;
    p.update(60, 100, '60%');
    t = 6000;
    p.update(90, 100, '90%');
    expect(out.text()).toBe('dap sync: 40%\ndap sync: 90%\n');
  });
});

describe('progress reporter on a terminal', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('draws a bar that is redrawn in place, logs above it, and ends with a newline', () => {
    const out = fakeStream(true);
    const p = progressReporter(out, { label: 'dap sync:' });
    p.update(25, 100, 'first');
    vi.advanceTimersByTime(250);
    const firstDraw = out.text();
    expect(firstDraw).toContain('first');
    expect(firstDraw).toMatch(/dap sync: \[[█░]{30}\] first/);
    expect(firstDraw).not.toContain('\n');

    p.update(50, 100, 'second');
    p.log('dap sync: [1/2] a.jsonl: shipped');
    vi.advanceTimersByTime(250);
    p.end();
    const all = out.text();
    const redraw = all.slice(firstDraw.length);
    // in place: the cursor goes back to column 1 and the line is cleared, no new line for a redraw
    expect(redraw).toContain(`${ESC}[1G`);
    expect(redraw).toContain('second');
    expect(all.endsWith('\n')).toBe(true);
    // the only newlines: the logged line's and the final one
    expect(all.split('\n')).toHaveLength(3);
    const lines = all.split('\n');
    expect(lines[0]).toContain('dap sync: [1/2] a.jsonl: shipped');
    const lastDraw = lines[1]!.split(`${ESC}[1G`).filter((s) => s.includes('[')).pop()!;
    expect(lastDraw).toMatch(/^dap sync: \[█{15}░{15}\] second/);
    expect(vi.getTimerCount()).toBe(0); // nothing left to keep the process alive
  });

  it('writes lines straight through while no bar is drawn, and truncates a bar to the width', () => {
    const out = fakeStream(true);
    const p = progressReporter(out, { label: 'x' });
    p.log('before');
    expect(out.text()).toBe('before\n');
    p.update(1, 2, 'y'.repeat(200));
    p.end();
    const drawn = out.text().split('\n')[1]!.replace(/\x1b\[[0-9;]*[A-Za-z]|\x1b[78]/g, '');
    expect(drawn.length).toBeLessThanOrEqual(80);
  });
});

describe('docker build/push progress', () => {
  function feed(tty: boolean, verbose: boolean, events: StreamEvent[]): string {
    const out = fakeStream(tty);
    const progress = buildProgress(out, verbose);
    const state = newStreamState();
    for (const ev of events) progress.onEvent(ev, applyEvent(state, ev), state);
    progress.end();
    return out.text();
  }
  const push: StreamEvent[] = [
    { status: 'The push refers to repository [127.0.0.1:5000/dap/env]' },
    { status: 'Preparing', id: 'a1' },
    { status: 'Preparing', id: 'b2' },
    { status: 'Pushing', id: 'a1', progressDetail: { current: 1_000_000, total: 4_000_000 } },
    { status: 'Pushing', id: 'a1', progressDetail: { current: 3_000_000, total: 4_000_000 } },
    { status: 'Pushed', id: 'a1' },
    { status: 'Layer already exists', id: 'b2' },
    { status: 'abc: digest: sha256:00 size: 1', aux: { Digest: 'sha256:00' } },
  ];

  it('in CI: a line per finished layer, step lines, step output only when verbose', () => {
    const build: StreamEvent[] = [{ stream: 'Step 1/2 : FROM local/debian\n' }, { stream: 'Step 2/2 : RUN make\n' }, { stream: 'cc -o x\n' }];
    expect(feed(false, false, build)).toBe('Step 1/2 : FROM local/debian\nStep 2/2 : RUN make\n');
    expect(feed(false, true, build)).toBe('Step 1/2 : FROM local/debian\nStep 2/2 : RUN make\n  cc -o x\n');
    expect(feed(false, false, push)).toBe('  layers 0/1 done\n  layers 1/2 done\n  layers 2/2 done\n');
  });

  it('on a terminal: one layer bar with the bytes, ended by the digest', () => {
    vi.useFakeTimers();
    try {
      const text = feed(true, false, push);
      expect(text).toContain('2/2 done');
      expect(text).toMatch(/ {2}layers \[[█░]+\] \d\/2 done/);
      expect(text.split('\n')).toHaveLength(2); // one bar line, ended once
      expect(text.endsWith('\n')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
