// The pure parts of dap doctor, dap login and backup: thresholds, host output parsers, the config
// file and the backup manifest.

import { describe, expect, it } from 'vitest';
import { backupDirName, parseManifest, pruneList, safeRelativePath, verifyFiles, type Manifest } from '../../../src/core/backup/manifest.js';
import { describeConfig, envWithConfig, maskSecret, parseConfig, stringifyConfig } from '../../../src/core/config.js';
import { clockSkewSeconds, fullest, parseDfUsage, parseEpoch } from '../../../src/core/doctor/host-output.js';
import { clockStatus, doctorExitCode, tlsStatus, usageStatus, type CheckResult } from '../../../src/core/doctor/model.js';

const r = (result: CheckResult['result']): CheckResult => ({ check: 'c', target: 't', result, detail: '' });

describe('doctor thresholds', () => {
  it('disk and inodes: warn from 80 %, fail from 90 %', () => {
    expect([0, 79, 80, 89, 90, 100].map(usageStatus)).toEqual(['pass', 'pass', 'warn', 'warn', 'fail', 'fail']);
  });
  it('TLS: warn under 21 days, fail when expired', () => {
    expect([365, 21, 20, 1, 0, -5].map(tlsStatus)).toEqual(['pass', 'pass', 'warn', 'warn', 'fail', 'fail']);
  });
  it('clock skew either way', () => {
    expect([0.3, -1.9, 2.5, -40].map(clockStatus)).toEqual(['pass', 'pass', 'warn', 'fail']);
  });
  it('exit 0 only without failures (warnings too with strict); skips never fail', () => {
    expect(doctorExitCode([r('pass'), r('skip')])).toBe(0);
    expect(doctorExitCode([r('pass'), r('warn')])).toBe(0);
    expect(doctorExitCode([r('pass'), r('warn')], true)).toBe(1);
    expect(doctorExitCode([r('pass'), r('fail')])).toBe(1);
  });
});

describe('host output', () => {
  it('reads df -P and df -Pi, the fullest mount decides', () => {
    const df = 'Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/vda 264212084 17773672 77727592 19% /\n/dev/vdb 100 91 9 91% /var/lib/docker\n';
    expect(fullest(parseDfUsage(df))).toEqual({ mount: '/var/lib/docker', usedPct: 91 });
    const dfi = 'Filesystem Inodes IUsed IFree IUse% Mounted on\n/dev/vda 16777216 616598 16160618 4% /\nfuse - - - - /mnt/my disk\n';
    expect(parseDfUsage(dfi)).toEqual([{ mount: '/', usedPct: 4 }, { mount: '/mnt/my disk', usedPct: 0 }]);
  });
  it('refuses output it does not understand instead of guessing', () => {
    expect(() => parseDfUsage('bash: df: command not found')).toThrow(/unexpected df output/);
    expect(() => parseDfUsage('Filesystem a b c d e\n/dev/x 1 2 3 lots /\n')).toThrow(/use%/);
    expect(() => parseEpoch('Tue Dec 1')).toThrow(/clock output/);
  });
  it('clock skew is corrected for the round trip', () => {
    expect(parseEpoch('1764590000.250000000\n')).toBe(1764590000250);
    // remote read at 10_500; we sent at 10_000 and got it at 10_400: midpoint 10_200 → +0.3 s
    expect(clockSkewSeconds(10_500, 10_000, 10_400)).toBeCloseTo(0.3);
  });
});

