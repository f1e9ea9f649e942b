#!/usr/bin/env node
// Benchmark (not a test) for dap env, on the real engine. Build first (npx tsc -p .), and have
// scripts/docker.sh up + base-image done. Prints medians and ratios:
//   1. no-op `dap env build python` (tag exists: hash + one image inspect, no build call) vs
//      `docker build` of the very same context with a warm layer cache. Goal <= 0.2x.
//   2. `dap env up python` until the first successful SSH exec, image present. Goal <= 1.5 s.
// Usage: node bench/env.mjs [runs=7]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 7);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'dist/cli/bin.js');
const home = mkdtempSync(path.join(os.tmpdir(), 'dap-bench-env-'));
const cache = process.env.DAP_CACHE ?? path.join(os.homedir(), '.cache', 'dap');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, 'id_ed25519')]);
const env = { ...process.env, HOME: home, DAP_CACHE: cache, DAP_PROJECT: 'dapbench' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

function timed(argv, opts = {}) {
  const t = performance.now();
  const p = spawnSync(argv[0], argv.slice(1), { env, cwd: repo, encoding: 'utf8', ...opts });
  const wall = performance.now() - t;
  if (p.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${p.stderr}`);
  return { wall, out: p.stdout };
}

try {
  // make sure the image exists (first build may take minutes), then measure the no-op
  const first = JSON.parse(timed([process.execPath, bin, 'env', 'build', 'python', '--json']).out);
  const dapWalls = Array.from({ length: runs }, () => timed([process.execPath, bin, 'env', 'build', 'python', '--json']).wall);

  // the same context as a tar, for `docker build -` with the same Dockerfile
  const { loadEnvironment, findProject } = await import(path.join(repo, 'dist/ops/env/project.js'));
  const { describeContext, contextTarStream } = await import(path.join(repo, 'dist/ops/env/context.js'));
  const ctx = await describeContext(await loadEnvironment(findProject(repo), 'python'));
  const tarFile = path.join(home, 'ctx.tar');
  const { stream, cleanup } = await contextTarStream(ctx);
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  await cleanup();
  writeFileSync(tarFile, Buffer.concat(chunks));
  const sizeMb = (Buffer.concat(chunks).length / 1e6).toFixed(0);
  const dockerBuild = () => timed(['sh', '-c', `docker build -q -f .dap/Dockerfile -t dap-bench-peer:warm - < ${tarFile}`]).wall;
  dockerBuild(); // warm the cache
  const dockerWalls = Array.from({ length: runs }, dockerBuild);
  const dapMs = median(dapWalls), dockerMs = median(dockerWalls);
  console.log(`bench/env 1: no-op build of python (${first.image})`);
  console.log(`  dap env build (tag exists, no build call), CLI wall, median of ${runs}: ${ms(dapMs)}`);
  console.log(`  docker build - (same ${sizeMb} MB context, warm cache, all steps cached), median of ${runs}: ${ms(dockerMs)}`);
  console.log(`  ratio: ${(dapMs / dockerMs).toFixed(3)}x  (goal <= 0.2x)`);

  // 2. up until the first successful SSH exec (the CLI returns after its own pinned-key exec;
  //    then one more exec with OpenSSH through the written ~/.ssh/config)
  const ups = [], upCli = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
    const t = performance.now();
    const up = timed([process.execPath, bin, 'env', 'up', 'python', '--identity', path.join(home, 'id_ed25519')]);
    upCli.push(up.wall);
    timed(['ssh', '-F', path.join(home, '.ssh', 'config'), '-o', 'BatchMode=yes', 'dap-python', 'true']);
    ups.push(performance.now() - t);
    timed([process.execPath, bin, 'env', 'down', 'python']);
  }
  console.log('bench/env 2: dap env up python, image present');
  console.log(`  until dap env up returns (its ssh2 exec with the pinned key succeeded), median: ${ms(median(upCli))}`);
  console.log(`  until a following OpenSSH exec via ~/.ssh/config succeeded, median: ${ms(median(ups))}  (goal <= 1500 ms)`);
} finally {
  spawnSync(process.execPath, [bin, 'env', 'down', 'python', '--purge'], { env, cwd: repo });
  spawnSync('docker', ['rmi', 'dap-bench-peer:warm'], { stdio: 'ignore' });
  rmSync(home, { recursive: true, force: true });
}
