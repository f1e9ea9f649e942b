// Which files changed since a git ref: committed (REF...HEAD, i.e. since the merge base) plus
// anything uncommitted or untracked in the working tree. Paths come back relative to `root`.

import path from 'node:path';
import { simpleGit } from 'simple-git';
import { DapError, UnavailableError } from '../../errors.js';

export async function changedFilesSince(root: string, ref: string): Promise<string[]> {
  const git = simpleGit({ baseDir: path.resolve(root) });
  let top: string;
  try {
    top = (await git.revparse(['--show-toplevel'])).trim();
  } catch (err) {
    throw new UnavailableError(`${root} is not inside a git repository (or git is missing)`, '--changed-since needs a git checkout', err);
  }
  const known = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).then((o) => o.trim() !== '', () => false);
  if (!known) {
    throw new DapError(`--changed-since: unknown git ref "${ref}"`, {
      hint: 'fetch it first (in CI: git fetch origin <branch>; shallow clones may need GIT_DEPTH: 0)',
    });
  }
  let committed: string[];
  try {
    committed = (await git.diff(['--name-only', '--no-renames', `${ref}...HEAD`])).split('\n');
  } catch (err) {
    throw new DapError(`--changed-since: cannot diff ${ref}...HEAD: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'the merge base is probably missing: fetch more history (in CI: GIT_DEPTH: 0, or git fetch --unshallow)',
      cause: err,
    });
  }
  const status = await git.status();
  const local = status.files.flatMap((f) => [f.path, ...(f.from ? [f.from] : [])]);
  const rootAbs = path.resolve(root);
  const out = new Set<string>();
  for (const rel of [...committed, ...local]) {
    const clean = rel.trim().replace(/^"(.*)"$/, '$1');
    if (!clean) continue;
    const fromRoot = path.relative(rootAbs, path.join(top, clean)).split(path.sep).join('/');
    if (!fromRoot.startsWith('../')) out.add(fromRoot);
  }
  return [...out].sort();
}
