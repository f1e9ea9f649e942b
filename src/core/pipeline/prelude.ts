// The generated POSIX-sh prologue of an experiment job: a case table keyed by $DAP_RUN (the
// parallel:matrix value) that sets and exports the run's identity and parameters as
// single-quoted literals, and writes the canonical params JSON to $DAP_PARAMS_FILE.

import type { PlannedRun } from '../plan/types.js';
import type { Scalar } from '../spec/types.js';
import { DapError } from '../../errors.js';
import { paramEnvName, paramText, shQuote } from './shell.js';

const HEX_KEY = /^[0-9a-f]{8}/;

/** Short, shell- and GitLab-safe id of a run inside its experiment: r<index>-<key prefix>. */
export function runId(run: PlannedRun): string {
  // run keys are lower-case hex: their first 8 chars are the prefix as they are
  const prefix = HEX_KEY.test(run.key) ? run.key.slice(0, 8) : run.key.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8);
  return prefix ? `r${run.index}-${prefix}` : `r${run.index}`;
}

/**
 * The canonical JSON the run key hashes (plan/key.ts canonicalJson): keys sorted, numbers in
 * JSON's shortest form. Params are flat scalars, so a sorted JSON.stringify gives the same bytes, faster.
 */
export function canonicalParamsJson(params: Record<string, Scalar>, sortedNames: readonly string[] = Object.keys(params).sort()): string {
  let out = '';
  for (const k of sortedNames) {
    const v = params[k];
    if (v !== undefined) out += `${out ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return `{${out}}`;
}

/** Every DAP_PARAM_* name used by these runs, checking that no two params map to the same name. */
export function paramEnvNames(experiment: string, runs: readonly PlannedRun[]): Map<string, string> {
  const byEnv = new Map<string, string>();
  const names = new Map<string, string>();
  for (const run of runs) {
    for (const p of Object.keys(run.params)) {
      if (names.has(p)) continue;
      const env = paramEnvName(p);
      const other = byEnv.get(env);
      if (other !== undefined && other !== p) {
        throw new DapError(`experiment ${experiment}: params "${other}" and "${p}" both become ${env}; rename one`);
      }
      byEnv.set(env, p);
      names.set(p, env);
    }
  }
  return names;
}

/**
 * `constants`: per-job values (tracking experiment, spec file, …) set as quoted shell literals
 * here rather than as GitLab `variables:`, where GitLab would expand any `$` in them.
 */
export function runPrelude(
  experiment: string,
  runs: readonly PlannedRun[],
  constants: Record<string, string> = {},
  /** paramEnvNames over all the experiment's runs, when the caller has it already */
  envNames: Map<string, string> = paramEnvNames(experiment, runs),
): string {
  const constantNames = Object.keys(constants);
  const lines: string[] = [
    ...constantNames.map((k) => `${k}=${shQuote(constants[k] as string)}`),
    // the job's directory: CI_PROJECT_DIR on GitLab; gitlab-ci-local's shell executor sets
    // CI_PROJECT_DIR to /builds/… for jobs with an image, so take where the script starts
    `: "\${DAP_DIR:=$PWD/.dap}"`,
    `: "\${DAP_PARAMS_FILE:=$DAP_DIR/params/$DAP_RUN.json}"`,
    `: "\${DAP_METRICS_FILE:=$DAP_DIR/metrics/$DAP_RUN.jsonl}"`,
    `mkdir -p "$(dirname "$DAP_PARAMS_FILE")" "$(dirname "$DAP_METRICS_FILE")"`,
    `case "$DAP_RUN" in`,
  ];
  const names = [...envNames.keys()].sort();
  const envOf = names.map((p) => envNames.get(p) as string);
  // one string per run (not one per line): this table is most of the pipeline's bytes
  // runs share most values (fixed params, each sweep value many times): quote and JSON each once
  const quoted = new Map<Scalar, string>();
  const json = new Map<Scalar, string>();
  const nameJson = names.map((p) => JSON.stringify(p));
  for (const run of runs) {
    let entry = `${shQuote(runId(run))})\n  DAP_RUN_KEY=${shQuote(run.key)}; DAP_RUN_INDEX='${run.index}'`;
    // canonicalParamsJson(run.params, names), built in the same pass
    let params = '';
    for (let i = 0; i < names.length; i++) {
      const value = run.params[names[i] as string];
      if (value === undefined) continue;
      let q = quoted.get(value);
      if (q === undefined) quoted.set(value, (q = typeof value === 'string' ? shQuote(value) : `'${paramText(value)}'`));
      entry += `\n  ${envOf[i]}=${q}`;
      let j = json.get(value);
      if (j === undefined) json.set(value, (j = JSON.stringify(value)));
      params += `${params ? ',' : ''}${nameJson[i]}:${j}`;
    }
    lines.push(`${entry}\n  printf '%s' ${shQuote(`{${params}}`)} > "$DAP_PARAMS_FILE" ;;`);
  }
  lines.push(
    `*) printf 'dap: unknown DAP_RUN %s for experiment %s; regenerate the pipeline with dap generate\\n' "'$DAP_RUN'" ${shQuote(experiment)} >&2; exit 1 ;;`,
    'esac',
    ['export DAP_RUN DAP_RUN_KEY DAP_RUN_INDEX DAP_DIR DAP_PARAMS_FILE DAP_METRICS_FILE', ...constantNames, ...[...envNames.values()].sort()].join(' '),
  );
  return lines.join('\n') + '\n';
}
