#!/usr/bin/env node
// Benchmark (not a test): what a tracking server that accepts connections and never answers costs
// `dap track -- true`. Build first (npx tsc -p .); needs no services (the silent server runs here).
// In interleaved rounds it times, as fresh processes:
//   - plain `true` (the peer: what the command costs without dap)
//   - `dap track -- true` with no tracking server (journal only: dap's own overhead)
//   - `dap track -- true` against the silent server, MLFLOW_HTTP_REQUEST_TIMEOUT=T
// and prints the medians, when the command started (ms after launch), the silent server's cost over
// the journal-only run in units of T (goal <= 1: one timeout, not one per request and retry) and the
// requests the silent server received per run (goal 1).
// Usage: node bench/track-silent.mjs [rounds=3] [timeoutSeconds=3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.argv[2] ?? 3);
const timeoutS = Number(process.argv[3] ?? 3);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'dist/cli/bin.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// counts requests (not connections: the HTTP client may open a spare one it never uses)
let requests = 0;
const sockets = new Set();
const server = net.createServer((s) => {
  sockets.add(s);
  s.on('data', (d) => { requests += (d.toString('latin1').match(/^(GET|POST|PUT|PATCH|DELETE) \S+ HTTP\/1\.1/gm) ?? []).length; });
  s.on('close', () => sockets.delete(s));
  s.on('error', () => undefined);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const silentUri = `http://127.0.0.1:${server.address().port}`;

const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DAP_|CI_|MLFLOW_)/.test(k)));
// the command records when it started, so the delay dap adds before it is visible on its own
const command = ['sh', '-c', 'date +%s%3N > started'];

/** Runs argv as a fresh process (async, so the silent server in this process keeps accepting). */
function timed(argv, env, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    import('node:child_process').then(({ spawn }) => {
      const p = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (c) => { err += c; });
      p.on('close', (code) => {
        if (code !== 0) return reject(new Error(`${argv.join(' ')} exited ${code}:\n${err}`));
        let started;
        try { started = Number(readFileSync(path.join(cwd, 'started'), 'utf8')) - t0; } catch { started = undefined; }
        resolve({ wall: Date.now() - t0, started });
      });
    });
  });
}

const plain = [];
const journalOnly = [];
const silent = [];
const silentStart = [];
const perRun = [];
for (let i = 0; i < rounds; i++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dap-bench-silent-'));
  try {
    plain.push((await timed(command, baseEnv, dir)).wall);
    journalOnly.push((await timed(['node', bin, 'track', '--experiment', 'bench', '--identity', `j${i}`, '--', ...command], baseEnv, dir)).wall);
    const before = requests;
    const r = await timed(['node', bin, 'track', '--experiment', 'bench', '--identity', `s${i}`, '--', ...command],
      { ...baseEnv, MLFLOW_TRACKING_URI: silentUri, MLFLOW_HTTP_REQUEST_TIMEOUT: String(timeoutS) }, dir);
    silent.push(r.wall);
    silentStart.push(r.started);
    perRun.push(requests - before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const s of sockets) s.destroy();
server.close();

const cost = median(silent) - median(journalOnly);
console.log(`dap track -- true, ${rounds} round(s), silent server at ${silentUri}, MLFLOW_HTTP_REQUEST_TIMEOUT=${timeoutS} s, load ${os.loadavg()[0].toFixed(2)}`);
console.log(`  plain true (peer)           ${median(plain)} ms`);
console.log(`  dap track, no server        ${median(journalOnly)} ms  (${(median(journalOnly) / median(plain)).toFixed(1)}x the peer)`);
console.log(`  dap track, silent server    ${median(silent)} ms  (${(median(silent) / median(plain)).toFixed(1)}x the peer); the command started ${median(silentStart)} ms after launch`);
console.log(`  cost of the silent server   ${cost} ms = ${(cost / (timeoutS * 1000)).toFixed(2)} x the timeout (goal <= 1)`);
console.log(`  requests it received        ${perRun.join(', ')} per run (goal 1)`);
