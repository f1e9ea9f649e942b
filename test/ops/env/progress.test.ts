import { describe, expect, it, vi } from 'vitest';
import { buildProgress } from '../../../src/ops/env/progress.js';
import { applyEvent, newStreamState, type StreamEvent } from '../../../src/core/env/build-stream.js';
import { fakeStream } from '../../support/fake-stream.js';

// `dap env build/push` output: Step lines, step output with -v, layer progress through the reporter.

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
