import { sha256 } from '../hash.js';
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

type JsonMemo = Map<unknown, string>;

/** JSON.stringify(v), remembered: an experiment's runs repeat the same few keys and values. */
function memoJson(memo: JsonMemo, v: unknown): string {
  let text = memo.get(v);
  if (text === undefined) {
    text = JSON.stringify(v);
    // (a Map key is compared by SameValueZero: 0 and -0 share an entry, and both are "0" in JSON)
    if (text !== undefined) memo.set(v, text);
  }
  return text;
}

/**
 * canonicalJson(params) for the usual flat params (every value a scalar or null), without the
 * generic walk; undefined when a value is nested, so the caller falls back to canonicalJson.
 */
function flatCanonicalJson(params: Record<string, unknown>, memo: JsonMemo): string | undefined {
  const keys = Object.keys(params).sort();
  let out = '';
  for (const k of keys) {
    const v = params[k];
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object') return undefined;
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cannot key a non-finite number: ${v}`);
    out += `${out ? ',' : ''}${memoJson(memo, k)}:${memoJson(memo, v)}`;
  }
  return `{${out}}`;
}


/** runKey for the runs of one experiment, remembering the JSON of the keys and values they share. */
export function runKeyer(experiment: string): (params: Record<string, Scalar>) => string {
  const memo: JsonMemo = new Map();
  const prefix = experiment === undefined ? '{"params":' : `{"experiment":${canonicalJson(experiment)},"params":`;
  return (params) => {
    const flat = flatCanonicalJson(params, memo);
    if (flat === undefined) return sha256(canonicalJson({ experiment, params })).slice(0, KEY_LENGTH);
    // the same bytes canonicalJson({experiment, params}) gives: "experiment" sorts before "params"
    return sha256(`${prefix}${flat}}`).slice(0, KEY_LENGTH);
  };
}

export function runKey(experiment: string, params: Record<string, Scalar>): string {
  return runKeyer(experiment)(params);
}
