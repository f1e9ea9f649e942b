#!/usr/bin/env node
import { main } from './main.js';

// `dap plan | head` closes our stdout early; that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main().then((code) => { process.exitCode = code; });
