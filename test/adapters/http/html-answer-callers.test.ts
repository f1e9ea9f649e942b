// Every place that used to detect "an HTML page instead of the API's JSON" on its own now says it
// through the shared sentence: the MLflow adapter, the MLflow probe (dap login/doctor), the GitLab
// probe and doctor check, and gitbeaker's errors (client and runners adapter). Each drives its real
// client (HttpTransport, @gitbeaker/rest) against a local server answering a proxy's page.

import { afterEach, describe, expect, it } from 'vitest';
import { GITLAB_URL_HINT, gitlabError } from '../../../src/adapters/gitlab/client.js';
import { GitlabRunners } from '../../../src/adapters/gitlab/runners.js';
import { htmlAnswerMessage } from '../../../src/adapters/http/html-answer.js';
import { HttpTransport } from '../../../src/adapters/http/transport.js';
import { MlflowHttp } from '../../../src/adapters/mlflow/api.js';
import { UnavailableError } from '../../../src/errors.js';
import { gitlabChain } from '../../../src/ops/doctor/gitlab.js';
import { gitlabApi, gitlabVersion, ProbeError } from '../../../src/ops/probes/gitlab.js';
import { probeMlflow, probeTransport } from '../../../src/ops/probes/mlflow.js';
import { answerServer, BAD_GATEWAY_PAGE, SIGN_IN_PAGE, type Answer, type AnswerServer } from './answer-server.js';

let server: AnswerServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });
const serve = async (answers: Answer[]) => (server = await answerServer(answers));
const html = (status: number, body = SIGN_IN_PAGE, type: string | undefined = 'text/html; charset=utf-8'): Answer => ({ status, body, headers: type ? { 'content-type': type } : {} });
const noRetry = { maxRetries: 0, backoffFactor: 0, backoffJitter: 0, timeoutMs: 5000, maxTotalMs: 5000 };

describe('MLflow adapter (MlflowHttp)', () => {
  it('an error status with a page: the shared sentence with MLflow\'s hint, no query in the URL', async () => {
    const s = await serve([html(404)]);
    const api = new MlflowHttp(new HttpTransport({ baseUrl: `${s.url}/prefix`, retry: noRetry }));
    const err = (await api.get('/experiments/get-by-name', { experiment_name: 'secret-name' }, 'get experiment "x"').catch((e: unknown) => e)) as UnavailableError;
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toBe(htmlAnswerMessage({ vendor: 'MLflow', url: `${s.url}/prefix/api/2.0/mlflow/experiments/get-by-name`, status: 404, body: SIGN_IN_PAGE, what: 'get experiment "x"' }));
    expect(err.message).toContain('answered an HTML page (HTTP 404, "Sign in · Company SSO") instead of MLflow\'s JSON for get experiment "x": usually the path does not exist there');
    expect(err.message).not.toContain('secret-name');
    expect(err.hint).toMatch(/MLFLOW_TRACKING_URI/);
  });

  it('a 200 page that is not JSON, recognised by its markup alone (no content type)', async () => {
    const s = await serve([html(200, `\uFEFF\n${SIGN_IN_PAGE}`, undefined)]);
    const api = new MlflowHttp(new HttpTransport({ baseUrl: s.url, retry: noRetry }));
    await expect(api.post('/runs/create', {}, 'create run')).rejects.toThrow(`${s.url}/api/2.0/mlflow/runs/create answered an HTML page (HTTP 200, "Sign in · Company SSO") instead of MLflow's JSON for create run: usually a login page`);
  });
});