describe('config.toml', () => {
  const text = '[gitlab]\nurl = "https://gitlab.example.com"\ntoken = "glpat-0123456789abcdef"\n\n[mlflow]\ntracking_uri = "https://mlflow.example.com"\nusername = "alice"\npassword = "s3cret-pass-word"\n';
  it('round-trips through stringify', () => {
    const p = parseConfig(text, 'c.toml');
    expect(p.problems).toEqual([]);
    expect(parseConfig(stringifyConfig(p.config!), 'c.toml').config).toEqual(p.config);
  });
  it('bad files: file:line:col', () => {
    expect(parseConfig('[gitlab]\nurl = \n', 'c.toml').problems[0]).toMatchObject({ file: 'c.toml', line: 2 });
    expect(parseConfig('[gitlab]\nurl = "x"\ntokn = "y"\n', 'c.toml').problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'unknown key gitlab.tokn (known: url, token, project)'],
      [2, 'gitlab.url must be an http(s):// URL, got "x"'],
    ]);
  });
  it('environment variables win; the file\'s secrets never go to another server', () => {
    const config = parseConfig(text, 'c.toml').config!;
    const base = envWithConfig({}, config);
    expect(base).toMatchObject({ GITLAB_URL: 'https://gitlab.example.com', GITLAB_TOKEN: 'glpat-0123456789abcdef', MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cret-pass-word' });
    const other = envWithConfig({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:55000', GITLAB_URL: 'https://other.example.com' }, config);
    expect(other.MLFLOW_TRACKING_URI).toBe('http://127.0.0.1:55000');
    expect(other.MLFLOW_TRACKING_PASSWORD).toBeUndefined();
    expect(other.GITLAB_TOKEN).toBeUndefined();
    const tokenEnv = envWithConfig({ MLFLOW_TRACKING_TOKEN: 'tok' }, config);
    expect(tokenEnv.MLFLOW_TRACKING_USERNAME).toBeUndefined(); // credentials come whole from one place
    expect(tokenEnv.MLFLOW_TRACKING_URI).toBe('https://mlflow.example.com');
  });
  it('masks secrets in the status', () => {
    expect(maskSecret('glpat-0123456789abcdef')).toBe('glpa************cdef');
    expect(maskSecret('short')).toBe('*****');
    const shown = describeConfig(parseConfig(text, 'c.toml').config!).map((e) => `${e.key}=${e.value}`).join('\n');
    expect(shown).not.toContain('0123456789');
    expect(shown).not.toContain('s3cret');
    expect(shown).toContain('mlflow.username=alice');
  });
});

describe('backup manifest', () => {
  const sha = 'a'.repeat(64);
  const m: Manifest = {
    format: 'dap-backup/1', created: '2026-12-01T00:00:00.000Z', source: { postgres: 'h:1', objectStore: 'http://s' },
    databases: ['mlflow'], buckets: ['mlflow'], secrets: false,
    files: [{ path: 'postgres/globals.sql', size: 5, sha256: sha }, { path: 'postgres/mlflow.dump', size: 10, sha256: sha }, { path: 'objects/mlflow/1/a.txt', size: 3, sha256: sha }],
  };
  it('names sort by time', () => {
    expect(backupDirName(new Date('2026-12-01T12:34:56.789Z'))).toBe('20261201T123456Z');
  });
  it('refuses paths that escape and names that are options', () => {
    expect(['a/b', 'x.dump'].every(safeRelativePath)).toBe(true);
    expect(['../x', '/etc/passwd', 'a//b', 'a/./b', ''].some(safeRelativePath)).toBe(false);
    expect(parseManifest(JSON.stringify(m), 'manifest.json').problems).toEqual([]);
    const bad = JSON.stringify({ ...m, databases: ['--help'], files: [...m.files, { path: '../../etc/shadow', size: 1, sha256: sha }] });
    expect(parseManifest(bad, 'manifest.json').problems).toEqual([
      'manifest.json: databases must be a list of plain names',
      'manifest.json: files[3] needs a relative path (no ..), a size and a sha256',
    ]);
  });
  it('finds missing, resized, corrupted and unexpected files', () => {
    const found = new Map([
      ['postgres/globals.sql', { size: 5, sha256: sha }],
      ['postgres/mlflow.dump', { size: 10, sha256: 'b'.repeat(64) }],
      ['objects/mlflow/extra', { size: 1, sha256: sha }],
    ]);
    expect(verifyFiles(m, found)).toEqual([
      'postgres/mlflow.dump does not match its checksum (corrupted)',
      'objects/mlflow/1/a.txt is missing',
      'objects/mlflow/extra is not in the manifest',
    ]);
  });
  it('BACKUP_KEEP prunes the oldest of our own directories only', () => {
    const names = ['20261201T000000Z', 'notes.txt', '.partial-20261203T000000Z', '20261203T000000Z', '20261202T000000Z'];
    expect(pruneList(names, 2)).toEqual(['20261201T000000Z']);
    expect(pruneList(names, 5)).toEqual([]);
  });
});
