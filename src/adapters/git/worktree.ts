// What dap needs to know about the user's git checkout for a local run: where it is, whether it
// has a commit, a git index that holds the working tree as it is on disk, and the lineage
// (remote, commit, branch, user) a local run can truthfully record.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

function git(dir: string, env?: NodeJS.ProcessEnv): SimpleGit {
  const g = simpleGit({ baseDir: path.resolve(dir) });
  return env ? g.env(env as Record<string, string>) : g;
}

/** The top of the checkout holding `dir`, or undefined when it is not in one (or git is missing). */
export async function gitTopLevel(dir: string): Promise<string | undefined> {
  try {
    return (await git(dir).revparse(['--show-toplevel'])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The commit HEAD points at; undefined in a repository with no commit yet. */
export async function headCommit(root: string): Promise<string | undefined> {
  return git(root).raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).then((o) => o.trim() || undefined, () => undefined);
}

export interface StagedTree {
  /** the index file: set GIT_INDEX_FILE to it and git sees the working tree as committed */
  indexFile: string;
  /** untracked, not ignored files it added (paths relative to the checkout) */
  untracked: string[];
  /** tracked files whose content on disk differs from HEAD */
  modified: string[];
}

/**
 * Writes a separate index (`name` inside the git directory, so it is never part of the tree)
 * holding every file on disk that git does not ignore (tracked, modified, untracked) except
 * `exclude`. The user's own index is copied first, never written.
 */
export async function stageWorkingTree(root: string, name: string, exclude: readonly string[] = []): Promise<StagedTree> {
  const gitPath = async (p: string) => path.resolve(root, (await git(root).revparse(['--git-path', p])).trim());
  const own = await gitPath('index');
  const indexFile = await gitPath(name);
  await fs.mkdir(path.dirname(indexFile), { recursive: true });
  await fs.rm(indexFile, { force: true });
  await fs.copyFile(own, indexFile).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e; // no index yet: a repository nothing was added to
  });
  const staged = git(root, { ...passThrough(process.env), GIT_INDEX_FILE: indexFile });
  const before = await git(root).status(['--untracked-files=all', '--', '.', ...exclude.map((e) => `:(exclude)${e}`)]);
  try {
    await staged.raw(['add', '-A']);
    // (an exclude pathspec naming an ignored path would make `git add` fail)
    if (exclude.length) await staged.raw(['rm', '-r', '-q', '-f', '--cached', '--ignore-unmatch', '--', ...exclude]);
  } catch (e) {
    await fs.rm(indexFile, { force: true });
    throw e;
  }
  return { indexFile, untracked: before.not_added, modified: [...before.modified, ...before.renamed.map((r) => r.to)] };
}

// simple-git refuses an environment carrying variables that can run programs (EDITOR, GIT_ASKPASS, …):
// `git add` needs only where git and the user's config are
function passThrough(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'XDG_CONFIG_HOME', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'];
  return Object.fromEntries(keep.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
}

export interface LocalLineage {
  commit?: string;
  branch?: string;
  /** the `origin` remote (or the first one), without any credentials in it */
  remoteUrl?: string;
  /** git's user.name, else the login name */
  user: string;
}

export async function localLineage(root: string): Promise<LocalLineage> {
  const g = git(root);
  const commit = await headCommit(root);
  const branch = await g.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).then((o) => o.trim() || undefined, () => undefined);
  const remotes = await g.getRemotes(true).catch(() => []);
  const remote = remotes.find((r) => r.name === 'origin') ?? remotes[0];
  const userName = await g.raw(['config', '--get', 'user.name']).then((o) => o.trim() || undefined, () => undefined);
  return { commit, branch, remoteUrl: remote ? withoutCredentials(remote.refs.fetch) : undefined, user: userName ?? os.userInfo().username };
}

/** https://user:token@host/x.git -> https://host/x.git (a token may sit in either place); ssh://git@… keeps its user. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password && !(u.username && /^https?:$/.test(u.protocol))) return url;
    u.password = '';
    if (/^https?:$/.test(u.protocol)) u.username = '';
    return u.toString();
  } catch {
    return url;
  }
}
