import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../src/cli/format/table.js';

describe('formatTable', () => {
  it('pads columns to the widest cell, with a header rule, right-aligned where asked', () => {
    const out = formatTable(['name', { header: 'n', align: 'right' }, 'note'], [
      ['alpha', 1, 'x'],
      ['b', 120, undefined],
    ]);
    expect(out).toBe(['name     n  note', '-----  ---  ----', 'alpha    1  x', 'b      120', ''].join('\n'));
  });

  it('cuts long cells, keeps rows on one line, and counts non-ASCII characters as one', () => {
    const out = formatTable([{ header: 'v', maxWidth: 5 }, 'w'], [['abcdefgh', 'é'], ['a\nb', 'ü']]);
    expect(out.split('\n')).toEqual(['v      w', '-----  -', 'abcd…  é', 'a⏎b    ü', '']);
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['a', 'bb'], [])).toBe('a  bb\n-  --\n');
  });
});
