import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, reportError } from '../../src/cli/main.js';
import { DapError, ExitCode, UnavailableError } from '../../src/errors.js';

// Commands return their outcome and `main` maps it to the exit status: nothing is left in the
// global process.exitCode, so two commands in one process cannot leak a status into each other.

const dir = mkdtempSync(path.join(tmpdir(), 'dap-exit-'));
const quiet = () => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
};
afterEach(() => { vi.restoreAllMocks(); });

describe('exit codes', () => {
  it('a failing command returns 1, the next passing one 0, and process.exitCode is never set', async () => {
    const bad = path.join(dir, 'bad.yml');
    writeFileSync(bad, 'job:\n  script: [echo]\n  needs: [missing]\n');
    const good = path.join(dir, 'good.yml');
    writeFileSync(good, 'job:\n  script: [echo]\n');
    quiet();
    expect(await main(['node', 'dap', 'lint', bad])).toBe(ExitCode.failure);
    expect(await main(['node', 'dap', 'lint', good])).toBe(ExitCode.ok);
    expect(process.exitCode).toBeUndefined();
  });

  it('usage errors are 2, --help is 0', async () => {
    quiet();
    expect(await main(['node', 'dap', 'validate', '--max-runs', 'abc'])).toBe(ExitCode.usage);
    expect(await main(['node', 'dap', 'no-such-command'])).toBe(ExitCode.usage);
    expect(await main(['node', 'dap', '--help'])).toBe(ExitCode.ok);
  });

  it('maps errors through the enum: DapError 1, unavailable 3, a bug 70 with its stack', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => { text += b.toString(); });
    expect(reportError(new DapError('bad spec', { hint: 'fix it' }), out)).toBe(ExitCode.failure);
    expect(reportError(new UnavailableError('no MLflow', 'start it'), out)).toBe(ExitCode.unavailable);
    expect(reportError(new TypeError('boom'), out)).toBe(ExitCode.software);
    expect(ExitCode.software).toBe(70);
    expect(text).toContain('hint: fix it');
    expect(text).toMatch(/dap: unexpected error: TypeError: boom\n\s+at /);
  });
});
