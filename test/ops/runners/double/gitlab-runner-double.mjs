#!/usr/bin/env node
// TEST DOUBLE of the `gitlab-runner` executable (the real one cannot be built here: see
// /work/shared/MACHINE-NOTES.md "GitLab Runner"). It behaves like the real binary does for what dap
// relies on, after its commands/register.go, commands/verify.go, commands/unregister.go and
// network/gitlab.go: JSON to <url>/api/v4/…, replies must be application/json, config.toml parsed
// with a real TOML parser (smol-toml), so a malformed file fails exactly as it would for the real one.
//   register --non-interactive --url U --token glrt-… --executor E --config F [--name N]
//   verify [--config F] [--delete]      unregister [--config F] (--name N | --all-runners)
//   run [--config F]                    restart | start | stop | status (the service wrappers)
//   --version
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';

const VERSION = '17.5.0';
const DEFAULT_CONFIG = '/etc/gitlab-runner/config.toml';
const PID_FILE = '/run/gitlab-runner-double.pid';
const LOG_FILE = '/var/log/gitlab-runner-double.log';

const [cmd, ...rest] = process.argv.slice(2);
const flags = parseFlags(rest);
const configFile = flags.config ?? process.env.CONFIG_FILE ?? DEFAULT_CONFIG;

function parseFlags(args) {
  const out = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2);
    const key = k.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (v !== undefined) out[key] = v;
    else if (args[i + 1] !== undefined && !args[i + 1].startsWith('--')) out[key] = args[++i];
    else out[key] = true;
  }
  return out;
}

function fail(message, code = 1) {
  process.stderr.write(`ERROR: ${message}\n`);
  process.exit(code);
}

function readConfig() {
  let text = '';
  try { text = fs.readFileSync(configFile, 'utf8'); } catch { return { concurrent: 1, check_interval: 0, runners: [] }; }
  try { return parse(text); } catch (e) { fail(`Failed to load config: ${String(e.message).split('\n')[0]} (${configFile})`); }
}

function writeConfig(config) {
  fs.mkdirSync(path.dirname(configFile), { recursive: true });
  fs.writeFileSync(configFile, stringify(config) + '\n', { mode: 0o600 });
}

