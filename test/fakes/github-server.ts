import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A fake of the GitHub REST API routes `dap report` uses, after docs.github.com/rest:
//   GET   /repos/{owner}/{repo}/issues/{issue_number}/comments   (per_page, page; Link header)
//   POST  /repos/{owner}/{repo}/issues/{issue_number}/comments   {body} -> 201
//   PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}     {body} -> 200
//   POST  /repos/{owner}/{repo}/statuses/{sha}                   {state, target_url, description, context} -> 201
// Auth: "Authorization: token|Bearer T"; none/unknown -> 401 {"message":"Bad credentials"}; a
// read-only token -> 403 {"message":"Resource not accessible by personal access token"}.
// Comment bodies over 65536 characters -> 422 (Validation Failed, "body is too long").

export interface GithubComment { id: number; body: string; issue: number }
export interface GithubStatus { sha: string; state: string; target_url?: string; description?: string; context?: string }

export interface FakeGithub {
  url: string;
  comments: GithubComment[];
  statuses: GithubStatus[];
  requests: Array<{ method: string; path: string }>;
  /** the next `times` requests matching answer `status` */
  failures: Array<{ method: string; path: RegExp; status: number; times: number }>;
  close(): Promise<void>;
}

export async function startFakeGithub(opts: { owner: string; repo: string; tokens: Record<string, 'write' | 'read'>; pulls: number[] }): Promise<FakeGithub> {
  let nextId = 9000;
  const fake: Omit<FakeGithub, 'url' | 'close'> = { comments: [], statuses: [], requests: [], failures: [] };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    fake.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const docs = 'https://docs.github.com/rest';
    const fail = fake.failures.find((f) => f.times > 0 && f.method === req.method && f.path.test(url.pathname));
    if (fail) {
      fail.times--;
      return json(fail.status, { message: 'Server Error' });
    }
    const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const access = token ? opts.tokens[token] : undefined;
    if (!access) return json(401, { message: 'Bad credentials', documentation_url: docs, status: '401' });
    const base = `/repos/${opts.owner}/${opts.repo}/`;
    if (!url.pathname.startsWith(base)) return json(404, { message: 'Not Found', documentation_url: docs, status: '404' });
    const rest = url.pathname.slice(base.length);
    if (req.method !== 'GET' && access !== 'write') return json(403, { message: 'Resource not accessible by personal access token', documentation_url: docs, status: '403' });
    const input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
    const full = (c: GithubComment) => ({
      id: c.id, node_id: `IC_${c.id}`, url: `http://${req.headers.host}${base}issues/comments/${c.id}`,
      html_url: `https://github.com/${opts.owner}/${opts.repo}/pull/${c.issue}#issuecomment-${c.id}`, body: c.body,
      user: { login: 'dap-bot', id: 1, type: 'Bot' }, created_at: '2026-01-01T00:00:00Z', updated_at: new Date().toISOString(),
      issue_url: `http://${req.headers.host}${base}issues/${c.issue}`, author_association: 'NONE',
    });
    const tooLong = (b: unknown) => typeof b === 'string' && b.length > 65536;
    let m: RegExpExecArray | null;
    if ((m = /^issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1]);
      if (!opts.pulls.includes(issue)) return json(404, { message: 'Not Found', documentation_url: docs, status: '404' });
      if (req.method === 'GET') {
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30) || 30);
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
        const all = fake.comments.filter((c) => c.issue === issue);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const link = (p: number, rel: string) => `<http://${req.headers.host}${url.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
        const links = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
        return json(200, all.slice((page - 1) * perPage, page * perPage).map(full), links.length ? { link: links.join(', ') } : {});
      }
      if (req.method === 'POST') {
        if (typeof input.body !== 'string') return json(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: docs, status: '422' });
        if (tooLong(input.body)) return json(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }], documentation_url: docs, status: '422' });
        const c = { id: nextId++, body: input.body, issue };
        fake.comments.push(c);
        return json(201, full(c));
      }
    }
    if ((m = /^issues\/comments\/(\d+)$/.exec(rest)) && req.method === 'PATCH') {
      const c = fake.comments.find((x) => x.id === Number(m![1]));
      if (!c) return json(404, { message: 'Not Found', documentation_url: docs, status: '404' });
      if (typeof input.body !== 'string' || tooLong(input.body)) return json(422, { message: 'Validation Failed', documentation_url: docs, status: '422' });
      c.body = input.body;
      return json(200, full(c));
    }
    if ((m = /^statuses\/([0-9a-f]{7,40})$/.exec(rest)) && req.method === 'POST') {
      if (!['error', 'failure', 'pending', 'success'].includes(String(input.state))) return json(422, { message: 'Validation Failed', documentation_url: docs, status: '422' });
      const s: GithubStatus = { sha: m[1]!, state: String(input.state), target_url: input.target_url as string | undefined, description: input.description as string | undefined, context: (input.context as string | undefined) ?? 'default' };
      fake.statuses.push(s);
      return json(201, { id: fake.statuses.length, url: `${base}statuses/${s.sha}`, state: s.state, description: s.description, target_url: s.target_url, context: s.context, created_at: new Date().toISOString() });
    }
    return json(404, { message: 'Not Found', documentation_url: docs, status: '404' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { ...fake, url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) } as FakeGithub;
}
