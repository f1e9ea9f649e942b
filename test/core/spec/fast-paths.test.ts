// The spec loader's fast paths must not change a single problem: the experiment schema loaded
// precompiled (ajv standalone, as dap keeps it in its cache) reports what the compiled one does,
// and duplicate keys are still found when yaml's own check decides whether to look for them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { compileSpecSchemaWithSource } from '../../../src/core/spec/schema-check.js';
import { loadStandalone } from '../../../src/ops/schema-cache.js';
import { check, lines, schema } from './helpers.js';

const bad: Record<string, string> = {
  'unknown.yaml': 'name: a\nimage: x\ncommand: [run]\nresorces: {}\nparams: {lr: 1}\n',
  'types.yaml': 'name: Bad_Name\nenvironment: 3\ncommand: 7\nresources: {gpus: "two", tags: [1], timeout: forever}\n',
  'oneof.yaml': 'name: b\nimage: x\nenvironment: python\ncommand: [run]\nsweep: {grid: {a: [1]}, list: [{a: 1}]}\n',
  'empty.yaml': 'name: c\nimage: x\ncommand: [run]\nsweep:\n  grid: {lr: []}\n',
  'random.yaml': 'name: d\nimage: x\ncommand: [run]\nsweep: {random: {samples: 0, seed: -1, space: {x: {choice: []}, y: {uniform: [1]}}}}\n',
  'missing.yaml': 'image: x\nartifacts: {paths: [1], expire_in: 3}\nmetrics: {files: x}\n',
  'list.yaml': '- a\n- b\n',
  'tracking.yaml': 'name: e\nimage: x\ncommand: "echo {{ params.x }}"\ntracking: {experiment: 1, extra: true}\n',
};

describe('the experiment schema from the standalone cache', () => {
  it('reports exactly the problems (positions, messages, frames) the compiled schema does', () => {
    const { source } = compileSpecSchemaWithSource(schema);
    const validator = loadStandalone(source, createRequire(import.meta.url));
    const compiled = check(bad);
    const cached = check(bad, { validator });
    expect(compiled.problems.length).toBeGreaterThan(15);
    expect(cached.problems).toEqual(compiled.problems);
    expect(check({ 'ok.yaml': 'name: ok\nimage: x\ncommand: [run]\n' }, { validator }).specs).toHaveLength(1);
  });
});

describe('duplicate keys', () => {
  it.each([
    ['block', 'name: a\nimage: x\ncommand: [run]\nimage: y\n', 'a.yaml:4:1: duplicate key "image"'],
    ['flow, nested', 'name: a\nimage: x\ncommand: [run]\nparams: {lr: 1, bs: {q: 1, q: 2}, lr: 2}\n', 'a.yaml:4:35: duplicate key "lr"'],
    ['a number and a string that read the same', 'name: a\nimage: x\ncommand: [run]\nparams: {1: a, "1": b}\n', 'a.yaml:4:16: duplicate key "1"'],
    // (how the reported name of a merge key reads is yaml's; only that it is reported matters here)
    ['merge keys', 'base: &b {x: 1}\nname: a\nimage: x\ncommand: [run]\nparams:\n  <<: *b\n  <<: *b\n', 'a.yaml:7:3: duplicate key "Symbol(<<)"'],
  ])('are reported (%s)', (_, source, want) => {
    expect(lines(check({ 'a.yaml': source }).problems).join('\n')).toContain(want);
  });
});

describe('integers too large for a number', () => {
  it('are found from 16 digits on (the text pre-check must not hide them), safe ones are not', () => {
    const src = (v: string) => `name: a\nimage: x\ncommand: [run]\nparams: {big: ${v}}\n`;
    expect(lines(check({ 'a.yaml': src('9007199254740993') }).problems).join('\n')).toContain('a.yaml:4:15: 9007199254740993 is too large');
    expect(lines(check({ 'a.yaml': src('-9007199254740993') }).problems).join('\n')).toContain('is too large');
    expect(check({ 'a.yaml': src('9007199254740991') }).problems).toEqual([]);
    expect(check({ 'a.yaml': src('900719925474099') }).problems).toEqual([]);
  });
});
