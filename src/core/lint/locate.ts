// Map a path inside a parsed YAML document (['job', 'needs', 0]) back to line:col in its source.

import YAML, { LineCounter, isNode, type Document } from 'yaml';

export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  /** plain JS value of the document */
  value: unknown;
  /** things GitLab accepts but that are probably mistakes (duplicate keys: the last one wins) */
  warnings: Array<{ offset: number; message: string }>;
}

const OPTIONS = { version: '1.1', merge: true, prettyErrors: false } as const;

/**
 * YAML 1.1 like GitLab's own parser (Psych): `on`/`yes` are booleans, `<<` merges. A file may
 * start with a `spec:` header document and `---`; the pipeline is then the second document.
 */
export function parseYaml(text: string): ParsedYaml {
  let lines = new LineCounter();
  let docs = YAML.parseAllDocuments(text, { ...OPTIONS, lineCounter: lines });
  const warnings: ParsedYaml['warnings'] = [];
  const all = Array.isArray(docs) ? docs : [];
  if (all.some((d) => d.errors.length && d.errors.every((e) => e.code === 'DUPLICATE_KEY'))) {
    for (const d of all) for (const e of d.errors) if (e.code === 'DUPLICATE_KEY') warnings.push({ offset: e.pos[0], message: `duplicate key: GitLab keeps only the last one` });
    lines = new LineCounter();
    docs = YAML.parseAllDocuments(text, { ...OPTIONS, lineCounter: lines, uniqueKeys: false });
  }
  const list = Array.isArray(docs) ? docs : [];
  const isHeader = (d: Document.Parsed) => YAML.isMap(d.contents) && d.contents.items.length > 0 && d.contents.items.every((p) => YAML.isScalar(p.key) && p.key.value === 'spec');
  const doc = list.length > 1 && isHeader(list[0]!) ? list[1]! : list[0] ?? YAML.parseDocument('', OPTIONS);
  const extra = list.filter((d) => d !== doc && !(list.length > 1 && d === list[0] && isHeader(d)));
  for (const d of extra) doc.errors.push(...d.errors);
  if (extra.length) doc.errors.push(new YAML.YAMLParseError([extra[0]!.range[0], extra[0]!.range[0] + 1], 'MULTIPLE_DOCS', 'only a spec: header document may come before the pipeline document'));
  if (list.length > 1 && isHeader(list[0]!)) doc.errors.push(...list[0]!.errors);
  const value = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: -1 });
  return { doc, lines, value, warnings };
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
