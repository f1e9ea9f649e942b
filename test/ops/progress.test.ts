import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../src/ops/progress.js';
import { fakeStream } from '../support/fake-stream.js';

// One reporter for long work: a bar redrawn in place on a terminal, plain lines everywhere else.

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
