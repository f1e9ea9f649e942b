import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A server on 127.0.0.1 that answers each request with the next scripted answer (the last one
// repeats), recording what was asked: enough to drive the real vendor clients into a proxy's page.

export interface Answer { status: number; headers?: Record<string, string>; body?: string }
export interface AnswerServer { url: string; requests: Array<{ method: string; url: string }>; close: () => Promise<void> }

export async function answerServer(answers: Answer[]): Promise<AnswerServer> {
  const requests: AnswerServer['requests'] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answers[Math.min(requests.length, answers.length - 1)]!;
      requests.push({ method: req.method ?? '', url: req.url ?? '' });
      res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const SIGN_IN_PAGE = '<!DOCTYPE html><html><head><title>Sign in · Company SSO</title></head><body><form>…</form></body></html>';
export const BAD_GATEWAY_PAGE = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';
