import fs from 'node:fs';
import path from 'node:path';
import { JOURNAL_SUFFIX } from './journal.js';

// Journals can sit in a journal directory itself, in a project (.dap/journal/), or anywhere below
// an unpacked set of job artifacts (<job>/.dap/journal/). Finds them all, in a stable order.

const SKIP = new Set(['node_modules', '.git']);

export function findJournals(root: string): string[] {
  const out: string[] = [];
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch {
    return out;
  }
  if (st.isFile()) return root.endsWith(JOURNAL_SUFFIX) ? [path.resolve(root)] : [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const isJournalDir = path.basename(dir) === 'journal' || depth === 0;
    for (const ent of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = path.join(dir, ent.name);
      if (ent.isFile() && isJournalDir && ent.name.endsWith(JOURNAL_SUFFIX)) out.push(abs);
      else if (ent.isDirectory() && !SKIP.has(ent.name) && depth < 8) walk(abs, depth + 1);
    }
  };
  walk(path.resolve(root), 0);
  return out;
}
