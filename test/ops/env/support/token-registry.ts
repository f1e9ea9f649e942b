// A registry with GitLab's kind of auth: Debian's docker-registry (distribution) configured for
// token auth, and a token service that plays GitLab's `/jwt/auth` — checks the Basic credentials
// and answers `{token}`: a JWT signed RS256, `kid` the libtrust key ID of the signing key (as
// GitLab does), granting what the scope asks for. Wrong credentials get 401 like GitLab's.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closedPort } from '../../../support/fault-proxy.js';

export interface TokenRegistry {
  /** host:port, e.g. 127.0.0.1:41234 */
  address: string;
  user: string;
  password: string;
  /** every token request the service saw: the scope asked for and whether the credentials were right */
  tokenRequests: Array<{ scope: string; service: string; authorized: boolean }>;
  stop(): Promise<void>;
}

const SERVICE = 'container_registry';
const ISSUER = 'dap-test-gitlab-issuer';

export async function startTokenRegistry(): Promise<TokenRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dap-token-registry-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=dap-test-token-signer'], { stdio: 'ignore' });
  const privateKey = crypto.createPrivateKey(await fs.readFile(key));
  const kid = libtrustKeyId(crypto.createPublicKey(privateKey));
  const user = 'gitlab-ci-token';
  const password = crypto.randomBytes(12).toString('hex');
  const tokenRequests: TokenRegistry['tokenRequests'] = [];

  const tokens = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/jwt/auth') return void res.writeHead(404).end();
    const scope = u.searchParams.getAll('scope').join(' ');
    const service = u.searchParams.get('service') ?? '';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [gotUser, ...rest] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    const authorized = gotUser === user && rest.join(':') === password;
    tokenRequests.push({ scope, service, authorized });
    if (basic && !authorized) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'HTTP Basic: Access denied' }] }));
    }
    // anonymous: a token with no access, as GitLab answers for a private project
    const access = authorized ? scopes(scope) : [];
    const now = Math.floor(Date.now() / 1000);
    const token = jwt({ iss: ISSUER, sub: gotUser ?? '', aud: service, iat: now, nbf: now - 5, exp: now + 300, jti: crypto.randomUUID(), access }, kid, privateKey);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((r) => tokens.listen(0, '127.0.0.1', r));
  const realm = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/jwt/auth`;

  const port = await closedPort();
  const address = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(config, [
    'version: 0.1',
    'log: {level: warn}',
    `storage: {filesystem: {rootdirectory: ${dir}/storage}}`,
    `http: {addr: ${address}}`,
    `auth: {token: {realm: "${realm}", service: ${SERVICE}, issuer: ${ISSUER}, rootcertbundle: ${cert}}}`,
    '',
  ].join('\n'));
  const log = await fs.open(path.join(dir, 'registry.log'), 'w');
  const registry: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log.fd, log.fd] });
  const stop = async () => {
    registry.kill('SIGTERM');
    await new Promise<void>((r) => tokens.close(() => r()));
    await log.close();
    await fs.rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const res = await fetch(`http://${address}/v2/`).catch(() => undefined);
    if (res?.status === 401 && /^Bearer /.test(res.headers.get('www-authenticate') ?? '')) break;
    if (i > 80 || registry.exitCode !== null) {
      const tail = await fs.readFile(path.join(dir, 'registry.log'), 'utf8').catch(() => '');
      await stop();
      throw new Error(`docker-registry with token auth did not come up on ${address}:\n${tail.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 125));
  }
  return { address, user, password, tokenRequests, stop };
}

/** `repository:group/img:pull,push repository:other:pull` → the JWT's `access` claim. */
function scopes(scope: string): Array<{ type: string; name: string; actions: string[] }> {
  return scope.split(' ').filter(Boolean).map((s) => {
    const [type, ...rest] = s.split(':');
    const actions = rest.pop()!.split(',');
    return { type: type!, name: rest.join(':'), actions };
  });
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function jwt(claims: object, kid: string, key: crypto.KeyObject): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(crypto.sign('sha256', Buffer.from(`${head}.${body}`), key))}`;
}

/** libtrust's key ID (what distribution matches `kid` against): SHA-256 of the DER public key, 240 bits, base32, in groups of 4. */
function libtrustKeyId(pub: crypto.KeyObject): string {
  const digest = crypto.createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return out.match(/.{4}/g)!.join(':');
}
