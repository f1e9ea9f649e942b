import fs from 'node:fs';
import os from 'node:os';

// One shipper per journal at a time: an O_EXCL lock file holding the owner's host and pid.
// A lock is stale when its owner is a dead process on this host, or, for an owner on another
// host (a shared filesystem), when it was not refreshed for `staleMs`; stale locks are taken over.

export interface LockInfo { host: string; pid: number; time: number }

export interface Lock {
  file: string;
  /** refreshes the lock's mtime so others see it is alive */
  touch(): void;
  release(): void;
}

export function lockPath(journalFile: string): string {
  return journalFile.replace(/\.jsonl$/, '') + '.lock';
}

export function tryLock(journalFile: string, staleMs = 60_000): Lock | null {
  return tryLockFile(lockPath(journalFile), staleMs);
}

/** The same lock on any file name (e.g. the local run's max_parallel slots). */
export function tryLockFile(file: string, staleMs = 60_000): Lock | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644);
      const info: LockInfo = { host: os.hostname(), pid: process.pid, time: Date.now() };
      fs.writeSync(fd, JSON.stringify(info));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      return makeLock(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!isStale(file, staleMs)) return null;
      // take over by removing; if two take over at once, O_EXCL above lets only one win
      try { fs.unlinkSync(file); } catch { /* someone else removed it first */ }
    }
  }
  return null;
}

function makeLock(file: string): Lock {
  let held = true;
  return {
    file,
    touch() {
      if (!held) return;
      const now = new Date();
      try { fs.utimesSync(file, now, now); } catch { /* removed as stale by someone: nothing to refresh */ }
    },
    release() {
      if (!held) return;
      held = false;
      try {
        const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
        if (info.pid === process.pid && info.host === os.hostname()) fs.unlinkSync(file);
      } catch { /* already gone */ }
    },
  };
}

export function isStale(file: string, staleMs: number): boolean {
  let info: LockInfo | undefined;
  let mtime: number;
  try {
    mtime = fs.statSync(file).mtimeMs;
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    // half-written by an owner that died between create and write
    try { mtime = fs.statSync(file).mtimeMs; } catch { return true; }
    return Date.now() - mtime > 2_000;
  }
  // on this host the owner's pid is the truth; another host's owner shows life by refreshing mtime
  if (info.host === os.hostname()) return !pidAlive(info.pid);
  return Date.now() - mtime > staleMs;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes locks under `root` held by other hosts. For unpacked job artifacts only: a snapshot of
 * another machine's .dap/ can hold a lock left by a job that died, and nobody there can release it.
 */
export function clearForeignLocks(journalFiles: readonly string[]): number {
  let n = 0;
  for (const j of journalFiles) {
    const file = lockPath(j);
    try {
      const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
      if (info.host !== os.hostname()) {
        fs.unlinkSync(file);
        n++;
      }
    } catch {
      // no lock, or half-written: tryLock's own staleness rules apply
    }
  }
  return n;
}
