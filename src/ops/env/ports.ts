import net from 'node:net';
import { DapError } from '../../errors.js';

// Host ports for dev containers: a free one by default, or the user's choice checked up front
// (so a taken port fails before any container exists).

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' || err.code === 'EACCES'
      ? new DapError(`port ${port} on ${host} (${what}) is already taken`, { hint: `choose another with --${what === 'ssh' ? 'ssh' : 'jupyter'}-port, or omit it to get a free port` })
      : err));
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}
