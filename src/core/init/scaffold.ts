// What `dap init` writes into a research project: an example experiment that runs as it is (a
// standard-library training script), and the .gitignore entries dap needs. Pure: the caller
// checks what exists, writes the files and generates .gitlab-ci.yml.

export const EXAMPLE_SPEC = 'experiments/example.yaml';
export const EXAMPLE_SCRIPT = 'experiments/example/train.py';
export const GITIGNORE_ENTRIES = ['.dap/', 'node_modules/'];

/** `schemaRef`: the experiment schema's path relative to experiments/ (for the editor's $schema). */
export function exampleSpec(schemaRef: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
# An experiment: what to run, with which parameters, and what to record. \`dap validate\` checks
# this file, \`dap plan\` lists its runs, \`dap generate\` writes the GitLab pipeline for it, and
# \`dap run --local\` runs that pipeline here. The format: docs/experiments.md in dap.
name: example                     # unique across experiments/; lower case, digits, dashes
description: Fit a line to noisy points by gradient descent (standard library only).
environment: python               # environments/python/environment.yaml: the image CI runs it in
command:                          # an argv list; {{ params.NAME }} is replaced per run
  - python3
  - experiments/example/train.py
  - --lr
  - "{{ params.lr }}"
  - --epochs
  - "{{ params.epochs }}"
params:                           # the same in every run
  epochs: 20
sweep:                            # one run per combination: 3 runs here
  grid:
    lr: [0.01, 0.05, 0.1]
  max_parallel: 2                 # at most 2 at once (per pipeline on GitLab, and in run --local)
metrics:
  primary: loss                   # what \`dap runs\` ranks by
  goal: minimize
artifacts:
  paths: [outputs/]               # kept with each run (job artifacts, MLflow)
resources:
  timeout: 10m
`;
}

/** Writes one JSON line per epoch to $DAP_METRICS_FILE and metrics.json at the end (read by default). */
export const EXAMPLE_TRAIN_PY = `#!/usr/bin/env python3
"""Fit y = a*x + b to noisy points by gradient descent. Standard library only.

dap passes --lr and --epochs (see experiments/example.yaml). Each epoch appends one JSON line
{"step": N, "loss": L} to $DAP_METRICS_FILE: that is the run's metric history. At the end it
writes metrics.json (final values, read by dap) and outputs/model.json (kept as an artifact).
"""
import argparse
import json
import os
import random

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--epochs", type=int, default=20)
args = parser.parse_args()

rng = random.Random(0)
xs = [rng.uniform(-1, 1) for _ in range(200)]
ys = [3.0 * x + 0.5 + rng.gauss(0, 0.1) for x in xs]
a, b = 0.0, 0.0
metrics_file = os.environ.get("DAP_METRICS_FILE", "metrics.jsonl")
with open(metrics_file, "a", encoding="utf-8") as out:
    for step in range(1, args.epochs + 1):
        grad_a = sum(2 * (a * x + b - y) * x for x, y in zip(xs, ys)) / len(xs)
        grad_b = sum(2 * (a * x + b - y) for x, y in zip(xs, ys)) / len(xs)
        a, b = a - args.lr * grad_a, b - args.lr * grad_b
        loss = sum((a * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
        out.write(json.dumps({"step": step, "loss": loss}) + "\\n")
        out.flush()
print(f"lr={args.lr} epochs={args.epochs}: loss={loss:.6f}")
with open("metrics.json", "w", encoding="utf-8") as f:
    json.dump({"final_loss": loss}, f)
os.makedirs("outputs", exist_ok=True)
with open("outputs/model.json", "w", encoding="utf-8") as f:
    json.dump({"a": a, "b": b}, f)
`;

/** The .gitignore with dap's entries added (unchanged text when they are there already). */
export function withGitignoreEntries(current: string | undefined): string {
  const text = current ?? '';
  const have = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_ENTRIES.filter((e) => !have.has(e) && !have.has(e.replace(/\/$/, '')) && !have.has(`/${e}`));
  if (!missing.length) return text;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}# dap: local journals and run state; node_modules (dap installed with npm)\n${missing.join('\n')}\n`;
}

/** environments/<name>/environment.yaml copied from dap's built-in one, its $schema pointed at `schemaRef`. */
export function environmentCopy(builtin: string, schemaRef: string): string {
  const body = builtin.replace(/^# yaml-language-server: \$schema=.*\n/, '');
  return `# yaml-language-server: $schema=${schemaRef}\n# Copied from dap's built-in "python" environment by \`dap init\`: yours to change.\n${body}`;
}
