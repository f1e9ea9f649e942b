// Untrusted text made safe for the two places a report lands (markdown comments, HTML), and
// numbers written short.

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  if (n === 0) return '0';
  return Math.abs(n) >= 1e5 || Math.abs(n) < 1e-3 ? n.toExponential(3) : String(Number(n.toPrecision(4)));
}

export function formatSigned(n: number): string {
  const s = formatNumber(Math.abs(n));
  return n > 0 ? `+${s}` : n < 0 ? `−${s}` : '±0';
}

/** A table cell / inline text: no HTML, no table breaks, no line breaks, bounded length. */
export function mdText(s: string, max = 120): string {
  const flat = s.replace(/[\r\n\t]+/g, ' ');
  const cut = flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
  return cut.replace(/[\\`*_[\]<>|#!~]/g, (c) => `\\${c}`).replace(/&/g, '&amp;');
}

/** Only absolute http(s) URLs become links; anything else (javascript:, data:, relative) is dropped. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.toString().replace(/[()[\]<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  } catch {
    return undefined;
  }
}

export function mdLink(label: string, url: string | undefined): string | undefined {
  const safe = safeUrl(url);
  return safe ? `[${label}](${safe})` : undefined;
}

export function htmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
