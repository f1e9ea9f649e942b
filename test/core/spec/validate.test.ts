import { describe, expect, it } from 'vitest';
import { check, expectProblem, lines, spec } from './helpers.js';

describe('spec validation: valid input', () => {
  it('accepts a full spec and returns it with its hash', () => {
    const source = [
      '# yaml-language-server: $schema=../schemas/experiment.schema.json',
      'name: toy-1',
      'description: demo',
      'environment: python',
      'command: ["python3", "train.py", "--lr", "{{ params.lr }}", "--x={{params.x}}"]',
      'params: {x: 1, flag: true, label: "a b"}',
      'sweep:',
      '  grid: {lr: [0.1, 0.01]}',
      '  max_parallel: 2',
      'metrics: {files: [metrics.json], primary: val_loss, goal: minimize}',
      'artifacts: {paths: [outputs/], expire_in: 30 days}',
      'resources: {tags: [gpu], gpus: 1, timeout: 1h 30m}',
      'tracking: {experiment: toy}',
      'inputs: [data/**]',
      '',
    ].join('\n');
    const { specs, problems } = check({ 'experiments/toy.yaml': source });
    expect(lines(problems)).toEqual([]);
    expect(specs).toHaveLength(1);
    expect(specs[0]!.spec.name).toBe('toy-1');
    expect(specs[0]!.spec.params).toEqual({ x: 1, flag: true, label: 'a b' });
    expect(specs[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(specs[0]!.file).toBe('experiments/toy.yaml');
  });

  it('accepts image instead of environment, and a shell-string command using $DAP_PARAM_X', () => {
    const { problems } = check({ 'a.yaml': 'name: a\nimage: python:3.12-slim\ncommand: python3 train.py --lr "$DAP_PARAM_LR"\nparams: {lr: 1}\n' });
    expect(lines(problems)).toEqual([]);
  });

  it('accepts GitLab duration spellings for timeout and expire_in', () => {
    for (const t of ['1h 30m', '1h30m', '45 minutes', '2 hours', '3600', '1.5h']) {
      expect(lines(check({ 'a.yaml': spec('a', `resources: {timeout: "${t}"}\n`) }).problems), t).toEqual([]);
    }
    for (const t of ['never', '30 days', '1 week', '2 mos'.replace('mos', 'months')]) {
      expect(lines(check({ 'a.yaml': spec('a', `artifacts: {paths: [x], expire_in: "${t}"}\n`) }).problems), t).toEqual([]);
    }
  });
});

describe('spec validation: every problem at file:line:col', () => {
  it('YAML syntax errors', () => {
    const { problems, specs } = check({ 'e/a.yaml': 'name: a\ncommand: [python3\n  x: y\n' });
    expect(specs).toEqual([]);
    const first = problems[0]!;
    expect(`${first.file}:${first.line}:${first.col}`).toBe('e/a.yaml:2:11');
    expect(first.message).toMatch(/^YAML syntax error: /);
    expect(first.frame).toContain('> 2 | command: [python3');
  });

  it('an unterminated quote', () => {
    const { problems } = check({ 'a.yaml': 'name: a\nimage: "x\n' });
    // yaml reports an unterminated quote where the input ends
    expectProblem(problems, 'a.yaml:3:1', /^YAML syntax error: Missing closing "quote/);
  });

  it('duplicate keys, pointing at the second and naming the first', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'params:\n  lr: 1\n  lr: 2\n') });
    expectProblem(problems, 'a.yaml:6:3', 'duplicate key "lr" (first at line 5:3)');
  });

  it('unknown keys point at the key, with a did-you-mean hint', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'sweep:\n  grid: {lr: [1]}\n  max_paralel: 2\nfoo: 1\n') });
    expectProblem(problems, 'a.yaml:6:3', 'unknown key "max_paralel" in sweep; did you mean "max_parallel"?');
    expectProblem(problems, 'a.yaml:7:1', 'unknown key "foo" in the spec');
  });

  it('wrong types point at the value', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'params:\n  lr: [1, 2]\nresources:\n  gpus: "two"\n') });
    expectProblem(problems, 'a.yaml:5:7', 'params.lr: parameter values must be a string, a finite number or a boolean');
    expectProblem(problems, 'a.yaml:7:9', 'resources.gpus must be an integer');
  });

  it('type errors use YAML words (mapping, list)', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'sweep:\n  list: [5]\nmetrics: [val_loss]\n') });
    expectProblem(problems, 'a.yaml:5:10', 'sweep.list[0] must be a mapping');
    expectProblem(problems, 'a.yaml:6:10', 'metrics must be a mapping');
  });

  it('a null parameter value points at its key', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'params:\n  lr:\n') });
    expectProblem(problems, 'a.yaml:5:3', 'parameter values must be');
  });

  it('a command that is neither a string nor an argv list', () => {
    const { problems } = check({ 'a.yaml': 'name: a\nimage: x\ncommand: 42\n' });
    expectProblem(problems, 'a.yaml:3:10', 'command must be a non-empty shell string or a non-empty list of strings');
    const empty = check({ 'a.yaml': 'name: a\nimage: x\ncommand: []\n' }).problems;
    expectProblem(empty, 'a.yaml:3:10', 'command must be');
  });

  it('bad names, parameter names and enum values', () => {
    const { problems } = check({ 'a.yaml': 'name: My_Exp\nimage: x\ncommand: [a]\nparams: {9lives: 1}\nmetrics: {goal: best}\n' });
    expectProblem(problems, 'a.yaml:1:7', 'name must be lower-case letters, digits and inner dashes');
    expectProblem(problems, 'a.yaml:4:10', '"9lives": parameter names must start with a letter');
    expectProblem(problems, 'a.yaml:5:17', 'metrics.goal must be equal to one of the allowed values: "minimize", "maximize"');
  });

  it('a missing required key, and neither/both of environment and image', () => {
    const neither = check({ 'a.yaml': 'name: a\ncommand: [x]\n' }).problems;
    expectProblem(neither, 'a.yaml:1:1', 'set exactly one of `environment`');
    const both = check({ 'a.yaml': 'name: a\nenvironment: python\nimage: x\ncommand: [x]\n' }).problems;
    expectProblem(both, 'a.yaml:3:1', 'set exactly one of `environment`');
    const noCommand = check({ 'a.yaml': 'name: a\nimage: x\n' }).problems;
    expectProblem(noCommand, 'a.yaml:1:1', 'missing the required key "command"');
    const noPaths = check({ 'a.yaml': spec('a', 'artifacts:\n  expire_in: 1 day\n') }).problems;
    expectProblem(noPaths, 'a.yaml:4:1', 'artifacts is missing the required key "paths"');
  });

  it('bad durations', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'resources:\n  timeout: forever\nartifacts:\n  paths: [x]\n  expire_in: soon\n') });
    expectProblem(problems, 'a.yaml:5:12', 'timeout must be a GitLab duration');
    expectProblem(problems, 'a.yaml:8:14', 'expire_in must be a GitLab duration');
  });

  it('an empty file and a file that is not a mapping', () => {
    expectProblem(check({ 'a.yaml': '' }).problems, 'a.yaml:1:1', 'this file is empty');
    expectProblem(check({ 'a.yaml': '# only a comment\n- x\n' }).problems, 'a.yaml:2:1', 'this file is a list');
  });

  it('duplicate experiment names across files point at the second and mention the first', () => {
    const { problems, specs } = check({
      'experiments/a.yaml': spec('same'),
      'experiments/b.yaml': `# second\n${spec('same')}`,
    });
    expectProblem(problems, 'experiments/b.yaml:2:7', 'duplicate experiment name "same" (first defined at experiments/a.yaml:1:7)');
    expect(problems).toHaveLength(1);
    expect(specs.map((s) => s.file)).toEqual(['experiments/a.yaml']);
  });

  it('empty sweeps: empty grid axis, empty grid, empty list, samples 0, empty choice', () => {
    const { problems } = check({
      'g.yaml': spec('g', 'sweep:\n  grid:\n    lr: [0.1]\n    bs: []\n'),
      'e.yaml': spec('e', 'sweep:\n  grid: {}\n'),
      'l.yaml': spec('l', 'sweep:\n  list: []\n'),
      'r.yaml': spec('r', 'sweep:\n  random:\n    samples: 0\n    seed: 1\n    space:\n      lr: {choice: []}\n'),
    });
    expectProblem(problems, 'g.yaml:7:9', 'empty sweep: grid axis "bs" has no values');
    expectProblem(problems, 'e.yaml:5:9', 'empty sweep: the grid has no axes');
    expectProblem(problems, 'l.yaml:5:9', 'empty sweep: the list has no cases');
    expectProblem(problems, 'r.yaml:6:14', 'empty sweep: random.samples must be at least 1');
    expectProblem(problems, 'r.yaml:9:20', 'empty sweep: choice for "lr" has no values');
  });

  it('oversized sweeps say the size and the limit (default 10,000)', () => {
    const axis = `[${Array.from({ length: 101 }, (_, i) => i).join(', ')}]`;
    const big = check({ 'a.yaml': spec('a', `sweep:\n  grid:\n    a: ${axis}\n    b: ${axis}\n`) });
    expectProblem(big.problems, 'a.yaml:5:3', 'oversized sweep: grid expands to 10,201 runs, more than the limit of 10,000 per experiment');
    const exact = check({ 'a.yaml': spec('a', `sweep:\n  grid:\n    a: ${axis}\n    b: [1, 2]\n`) }, { maxRunsPerExperiment: 202 });
    expect(lines(exact.problems)).toEqual([]);
    const custom = check({ 'a.yaml': spec('a', 'sweep:\n  list:\n    - {a: 1}\n    - {a: 2}\n    - {a: 3}\n') }, { maxRunsPerExperiment: 2 });
    expectProblem(custom.problems, 'a.yaml:5:3', 'oversized sweep: list expands to 3 runs, more than the limit of 2');
    const random = check({ 'a.yaml': spec('a', 'sweep:\n  random: {samples: 20000, seed: 1, space: {x: {uniform: [0, 1]}}}\n') });
    expectProblem(random.problems, 'a.yaml:5:3', 'random expands to 20,000 runs');
  });

  it('params that collide as environment variables (lr vs LR)', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'params:\n  lr: 1\nsweep:\n  grid:\n    LR: [1, 2]\n') });
    expectProblem(problems, 'a.yaml:8:5', 'parameters "lr" and "LR" both become the environment variable DAP_PARAM_LR');
    // the same name as a fixed param and a sweep axis is an override, not a collision
    expect(lines(check({ 'a.yaml': spec('b', 'params:\n  lr: 1\nsweep:\n  grid:\n    lr: [1, 2]\n') }).problems)).toEqual([]);
  });

  it('{{ params.X }} in argv must name a known param; other templates are rejected', () => {
    const source = 'name: a\nimage: x\nparams: {lr: 1}\ncommand:\n  - python3\n  - "--lr={{ params.lr }}"\n  - "--bs={{ params.bs }}"\n  - "{{ env.HOME }}"\n';
    const { problems } = check({ 'a.yaml': source });
    expectProblem(problems, 'a.yaml:7:11', '{{ params.bs }} refers to unknown parameter "bs" (known: lr)');
    expectProblem(problems, 'a.yaml:8:6', 'unsupported template {{ env.HOME }}');
    expect(problems).toHaveLength(2);
  });

  it('a list case that does not set a param the command uses', () => {
    const source = spec('a', 'sweep:\n  list:\n    - {lr: 1}\n    - {bs: 2}\n').replace('"train.py"', '"{{ params.lr }}"');
    expectProblem(check({ 'a.yaml': source }).problems, 'a.yaml:3:23', 'some sweep.list cases do not set "lr"');
  });

  it('{{ }} in a shell-string command tells the user to use "$DAP_PARAM_X"', () => {
    const { problems } = check({ 'a.yaml': 'name: a\nimage: x\nparams: {lr: 1}\ncommand: python3 train.py --lr {{ params.lr }}\n' });
    expectProblem(problems, 'a.yaml:4:32', 'use "$DAP_PARAM_LR"');
  });

  it('environments that do not exist', () => {
    const { problems } = check({ 'a.yaml': 'name: a\nenvironment: pyhton\ncommand: [x]\n' }, { environments: ['python'] });
    expectProblem(problems, 'a.yaml:2:14', 'environment "pyhton" does not exist under environments/ (available: python)');
    const none = check({ 'a.yaml': 'name: a\nenvironment: python\ncommand: [x]\n' }, { environments: [] }).problems;
    expectProblem(none, 'a.yaml:2:14', '(there are none)');
  });

  it('random distributions: bounds, low < high, exactly one kind, enough distinct points', () => {
    const source = spec('a', [
      'sweep:',
      '  random:',
      '    samples: 3',
      '    seed: 1',
      '    space:',
      '      a: {loguniform: [0, 1]}',
      '      b: {uniform: [2, 1]}',
      '      c: {int: [1, 2], choice: [1]}',
      '      d: {int: [1.5, 3]}',
      '',
    ].join('\n'));
    const { problems } = check({ 'a.yaml': source });
    expectProblem(problems, 'a.yaml:9:24', 'loguniform[0] must be > 0');
    expectProblem(problems, 'a.yaml:10:20', 'uniform range for "b" must have low < high, got [2, 1]');
    expectProblem(problems, 'a.yaml:11:24', 'a distribution needs exactly one of `choice`, `uniform`, `loguniform` or `int`');
    expectProblem(problems, 'a.yaml:12:17', 'sweep.random.space.d.int[0] must be an integer');
    const small = check({ 'a.yaml': spec('a', 'sweep:\n  random: {samples: 5, seed: 3, space: {a: {choice: [1, 2]}, b: {int: [0, 1]}}}\n') });
    expectProblem(small.problems, 'a.yaml:5:21', 'asks for 5 samples but its space holds only 4 distinct points');
  });

  it('duplicate sweep points', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'params: {b: 2}\nsweep:\n  list:\n    - {a: 1}\n    - {a: 1, b: 2}\n') });
    expectProblem(problems, 'a.yaml:8:7', 'list case 2 gives the same params as case 1');
    expectProblem(check({ 'a.yaml': spec('a', 'sweep:\n  grid: {a: [1, 2, 1.0]}\n') }).problems, 'a.yaml:5:20', 'grid axis "a" lists 1 twice');
  });

  it('numbers that cannot be kept exactly: .nan, .inf, overflow, integers beyond 2^53', () => {
    const { problems } = check({ 'a.yaml': spec('a', 'params:\n  a: .nan\n  b: -.inf\n  c: 1e400\n  d: 123456789012345678901234567890\n  e: "123456789012345678901234567890"\n') });
    expectProblem(problems, 'a.yaml:5:6', 'params.a: parameter values must be a string, a finite number or a boolean');
    expectProblem(problems, 'a.yaml:6:6', 'params.b: parameter values must be');
    expectProblem(problems, 'a.yaml:7:6', 'params.c: parameter values must be');
    expectProblem(problems, 'a.yaml:8:6', '123456789012345678901234567890 is too large to keep exactly as a number');
    expect(problems).toHaveLength(4);
  });

  it('YAML anchors and merge keys work inside the spec', () => {
    const { problems, specs } = check({ 'a.yaml': spec('a', 'params: &p\n  lr: 1\nsweep:\n  list:\n    - {<<: *p, bs: 2}\n    - {lr: 3}\n') });
    expect(lines(problems)).toEqual([]);
    expect(specs[0]!.spec.sweep).toEqual({ list: [{ lr: 1, bs: 2 }, { lr: 3 }] });
  });

  it('collects every problem of every file in one pass, ordered by file then position', () => {
    const { problems, specs } = check({
      'a.yaml': 'name: A\nimage: x\ncommand: [x]\nbogus: 1\n',
      'b.yaml': 'name: b\nenvironment: nope\ncommand: x {{ params.q }}\n',
      'c.yaml': spec('c'),
    });
    expect(lines(problems).map((l) => l.split(': ')[0])).toEqual(['a.yaml:1:7', 'a.yaml:4:1', 'b.yaml:2:14', 'b.yaml:3:12']);
    expect(specs.map((s) => s.spec.name)).toEqual(['c']);
  });

  it('every problem carries a code frame marking its line and column', () => {
    const { problems } = check({ 'a.yaml': 'name: a\nimage: x\ncommand: [x]\nsweep:\n  grid: {lr: []}\n' });
    const p = expectProblem(problems, 'a.yaml:5:14', 'empty sweep');
    expect(p.frame).toBe(['  3 | command: [x]', '  4 | sweep:', '> 5 |   grid: {lr: []}', '    |              ^', '  6 |'].join('\n'));
  });
});

