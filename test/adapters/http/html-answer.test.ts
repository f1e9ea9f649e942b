// The one detector for "an HTML page came back where an API's JSON was expected" and the one
// sentence every client and probe says it with.

import { Octokit } from '@octokit/rest';
import { afterEach, describe, expect, it } from 'vitest';
import { htmlAnswerMessage, htmlErrorMessage, looksLikeHtml, pageTitle, urlForMessage } from '../../../src/adapters/http/html-answer.js';
import { answerServer, BAD_GATEWAY_PAGE, SIGN_IN_PAGE, type AnswerServer } from './answer-server.js';

describe('looksLikeHtml', () => {
  it.each([
    ['text/html', ''],
    ['text/html; charset=utf-8', '{"not":"looked at"}'],
    ['application/xhtml+xml', ''],
    [null, '<!DOCTYPE html><html></html>'],
    [undefined, '<HTML><BODY>upper case</BODY></HTML>'],
    ['text/plain', '\n\t  <html lang="en">'],
    ['application/octet-stream', '\uFEFF<!doctype html>'],
    [null, '\uFEFF \r\n <head><title>t</title></head>'],
    [null, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code></Error>'],
    [null, '<title>Login</title>'],
    [null, '<body>maintenance</body>'],
  ])('an HTML page: content type %j, body %j', (type, body) => {
    expect(looksLikeHtml(body, type)).toBe(true);
  });

  it.each([
    ['application/json', '{"experiments":[]}'],
    ['application/json', '{"message":"<html> inside a string"}'],
    [null, '  [1, 2, 3]'],
    ['text/plain', 'Unauthorized'],
    [null, ''],
    [null, '<htmlish>not a tag we know</htmlish>'],
    [null, 'see <html> later in the text'],
  ])('not an HTML page: content type %j, body %j', (type, body) => {
    expect(looksLikeHtml(body, type)).toBe(false);
  });
});

describe('pageTitle', () => {
  it('is the title on one line, trimmed, at most 100 characters', () => {
    expect(pageTitle(SIGN_IN_PAGE)).toBe('Sign in · Company SSO');
    expect(pageTitle('<head><TITLE lang="en">\n   502\n   Bad   Gateway \n</TITLE></head>')).toBe('502 Bad Gateway');
    expect(pageTitle(`<title>${'x'.repeat(300)}</title>`)).toBe('x'.repeat(100));
  });

  it('is undefined for a page without one, or an empty one', () => {
    expect(pageTitle('<html><body>no title</body></html>')).toBeUndefined();
    expect(pageTitle('<title>   </title>')).toBeUndefined();
  });
});

describe('urlForMessage', () => {
  it('drops user:password@, the query (a token may ride there) and the fragment', () => {
    expect(urlForMessage('https://alice:s3cret@mlflow.example.com:8443/prefix/api/2.0/mlflow/runs/get?run_id=1&access_token=t0k#x')).toBe('https://mlflow.example.com:8443/prefix/api/2.0/mlflow/runs/get');
    expect(urlForMessage(new URL('http://127.0.0.1:5000/api?private_token=glpat-x'))).toBe('http://127.0.0.1:5000/api');
  });

  it('strips the same from something that does not parse as a URL', () => {
    expect(urlForMessage('//bob:pw@host/path?token=1')).toBe('//host/path');
  });
});

describe('htmlAnswerMessage', () => {
  const page = (status: number, body = SIGN_IN_PAGE) => htmlAnswerMessage({ vendor: 'GitLab', url: 'https://u:p@gitlab.example.com/api/v4/metadata?private_token=glpat-secret', status, body, what: 'metadata' });

  it('names the URL without credentials or query, the status, the title, and what the page usually is', () => {
    expect(page(200)).toBe('https://gitlab.example.com/api/v4/metadata answered an HTML page (HTTP 200, "Sign in · Company SSO") instead of GitLab\'s JSON for metadata: usually a login page or another web application, not the GitLab API');
    expect(page(200)).not.toMatch(/glpat-secret|u:p@/);
  });

  it.each([
    [404, 'the path does not exist there: the URL probably misses (or adds) a path prefix, or points at another web server'],
    [401, 'a sign-in page of a proxy in front of GitLab: it needs credentials dap did not send'],
    [403, 'a sign-in page of a proxy in front of GitLab: it needs credentials dap did not send'],
    [502, 'a proxy in front of GitLab could not reach it (GitLab down, restarting or overloaded)'],
    [503, 'a proxy in front of GitLab could not reach it (GitLab down, restarting or overloaded)'],
  ])('HTTP %i: usually %s', (status, meaning) => {
    expect(page(status)).toMatch(new RegExp(`\\(HTTP ${status}, "Sign in · Company SSO"\\) instead of GitLab's JSON for metadata: usually ${meaning.replace(/[()]/g, '\\$&')}$`));
  });

  it('leaves out what it cannot say: no title, no call named', () => {
    expect(htmlAnswerMessage({ vendor: 'MLflow', url: 'http://127.0.0.1:5000/', status: 200, body: '<html></html>' }))
      .toBe('http://127.0.0.1:5000/ answered an HTML page (HTTP 200) instead of MLflow\'s JSON: usually a login page or another web application, not the MLflow API');
  });
});

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('htmlErrorMessage (errors of the real vendor clients)', () => {
  let server: AnswerServer | undefined;
  afterEach(async () => { await server?.close(); server = undefined; });

  it('an octokit error carrying a proxy\'s 502 page: the shared sentence, with the request URL', async () => {
    server = await answerServer([{ status: 502, headers: { 'content-type': 'text/html' }, body: BAD_GATEWAY_PAGE }]);
    const gh = new Octokit({ auth: 'ghp-secret', baseUrl: server.url, request: { retries: 0 }, log: quiet });
    const e = await gh.rest.issues.listComments({ owner: 'acme', repo: 'toy', issue_number: 12 }).catch((x: unknown) => x);
    expect(htmlErrorMessage(e, 'GitHub', 'reading comments', 'fallback')).toBe(
      `${server.url}/repos/acme/toy/issues/12/comments answered an HTML page (HTTP 502, "502 Bad Gateway") instead of GitHub's JSON for reading comments: usually a proxy in front of GitHub could not reach it (GitHub down, restarting or overloaded)`,
    );
  });

  it('an error with a JSON body, or no answer at all, is not a page', async () => {
    server = await answerServer([{ status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' }]);
    const gh = new Octokit({ baseUrl: server.url, request: { retries: 0 }, log: quiet });
    const e = await gh.rest.issues.listComments({ owner: 'acme', repo: 'toy', issue_number: 12 }).catch((x: unknown) => x);
    expect(htmlErrorMessage(e, 'GitHub', 'reading comments', server.url)).toBeUndefined();
    expect(htmlErrorMessage(new TypeError('fetch failed'), 'GitHub', 'reading comments', server.url)).toBeUndefined();
  });
});
