import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Integration tests start real servers and containers: give them room, run files one at a time
// on our 2-core machines so servers don't starve each other.
//
// Two projects: `unit` (no service: pure core, CLI parsing, fakes; `make test-unit`, under a minute)
// and `services` (Docker engine, registry, MLflow, gitlab-ci-local runs). A file is service-backed
// when it is listed here or calls one of the service checks (requireMlflow, requireEngine, ...), so
// a new MLflow test needs no entry; one that reaches a service some other way fails loudly in
// `make test-unit` and belongs in this list.
const SERVICE_CHECK = /\b(requireMlflow\w*|requireEngine|requireRegistry)\(/;
const testFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []);
const CHECKED = testFiles(path.join(import.meta.dirname, 'test')).filter((f) => SERVICE_CHECK.test(readFileSync(f, 'utf8')))
  .map((f) => path.relative(import.meta.dirname, f).split(path.sep).join('/'));
const SERVICE_BACKED = [
  ...CHECKED,
  'test/ops/env/{bad-input,build-push,dap-image,dev-tracking,dev,registry-token,remote}.test.ts',
  'test/e2e/**/*.test.ts',
  'test/adapters/mlflow/{artifacts,client,log-batch,restart,retry}.test.ts',
  'test/tracking/{errors,faults,runs,sync-mlflow,sync-pipeline,track-mlflow,hostile-journal,hostile-track,server-answers}.test.ts',
  'test/local-run/{gitlab-ci-local,params-safety,interrupt,quickstart}.test.ts',
  'test/ops/run-local.test.ts',
  'test/core/pipeline/params-safety.test.ts',
  'test/ops/{doctor/doctor,backup,login}.test.ts',
  'test/ops/runners/hosts.test.ts',
  // the platform: Compose, Ansible, openssl/htpasswd from scripts/deps.sh, containers
  'test/platform/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    // unit files mostly wait on git and child processes: a third worker keeps both cores busy
    maxWorkers: 3,
    reporters: ['default'],
    // dist/ (the CLI the tests run) is built once, before any file; a failed build stops the run
    globalSetup: ['test/support/build-dist.ts'],
    projects: [
      // unit files share nothing (temp dirs, atomic cache writes): they run side by side, in reused
      // workers (isolate: false halves `make test-unit`: a fresh worker per file cost ~1 s of CPU
      // each); the service-backed ones run after them, one file at a time, each in a fresh worker
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SERVICE_BACKED, fileParallelism: true, isolate: false, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'services', include: SERVICE_BACKED, sequence: { groupOrder: 1 } } },
    ],
  },
});
