// A local pipeline's identity. gitlab-ci-local numbers pipelines from 1001 in every clone (and again
// after its state is removed), so its CI_PIPELINE_ID cannot tell two local runs apart; dap draws
// its own: the start time (readable, sorts) plus random hex (two clones starting the same second).

export function localPipelineId(now: Date, randomHex: string): string {
  if (!/^[0-9a-f]{6,}$/.test(randomHex)) throw new Error('localPipelineId: randomHex must be 6+ lower-case hex digits');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'); // 20261201T121500Z
  return `${stamp}-${randomHex.slice(0, 6)}`;
}
