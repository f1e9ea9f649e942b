// Questions on a terminal, one readline for the whole session (so typed-ahead input is not lost
// between questions); secret answers are not echoed.

import readline from 'node:readline';
import { Writable } from 'node:stream';

export interface Prompter {
  ask(question: string, opts?: { secret?: boolean; default?: string }): Promise<string>;
  close(): void;
}

export function terminalPrompter(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Prompter {
  let muted = false;
  const sink = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) output.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input, output: sink, terminal: true });
  return {
    async ask(question, opts = {}) {
      const label = `${question}${opts.default ? ` [${opts.default}]` : ''}${opts.secret ? ' (hidden)' : ''}: `;
      const answer = new Promise<string>((resolve) => rl.question(label, resolve));
      muted = Boolean(opts.secret);
      const text = (await answer).trim();
      if (muted) {
        muted = false;
        output.write('\n');
      }
      return text || opts.default || '';
    },
    close: () => rl.close(),
  };
}
