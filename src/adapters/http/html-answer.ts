// An HTML page where an API's JSON was expected (a proxy's sign-in page, a wrong path prefix, a
// proxy's 502 page): one detector and one sentence for every vendor client and probe, so
// MLflow, GitLab and the doctor say it the same way.

import { answerBodyOf, answerHeaderOf, httpStatusOf, requestUrlOf } from './status-of.js';

/** HTML (or an XML error document) by content type or by the markup it starts with. */
export function looksLikeHtml(body: string, contentType?: string | null): boolean {
  if (/\b(text\/html|application\/xhtml\+xml)\b/i.test(contentType ?? '')) return true;
  return /^[\uFEFF\s]*<(!doctype|html|head|body|\?xml|title)\b/i.test(body);
}

/** The page's <title>, one line, at most 100 characters; undefined when it has none. */
export function pageTitle(body: string): string | undefined {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim().replace(/\s+/g, ' ').slice(0, 100);
  return title || undefined;
}

/** A URL fit for a message: no user:password@, no query (it may carry a token), no fragment. */
export function urlForMessage(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return String(url).replace(/\/\/[^/?#]*@/, '//').replace(/[?#].*$/, '');
  }
}

export interface HtmlAnswer {
  /** whose JSON was expected: "MLflow", "GitLab" */
  vendor: string;
  url: string | URL;
  status: number;
  body: string;
  /** the call, e.g. `get experiment "x"`; left out of the sentence when absent */
  what?: string;
}

/** What a page with this status usually is, in front of `vendor`. */
function usualMeaning(status: number, vendor: string): string {
  if (status === 404) return 'the path does not exist there: the URL probably misses (or adds) a path prefix, or points at another web server';
  if (status === 401 || status === 403) return `a sign-in page of a proxy in front of ${vendor}: it needs credentials dap did not send`;
  if (status >= 500) return `a proxy in front of ${vendor} could not reach it (${vendor} down, restarting or overloaded)`;
  return `a login page or another web application, not the ${vendor} API`;
}

/** One sentence: the URL, the status, the page's title, and what such a page usually means. */
export function htmlAnswerMessage(a: HtmlAnswer): string {
  const title = pageTitle(a.body);
  return `${urlForMessage(a.url)} answered an HTML page (HTTP ${a.status}${title ? `, "${title}"` : ''}) instead of ${a.vendor}'s JSON${a.what ? ` for ${a.what}` : ''}: usually ${usualMeaning(a.status, a.vendor)}`;
}

/** The sentence above when a vendor client's error (gitbeaker, octokit) carries an HTML page; else undefined. */
export function htmlErrorMessage(e: unknown, vendor: string, what: string, fallbackUrl: string): string | undefined {
  const status = httpStatusOf(e);
  const body = answerBodyOf(e);
  if (!status || !looksLikeHtml(body, answerHeaderOf(e, 'content-type'))) return undefined;
  return htmlAnswerMessage({ vendor, url: requestUrlOf(e) ?? fallbackUrl, status, body, what });
}
