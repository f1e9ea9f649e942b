import { LineCounter, isAlias, isMap, isScalar, isSeq, isPair, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { codeFrame } from './code-frame.js';
import type { Problem } from '../../errors.js';

// A spec file parsed with positions kept, so every problem (YAML, schema, semantic) can point
// at a file:line:col and carry a code frame.

export interface SpecSource {
  /** path as the user should see it */
  file: string;
  source: string;
}

export interface SpecDocument extends SpecSource {
  hash: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** the plain data (doc.toJS()); undefined when the YAML could not be read at all */
  data: unknown;
  /** true when YAML syntax errors make the data meaningless (schema checks are skipped) */
  fatal: boolean;
}

export type PathSegment = string | number;

import { sha256 } from '../hash.js';

export { sha256 };

const MAX_SYNTAX_ERRORS = 5;

export function parseSpecDocument(input: SpecSource): { doc: SpecDocument; problems: Problem[] } {
  const lineCounter = new LineCounter();
  // yaml flags a DUPLICATE_KEY for every pair this comparison calls equal: a superset of what
  // duplicateKeyProblems reports (scalar keys equal as strings), so a file without such an error
  // needs no second walk. The errors themselves are not reported (duplicateKeyProblems words them).
  const doc = parseDocument(input.source, { lineCounter, prettyErrors: false, uniqueKeys: sameKey, merge: true });
  const sd: SpecDocument = {
    ...input,
    hash: sha256(input.source),
    doc,
    lineCounter,
    data: undefined,
    fatal: false,
  };
  const problems: Problem[] = [];
  // a pathological file (a 100,000-deep `[`) gives one error per level: each distinct one once, a few at most
  const seen = new Set<string>();
  let syntax = 0;
  for (const e of doc.errors) {
    // duplicate keys are reported below with the key's name and where it first appeared
    if (e.code === 'DUPLICATE_KEY') continue;
    sd.fatal = true;
    if (seen.has(`${e.pos[0]}|${e.message}`)) continue;
    seen.add(`${e.pos[0]}|${e.message}`);
    if (++syntax <= MAX_SYNTAX_ERRORS) problems.push(problemAt(sd, e.pos[0], `YAML syntax error: ${e.message}`));
  }
  if (syntax > MAX_SYNTAX_ERRORS) problems[problems.length - 1]!.message += ` (and ${syntax - MAX_SYNTAX_ERRORS} more YAML syntax error(s) not shown)`;
  if (doc.errors.some((e) => e.code === 'DUPLICATE_KEY')) problems.push(...duplicateKeyProblems(sd));
  if (!sd.fatal) {
    try {
      sd.data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      sd.fatal = true;
      problems.push(problemAt(sd, 0, `cannot read YAML: ${(err as Error).message}`));
    }
  }
  return { doc: sd, problems };
}

function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (isScalar(a) && isScalar(b) && (a.value === b.value || String(a.value) === String(b.value)));
}

function duplicateKeyProblems(sd: SpecDocument): Problem[] {
  const problems: Problem[] = [];
  visit(sd.doc, {
    Map(_, map) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        const at = pair.key.range?.[0] ?? 0;
        const first = seen.get(name);
        if (first === undefined) {
          seen.set(name, at);
          continue;
        }
        const { line, col } = sd.lineCounter.linePos(first);
        problems.push(problemAt(sd, at, `duplicate key "${name}" (first at line ${line}:${col}); YAML keeps only one of them`));
      }
    },
  });
  return problems;
}

export function problemAt(sd: SpecSource & { lineCounter: LineCounter }, offset: number, message: string): Problem {
  const { line, col } = sd.lineCounter.linePos(offset);
  const frame = codeFrame(sd.source, line, col, { linesAbove: 2, linesBelow: 1 });
  return { file: sd.file, line, col, message, frame };
}

function deref(sd: SpecDocument, node: unknown): unknown {
  return isAlias(node) ? node.resolve(sd.doc) : node;
}

function findPair(map: { items: Pair[] }, seg: PathSegment): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as Node | null)?.range;
  return range ? range[0] : undefined;
}

/**
 * Offset of the node at `path`: the key itself (`part: 'key'`, for unknown/duplicate keys) or its
 * value (wrong types). Falls back to the deepest node that exists, so a location is always found.
 */
export function offsetOf(sd: SpecDocument, path: PathSegment[], part: 'key' | 'value' = 'value'): number {
  let node: unknown = deref(sd, sd.doc.contents);
  let best = nodeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = findPair(node, seg);
      if (!pair) return best;
      const keyAt = nodeStart(pair.key) ?? best;
      if (last && part === 'key') return keyAt;
      const value = deref(sd, pair.value);
      const valueAt = nodeStart(value);
      // an empty value (`key:`) has a zero-width range after the colon: point at the key instead
      const empty = !value || (isScalar(value) && value.source === '' && value.value === null);
      best = empty || valueAt === undefined ? keyAt : valueAt;
      node = value;
    } else if (isSeq(node)) {
      const item = deref(sd, node.items[Number(seg)]);
      const at = nodeStart(isPair(item) ? item.key : item);
      if (at === undefined) return best;
      best = at;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

/** Offset of the first occurrence of `needle` inside the source text of the node at `path`. */
export function offsetInside(sd: SpecDocument, path: PathSegment[], needle: string): number {
  const at = offsetOf(sd, path);
  let node: unknown = deref(sd, sd.doc.contents);
  for (const seg of path) {
    node = isMap(node) ? deref(sd, findPair(node, seg)?.value) : isSeq(node) ? deref(sd, node.items[Number(seg)]) : undefined;
  }
  const range = (node as Node | undefined)?.range;
  if (!range) return at;
  const idx = sd.source.slice(range[0], range[1]).indexOf(needle);
  return idx >= 0 ? range[0] + idx : at;
}

/** `sweep.grid.lr[0]`: a path as a user reads it in messages. */
export function displayPath(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || 'the spec';
}
