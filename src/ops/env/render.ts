import { describeBuildContext } from './context.js';
import { findProject, loadEnvironment } from './project.js';

/** `dap env render NAME`: the Dockerfile dap builds (and the tag it would get). */
export async function renderEnvironment(name: string, env: NodeJS.ProcessEnv, cwd?: string): Promise<{ dockerfile: string; hash: string }> {
  const loaded = await loadEnvironment(findProject(cwd, env), name);
  const built = await describeBuildContext(loaded, env);
  return { dockerfile: built.dockerfile, hash: built.hash };
}
