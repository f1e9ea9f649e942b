import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const MAX_READ = 4 * 1024 * 1024;

// Follows a file another process appends to (the training job's $DAP_METRICS_FILE) by polling:
// inotify is not reliable on the overlay and network filesystems CI jobs run on. Only complete
// lines are handed out while the writer runs; the unterminated tail is handed out by stop().

export class FileTail {
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  /** keeps a multi-byte character split across two reads intact */
  private decoder = new StringDecoder('utf8');

  private failed = false;

  constructor(
    private readonly file: string,
    private readonly onLines: (lines: string[]) => void,
    /** the file cannot be read (a directory, an I/O error): told once, then the tail stays quiet */
    private readonly onError: (why: string) => void = () => undefined,
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
    if (this.reading || this.failed) return 0;
    this.reading = true;
    try {
      return this.readNew();
    } catch (e) {
      // runs in a timer: an exception here would take dap (and the run's status) down with it
      this.failed = true;
      this.onError((e as Error).message);
      return 0;
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
      // a pipe would block the open (and dap with it); a directory cannot be read
      if (!fs.statSync(this.file).isFile()) throw new Error('it is not a regular file (a directory, a pipe or a device)');
      fd = fs.openSync(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0; // not written yet
      throw e;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) {
        // truncated or replaced: start over (points already read stay read)
        this.offset = 0;
        this.partial = '';
        this.decoder = new StringDecoder('utf8');
      }
      let handed = 0;
      // bounded reads: a process that writes gigabytes at once must not need as much memory here
      while (size > this.offset) {
        const buf = Buffer.alloc(Math.min(size - this.offset, MAX_READ));
        const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        const text = this.partial + this.decoder.write(buf.subarray(0, n));
        const parts = text.split('\n');
        this.partial = parts.pop() ?? '';
        const lines = parts.filter((l) => l.trim() !== '');
        if (lines.length) this.onLines(lines);
        handed += lines.length;
      }
      return handed;
    } finally {
      fs.closeSync(fd);
    }
  }
}
