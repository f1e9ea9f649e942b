import { createHash } from 'node:crypto';
import type { Scalar } from '../spec/types.js';

// Run key = the first KEY_LENGTH hex chars of sha256(canonicalJson({experiment, params})).
// Canonical JSON sorts object keys at every level and spells numbers the way JSON.stringify does
// (ECMAScript's shortest round-trip form), so the key does not depend on key order, machine or
// Node version. 16 hex chars = 64 bits: collisions are negligible at any realistic run count.

export const KEY_LENGTH = 16;

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot key a non-finite number: ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function runKey(experiment: string, params: Record<string, Scalar>): string {
  return createHash('sha256').update(canonicalJson({ experiment, params })).digest('hex').slice(0, KEY_LENGTH);
}
