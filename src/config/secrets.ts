/**
 * The secrets a config file spells out, found in its text (it need not parse: a config nats-server rejects is
 * the one whose message quotes them): the values of password, pass, token, auth_token, seed and secret, and the
 * userinfo of every URL (to its last `@`, as Go's net/url reads it). Given to knowSecrets (src/util/redact.ts).
 */
const KEY_VALUE = /\b(?:password|pass|token|auth_token|seed|secret)["']?\s*(?:[:=]\s*|\s+)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s,;}\]#]+)/gi;
const QUOTED = /"(?:[^"\\\n]|\\.)*"|'[^'\n]*'/g;
const BARE_URL = /(?<![\w"'])[a-z][a-z0-9+.-]*:\/\/[^\s"',;}\]]+/gi;

/** A double-quoted value as nats-server's lexer reads it: `\"`, `\\`, `\t`, `\n`, `\r` unescaped. */
function unquote(value: string): string {
  if (value.startsWith("'")) return value.slice(1, -1);
  if (!value.startsWith('"')) return value;
  const escapes: Record<string, string> = { t: '\t', n: '\n', r: '\r' };
  return value.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => escapes[c] ?? c);
}

/**
 * The password (or the token) of a URL's userinfo, and its pieces between `/`, `?` and `#`: Go's net/url ends
 * the host there, so for a userinfo that holds them nats-server names a piece of the secret as the host it
 * dials ("Error trying to connect as leafnode to remote server \"<piece>:7422\"").
 */
function urlSecrets(url: string): string[] {
  const scheme = url.indexOf('://');
  if (scheme < 0) return [];
  const rest = url.slice(scheme + 3);
  const at = rest.lastIndexOf('@');
  if (at < 0) return [];
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  const secret = colon < 0 ? userinfo : userinfo.slice(colon + 1);
  return [secret, ...(/[/?#]/.test(userinfo) ? userinfo.split(/[/?#]/) : [])];
}

/** Whole-line comments go first: "# rotate the password monthly" names no secret. */
const COMMENT_LINE = /^[ \t]*(?:#|\/\/).*$/gm;

export function secretsIn(config: string): string[] {
  const text = config.replace(COMMENT_LINE, '');
  const found = new Set<string>();
  for (const m of text.matchAll(KEY_VALUE)) found.add(unquote(m[1]!));
  const strings = [...text.matchAll(QUOTED)].map((m) => unquote(m[0]));
  for (const s of [...strings, ...[...text.matchAll(BARE_URL)].map((m) => m[0])]) {
    for (const secret of urlSecrets(s)) found.add(secret);
  }
  found.delete('');
  return [...found];
}