describe('spec warnings: legal, but almost surely a mistake', () => {
  it('$DAP_PARAM_* of an unknown param, and params no command uses, each with its position; the spec still loads', () => {
    const { specs, problems, warnings } = check({
      'experiments/w.yaml': [
        'name: w',
        'environment: python',
        `command: 'python3 train.py --lr "$DAP_PARAM_LR" --bs "\${DAP_PARAM_BATCH}"'`,
        'params: {lr: 0.1, unused: 3}',
        '',
      ].join('\n'),
    });
    expect(lines(problems)).toEqual([]);
    expect(specs).toHaveLength(1);
    expect(lines(warnings)).toEqual([
      'experiments/w.yaml:3:55: warning: ${DAP_PARAM_BATCH} is not a parameter of this experiment (known: $DAP_PARAM_LR, $DAP_PARAM_UNUSED); every run would find it empty',
      'experiments/w.yaml:4:19: warning: parameter "unused" is not used by command (no {{ params.unused }} or $DAP_PARAM_UNUSED); it is still logged with every run, so unless the script reads $DAP_PARAM_UNUSED or $DAP_PARAMS_FILE itself, pass it in command',
    ]);
  });
  it('no warning when every param reaches the command (argv templates, env vars in an sh -c word)', () => {
    const { warnings } = check({
      'experiments/ok.yaml': [
        'name: ok',
        'environment: python',
        `command: ["sh", "-c", "python3 train.py --seed $DAP_PARAM_SEED", "--lr", "{{ params.lr }}"]`,
        'params: {seed: 1}',
        'sweep: {grid: {lr: [0.1, 0.2]}}',
        '',
      ].join('\n'),
    });
    expect(lines(warnings)).toEqual([]);
  });
});
