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

/** Cells are printed as-is; newlines inside a cell are shown as "⏎" so rows stay on one line. */
export function formatTable(columns: Array<string | Column>, rows: Array<Array<string | number | boolean | null | undefined>>): string {
  const cols: Column[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const cells = rows.map((row) => cols.map((c, i) => cut(String(row[i] ?? '').replace(/\r?\n/g, '⏎'), c.maxWidth)));
  const widths = cols.map((c, i) => Math.max([...c.header].length, ...cells.map((r) => [...r[i]!].length)));
  const line = (values: string[]): string =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i]! - [...v].length);
        return cols[i]!.align === 'right' ? pad + v : i === values.length - 1 ? v : v + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}
