import type { FetchLike } from '../http/index.js';
import { silent } from './errors.js';

// A server that accepts connections and never answers costs one timeout, not one per request and
// retry: the first timeout before any answer ends every request of the client at once.

export class SilenceBreaker {
  private heard = false;
  private readonly controller = new AbortController();

  constructor(private readonly trackingUri: string, private readonly timeoutMs: number) {}

  /** aborted, with the "did not answer" error as reason, once the server was found silent */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** the server has answered at least one request (it is there, perhaps slow) */
  answered(): boolean {
    return this.heard;
  }

  /** `fetch` that notes every answer */
  listen(fetch: FetchLike): FetchLike {
    return async (input, init) => {
      const res = await fetch(input, init);
      this.heard = true;
      return res;
    };
  }

  /** An attempt timed out: before any answer, the server is taken as silent for the client's life. */
  timedOut(cause?: unknown): void {
    if (!this.heard && !this.controller.signal.aborted) this.controller.abort(silent(this.trackingUri, this.timeoutMs, cause));
  }
}
