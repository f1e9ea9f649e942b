// The JSON event stream of POST /build and /images/push, folded into what the user needs: the
// current step, the log lines of that step, layer progress, and the error. The engine reports a
// failed build *inside* the stream (`errorDetail`) while the HTTP call itself succeeds.

export interface StreamEvent {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
  error?: string;
  errorDetail?: { code?: number; message?: string };
}

export interface StreamState {
  /** `Step 3/9 : RUN apt-get ...` */
  step?: string;
  /** output of the current step, last TAIL lines */
  tail: string[];
  layers: Map<string, { status: string; current?: number; total?: number }>;
  error?: string;
  imageId?: string;
  digest?: string;
  /** stream text after the last newline (the engine splits lines across events) */
  partial: string;
}

const TAIL = 25;

export function newStreamState(): StreamState {
  return { tail: [], layers: new Map(), partial: '' };
}

/** Fold one event in; returns the complete lines it added (for printing). */
export function applyEvent(state: StreamState, ev: StreamEvent): string[] {
  const printed: string[] = [];
  if (ev.stream !== undefined || ((ev.error || ev.errorDetail) && state.partial)) {
    // the legacy builder colours a step's stderr (ESC[91m ... ESC[0m) in arbitrary fragments
    const text = state.partial + (ev.stream ?? '\n').replace(/\x1b\[[0-9;]*m/g, '');
    const parts = text.split('\n');
    state.partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.replace(/\r/g, '').trimEnd();
      if (!line) continue;
      if (/^Step \d+\/\d+ : /.test(line)) {
        state.step = line;
        state.tail = [];
      } else if (!/^ ---> |^Removing intermediate container /.test(line)) {
        state.tail.push(line);
        if (state.tail.length > TAIL) state.tail.shift();
      }
      printed.push(line);
    }
  }
  if (ev.status !== undefined) {
    if (ev.id) {
      state.layers.set(ev.id, { status: ev.status, current: ev.progressDetail?.current, total: ev.progressDetail?.total });
    } else {
      printed.push(ev.status);
    }
  }
  if (ev.aux?.ID) state.imageId = ev.aux.ID;
  if (ev.aux?.Digest) state.digest = ev.aux.Digest;
  if (ev.errorDetail || ev.error) {
    state.error = ev.errorDetail?.message ?? ev.error ?? 'unknown error';
  }
  return printed;
}

/** Layer progress of a pull or push: layers done of those seen, bytes moved of those known. */
export function layerProgress(state: StreamState): { done: number; count: number; bytes: number; totalBytes: number } | undefined {
  if (state.layers.size === 0) return undefined;
  let done = 0, bytes = 0, totalBytes = 0;
  for (const l of state.layers.values()) {
    if (/complete|pushed|already exists|mounted|layer already/i.test(l.status)) done++;
    if (l.total) { bytes += l.current ?? 0; totalBytes += l.total; }
  }
  return { done, count: state.layers.size, bytes, totalBytes };
}

/** Split a chunked byte stream of JSON lines into events (a line may span chunks). */
export class JsonLines {
  private buf = '';
  push(chunk: string): StreamEvent[] {
    this.buf += chunk;
    const parts = this.buf.split('\n');
    this.buf = parts.pop() ?? '';
    return parts.filter((p) => p.trim()).map(parseLine);
  }
  end(): StreamEvent[] {
    const rest = this.buf.trim();
    this.buf = '';
    return rest ? [parseLine(rest)] : [];
  }
}

function parseLine(line: string): StreamEvent {
  try {
    return JSON.parse(line) as StreamEvent;
  } catch {
    return { stream: line };
  }
}
