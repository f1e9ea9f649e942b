// Paths a spec or `dap track` declares for a job (artifacts.paths, metrics.files) are read by dap
// and uploaded: they must stay inside the job's directory. Checked on the text here; at run time
// every match is also checked after symlinks (src/tracking/job-tree.ts).

/** Why `p` could name a file outside the job's directory, or undefined when it cannot by its text. */
export function jobPathProblem(p: string): string | undefined {
  if (p.startsWith('~')) return `"${p}" starts with "~" (a home directory); paths are relative to the job's directory`;
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)) return `"${p}" is absolute; paths are relative to the job's directory`;
  if (p.split(/[\\/]+/).includes('..')) return `"${p}" contains ".."; paths must stay inside the job's directory`;
  return undefined;
}
