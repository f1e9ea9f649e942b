import { describe, expect, it } from 'vitest';
import { mapLimited } from '../src/concurrency.js';

// The one concurrency limiter of journal shipping, sync and multipart uploads.

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimited', () => {
  it('keeps at most `limit` running and returns results in item order', async () => {
    let running = 0, peak = 0;
    const out = await mapLimited([30, 5, 20, 1, 10, 2], 3, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await tick(ms);
      running--;
      return `${i}:${ms}`;
    });
    expect(peak).toBe(3);
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
  });

  it('after the first failure starts nothing new, waits for the running items, then throws that failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const err = mapLimited([0, 1, 2, 3, 4, 5], 3, async (i) => {
      started.push(i);
      if (i === 1) { await tick(5); throw new Error(`item ${i}`); }
      if (i === 2) { await tick(10); throw new Error('later failure'); }
      await tick(30);
      finished.push(i);
    }).catch((e: Error) => ({ message: e.message, finishedAtThrow: [...finished] }));
    const r = await err;
    expect(r).toEqual({ message: 'item 1', finishedAtThrow: [0] });
    expect(started).toEqual([0, 1, 2]); // 3, 4, 5 never started; 2's later failure is not the one thrown
  });

  it('takes a bad limit as 1 instead of running nothing', async () => {
    expect(await mapLimited([1, 2], Number.NaN, async (x) => x * 2)).toEqual([2, 4]);
    expect(await mapLimited([1, 2], 0, async (x) => x * 2)).toEqual([2, 4]);
  });
});
