import fs from 'node:fs';

// Follows a file another process appends to (the training job's $DAP_METRICS_FILE) by polling:
// inotify is not reliable on the overlay and network filesystems CI jobs run on. Only complete
// lines are handed out while the writer runs; the unterminated tail is handed out by stop().

export class FileTail {
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly file: string,
    private readonly onLines: (lines: string[]) => void,
    private readonly intervalMs = 250,
  ) {}

  /** Skips what the file already holds (left over from an earlier attempt in the same workspace). */
  skipExisting(): void {
    try {
      this.offset = fs.statSync(this.file).size;
    } catch {
      this.offset = 0;
    }
  }

  start(): void {
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /** Reads whatever is new now; returns the number of complete lines handed out. */
  poll(): number {
    if (this.reading) return 0;
    this.reading = true;
    try {
      return this.readNew();
    } finally {
      this.reading = false;
    }
  }

  /** Final read once the writer has exited: the last line counts even without its newline. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.poll();
    if (this.partial.trim()) this.onLines([this.partial]);
    this.partial = '';
  }

  private readNew(): number {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return 0; // not written yet
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) {
        // truncated or replaced: start over (points already read stay read)
        this.offset = 0;
        this.partial = '';
      }
      if (size === this.offset) return 0;
      const buf = Buffer.alloc(size - this.offset);
      const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      const lines = parts.filter((l) => l.trim() !== '');
      if (lines.length) this.onLines(lines);
      return lines.length;
    } finally {
      fs.closeSync(fd);
    }
  }
}
