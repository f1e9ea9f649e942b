import path from 'node:path';
import { simpleGit } from 'simple-git';

// The checkout `dap submit` commits in and pushes from.

export interface Upstream { remote: string; branch: string }

/** What `dap submit` needs to know about the checkout before it commits anything. */
export class Checkout {
  private readonly git;
  constructor(readonly root: string) {
    this.git = simpleGit({ baseDir: root });
  }

  async branch(): Promise<string | undefined> {
    const b = (await this.git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
    return b || undefined;
  }

  async head(): Promise<string | undefined> {
    return (await this.git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim() || undefined;
  }

  async remotes(): Promise<Array<{ name: string; url: string }>> {
    return (await this.git.getRemotes(true)).map((r) => ({ name: r.name, url: r.refs.push || r.refs.fetch }));
  }

  async upstream(): Promise<Upstream | undefined> {
    const remote = (await this.git.raw(['config', '--get', `branch.${await this.branch()}.remote`]).catch(() => '')).trim();
    const merge = (await this.git.raw(['config', '--get', `branch.${await this.branch()}.merge`]).catch(() => '')).trim();
    return remote && merge ? { remote, branch: merge.replace(/^refs\/heads\//, '') } : undefined;
  }

  /** Fetches `branch` from `remote`; false when the remote has no such branch yet. */
  async fetch(remote: string, branch: string): Promise<boolean> {
    const has = (await this.git.raw(['ls-remote', '--heads', remote, `refs/heads/${branch}`])).trim() !== '';
    if (has) await this.git.raw(['fetch', '--quiet', remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`]);
    return has;
  }

  /** [ahead, behind] of HEAD against `ref` */
  async aheadBehind(ref: string): Promise<[number, number]> {
    const [behind, ahead] = (await this.git.raw(['rev-list', '--left-right', '--count', `${ref}...HEAD`])).trim().split(/\s+/).map(Number);
    return [ahead ?? 0, behind ?? 0];
  }

  async staged(): Promise<string[]> {
    return (await this.git.raw(['diff', '--cached', '--name-only', '-z'])).split('\0').filter(Boolean);
  }

  async add(paths: string[]): Promise<void> {
    if (paths.length) await this.git.raw(['add', '-A', '--', ...paths]);
  }

  async unstage(paths: string[]): Promise<void> {
    if (paths.length) await this.git.raw(['reset', '--quiet', '--', ...paths]);
  }

  async commit(message: string): Promise<string> {
    await this.git.raw(['commit', '--quiet', '-m', message]);
    return (await this.head())!;
  }

  /** Moves the branch back to `sha`, keeping the work tree and index (undoes our commit). */
  async resetSoft(sha: string): Promise<void> {
    await this.git.raw(['reset', '--quiet', '--soft', sha]);
  }

  /** undefined when pushed; the remote's own words when it refused */
  async push(remote: string, branch: string, setUpstream: boolean): Promise<string | undefined> {
    try {
      await this.git.raw(['push', '--porcelain', ...(setUpstream ? ['--set-upstream'] : []), remote, `HEAD:refs/heads/${branch}`]);
      return undefined;
    } catch (e) {
      return (e as Error).message.trim();
    }
  }
}

/** group/project of a GitLab remote URL (https://host/group/project.git, git@host:group/project.git). */
export function gitlabProjectOf(url: string): string | undefined {
  const m = /^(?:https?|ssh):\/\/[^/]+\/(.+?)(?:\.git)?\/?$/.exec(url) ?? /^[^/@:]+@[^:]+:(?!\/)(.+?)(?:\.git)?\/?$/.exec(url);
  return m?.[1];
}
