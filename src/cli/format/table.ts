// A small plain-text table for terminal output: left-aligned columns (right-aligned when asked),
// a header row and a dashed rule, optional max width per column (cells are cut with "…").

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** cut longer cells to this many characters */
  maxWidth?: number;
}

function cut(text: string, max: number | undefined): string {
  if (max === undefined || [...text].length <= max) return text;
  return [...text].slice(0, Math.max(0, max - 1)).join('') + '…';
}

type Cell = string | number | boolean | null | undefined;

export interface TableOptions {
  /** print at most this many rows, then one line saying how many more there are */
  maxRows?: number;
  /** rows in all, when the caller built only the first ones */
  total?: number;
  /** what that line suggests for seeing them all */
  moreHint?: string;
}

/**
 * Cells are printed as-is; newlines inside a cell are shown as "⏎" so rows stay on one line. Widths
 * are found by plain loops: spreading a million cells into Math.max overflows the stack.
 */
export function formatTable(columns: Array<string | Column>, rows: Cell[][], opts: TableOptions = {}): string {
  const cols: Column[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const shown = opts.maxRows !== undefined && rows.length > opts.maxRows ? rows.slice(0, opts.maxRows) : rows;
  const cells = shown.map((row) => cols.map((c, i) => cut(String(row[i] ?? '').replace(/\r?\n/g, '⏎'), c.maxWidth)));
  const widths = cols.map((c) => [...c.header].length);
  for (const r of cells) for (let i = 0; i < cols.length; i++) widths[i] = Math.max(widths[i]!, [...r[i]!].length);
  const line = (values: string[]): string =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i]! - [...v].length);
        return cols[i]!.align === 'right' ? pad + v : i === values.length - 1 ? v : v + pad;
      })
      .join('  ')
      .trimEnd();
  const out = [line(cols.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells) out.push(line(r));
  const total = Math.max(opts.total ?? 0, rows.length);
  if (shown.length < total) out.push(`… ${(total - shown.length).toLocaleString('en-US')} more row(s)${opts.moreHint ? ` (${opts.moreHint})` : ''}`);
  return out.join('\n') + '\n';
}
