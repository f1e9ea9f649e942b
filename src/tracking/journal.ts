import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../core/hash.js';
import type { JournalEvent, JournalPoint } from './events.js';

// A journal is one append-only JSON-lines file per run identity. Writes go out in batches, each
// followed by fsync, so an acknowledged append survives a crash of the job or the machine.

export const JOURNAL_SUFFIX = '.jsonl';

/** Points per metrics event: a burst of output never makes one huge journal line. */
export const POINTS_PER_EVENT = 5000;

/** `points` as metrics events of at most POINTS_PER_EVENT points each. */
export function metricsEvents(points: readonly JournalPoint[]): JournalEvent[] {
  const out: JournalEvent[] = [];
  for (let i = 0; i < points.length; i += POINTS_PER_EVENT) out.push({ t: 'metrics', points: points.slice(i, i + POINTS_PER_EVENT) });
  return out;
}

/** A file name that is safe on every filesystem and still readable; the hash keeps it unique. */
export function journalFileName(identity: string): string {
  const readable = identity.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const hash = sha256(identity).slice(0, 12);
  return `${readable}-${hash}${JOURNAL_SUFFIX}`;
}

export function defaultJournalDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.DAP_JOURNAL_DIR ? path.resolve(cwd, env.DAP_JOURNAL_DIR) : path.join(cwd, '.dap', 'journal');
}

export class JournalWriter {
  private constructor(readonly file: string, private fd: number) {}

  static open(dir: string, identity: string): JournalWriter {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, journalFileName(identity));
    const fd = fs.openSync(file, 'a');
    // a previous writer may have died mid-line: start on a fresh line so our first event parses
    const size = fs.fstatSync(fd).size;
    if (size > 0 && lastByte(file, size) !== 0x0a) fs.writeSync(fd, '\n');
    fsyncDir(dir);
    return new JournalWriter(file, fd);
  }

  /** Appends the events as one write and fsyncs: returns only once they are durable. */
  append(events: readonly JournalEvent[]): void {
    if (events.length === 0) return;
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    fs.writeSync(this.fd, text);
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd < 0) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

function lastByte(file: string, size: number): number {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0]!;
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a new directory entry durable (the file's own fsync does not cover its name). */
export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch {
    // some filesystems refuse fsync on directories; the data itself is still synced
  }
}

export interface JournalEntry {
  event: JournalEvent;
  /** byte offset where this event's line starts (for line numbers in reports) */
  start: number;
  /** byte offset just after this event's line: a cursor value */
  end: number;
}

export interface JournalRead {
  entries: JournalEntry[];
  /** offset after the last complete line read */
  end: number;
  /** complete lines that were not valid events (corruption): skipped */
  badLines: number;
}

/** Reads complete lines from `from` on; an unterminated last line (a writer mid-append) is left for later. */
export function readJournal(file: string, from = 0, maxBytes = 8 * 1024 * 1024): JournalRead {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(Math.max(0, size - from), maxBytes);
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(fd, buf, got, len - got, from + got);
      if (n === 0) break;
      got += n;
    }
    const parsed = parseLines(buf.subarray(0, got), from);
    // one line longer than the window: widen it rather than stall
    if (parsed.end === from && got === len && from + len < size) return readJournal(file, from, maxBytes * 2);
    return parsed;
  } finally {
    fs.closeSync(fd);
  }
}

function parseLines(buf: Buffer, base: number): JournalRead {
  const entries: JournalEntry[] = [];
  let badLines = 0;
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    const line = buf.subarray(start, nl).toString('utf8').trim();
    const lineStart = base + start;
    start = nl + 1;
    if (!line) continue;
    try {
      const event = JSON.parse(line) as JournalEvent;
      if (event && typeof event === 'object' && typeof event.t === 'string') entries.push({ event, start: lineStart, end: base + start });
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { entries, end: base + start, badLines };
}

/** Reads a whole journal (for listing and tests). */
export function readWholeJournal(file: string): JournalRead {
  const all: JournalEntry[] = [];
  let from = 0;
  let badLines = 0;
  for (;;) {
    const r = readJournal(file, from);
    all.push(...r.entries);
    badLines += r.badLines;
    if (r.end === from) return { entries: all, end: from, badLines };
    from = r.end;
  }
}

export function listJournals(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.filter((n) => n.endsWith(JOURNAL_SUFFIX)).sort().map((n) => path.join(dir, n));
}

/** 1-based line number of the byte at `offset` (counts newlines before it; used for reports only). */
export function lineNumberAt(file: string, offset: number, from?: { offset: number; line: number }): number {
  let at = from && from.offset <= offset ? from.offset : 0;
  let line = from && from.offset <= offset ? from.line : 1;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    while (at < offset) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, offset - at), at);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 0x0a) line++;
      at += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return line;
}
