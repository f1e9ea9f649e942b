// The key rule against MLflow's own: the good/bad table of mlflow's tests/utils/test_validation.py,
// plus cases checked against the installed MLflow 3.17 server code (_validate_metric_name,
// _validate_param_name, _validate_tag_name and the 250-character limit), where a looser or
// stricter copy would let a whole log-batch fail on the server or refuse a key MLflow takes.

import { describe, expect, it } from 'vitest';
import { keyProblem } from '../../../src/adapters/mlflow/index.js';

// mlflow tests/utils/test_validation.py: GOOD_METRIC_OR_PARAM_NAMES, BAD_METRIC_OR_PARAM_NAMES
// (":" is valid off Windows since MLflow 2.x, so it moved to the good side).
const MLFLOW_GOOD = ['a', 'Ab-5_', 'a/b/c', 'a.b.c', '.a', 'b.', 'a..a/._./o_O/.e.', 'a b/c d', ':'];
const MLFLOW_BAD = ['', '.', '/', '..', '//', 'a//b', 'a/./b', '/a', 'a/', '\\', './', '/./'];

// Verified by running MLflow 3.17's validators on each.
const SERVER_GOOD = ['ts:1', 'ünïcode_ok', '\u0663' /* Arabic-Indic 3 */, '\u{1D518}\u{1D52B}' /* astral letters */];
const SERVER_BAD = [
  'e\u0301', // a combining mark: not in Python's \w
  'x\u203Fy', // connector punctuation other than "_"
  'a\u00A0b', // no-break space
  'a\nb',
  'a$b',
  '../a',
  'a/..',
  ' /',
];

describe('keyProblem matches MLflow', () => {
  it.each(MLFLOW_GOOD.concat(SERVER_GOOD))('accepts %j', (k) => expect(keyProblem(k)).toBeUndefined());
  it.each(MLFLOW_BAD.concat(SERVER_BAD))('refuses %j', (k) => expect(keyProblem(k)).toMatch(/keys/));

  it('counts characters the way the server does (code points), up to 250', () => {
    expect(keyProblem('a'.repeat(250))).toBeUndefined();
    expect(keyProblem('a'.repeat(251))).toMatch(/at most 250 characters \(this one has 251\)/);
    expect(keyProblem('\u{1D518}'.repeat(200))).toBeUndefined(); // 400 UTF-16 units, 200 characters
  });

  it('refuses a trailing newline, which Python\'s `$` lets through', () => {
    expect(keyProblem('loss\n')).toMatch(/only contain/);
  });

  it('says why, in the terms a user can act on', () => {
    expect(keyProblem('a/')).toMatch(/resolves to "a"/);
    expect(keyProblem('a//b')).toMatch(/resolves to "a\/b"/);
    expect(keyProblem(null)).toMatch(/strings/);
  });
});
