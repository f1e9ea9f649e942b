import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** A real temporary git repository holding `files`, committed. */
export async function tempRepo(files: Record<string, string>, prefix = 'dap-test-'): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await writeFiles(root, files);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@dap.local');
  git('config', 'user.name', 'dap test');
  git('add', '-A');
  git('commit', '-qm', 'init', '--allow-empty');
  return root;
}

export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
}

export function commitAll(root: string, message = 'update'): void {
  execFileSync('git', ['add', '-A'], { cwd: root });
  execFileSync('git', ['commit', '-qm', message, '--allow-empty'], { cwd: root });
}
