// dap login against the fake GitLab (through gitbeaker) and the real MLflow behind a basic-auth
// proxy: non-interactive with --with-token, interactive through a pseudo-terminal (script(1)), the
// file's mode and masking, every command reading it (dap doctor), and each kind of bad input.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec } from '../../src/adapters/exec/exec.js';
import { doctorRoutes } from '../fakes/gitlab-doctor-routes.js';
import { startFakeGitlab, type FakeGitlab } from '../fakes/gitlab-server.js';
import { closedPort } from '../support/fault-proxy.js';
import { cliBin, MLFLOW_URI, requireMlflow, tmpDir } from '../tracking/helpers.js';

const TOKEN = 'glpat-login-SECRET-1234abcd';
const READONLY = 'glpat-readrepo-only-9876';
const USER = 'alice';
const PASSWORD = 'pw-SECRET-77c1-login';

let gitlab: FakeGitlab;
let proxy: http.Server;
let proxyUri = '';
let html: http.Server;
let htmlUri = '';
let home = '';

beforeAll(async () => {
  await requireMlflow();
  gitlab = await startFakeGitlab({
    projects: [], tokens: [TOKEN, READONLY],
    routes: [doctorRoutes({
      tokens: { [TOKEN]: { name: 'laptop', scopes: ['api'], expires_at: null }, [READONLY]: { name: 'ro', scopes: ['read_repository'], expires_at: null } },
      projects: [{ id: 3, path: 'ml/vision' }], runners: [],
    })],
  });
  // basic auth in front of the real MLflow, as a reverse proxy would do it
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  proxy = http.createServer((req, res) => {
    if (req.headers.authorization !== basic) return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="mlflow"' }).end('Unauthorized');
    const up = http.request(`${MLFLOW_URI}${req.url}`, { method: req.method, headers: { ...req.headers, host: new URL(MLFLOW_URI).host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUri = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // an SSO login page where MLflow was expected
  html = http.createServer((_q, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><html><body><form>Sign in</form></body></html>'));
  await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
  htmlUri = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await gitlab?.close();
  proxy?.close();
  html?.close();
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg'), ...extra };
  return out;
}
const configFile = () => path.join(home, 'xdg', 'dap', 'config.toml');
const login = (args: string[], input = '', extra: Record<string, string> = {}) =>
  exec(['node', cliBin, 'login', ...args], { env: env(extra), input, cwd: home, timeoutMs: 60_000 });

describe('dap login (non-interactive)', () => {
  beforeAll(() => { home = tmpDir('login'); });

  it('checks both services, writes config.toml 0600; --status masks the secrets; every command reads it', async () => {
    const r = await login(['--gitlab-url', gitlab.url, '--gitlab-project', 'ml/vision', '--with-token', '--mlflow-uri', proxyUri, '--mlflow-username', USER, '--mlflow-password-stdin'], `${TOKEN}\n${PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`✓ GitLab ${gitlab.url}: token "laptop" (api), project ml/vision`);
    expect(r.stderr).toContain(`✓ MLflow ${proxyUri}: user alice, accepted`);
    expect(fs.statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(configFile(), 'utf8')).toContain(`token = "${TOKEN}"`);

    const s = await login(['--status']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain(`config: ${configFile()} (mode 0600)`);
    expect(s.stdout).toMatch(/gitlab\.token\s+glpa\*+abcd/);
    expect(s.stdout).toMatch(/mlflow\.password\s+pw-S\*+ogin/);
    expect(s.stdout + s.stderr).not.toContain(TOKEN);
    expect(s.stdout + s.stderr).not.toContain(PASSWORD);

    // environment variables win, and the status says so
    const o = await login(['--status', '--json'], '', { MLFLOW_TRACKING_URI: MLFLOW_URI });
    expect((JSON.parse(o.stdout) as { entries: Array<{ key: string; overriddenBy?: string }> }).entries.find((e) => e.key === 'mlflow.tracking_uri')?.overriddenBy).toBe('MLFLOW_TRACKING_URI');

    // another command, with nothing in its environment, uses the saved credentials
    const d = await exec(['node', cliBin, 'doctor', '--json', '--only', 'gitlab,mlflow'], { env: env(), cwd: home, timeoutMs: 90_000 });
    const checks = (JSON.parse(d.stdout) as { results: Array<{ check: string; result: string; detail: string }> }).results;
    // this project has no container registry: the one thing doctor finds wrong
    expect(checks.filter((c) => c.result === 'fail').map((c) => c.check), d.stdout).toEqual(['gitlab.registry']);
    expect(checks.find((c) => c.check === 'mlflow.credentials')?.detail).toBe('accepted (basic, user alice)');
    expect(checks.find((c) => c.check === 'gitlab.project')?.result).toBe('pass');
  }, 120_000);

  const bad: Array<{ name: string; args: () => string[]; input: string; code: number; message: RegExp; hint: RegExp }> = [
    { name: 'a wrong GitLab token', args: () => ['--gitlab-url', gitlab.url, '--with-token'], input: 'glpat-nope\n', code: 3, message: /GitLab login failed: GitLab at .* refused the token .*HTTP 401/, hint: /wrong, expired or revoked.*personal_access_tokens/ },
    { name: 'a token without api scope', args: () => ['--gitlab-url', gitlab.url, '--with-token'], input: `${READONLY}\n`, code: 1, message: /has scopes read_repository; dap needs api or read_api/, hint: /personal_access_tokens/ },
    { name: 'an unreachable GitLab', args: () => ['--gitlab-url', `http://127.0.0.1:${deadPort}`, '--with-token'], input: `${TOKEN}\n`, code: 3, message: /unreachable.*ECONNREFUSED/, hint: /GITLAB_URL|network/ },
    { name: 'MLflow answering a login page', args: () => ['--mlflow-uri', htmlUri], input: '', code: 3, message: /\/api\/2\.0\/mlflow\/experiments\/search answered an HTML page \(HTTP 200\) instead of MLflow's JSON for searching experiments: usually a login page/, hint: /proxy/ },
    { name: 'a wrong MLflow password', args: () => ['--mlflow-uri', proxyUri, '--mlflow-username', USER, '--mlflow-password-stdin'], input: 'wrong\n', code: 3, message: /MLflow refused the credentials \(HTTP 401\)/, hint: /username\/password/ },
    { name: 'an unreachable MLflow', args: () => ['--mlflow-uri', `http://127.0.0.1:${deadPort}`], input: '', code: 3, message: /cannot reach .*ECONNREFUSED/, hint: /server is up/ },
    { name: 'a URL that is not one', args: () => ['--mlflow-uri', 'mlflow.example.com'], input: '', code: 2, message: /is not a URL/, hint: /http/ },
    { name: 'a GitLab URL without --with-token outside a terminal', args: () => ['--gitlab-url', gitlab.url], input: '', code: 2, message: /secret must come from stdin/, hint: /--with-token/ },
  ];
  let deadPort = 0;
  beforeAll(async () => { deadPort = await closedPort(); });

  for (const b of bad) {
    it(`refuses ${b.name} with a clear message and leaves the file alone`, async () => {
      const before = fs.readFileSync(configFile(), 'utf8');
      const r = await login(b.args(), b.input);
      expect(r.code, r.stderr).toBe(b.code);
      expect(r.stderr).toMatch(b.message);
      expect(r.stderr.split('\n').find((l) => l.startsWith('hint:')) ?? '').toMatch(b.hint);
      expect(r.stderr).not.toContain(TOKEN);
      expect(fs.readFileSync(configFile(), 'utf8')).toBe(before);
    }, 60_000);
  }
});

describe('dap login (interactive, in a pseudo-terminal)', () => {
  it('asks for each value, does not echo the secrets, and saves them', async () => {
    home = tmpDir('login-tty');
    // script(1) gives the command a real terminal; answers are typed when their prompt shows
    const child = spawn('script', ['-qec', `node ${cliBin} login`, '/dev/null'], { env: env({ TERM: 'dumb' }), cwd: home });
    let screen = '';
    child.stdout.on('data', (c: Buffer) => { screen += c.toString(); });
    const answers: Array<[RegExp, string]> = [
      [/GitLab URL \(blank to skip\): $/, gitlab.url],
      [/GitLab token \(api or read_api scope\) \(hidden\): $/, TOKEN],
      [/GitLab project, group\/name \(optional\): $/, 'ml/vision'],
      [/MLflow tracking URI \(blank to skip\): $/, proxyUri],
      [/MLflow username \(blank: none, or a token next\): $/, USER],
      [/MLflow password \(hidden\): $/, PASSWORD],
    ];
    for (const [prompt, answer] of answers) {
      for (let i = 0; i < 200 && !prompt.test(screen.trimEnd() + ' '); i++) await new Promise((r) => setTimeout(r, 50));
      expect(screen.trimEnd() + ' ', `waiting for ${prompt}`).toMatch(prompt);
      screen += '\n';
      child.stdin.write(`${answer}\r`);
    }
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, screen).toBe(0);
    expect(screen).toContain(`saved to ${configFile()}`);
    expect(screen).toContain(gitlab.url); // typed, echoed
    expect(screen).not.toContain(TOKEN); // typed, not echoed
    expect(screen).not.toContain(PASSWORD);
    const text = fs.readFileSync(configFile(), 'utf8');
    expect(text).toContain(`token = "${TOKEN}"`);
    expect(text).toContain(`password = "${PASSWORD}"`);
    expect(text).toContain('project = "ml/vision"');
  }, 90_000);
});
