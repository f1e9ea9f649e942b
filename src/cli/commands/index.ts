import type { Command } from 'commander';
import type { Outcomes } from '../outcome.js';
import { register as validate } from './validate.js';
import { register as plan } from './plan.js';
import { register as generate } from './generate.js';
import { register as lint } from './lint.js';
import { register as run } from './run.js';
import { register as track } from './track.js';
import { register as sync } from './sync.js';
import { register as runs } from './runs.js';
import { register as env } from './env.js';
import { register as runners } from './runners.js';
import { register as init } from './init.js';
import { register as schema } from './schema.js';
import { register as submit } from './submit.js';
import { register as report } from './report.js';
import { register as doctor } from './doctor.js';
import { register as login } from './login.js';
import { register as backup } from './backup.js';
import { register as sweep } from './sweep.js';

// Each command file only declares its options and lazily imports its operation from src/ops/,
// so `dap --help` does not load dockerode, gitbeaker or ajv.
export type Register = (program: Command, outcomes: Outcomes) => void;

export const commands: Register[] = [init, validate, plan, generate, lint, run, track, sync, runs, env, runners, schema, submit, report, doctor, login, backup, sweep];
