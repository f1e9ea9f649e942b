// --changed-since: which experiments a set of changed files touches. Pure: names in, decisions out.

import type { LoadedSpec } from '../spec/types.js';

export interface ChangeDecision {
  experiment: string;
  kept: boolean;
  /** why it was kept: the changed files that matter, with the rule that matched */
  reasons: string[];
}

/** A glob as a RegExp: `**` any depth, `*` and `?` within one path segment. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/^\.\//, '');
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    if (c === '*' && g[i + 1] === '*') {
      i++;
      if (g[i + 1] === '/') { i++; re += '(?:.*/)?'; } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // a directory (or a glob ending in /) also covers everything below it
  return new RegExp(`^${re}(?:/.*)?$`);
}

/**
 * Words of the command that may name project files (`train/run.py`, `--config=conf/a.yaml`).
 * Over-inclusive on purpose: a word only matters if it equals a changed file's path.
 * A string command is split on blanks and quotes.
 */
export function commandFiles(command: string | string[]): string[] {
  const words = typeof command === 'string' ? command.split(/[\s'"`;&|()<>]+/) : command;
  return words
    .map((w) => w.replace(/^--?[A-Za-z0-9_-]+=/, '').replace(/^\.\//, ''))
    .filter((w) => w !== '' && !w.includes('{{') && !w.startsWith('-'));
}

export function experimentsChanged(specs: readonly LoadedSpec[], changed: readonly string[]): ChangeDecision[] {
  return specs.map(({ file, spec }) => {
    const reasons: string[] = [];
    const rules: Array<[string, (f: string) => boolean]> = [
      ['spec', (f) => f === file],
      ['command', (f) => commandFiles(spec.command).includes(f)],
      ...(spec.inputs ?? []).map((g): [string, (f: string) => boolean] => {
        const re = globToRegExp(g);
        return [`inputs ${g}`, (f) => re.test(f)];
      }),
    ];
    if (spec.environment) {
      const dir = `environments/${spec.environment}/`;
      rules.push([`environment ${spec.environment}`, (f) => f.startsWith(dir)]);
    }
    for (const f of changed) {
      const hit = rules.find(([, test]) => test(f));
      if (hit) reasons.push(`${f} (${hit[0]})`);
    }
    return { experiment: spec.name, kept: reasons.length > 0, reasons };
  });
}
