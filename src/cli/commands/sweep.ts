import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { limitOptions, parseLimits } from './limit-options.js';
import type { SweepStepResult } from '../../ops/sweep.js';

interface StepFlags { root: string; sweepId?: string; tracking: boolean; json?: boolean; rung?: string }

function stepCommand(parent: Command, name: string, description: string): Command {
  const cmd = parent
    .command(name)
    .description(description)
    .argument('<experiment>', 'a halving spec file (experiments/….yaml) or experiment name')
    .option('--root <dir>', 'project root', '.')
    .option('--sweep-id <id>', 'the sweep (default: $CI_PIPELINE_ID of the parent pipeline)')
    .option('--no-tracking', 'the child runs commands bare (as dap generate --no-tracking)')
    .option('--json', 'print the selections and written files as JSON');
  return limitOptions(cmd);
}

export function register(program: Command, outcomes: Outcomes): void {
  const sweep = program
    .command('sweep')
    .description('the steps of a halving (successive halving / Hyperband) sweep; the generated parent pipeline runs them')
    .addHelpText('after', '\nExit status: 0 done, 1 the sweep stopped (a rung with nothing to promote) or bad input, 2 bad command line.');

  stepCommand(sweep, 'open', "write rung 0's child pipeline(s) from the spec and open the sweep's MLflow parent run")
    .action(outcomes.action(async (experiment: string, f: StepFlags & Record<string, unknown>) => {
      const { sweepOpenOp } = await import('../../ops/sweep.js');
      await print(await sweepOpenOp({ root: f.root, spec: experiment, sweepId: f.sweepId, tracking: f.tracking, limits: parseLimits(f) }), f.json);
    }));

  stepCommand(sweep, 'select', "rank rung N-1's runs by the primary metric (MLflow, or journals) and write rung N's child pipeline")
    .requiredOption('--rung <n>', 'the rung to write (1 … rungs-1)')
    .action(outcomes.action(async (experiment: string, f: StepFlags & Record<string, unknown>) => {
      const { sweepSelectOp } = await import('../../ops/sweep.js');
      await print(await sweepSelectOp({ root: f.root, spec: experiment, sweepId: f.sweepId, tracking: f.tracking, limits: parseLimits(f), rung: Number(f.rung) }), f.json);
    }));

  stepCommand(sweep, 'close', "rank the last rung and log the sweep's best configuration on its MLflow parent run")
    .action(outcomes.action(async (experiment: string, f: StepFlags & Record<string, unknown>) => {
      const { sweepCloseOp } = await import('../../ops/sweep.js');
      await print(await sweepCloseOp({ root: f.root, spec: experiment, sweepId: f.sweepId }), f.json);
    }));

  sweep
    .command('resume')
    .description("inside a trial job: fetch the previous rung's checkpoint ($DAP_RESUME_KEY, $DAP_RESUME_ARTIFACT) into $DAP_RESUME_DIR")
    .option('--json', 'print what was fetched as JSON')
    .action(outcomes.action(async (f: { json?: boolean }) => {
      const { sweepResumeOp } = await import('../../ops/sweep-resume.js');
      const r = await sweepResumeOp();
      if (f.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    }));
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

async function print(r: SweepStepResult, json?: boolean): Promise<void> {
  if (json) {
    const selections = r.selections.map((s) => ({
      bracket: s.bracket, rung: s.rung, quota: s.quota,
      promoted: s.promoted.map((p) => p.key),
      ranked: s.ranked.map((x) => ({ index: x.run.index, key: x.run.key, value: x.value, params: x.run.params })),
      excluded: s.excluded.map((x) => ({ index: x.run.index, key: x.run.key, reason: x.reason })),
    }));
    process.stdout.write(JSON.stringify({ ...r, selections }, null, 2) + '\n');
    return;
  }
  const { formatTable } = await import('../format/table.js');
  const out: string[] = [];
  for (const s of r.selections) {
    const promoted = new Set(s.promoted.map((p) => p.key));
    const rows = [
      ...s.ranked.map((x, i) => [String(i + 1), `r${x.run.index}-${x.run.key.slice(0, 8)}`, fmt(x.value), !r.children.length ? (i === 0 ? 'best' : '') : promoted.has(x.run.key) ? 'promoted' : '']),
      ...s.excluded.map((x) => ['-', `r${x.run.index}-${x.run.key.slice(0, 8)}`, '', `never promoted: ${x.reason}`]),
    ];
    const what = r.children.length ? `promoting ${s.promoted.length} of ${s.runs.length}` : `ranking ${s.runs.length} run(s)`;
    out.push(`${r.experiment}${s.bracket ? ` bracket ${s.bracket}` : ''} rung ${s.rung} (results from ${r.source}): ${what}`);
    out.push(formatTable(['#', 'run', { header: r.primary, align: 'right' }, 'decision'], rows).trimEnd());
  }
  for (const c of r.children) out.push(`written ${c.path}: rung ${c.rung}${c.bracket ? ` of bracket ${c.bracket}` : ''}, ${c.runs} run(s) at budget ${c.budget} (${c.bytes} bytes)`);
  if (r.best) out.push(`best: r${r.best.index}-${r.best.runKey.slice(0, 8)} ${fmt(r.best.value)} ${Object.entries(r.best.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`);
  process.stdout.write(out.join('\n') + '\n');
}
