import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { compileSpecSchemaWithSource } from '../../src/core/spec/schema-check.js';
import { cachedSchemaValidator } from '../../src/ops/schema-cache.js';
import { cacheDir } from '../../src/paths.js';

// One compiled-schema cache for `dap lint` and the spec loader: compiled once, reused by the next
// process, and a damaged or unwritable cache only means compiling again.

const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
const schemaText = JSON.stringify(schema);

function counted(env: NodeJS.ProcessEnv) {
  let compiles = 0;
  const validate = cachedSchemaValidator<ValidateFunction>({
    name: 'test-schema', schemaText, env, compile: () => { compiles++; return compileSpecSchemaWithSource(schema); },
  });
  return { validate, compiles };
}

describe('the compiled-schema cache', () => {
  it('compiles once, then loads the cached module; a damaged entry is compiled again', () => {
    const env = { DAP_CACHE: mkdtempSync(path.join(tmpdir(), 'dap-cache-')) };
    const first = counted(env);
    expect(first.compiles).toBe(1);
    const second = counted(env);
    expect(second.compiles).toBe(0);
    expect([second.validate({ name: 'x' }), second.validate({})]).toEqual([true, false]);
    const dir = path.join(env.DAP_CACHE, 'test-schema');
    const [entry] = readdirSync(dir);
    writeFileSync(path.join(dir, entry!), 'module.exports = 42; // damaged');
    expect(counted(env).compiles).toBe(1);
    expect(readFileSync(path.join(dir, entry!), 'utf8')).not.toContain('damaged');
  });

  it('a cache that cannot be written (a file where the directory should be) still validates', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dap-cache-ro-')), 'not-a-dir');
    writeFileSync(file, '');
    const r = counted({ DAP_CACHE: file });
    expect(r.compiles).toBe(1);
    expect([r.validate({ name: 'x' }), r.validate({ name: 1 })]).toEqual([true, false]);
  });

  it('one cache directory: DAP_CACHE, else ~/.cache/dap (empty DAP_CACHE counts as unset)', () => {
    expect(cacheDir({ DAP_CACHE: '/c', HOME: '/h' })).toBe('/c');
    expect(cacheDir({ DAP_CACHE: '', HOME: '/h' })).toBe('/h/.cache/dap');
    expect(cacheDir({ HOME: '/h' })).toBe('/h/.cache/dap');
  });
});
