// Map a path inside a parsed YAML document (['job', 'needs', 0]) back to line:col in its source.

import YAML, { LineCounter, isNode, type Document } from 'yaml';

export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  /** plain JS value of the document */
  value: unknown;
}

export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  // YAML 1.1 like GitLab's own parser (Psych): `on`/`yes` are booleans, `<<` merges.
  const doc = YAML.parseDocument(text, { lineCounter: lines, version: '1.1', merge: true, prettyErrors: false });
  const value = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: -1 });
  return { doc, lines, value };
}

export function positionOf(parsed: ParsedYaml, path: ReadonlyArray<string | number>): { line: number; col: number } {
  // walk as far down the path as the document goes; point at the key when there is one
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    const node = n === 0 ? parsed.doc.contents : parsed.doc.getIn(sub, true);
    if (!isNode(node) || !node.range) continue;
    let offset = node.range[0];
    if (n > 0) {
      const parent = n === 1 ? parsed.doc.contents : parsed.doc.getIn(sub.slice(0, -1), true);
      if (YAML.isMap(parent)) {
        const pair = parent.items.find((it) => (YAML.isScalar(it.key) ? it.key.value : it.key) === sub[n - 1]);
        if (pair && isNode(pair.key) && pair.key.range) offset = pair.key.range[0];
      }
    }
    const { line, col } = parsed.lines.linePos(offset);
    return { line, col };
  }
  return { line: 1, col: 1 };
}

/** ajv's instancePath "/job/needs/0" -> ['job', 'needs', 0] */
export function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
