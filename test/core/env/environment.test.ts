import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../../src/core/env/validate.js';
import { renderDockerfile } from '../../../src/core/env/dockerfile.js';
import { BEGIN_MARK, END_MARK, mergeSshConfig, parseManagedEntries } from '../../../src/core/env/ssh-config.js';
import type { SshHostEntry } from '../../../src/core/env/ssh-config.js';
import { contextHash, updateImagesLock } from '../../../src/core/env/naming.js';
import { JsonLines, applyEvent, newStreamState } from '../../../src/core/env/build-stream.js';
import { repoRoot as repo } from '../../support/repo.js';

// Pure parts of environments: parsing with positions, rendering, the ssh config block,
// the lock file format, the build stream.

const schema = JSON.parse(readFileSync(path.join(repo, 'schemas/environment.schema.json'), 'utf8')) as object;
const parse = (source: string, files: string[] = []) => parseEnvironment({ name: 'x', file: 'environments/x/environment.yaml', source, schema, files });

describe('environment.yaml', () => {
  it('accepts the shipped environments', () => {
    for (const name of ['base', 'python']) {
      const source = readFileSync(path.join(repo, 'environments', name, 'environment.yaml'), 'utf8');
      const r = parseEnvironment({ name, file: `environments/${name}/environment.yaml`, source, schema, files: ['environment.yaml'] });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
  });

  it('points at the unknown key with file:line:col and a code frame', () => {
    const r = parse('base: local/debian:bookworm\napt: [git]\njupyterr: true\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: 'environments/x/environment.yaml', line: 3, col: 1 });
    expect(r.problems[0]!.message).toContain('unknown key "jupyterr"');
    expect(r.problems[0]!.frame).toContain('> 3 | jupyterr: true');
  });

  it('points at a wrong value inside a list', () => {
    const r = parse('apt:\n  - git\n  - "Bad Name"\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ line: 3, col: 5 });
  });

  it('reports YAML syntax errors at their position', () => {
    const r = parse('apt: [git\nuser: dev\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toMatch(/YAML syntax error/);
  });

  it('rejects a gpu value that is not true/false/"all"/count, with one message', () => {
    const r = parse('gpu: lots\n');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]!.message).toContain('must be true, false, "all" or a number of GPUs');
      expect(r.problems[0]).toMatchObject({ line: 1, col: 6 });
    }
  });

  it('requires the requirements file to exist in the environment directory', () => {
    expect(parse('requirements: req.txt\n', ['environment.yaml']).ok).toBe(false);
    expect(parse('requirements: ../req.txt\n', ['environment.yaml']).ok).toBe(false);
    expect(parse('requirements: req.txt\n', ['environment.yaml', 'req.txt']).ok).toBe(true);
  });

  it('renders apt, pip (quoted, venv), env, extra lines and the dap tail', () => {
    const r = parse('apt: [git]\npip: ["numpy>=1.26"]\nenv: {A: "x\\"$y"}\ndockerfile: ["RUN echo hi"]\ngpu: 2\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.env.gpus).toBe(2);
    const df = renderDockerfile(r.env, { buildCa: false });
    expect(df).toContain('FROM local/debian:bookworm');
    expect(df).toContain('apt-get install -y --no-install-recommends ca-certificates openssh-server python3 python3-venv git');
    expect(df).toContain("/opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check 'numpy>=1.26'");
    expect(df).toContain('ENV A="x\\"\\$y"');
    expect(df.indexOf('RUN echo hi')).toBeLessThan(df.indexOf('COPY .dap/node/node'));
    expect(df).toContain('ENTRYPOINT ["/usr/local/bin/dap-entrypoint"]');
    expect(df).not.toContain('build-ca');
    expect(renderDockerfile(r.env, { buildCa: true })).toContain('PIP_CERT=/tmp/dap-ca.pem');
  });

  it('dap: false leaves the CLI layer out; a plain Dockerfile gets dap\'s tail', () => {
    const r = parse('dap: false\nssh: false\n');
    if (!r.ok) throw new Error('invalid');
    const df = renderDockerfile(r.env, { buildCa: false });
    expect(df).not.toContain('/opt/dap-cli');
    expect(df).not.toContain('openssh-server');
    const plain = renderDockerfile({ ...r.env, kind: 'dockerfile', dap: true }, { buildCa: false, userDockerfile: 'FROM busybox\nUSER nobody\n' });
    expect(plain.indexOf('FROM busybox')).toBeLessThan(plain.indexOf('USER root'));
    expect(plain).toContain('COPY .dap/node/node');
  });
});

describe('content hash', () => {
  it('changes with any file or the Dockerfile, not with entry order', () => {
    const a = [{ path: 'a', digest: '1', mode: 0o644 }, { path: 'b', digest: '2', mode: 0o644 }];
    expect(contextHash('FROM x', a)).toBe(contextHash('FROM x', [...a].reverse()));
    expect(contextHash('FROM x', a)).not.toBe(contextHash('FROM y', a));
    expect(contextHash('FROM x', a)).not.toBe(contextHash('FROM x', [a[0]!, { ...a[1]!, digest: '3' }]));
    expect(contextHash('FROM x', a)).not.toBe(contextHash('FROM x', [a[0]!, { ...a[1]!, mode: 0o755 }]));
  });
});

describe('images.lock.json', () => {
  it('keeps the exact format the pipeline generator reads', () => {
    const lock = updateImagesLock({ zeta: { image: 'r/p/env-zeta:1', digest: 'sha256:aa', ref: 'r/p/env-zeta@sha256:aa' } },
      'python', '127.0.0.1:55001/p/env-python:abc', 'sha256:0123');
    expect(Object.keys(lock)).toEqual(['python', 'zeta']);
    expect(lock.python).toEqual({ image: '127.0.0.1:55001/p/env-python:abc', digest: 'sha256:0123', ref: '127.0.0.1:55001/p/env-python@sha256:0123' });
  });
});

describe('~/.ssh/config managed block', () => {
  const entry = (alias: string, port: number): SshHostEntry => ({
    alias, hostName: '127.0.0.1', port, user: 'dev', identityFile: '/h/.ssh/id_ed25519', knownHostsFile: '/h/.ssh/dap_known_hosts',
  });
  const user = 'Host gitlab\n  HostName gitlab.example.com\n  User git\n\nHost *\n  ServerAliveInterval 30\n';

  it('is idempotent, keeps other entries byte for byte, and goes before Host *', () => {
    const once = mergeSshConfig(user, [entry('dap-python', 2222)]);
    expect(mergeSshConfig(once, [entry('dap-python', 2222)])).toBe(once);
    expect(once.endsWith(user)).toBe(true);
    expect(once.indexOf('Host dap-python')).toBeLessThan(once.indexOf('Host *'));
    expect(once).toContain('StrictHostKeyChecking yes');
    expect(once).toContain('UserKnownHostsFile /h/.ssh/dap_known_hosts');
    expect(once).toContain('HostKeyAlias dap-python');
  });

  it('updates in place, round-trips its entries, and removes itself when empty', () => {
    const one = mergeSshConfig(user, [entry('dap-python', 2222)]);
    const two = mergeSshConfig(one, [entry('dap-python', 3333), entry('dap-base', 4444)]);
    expect(two.split(BEGIN_MARK)).toHaveLength(2);
    expect(two.split(END_MARK)).toHaveLength(2);
    expect(parseManagedEntries(two).map((e) => [e.alias, e.port])).toEqual([['dap-base', 4444], ['dap-python', 3333]]);
    expect(mergeSshConfig(two, [])).toBe(user);
  });
});

describe('build stream', () => {
  it('reports an error carried inside the stream with its step and log tail', () => {
    const st = newStreamState();
    const lines = new JsonLines();
    const chunks = ['{"stream":"Step 1/2 : FROM x\\n"}\n{"stream":"Step 2/2 : RUN make\\n"}\n{"str', 'eam":"cc: error 1\\n"}\n',
      '{"errorDetail":{"code":2,"message":"The command \'/bin/sh -c make\' returned a non-zero code: 2"},"error":"x"}\n'];
    for (const c of chunks) for (const ev of lines.push(c)) applyEvent(st, ev);
    expect(st.step).toBe('Step 2/2 : RUN make');
    expect(st.tail).toEqual(['cc: error 1']);
    expect(st.error).toContain('returned a non-zero code: 2');
  });
});
