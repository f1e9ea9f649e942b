import { createHash } from 'node:crypto';
import { sha256 } from '../../core/hash.js';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar';
import { DapError } from '../../errors.js';
import { cacheDir, packageRoot } from '../../paths.js';
import { exec as defaultExec } from '../../adapters/exec/exec.js';
import type { Exec } from '../../adapters/exec/exec.js';
import {
  BUILD_CA_PATH, CLI_APP_PATH, CLI_MODULES_PATH, CLI_WRAPPER_PATH, DAP_WRAPPER, DOCKERFILE_PATH, ENTRYPOINT_PATH, NODE_PATH,
  renderDockerfile,
} from '../../core/env/dockerfile.js';
import { ENTRYPOINT_SCRIPT } from '../../core/env/entrypoint.js';
import { contextHash } from '../../core/env/naming.js';
import type { ContextEntry } from '../../core/env/naming.js';
import type { LoadedEnvironment } from './project.js';

// The build context of an environment: its directory, dap's generated files and (unless dap: false)
// the dap CLI layer. Hashing it is cheap (no tarball, no bundle copy) so that a no-op build is fast;
// materialising it (staging dir + tar stream) happens only when a build is really needed.

interface GeneratedFile { path: string; text: string; mode: number }
interface LinkedDir { path: string; digest: string; resolve: () => Promise<string> }

/** A Docker build context (the files `docker build` is sent), described before it is materialised. */
export interface BuildContext {
  dockerfile: string;
  hash: string;
  entries: ContextEntry[];
  generated: GeneratedFile[];
  linked: LinkedDir[];
  /** path in context -> absolute source (node binary) */
  linkedFiles: Array<{ path: string; source: string }>;
  envDir: string;
  envFiles: string[];
}

/** Extra CA certificates for pip inside builds (TLS-intercepting proxies): DAP_BUILD_CA_CERTS=file[:file]. */
async function buildCa(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const list = env.DAP_BUILD_CA_CERTS;
  if (!list) return undefined;
  const parts = await Promise.all(list.split(':').filter(Boolean).map((f) => fs.readFile(f, 'utf8').catch(() => {
    throw new DapError(`DAP_BUILD_CA_CERTS names ${f}, which cannot be read`);
  })));
  return parts.join('\n');
}

export async function describeBuildContext(loaded: LoadedEnvironment, env: NodeJS.ProcessEnv): Promise<BuildContext> {
  const ca = await buildCa(env);
  const cli = cliLayer(env);
  const usesPip = loaded.env.pip.length > 0 || loaded.env.requirements !== undefined;
  const dockerfile = renderDockerfile(loaded.env, { buildCa: ca !== undefined && usesPip, userDockerfile: loaded.userDockerfile });
  const generated: GeneratedFile[] = [
    { path: DOCKERFILE_PATH, text: dockerfile, mode: 0o644 },
    { path: ENTRYPOINT_PATH, text: ENTRYPOINT_SCRIPT, mode: 0o755 },
  ];
  if (ca !== undefined && usesPip) generated.push({ path: BUILD_CA_PATH, text: ca, mode: 0o644 });
  const entries: ContextEntry[] = [];
  for (const f of loaded.files) {
    const p = path.join(loaded.dir, f);
    const [buf, st] = await Promise.all([fs.readFile(p), fs.stat(p)]);
    entries.push({ path: f, digest: sha256(buf), mode: st.mode });
  }
  for (const g of generated) entries.push({ path: g.path, digest: sha256(g.text), mode: g.mode });
  const linked: LinkedDir[] = [];
  const linkedFiles: Array<{ path: string; source: string }> = [];
  if (loaded.env.dap) {
    generated.push({ path: CLI_WRAPPER_PATH, text: DAP_WRAPPER, mode: 0o755 });
    entries.push({ path: CLI_WRAPPER_PATH, digest: sha256(DAP_WRAPPER), mode: 0o755 });
    const node = process.execPath;
    linkedFiles.push({ path: NODE_PATH, source: node });
    entries.push({ path: NODE_PATH, digest: `node-${process.version}-${process.arch}-${(await fs.stat(node)).size}`, mode: 0o755 });
    const app = await appDigest(cli);
    const modules = await modulesDigest(cli);
    linked.push({ path: CLI_APP_PATH, digest: app, resolve: () => materialiseApp(cli, app) });
    linked.push({ path: CLI_MODULES_PATH, digest: modules, resolve: () => materialiseModules(cli, modules) });
    entries.push({ path: CLI_APP_PATH, digest: app, mode: 0o755 }, { path: CLI_MODULES_PATH, digest: modules, mode: 0o755 });
  }
  // The proxy CA only lets pip reach the index during this build; the image is the same without
  // it, so the tag (and so the no-op check) must not depend on whether this machine needs one.
  const identityDockerfile = ca === undefined ? dockerfile : renderDockerfile(loaded.env, { buildCa: false, userDockerfile: loaded.userDockerfile });
  const identityEntries = entries.filter((e) => e.path !== BUILD_CA_PATH && e.path !== DOCKERFILE_PATH)
    .concat({ path: DOCKERFILE_PATH, digest: sha256(identityDockerfile), mode: 0o644 });
  return { dockerfile, hash: contextHash(identityDockerfile, identityEntries), entries, generated, linked, linkedFiles, envDir: loaded.dir, envFiles: loaded.files };
}

// --- the dap CLI layer -------------------------------------------------------------------------

const APP_PARTS = ['package.json', 'dist', 'schemas'];

