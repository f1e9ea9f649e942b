import fs from 'node:fs';
import writeFileAtomic from 'write-file-atomic';

// How far a journal has been shipped, per destination (a tracking server + experiment): a journal
// can be shipped to a second server later and starts from zero there. The offset moves only after
// the server acknowledged everything before it; the file is replaced atomically and fsync'd.

export interface CursorTarget {
  offset: number;
  runId?: string;
  experimentId?: string;
  /** artifacts that could not be found when shipped (reported, not retried forever) */
  missingArtifacts?: string[];
}

export interface CursorFile {
  v: 1;
  targets: Record<string, CursorTarget>;
}

export function cursorPath(journalFile: string): string {
  return journalFile.replace(/\.jsonl$/, '') + '.cursor.json';
}

export function readCursor(journalFile: string): CursorFile {
  try {
    const parsed = JSON.parse(fs.readFileSync(cursorPath(journalFile), 'utf8')) as CursorFile;
    if (parsed && parsed.v === 1 && parsed.targets && typeof parsed.targets === 'object') return parsed;
  } catch {
    // missing or unreadable: start from zero; re-sent points are exact duplicates the server drops
  }
  return { v: 1, targets: {} };
}

export function writeCursor(journalFile: string, cursor: CursorFile): void {
  writeFileAtomic.sync(cursorPath(journalFile), JSON.stringify(cursor) + '\n', { fsync: true });
}
