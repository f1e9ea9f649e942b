import { describeContext } from './context.js';
import { findProject, loadEnvironment } from './project.js';

/** `dap env render NAME`: the Dockerfile dap builds (and the tag it would get). */
export async function renderEnvironment(name: string, cwd?: string): Promise<{ dockerfile: string; hash: string }> {
  const loaded = await loadEnvironment(findProject(cwd), name);
  const ctx = await describeContext(loaded);
  return { dockerfile: ctx.dockerfile, hash: ctx.hash };
}
