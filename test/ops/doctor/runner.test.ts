// The doctor's runner: chains run side by side, a hanging check is cut off by its own timeout
// without holding up the others, and a failure skips the checks of its chain that need it.

import { describe, expect, it } from 'vitest';
import { fail, pass, runChains, type Chain } from '../../../src/ops/doctor/runner.js';

describe('runChains', () => {
  it('runs chains in parallel: a check that waits for another chain to start completes', async () => {
    let release!: () => void;
    const started = new Promise<void>((r) => { release = r; });
    const chains: Chain[] = [
      [{ check: 'a', target: 't', run: async () => (await started, pass('saw b start')) }],
      [{ check: 'b', target: 't', run: async () => (release(), pass('started')) }],
    ];
    const res = await runChains(chains, { timeoutMs: 5000 });
    expect(res.map((r) => [r.check, r.result])).toEqual([['a', 'pass'], ['b', 'pass']]);
  });

  it('a hanging check fails on its own timeout; the rest of the world goes on', async () => {
    const seen: string[] = [];
    const res = await runChains([
      [{ check: 'hangs', target: 'x', run: (signal) => new Promise((resolve) => signal.addEventListener('abort', () => { seen.push('aborted'); resolve(pass('late')); })) }],
      [{ check: 'fine', target: 'y', run: async () => pass('ok') }],
    ], { timeoutMs: 200 });
    expect(res.find((r) => r.check === 'hangs')).toMatchObject({ result: 'fail', detail: 'no answer within 0.2 s' });
    expect(res.find((r) => r.check === 'fine')?.result).toBe('pass');
    expect(seen, 'the check is told to stop').toEqual(['aborted']);
  });

  it('a failure skips what depends on it; an independent failure does not; a throw becomes a failure with its hint', async () => {
    const res = await runChains([[
      { check: 'one', target: 't', independent: true, run: async () => fail('meh') },
      { check: 'two', target: 't', run: async () => { throw Object.assign(new Error('boom\nstack'), { hint: 'do this' }); } },
      { check: 'three', target: 't', run: async () => pass('never') },
    ]], { timeoutMs: 1000 });
    expect(res.map((r) => [r.check, r.result, r.detail, r.hint])).toEqual([
      ['one', 'fail', 'meh', undefined],
      ['two', 'fail', 'boom', 'do this'],
      ['three', 'skip', 'not run: two failed', undefined],
    ]);
  });
});

describe('local.journal', () => {
  it('warns about runs unshipped for over a day, with the dap sync hint', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { JournalWriter } = await import('../../../src/tracking/journal.js');
    const { journalChain } = await import('../../../src/ops/doctor/journal.js');
    const { tmpDir } = await import('../../tracking/helpers.js');
    const cwd = tmpDir('doctor-journal');
    const dir = path.join(cwd, '.dap', 'journal');
    const day = 24 * 3600_000;
    const now = Date.now();
    for (const [id, age] of [['old', 2 * day], ['fresh', 3600_000]] as const) {
      const w = JournalWriter.open(dir, id);
      w.append([
        { t: 'open', v: 1, time: now - age - 1000, workdir: cwd, identity: id, experiment: 'e', runName: id },
        { t: 'status', status: 'FINISHED', time: now - age },
      ]);
      w.close();
    }
    const [check] = journalChain({}, cwd, now);
    const out = await check!.run(new AbortController().signal);
    expect(out).toEqual({ result: 'warn', detail: '1 run(s) not shipped to MLflow, oldest 48 h old', hint: expect.stringContaining('dap sync') });
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});
