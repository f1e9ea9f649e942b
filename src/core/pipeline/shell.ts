// POSIX-sh quoting. Every value that reaches a job's shell goes through shQuote: single quotes
// keep every byte literal ($, `, \, ", newlines, non-ASCII); a ' is written as '\''.

import { DapError } from '../../errors.js';

export function shQuote(value: string): string {
  return value.includes("'") ? `'${value.replace(/'/g, `'\\''`)}'` : `'${value}'`;
}

/** DAP_PARAM_<NAME>: upper-cased, anything outside [A-Z0-9_] becomes _. */
export function paramEnvName(param: string): string {
  return `DAP_PARAM_${param.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/** The text a parameter value has in the environment and in argv (JSON numbers/booleans as written). */
export function paramText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const TEMPLATE = /\{\{\s*params\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * One argv element as one shell word: literal parts single-quoted, each {{ params.NAME }}
 * spliced in as "$DAP_PARAM_NAME" (double quotes: expanded once, never word-split or globbed).
 */
export function argvWord(element: string, knownParams: ReadonlySet<string>, experiment: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of element.matchAll(TEMPLATE)) {
    const name = m[1] as string;
    if (!knownParams.has(name)) {
      throw new DapError(`experiment ${experiment}: command uses {{ params.${name} }} but no run has a parameter "${name}"`, {
        hint: `add "${name}" to params or the sweep, or fix the name in command`,
      });
    }
    if (m.index > last) parts.push(shQuote(element.slice(last, m.index)));
    parts.push(`"$${paramEnvName(name)}"`);
    last = m.index + m[0].length;
  }
  if (last < element.length || parts.length === 0) parts.push(shQuote(element.slice(last)));
  return parts.join('');
}

/** A command as shell words: argv elements each become one word; a string is the user's own shell text. */
export function commandWords(command: string | string[], knownParams: ReadonlySet<string>, experiment: string): string[] {
  if (typeof command === 'string') return ['sh', '-c', shQuote(command)];
  return command.map((el) => argvWord(el, knownParams, experiment));
}

/** A command-line word for a generated script: plain words as they are, anything else quoted. */
export const shellArg = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : shQuote(s));
