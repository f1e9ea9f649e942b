import { describe, expect, it } from 'vitest';
import { loopbackTarget, viaHostGateway } from '../../../src/core/env/tracking-uri.js';

// Which tracking URIs a dev container cannot reach as written, and how they are rewritten.

describe('tracking URI for a dev container', () => {
  it.each([
    ['http://127.0.0.1:55000', 55000],
    ['http://localhost:5000/', 5000],
    ['https://127.0.0.2/mlflow', 443],
    ['http://[::1]:8080', 8080],
    ['http://user:pw@localhost:5000', 5000],
  ])('%s is on the host loopback (port %i)', (uri, port) => {
    expect(loopbackTarget(uri)).toEqual({ port });
  });

  it.each(['http://mlflow.example.com:5000', 'http://10.0.0.5:5000', 'file:///tmp/mlruns', 'databricks', 'not a uri'])('%s is passed unchanged', (uri) => {
    expect(loopbackTarget(uri)).toBeUndefined();
  });

  it('rewrites host and port, keeps scheme, credentials and path', () => {
    expect(viaHostGateway('http://127.0.0.1:55000', 41234)).toBe('http://host.docker.internal:41234');
    expect(viaHostGateway('https://user:pw@localhost:5000/mlflow', 41234)).toBe('https://user:pw@host.docker.internal:41234/mlflow');
    expect(viaHostGateway('http://localhost:5000/', 41234)).toBe('http://host.docker.internal:41234/');
  });
});
