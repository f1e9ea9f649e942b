import { describe, expect, it } from 'vitest';
import { forwardSpec, loopbackTarget } from '../../../src/core/env/tracking-uri.js';

// Which tracking URIs a dev container cannot reach as written, and what the forwarder listens on.

describe('tracking URI for a dev container', () => {
  it.each([
    ['http://127.0.0.1:55000', '127.0.0.1', 55000],
    ['http://localhost:5000/', '127.0.0.1', 5000],
    ['https://127.0.0.2/mlflow', '127.0.0.2', 443],
    ['http://[::1]:8080', '::1', 8080],
    ['http://user:pw@localhost:5000', '127.0.0.1', 5000],
  ])('%s is on the host loopback (%s port %i)', (uri, address, port) => {
    expect(loopbackTarget(uri)).toEqual({ address, port });
  });

  it.each(['http://mlflow.example.com:5000', 'http://10.0.0.5:5000', 'file:///tmp/mlruns', 'databricks', 'not a uri'])('%s is passed unchanged', (uri) => {
    expect(loopbackTarget(uri)).toBeUndefined();
  });

  it('the entrypoint forwards the same address and port to the relay on the host gateway', () => {
    expect(forwardSpec({ address: '127.0.0.1', port: 55000 }, 41234)).toBe('127.0.0.1|55000|host.docker.internal|41234');
  });
});