describe('MLflow probe (dap login, dap doctor)', () => {
  const url = (s: AnswerServer) => `${s.url}/api/2.0/mlflow/experiments/search`;

  it('a sign-in page: kind html, the shared sentence, the credentials of the URI nowhere in it', async () => {
    const s = await serve([html(200)]);
    const p = await probeMlflow(probeTransport(s.url.replace('//', '//alice:pw-secret@'), {}, 5000));
    expect(p).toMatchObject({ ok: false, kind: 'html', detail: htmlAnswerMessage({ vendor: 'MLflow', url: url(s), status: 200, body: SIGN_IN_PAGE, what: 'searching experiments' }) });
    expect(JSON.stringify(p)).not.toMatch(/alice|pw-secret|max_results/);
  });

  it('a proxy\'s HTML 401 is its sign-in page, not MLflow refusing the credentials (the probe used to say the latter)', async () => {
    const s = await serve([html(401)]);
    const p = await probeMlflow(probeTransport(s.url, {}, 5000));
    expect(p).toMatchObject({ ok: false, kind: 'html' });
    expect(p.ok || p.detail).toMatch(/\(HTTP 401, "Sign in · Company SSO"\) instead of MLflow's JSON for searching experiments: usually a sign-in page of a proxy in front of MLflow/);
  });

  it('an XML error document without a content type is a page too (the probe used to miss <?xml)', async () => {
    const s = await serve([{ status: 200, body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>' }]);
    expect(await probeMlflow(probeTransport(s.url, {}, 5000))).toMatchObject({ ok: false, kind: 'html' });
  });

  it('MLflow\'s own 401 (plain text) is still "refused the credentials"', async () => {
    const s = await serve([{ status: 401, headers: { 'content-type': 'text/plain' }, body: 'You are not authenticated.' }]);
    expect(await probeMlflow(probeTransport(s.url, {}, 5000))).toMatchObject({ ok: false, kind: 'refused' });
  });
});

describe('GitLab probe and doctor (dap login, dap doctor)', () => {
  const metadataPage = (s: AnswerServer, status = 200) => htmlAnswerMessage({ vendor: 'GitLab', url: `${s.url}/api/v4/metadata`, status, body: SIGN_IN_PAGE, what: 'metadata' });

  it('the probe and the doctor\'s reachability check say the same sentence for the same page', async () => {
    const s = await serve([html(200)]);
    const err = (await gitlabVersion(gitlabApi(s.url, 'glpat-secret', 5000), s.url).catch((e: unknown) => e)) as ProbeError;
    expect(err).toBeInstanceOf(ProbeError);
    expect(err.message).toBe(metadataPage(s));
    expect(err.hint).toBe(GITLAB_URL_HINT);
    const [reachable] = gitlabChain({ GITLAB_URL: s.url, GITLAB_TOKEN: 'glpat-secret' }, 5000);
    expect(await reachable!.run(new AbortController().signal)).toEqual({ result: 'fail', detail: metadataPage(s), hint: GITLAB_URL_HINT });
  });

  it('a page served without text/html is recognised by its markup (the doctor used to check only the content type)', async () => {
    const s = await serve([html(200, `  ${SIGN_IN_PAGE}`, 'text/plain')]);
    const [reachable] = gitlabChain({ GITLAB_URL: s.url }, 5000);
    expect(await reachable!.run(new AbortController().signal)).toMatchObject({ result: 'fail', detail: metadataPage(s) });
    const err = (await gitlabVersion(gitlabApi(s.url, 'glpat-secret', 5000), s.url).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe(metadataPage(s));
  });

  it('a page with no content type at all (gitbeaker hands it over as a Blob) is read and recognised', async () => {
    const s = await serve([html(200, SIGN_IN_PAGE, undefined)]);
    await expect(gitlabVersion(gitlabApi(s.url, 'glpat-secret', 5000), s.url)).rejects.toThrow(metadataPage(s));
  });

  it('text that is neither JSON nor a page keeps its own message', async () => {
    const s = await serve([{ status: 200, headers: { 'content-type': 'text/plain' }, body: 'hello' }]);
    await expect(gitlabVersion(gitlabApi(s.url, 'glpat-secret', 5000), s.url)).rejects.toThrow(`${s.url} answered metadata with a page that is not GitLab's API (HTTP 200, not JSON)`);
  });
});

describe('gitbeaker errors carrying a page (client and runners adapter)', () => {
  it('gitlabError: a proxy\'s 503 page is named, not pasted whole into the message', async () => {
    const s = await serve([html(503, BAD_GATEWAY_PAGE, 'text/html')]);
    const e = await gitlabApi(s.url, 'glpat-secret', 5000).Projects.show('ml/exp').catch((x: unknown) => x);
    const err = gitlabError(e, s.url, 'reading project ml/exp');
    expect(err.message).toBe(`${s.url}/api/v4/projects/ml%2Fexp answered an HTML page (HTTP 503, "502 Bad Gateway") instead of GitLab's JSON for reading project ml/exp: usually a proxy in front of GitLab could not reach it (GitLab down, restarting or overloaded)`);
    expect(err.message).not.toContain('<center>');
    expect((err as UnavailableError).hint).toBe(GITLAB_URL_HINT);
  });

  it('the runners adapter: an HTML 404 says the URL is wrong, a 429 still says rate limiting', async () => {
    const s = await serve([html(404)]);
    const runners = new GitlabRunners({ url: s.url, token: 'glpat-secret', sleep: async () => {} });
    await expect(runners.edit(7, { name: 'gpu-1', description: 'dap/gpu-1', tags: [], runUntagged: false, locked: true } as never))
      .rejects.toThrow(`${s.url}/api/v4/runners/7 answered an HTML page (HTTP 404, "Sign in · Company SSO") instead of GitLab's JSON for updating runner #7 (gpu-1): usually the path does not exist there`);
    await s.close();
    const t = await serve([{ ...html(429), headers: { 'content-type': 'text/html', 'retry-after': '3600' } }]);
    await expect(new GitlabRunners({ url: t.url, token: 'glpat-secret', sleep: async () => {} }).show(7))
      .rejects.toThrow(/rate limiting requests \(HTTP 429, Retry-After 3600 s\) while/);
  });
});
