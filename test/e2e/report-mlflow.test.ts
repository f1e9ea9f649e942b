// dap report on real runs: the example run with `dap run --local` on main and on a branch that
// changes the sweep (shared points, a new learning rate, and one that fails), shipped to the real
// MLflow; the report compares the branch with main, is posted to a fake GitLab merge request (twice:
// still one note), and its report.html is opened in Debian's chromium.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { parseDocument } from 'yaml';
import { generateOp } from '../../src/ops/generate.js';
import { runOp } from '../../src/ops/run-selected.js';
import { REPORT_MARKER } from '../../src/core/report/markdown.js';
import { startFakeGitlab, type FakeGitlab } from '../fakes/gitlab-server.js';
import { reportRoutes, type ReportRoutesState } from '../fakes/gitlab-report-routes.js';
import { dap, MLFLOW_URI, readBack, requireMlflow, uniqueName, type ReadbackRun } from '../tracking/helpers.js';
import { exampleRepo, jobEnv, SPEC, type ExampleRepo } from './support/example-repo.js';

const CHROMIUM = process.env.DAP_CHROMIUM ?? '/usr/bin/chromium';
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: 'pipe' }).trim();

describe('dap report on real MLflow runs of two branches', () => {
  let repo: ExampleRepo;
  let gitlab: FakeGitlab;
  let state: ReportRoutesState;
  let branchRuns: ReadbackRun[];
  let mainRuns: ReadbackRun[];
  // the MR's head pipeline is a GitLab one; the runs come from `dap run --local`, named by --pipeline
  const mr = { iid: 4, source_branch: 'faster', target_branch: 'main', sha: '', head_pipeline: 77 };
  let branchPipeline = '';

  const runPipeline = async () => {
    const log: string[] = [];
    const res = await runOp({ root: repo.root, experiments: [], env: jobEnv({ MLFLOW_TRACKING_URI: MLFLOW_URI, CI_JOB_IMAGE: 'registry.example.com/e2e/dap/env-python:latest' }), onLine: (l) => log.push(l) });
    expect(res.jobs.length, log.slice(-30).join('\n')).toBeGreaterThan(0);
    return res;
  };

  beforeAll(async () => {
    await requireMlflow();
    repo = await exampleRepo(uniqueName('e2e-report'));
    await runPipeline();
    mainRuns = (await readBack(repo.experiment)).runs;
    git(repo.root, 'switch', '-q', '-c', 'faster');
    const spec = path.join(repo.root, SPEC);
    // 0.1 is on main too (same run keys); 0.2 is new; -1 makes the script refuse: two failed runs
    const doc = parseDocument(fs.readFileSync(spec, 'utf8'));
    doc.setIn(['sweep', 'grid', 'lr'], [0.1, 0.2, -1]);
    fs.writeFileSync(spec, doc.toString());
    await generateOp({ root: repo.root });
    git(repo.root, 'commit', '-qam', 'faster learning rates');
    branchPipeline = (await runPipeline()).pipelineId;
    const all = (await readBack(repo.experiment)).runs;
    branchRuns = all.filter((r) => r.tags['mlflow.source.git.branch'] === 'faster');
    mr.sha = git(repo.root, 'rev-parse', 'HEAD');
    const routes = reportRoutes({
      projectId: 42, projectPath: 'ml/toy', tokens: { 'glpat-api': ['api'] }, mergeRequests: [mr],
      pipelines: [{ id: mr.head_pipeline, sha: mr.sha, ref: 'faster', states: [{ status: 'failed', jobs: [] }] }],
    });
    state = routes.state;
    gitlab = await startFakeGitlab({ projects: [], tokens: [], routes: [routes.route] });
  }, 600_000);
  afterAll(async () => {
    await gitlab?.close();
    if (repo) fs.rmSync(repo.root, { recursive: true, force: true });
  });

  const report = (...args: string[]) => dap(['report', '--mr', '4', '--pipeline', branchPipeline, '--project', 'ml/toy', ...args], {
    cwd: path.join(repo.root, 'experiments'), // works from a subdirectory
    env: { MLFLOW_TRACKING_URI: MLFLOW_URI, GITLAB_URL: gitlab.url, DAP_GITLAB_TOKEN: 'glpat-api' },
  });

  it('the runs: six on main, six on the branch of which two failed', () => {
    expect(new Set(branchRuns.map((r) => r.tags['dap.pipeline_id']))).toEqual(new Set([branchPipeline]));
    expect(mainRuns).toHaveLength(6);
    expect(branchRuns).toHaveLength(6);
    expect(branchRuns.filter((r) => r.status === 'FAILED').map((r) => r.params.lr)).toEqual(['-1', '-1']);
    expect(new Set(mainRuns.map((r) => r.tags['mlflow.source.git.branch']))).toEqual(new Set(['main']));
  });

  it('compares the branch with main, posts one merge-request note, and a second report edits it', async () => {
    const first = await report();
    expect(first.stderr).toMatch(/dap report: 6 run\(s\) in 1 experiment\(s\); wrote \.dap\/report\/report\.md, report\.html and 4 chart\(s\)/);
    expect(first.stderr).toMatch(/dap report: created GitLab merge request !4 \(note \d+\)/);
    expect(first.code).toBe(0);
    const notes = () => state.notes.get(4)!.filter((n) => n.body.includes(REPORT_MARKER));
    expect(notes()).toHaveLength(1);
    const same = await report();
    expect(same.stderr).toMatch(/dap report: unchanged GitLab merge request !4/); // same runs, same report: no edit
    const second = await report('--top', '2');
    expect(second.stderr).toMatch(/dap report: updated GitLab merge request !4/);
    expect(notes()).toHaveLength(1);
    expect(notes()[0]!.body).toContain('Top 2 of 4 runs:');
    expect(state.uploads.length).toBe(12); // 4 charts, uploaded by each report

    await report(); // back to the default view for the checks below and the snapshot
    const body = notes()[0]!.body;
    // deltas against main's best, from the values MLflow holds
    const best = (runs: ReadbackRun[], key: string) => Math.min(...runs.filter((r) => r.status === 'FINISHED').flatMap((r) => r.history[key]!.map(([, v]) => Number(v))));
    const here = best(branchRuns, 'val_loss');
    const there = best(mainRuns, 'val_loss');
    expect(body).toContain(`Compared with the latest runs on \`main\` (pipeline ${mainRuns[0]!.tags['dap.pipeline_id']}, 6 run(s)):`);
    expect(body).toMatch(new RegExp(`\\| val\\\\_loss \\| minimize \\| ${String(Number(here.toPrecision(4))).replace('.', '\\.')} \\| ${String(Number(there.toPrecision(4))).replace('.', '\\.')} \\| [−+±]`));
    expect(body).toContain('Failed runs (2):');
    for (const r of branchRuns) expect(body).toContain(`runs/${r.run_id})`);
    const bestRun = branchRuns.filter((r) => r.status === 'FINISHED').sort((a, b) => Math.min(...a.history.val_loss!.map(([, v]) => Number(v))) - Math.min(...b.history.val_loss!.map(([, v]) => Number(v))))[0]!;
    expect(body).toContain(`| 1 | **${bestRun.tags['dap.run']}** ⭐ |`);
    expect(body).toMatch(/!\[val_loss by step\]\(\/uploads\/[0-9a-f]{32}\/[a-z0-9-]+\.svg\)/);
  }, 120_000);

  it('report.md snapshot (ids, URLs and the random experiment name normalised)', () => {
    let md = fs.readFileSync(path.join(repo.root, '.dap/report/report.md'), 'utf8');
    const ids = [...branchRuns, ...mainRuns].map((r) => [r.run_id, r.experiment_id, r.tags['dap.job_id']!] as const);
    for (const [run, exp] of ids) md = md.replaceAll(run, 'RUN_ID').replaceAll(`experiments/${exp}/`, 'experiments/EXP/');
    md = md.replace(/charts\/[a-z0-9-]+\.svg/g, 'charts/CHART.svg');
    md = md.replaceAll(repo.experiment.replace(/[-_]/g, (c) => (c === '_' ? '\\_' : c)), 'EXPERIMENT').replace(/\/(jobs|pipelines)\/\d+/g, '/$1/N').replace(/pipeline \\?#?\d[0-9A-Za-z-]*/g, 'pipeline N')
      .replace(/@ [0-9a-f]{12}/, '@ SHA').replaceAll(MLFLOW_URI, 'MLFLOW');
    return expect(md).toMatchFileSnapshot('__snapshots__/report-mlflow.md');
  });

  it('report.html opens offline in chromium and shows the charts', async () => {
    const html = path.join(repo.root, '.dap/report/report.html');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`fetched ${r.url()}`); });
      await page.goto(`file://${html}`);
      const boxes = await page.$$eval('figure svg', (svgs) => svgs.map((s) => { const b = s.getBoundingClientRect(); return { w: b.width, h: b.height, lines: s.querySelectorAll('.mark-line path').length, points: s.querySelectorAll('.mark-symbol path').length }; }));
      expect(boxes).toHaveLength(4); // val_loss and train_loss by step, val_loss by lr and by features
      for (const b of boxes) expect(b.w * b.h).toBeGreaterThan(100 * 100);
      expect(boxes[0]!.lines).toBe(4); // one line per run that logged val_loss (the two failed runs logged nothing)
      expect(await page.$$eval('tr.failed', (r) => r.length)).toBe(2);
      expect(await page.$$eval('tr.best', (r) => r.length)).toBe(1);
      const shot = path.join(repo.root, '.dap/report/screenshot.png');
      await page.screenshot({ path: shot, fullPage: true });
      fs.copyFileSync(shot, path.join(process.env.DAP_TEST_KEEP ?? '/tmp', 'dap-report-screenshot.png'));
      expect(fs.statSync(shot).size).toBeGreaterThan(20_000);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
