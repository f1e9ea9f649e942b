import type { Distribution, Scalar } from '../spec/types.js';
import { canonicalJson } from './key.js';

// Random sweeps use mulberry32 (Tommy Ettinger's 32-bit generator, public domain): tiny, fast
// and defined only by 32-bit integer arithmetic (Math.imul, >>>), so the same seed gives the same
// stream on every machine and every JS engine. Float draws are rounded to FLOAT_DIGITS significant
// digits (toPrecision is exactly specified by ECMAScript), which keeps values readable in job
// names and logs and absorbs any last-ulp difference in Math.log/Math.exp for loguniform.

export const FLOAT_DIGITS = 6;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const TWO_32 = 4294967296;

function roundFloat(x: number, low: number, high: number): number {
  const r = Number(x.toPrecision(FLOAT_DIGITS));
  return Math.min(high, Math.max(low, r));
}

/** One draw from `dist`; `next` yields uint32. All ranges are inclusive of both ends. */
export function draw(dist: Distribution, next: () => number): Scalar {
  if ('choice' in dist) return dist.choice[Math.floor((next() / TWO_32) * dist.choice.length)]!;
  if ('int' in dist) {
    const [low, high] = dist.int;
    return low + Math.floor((next() / TWO_32) * (high - low + 1));
  }
  // u in [0, 1] inclusive, so `high` itself can be drawn
  const u = next() / (TWO_32 - 1);
  if ('uniform' in dist) {
    const [low, high] = dist.uniform;
    return roundFloat(low + u * (high - low), low, high);
  }
  const [low, high] = dist.loguniform;
  return roundFloat(Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))), low, high);
}

export interface RandomDraw {
  samples: Record<string, Scalar>[];
  /** set when the space holds fewer distinct points than asked for */
  exhausted?: { wanted: number; found: number };
}

/**
 * `samples` distinct points: each sample draws the params in the order the space lists them;
 * a point equal to an earlier one is redrawn (bounded), so every run gets a distinct key.
 */
export function sampleSpace(samples: number, seed: number, space: Record<string, Distribution>): RandomDraw {
  const next = mulberry32(seed);
  const names = Object.keys(space);
  const seen = new Set<string>();
  const out: Record<string, Scalar>[] = [];
  const maxAttempts = samples * 20 + 1000;
  for (let attempt = 0; out.length < samples && attempt < maxAttempts; attempt++) {
    const point: Record<string, Scalar> = {};
    for (const name of names) point[name] = draw(space[name]!, next);
    const id = canonicalJson(point);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(point);
  }
  return out.length < samples ? { samples: out, exhausted: { wanted: samples, found: out.length } } : { samples: out };
}