function systemId() {
  const file = path.join(path.dirname(configFile), '.runner_system_id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (/^s_[0-9a-f]{12}$/.test(id)) return id;
  } catch { /* make one */ }
  const id = `s_${randomBytes(6).toString('hex')}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, id + '\n', { mode: 0o600 });
  return id;
}

function info(executor) {
  return { name: 'gitlab-runner', version: VERSION, revision: 'double', platform: 'linux', architecture: 'amd64', executor, shell: 'bash', features: {}, config: {}, labels: {} };
}

async function api(url, method, route, body) {
  const res = await fetch(`${url.replace(/\/+$/, '')}/api/v4/${route}`, { method, headers: { 'content-type': 'application/json', 'user-agent': `gitlab-runner ${VERSION} (double)` }, body: JSON.stringify(body) });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, json: type.startsWith('application/json') && text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function verifyToken(url, token, executor) {
  const r = await api(url, 'POST', 'runners/verify', { token, system_id: systemId(), info: info(executor) });
  if (r.status === 200 && r.json && Number(r.json.id) > 0) return r.json;
  if (r.status === 200) fail('Verifying runner... failed: response is not application/json with a runner id');
  return undefined;
}

async function register() {
  if (!flags.nonInteractive) fail('only --non-interactive is supported by this test double');
  const url = flags.url ?? process.env.CI_SERVER_URL;
  const token = flags.token ?? process.env.CI_SERVER_TOKEN;
  const executor = flags.executor ?? process.env.RUNNER_EXECUTOR;
  if (!url || !token || !executor) fail('register needs --url, --token and --executor');
  if (!token.startsWith('glrt-')) fail('this test double only knows the glrt- runner authentication token flow');
  const config = readConfig();
  const r = await verifyToken(url, token, executor);
  if (!r) fail('Verifying runner... is not valid (403)');
  const expires = r.token_expires_at ? new Date(r.token_expires_at) : new Date('0001-01-01T00:00:00Z');
  if (Number.isNaN(expires.getTime())) fail('token_expires_at is not RFC 3339');
  config.concurrent ??= 1;
  config.check_interval ??= 0;
  config.runners = [...(config.runners ?? []), {
    name: flags.name ?? 'gitlab-runner', url, id: Number(r.id), token, token_obtained_at: new Date(), token_expires_at: expires, executor,
  }];
  writeConfig(config);
  process.stderr.write(`Runner registered successfully. Config is at "${configFile}"\n`);
}

async function verify() {
  const config = readConfig();
  const kept = [];
  for (const r of config.runners ?? []) {
    const ok = await verifyToken(r.url, r.token, r.executor);
    process.stderr.write(`Verifying runner... is ${ok ? 'valid' : 'removed'}  runner=${String(r.token).slice(0, 8)}\n`);
    if (ok || !flags.delete) kept.push(r);
  }
  if (flags.delete) writeConfig({ ...config, runners: kept });
}

async function unregister() {
  const config = readConfig();
  const chosen = (config.runners ?? []).filter((r) => flags.allRunners || r.name === flags.name);
  if (!chosen.length) fail('no runner matches');
  for (const r of chosen) {
    const res = await api(r.url, 'DELETE', 'runners', { token: r.token });
    if (res.status !== 204 && res.status !== 403) fail(`unregistering ${r.name}: HTTP ${res.status}`);
  }
  writeConfig({ ...config, runners: (config.runners ?? []).filter((r) => !chosen.includes(r)) });
}

async function run() {
  fs.writeFileSync(PID_FILE, String(process.pid));
  const lastUpdate = new Map();
  for (;;) {
    const config = readConfig(); // re-read every cycle, as the real runner reloads a changed file
    for (const r of config.runners ?? []) {
      const res = await api(r.url, 'POST', 'jobs/request', { info: info(r.executor), token: r.token, system_id: systemId(), last_update: lastUpdate.get(r.id) ?? '' }).catch((e) => ({ status: 0, error: e }));
      if (res.status === 204 || res.status === 201) lastUpdate.set(r.id, res.headers.get('x-gitlab-last-update') ?? '');
      else process.stderr.write(`WARNING: Checking for jobs... failed  runner=${r.name} status=${res.status}\n`);
    }
    const interval = Number(config.check_interval) > 0 ? Number(config.check_interval) : 3;
    await new Promise((r) => setTimeout(r, interval * 1000));
  }
}

function stop() {
  try {
    process.kill(Number(fs.readFileSync(PID_FILE, 'utf8')), 'SIGTERM');
  } catch { /* not running */ }
}

function running() {
  try {
    process.kill(Number(fs.readFileSync(PID_FILE, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

function start() {
  readConfig(); // a config the runner cannot load fails the restart, as with the real service
  const log = fs.openSync(LOG_FILE, 'a');
  const child = spawn(process.execPath, [process.argv[1], 'run', '--config', configFile], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
}

switch (cmd) {
  case '--version': case 'version':
    process.stdout.write(`Version:      ${VERSION}\nGit revision: double\nGit branch:   test-double\nGO version:   none (node test double)\nOS/Arch:      linux/amd64\n`);
    break;
  case 'register': await register(); break;
  case 'verify': await verify(); break;
  case 'unregister': await unregister(); break;
  case 'run': await run(); break;
  case 'stop': stop(); break;
  case 'start': start(); break;
  case 'restart': stop(); start(); break;
  case 'status':
    process.stdout.write(running() ? 'gitlab-runner: Service is running\n' : 'gitlab-runner: Service is not running.\n');
    process.exitCode = running() ? 0 : 1;
    break;
  default: fail(`unknown command ${cmd ?? ''} (test double: register, verify, unregister, run, start, stop, restart, --version)`, 2);
}
