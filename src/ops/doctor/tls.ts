// TLS: the certificate each https endpoint presents is trusted and how many days it has left.

import tls from 'node:tls';
import { tlsStatus, TLS_WARN_DAYS } from '../../core/doctor/model.js';
import { fail, type Chain, type Outcome } from './runner.js';

export interface TlsTarget { host: string; port: number }

/** https URLs among the configured endpoints, plus DAP_DOCTOR_TLS (comma-separated host:port or URLs). */
export function tlsTargets(urls: ReadonlyArray<string | undefined>, extra = ''): TlsTarget[] {
  const out: TlsTarget[] = [];
  const add = (t: TlsTarget) => { if (!out.some((o) => o.host === t.host && o.port === t.port)) out.push(t); };
  for (const u of urls) {
    if (!u) continue;
    try {
      const url = new URL(u);
      if (url.protocol === 'https:') add({ host: url.hostname, port: Number(url.port || 443) });
    } catch { /* not a URL: the other checks say so */ }
  }
  for (const item of extra.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:https:\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(item);
    if (m) add({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 443) });
  }
  return out;
}

export function tlsChain(t: TlsTarget, timeoutMs: number): Chain {
  return [{ check: 'tls', target: `${t.host}:${t.port}`, run: (signal) => certificate(t, timeoutMs, signal) }];
}

function certificate(t: TlsTarget, timeoutMs: number, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: t.host, port: t.port, servername: /^[\d.:]+$/.test(t.host) ? undefined : t.host, rejectUnauthorized: false, timeout: timeoutMs });
    const done = (o: Outcome) => { socket.destroy(); resolve(o); };
    signal.addEventListener('abort', () => done(fail('no TLS handshake in time')));
    socket.on('timeout', () => done(fail('no TLS handshake in time')));
    socket.on('error', (e: NodeJS.ErrnoException) => done(fail(`cannot connect (${e.code ?? e.message})`, 'is the service (or its reverse proxy) up?')));
    socket.on('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert || !cert.valid_to) return done(fail('no certificate presented'));
      const days = Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000);
      const until = new Date(Date.parse(cert.valid_to)).toISOString().slice(0, 10);
      if (!socket.authorized) return done(fail(`certificate not trusted (${String(socket.authorizationError)}), ${days} days left`, 'install a certificate from a CA this machine trusts (or add the CA: NODE_EXTRA_CA_CERTS)'));
      const status = tlsStatus(days);
      done({ result: status, detail: `${days} days left (until ${until})`, hint: status === 'pass' ? undefined : days <= 0 ? 'the certificate has expired: renew it now' : `renew it within ${days} days (warns under ${TLS_WARN_DAYS})` });
    });
  });
}
