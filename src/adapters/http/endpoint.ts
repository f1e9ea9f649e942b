// Path building like gitbeaker's `endpoint` tag: interpolated values are URL-encoded segment by
// segment, the literal template parts are trusted.

/** endpoint`runs/${id}` → every interpolated value encoded with encodeURIComponent. */
export function endpoint(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

/** Encodes a relative path (a/b c/d.txt) keeping its slashes. */
export function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}