/** Where the dap package copied into images comes from, and where its staged copies are cached. */
export interface CliLayer {
  /** the running dap, or DAP_CLI_SOURCE (a dap checkout/install) */
  root: string;
  /** <cache>/dap-cli */
  cache: string;
}

function cliLayer(env: NodeJS.ProcessEnv): CliLayer {
  return { root: env.DAP_CLI_SOURCE ?? packageRoot, cache: path.join(cacheDir(env), 'dap-cli') };
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...await walk(dir, p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** dap's own files (dist, schemas, package.json) by content: changes whenever dap is rebuilt. */
async function appDigest(cli: CliLayer): Promise<string> {
  const h = createHash('sha256');
  for (const part of APP_PARTS) {
    const abs = path.join(cli.root, part);
    const files = (await fs.stat(abs)).isDirectory() ? (await walk(abs)).filter((f) => !f.endsWith('.map')).sort().map((f) => `${part}/${f}`) : [part];
    for (const f of files) h.update(f).update('\0').update(await fs.readFile(path.join(cli.root, f))).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** Production dependencies, identified by the lock file (or npm's hidden lock in installed copies). */
async function modulesDigest(cli: CliLayer): Promise<string> {
  const lock = [path.join(cli.root, 'package-lock.json'), path.join(cli.root, 'node_modules', '.package-lock.json')].find(existsSync);
  if (!lock) throw new DapError(`cannot find dap's package-lock.json under ${cli.root}`, { hint: 'reinstall dap (npm ci) or set dap: false in environment.yaml' });
  const pkg = JSON.parse(await fs.readFile(path.join(cli.root, 'package.json'), 'utf8')) as { dependencies?: object };
  return sha256(JSON.stringify(pkg.dependencies ?? {}) + (await fs.readFile(lock, 'utf8'))).slice(0, 16);
}

async function materialiseApp(cli: CliLayer, digest: string): Promise<string> {
  const dir = path.join(cli.cache, `app-${digest}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  for (const part of APP_PARTS) {
    await fs.cp(path.join(cli.root, part), path.join(tmp, part), { recursive: true, filter: (s) => !s.endsWith('.map') });
  }
  await fs.writeFile(path.join(tmp, '.complete'), '');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(tmp, dir);
  return dir;
}

/** `npm ci --omit=dev` into the cache once per lock file; falls back to copying the installed tree. */
export async function materialiseModules(cli: CliLayer, digest: string, run: Exec = defaultExec): Promise<string> {
  const dir = path.join(cli.cache, `modules-${digest}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  const lock = path.join(cli.root, 'package-lock.json');
  if (existsSync(lock)) {
    await fs.copyFile(path.join(cli.root, 'package.json'), path.join(tmp, 'package.json'));
    await fs.copyFile(lock, path.join(tmp, 'package-lock.json'));
    const res = await run(['npm', 'ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tmp });
    if (res.code !== 0) throw new DapError(`npm ci for the dap CLI layer failed:\n${res.stderr.slice(-2000)}`, { hint: 'check npm registry access, or set dap: false in environment.yaml' });
    await fs.rm(path.join(tmp, 'package.json'));
    await fs.rm(path.join(tmp, 'package-lock.json'));
  } else {
    // an installed dap (npm install -g): its node_modules hold only production dependencies
    await fs.cp(path.join(cli.root, 'node_modules'), path.join(tmp, 'node_modules'), { recursive: true });
  }
  await fs.rm(path.join(tmp, 'node_modules', '.bin'), { recursive: true, force: true });
  await fs.writeFile(path.join(tmp, '.complete'), '');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(tmp, dir);
  return dir;
}

// --- materialise and stream --------------------------------------------------------------------

/** A staging directory (env files copied, dap parts symlinked) and a tar stream of it. */
export async function contextTarStream(ctx: BuildContext, env: NodeJS.ProcessEnv): Promise<{ stream: Readable; cleanup: () => Promise<void> }> {
  const stage = await fs.mkdtemp(path.join(await ensureDir(path.join(cacheDir(env), 'env-context')), `ctx-`));
  for (const f of ctx.envFiles) {
    await fs.mkdir(path.dirname(path.join(stage, f)), { recursive: true });
    await fs.copyFile(path.join(ctx.envDir, f), path.join(stage, f));
    await fs.chmod(path.join(stage, f), (await fs.stat(path.join(ctx.envDir, f))).mode & 0o777);
  }
  for (const g of ctx.generated) {
    await fs.mkdir(path.dirname(path.join(stage, g.path)), { recursive: true });
    await fs.writeFile(path.join(stage, g.path), g.text, { mode: g.mode });
  }
  for (const l of ctx.linked) {
    await fs.mkdir(path.dirname(path.join(stage, l.path)), { recursive: true });
    await fs.symlink(await l.resolve(), path.join(stage, l.path));
  }
  for (const l of ctx.linkedFiles) {
    await fs.mkdir(path.dirname(path.join(stage, l.source === '' ? '' : l.path)), { recursive: true });
    await fs.symlink(l.source, path.join(stage, l.path));
  }
  const top = (await fs.readdir(stage)).sort();
  // portable: no uid/gid/mtime noise; follow: pack the symlinked bundle and node binary themselves
  const stream = tar.c({ cwd: stage, portable: true, follow: true, noMtime: true, filter: (p) => !p.endsWith('/.complete') }, top) as unknown as Readable;
  return { stream, cleanup: () => fs.rm(stage, { recursive: true, force: true }) };
}

async function ensureDir(d: string): Promise<string> {
  await fs.mkdir(d, { recursive: true });
  return d;
}
