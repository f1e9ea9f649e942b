import { describe, expect, it } from 'vitest';
import { manifestReference, parseImageRef, pinnedRef, tagOf } from '../../../src/core/env/image-ref.js';
import { updateImagesLock } from '../../../src/core/env/naming.js';

// One parser for image references: the engine's push/tag, the registry check and the lock file.

const DIGEST = `sha256:${'ab12'.repeat(16)}`;

describe('parseImageRef', () => {
  it.each([
    ['debian', { name: 'debian', registry: 'docker.io', repository: 'library/debian' }],
    ['debian:bookworm', { name: 'debian', registry: 'docker.io', repository: 'library/debian', tag: 'bookworm' }],
    ['local/debian:bookworm', { name: 'local/debian', registry: 'docker.io', repository: 'local/debian', tag: 'bookworm' }],
    ['127.0.0.1:55001/p/env-python:0a1b', { name: '127.0.0.1:55001/p/env-python', registry: '127.0.0.1:55001', repository: 'p/env-python', tag: '0a1b' }],
    ['localhost:5000/x', { name: 'localhost:5000/x', registry: 'localhost:5000', repository: 'x' }],
    ['localhost/x', { name: 'localhost/x', registry: 'localhost', repository: 'x' }],
    ['registry.gitlab.com/g/sub/p/env-py:latest', { name: 'registry.gitlab.com/g/sub/p/env-py', registry: 'registry.gitlab.com', repository: 'g/sub/p/env-py', tag: 'latest' }],
    [`reg.io:443/p/env@${DIGEST}`, { name: 'reg.io:443/p/env', registry: 'reg.io:443', repository: 'p/env', digest: DIGEST }],
    [`reg.io/p/env:abc@${DIGEST}`, { name: 'reg.io/p/env', registry: 'reg.io', repository: 'p/env', tag: 'abc', digest: DIGEST }],
    ['[::1]:5000/p/env:t', { name: '[::1]:5000/p/env', registry: '[::1]:5000', repository: 'p/env', tag: 't' }],
  ])('%s', (ref, parts) => {
    expect(parseImageRef(ref)).toEqual(parts);
  });

  it('a port is not a tag, a digest is not a tag', () => {
    expect(tagOf(parseImageRef('127.0.0.1:55001/p/env'))).toBe('latest');
    expect(manifestReference(parseImageRef('127.0.0.1:55001/p/env'))).toBe('latest');
    expect(manifestReference(parseImageRef(`127.0.0.1:55001/p/env@${DIGEST}`))).toBe(DIGEST);
    expect(manifestReference(parseImageRef(`127.0.0.1:55001/p/env:v1@${DIGEST}`))).toBe(DIGEST);
  });

  it.each(['', 'Upper/Case', 'reg.io/p/env:bad tag', 'reg.io/p/env@sha256:xyz', 'reg.io//env', 'reg.io/p/env:-lead'])('refuses %j with a reason', (ref) => {
    expect(() => parseImageRef(ref)).toThrow(/is not a valid image reference/);
  });

  it('the lock file pins the repository by digest, whatever the tag or port', () => {
    const lock = updateImagesLock({}, 'python', '127.0.0.1:55001/p/env-python:abc', DIGEST);
    expect(lock.python!.ref).toBe(`127.0.0.1:55001/p/env-python@${DIGEST}`);
    expect(pinnedRef(parseImageRef(`127.0.0.1:55001/p/env-python@${DIGEST}`), DIGEST)).toBe(`127.0.0.1:55001/p/env-python@${DIGEST}`);
  });
});
