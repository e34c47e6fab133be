/**
 * Credentials a message can quote from nats-server or a config never leave the supervisor (docs/contract.md:
 * Logs): userinfo in URLs, password / token / seed values, nkey seeds, JWTs and creds blocks, and every secret
 * the config spells out (knownSecrets), whatever its characters. Applied where such text comes in
 * (nats-server's lines, `nats-server -t`'s verdict), to every log line, and again on the status surfaces.
 */
const CENSOR = '[redacted]';

/** A URL's scheme and the run after it up to whitespace or a quote (a Go-quoted `\"` does not end it). */
const URL_TOKEN = /([a-z][a-z0-9+.-]*:\/\/)((?:[^\s"'\\]|\\.)+)/gi;

/**
 * The userinfo runs to the last `@` of the URL, as Go's net/url reads it (a password may hold `@`, and `/`, `+`,
 * `=` as generated ones do); `user:password` keeps the user, a token alone keeps nothing.
 */
function redactUserinfo(_url: string, scheme: string, rest: string): string {
  const at = rest.lastIndexOf('@');
  if (at < 0) return scheme + rest;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  return `${scheme}${colon < 0 ? '' : `${userinfo.slice(0, colon)}:`}${CENSOR}${rest.slice(at)}`;
}

const RULES: readonly [RegExp, string][] = [
  // A creds file quoted whole: its JWT and its seed.
  [/-{3,}BEGIN [A-Z ]+-{3,}[\s\S]*?-{3,}END [A-Z ]+-{3,}/g, CENSOR],
  // Config keys whose values are secrets, in each form nats-server reads (`key: v`, `key = v`, `key v`, quoted or
  // not, escapes in double quotes) and as JSON quotes them (`"key":"v"`).
  [/\b(password|pass|token|auth_token|seed|secret)(["']?\s*[:=]\s*|\s+)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}\]]+)/gi, `$1$2${CENSOR}`],
  // nkey seeds (S, then the key type, then 56 base32 characters) and JWTs (three base64url parts).
  [/\bS[OPANUCXM][A-Z2-7]{56}\b/g, CENSOR],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, CENSOR],
];

/**
 * Shorter values are left to the rules above: replacing every `nats` or `admin` in every line would make the
 * log unreadable, and such a value is found by its context (a URL's userinfo, `password: …`).
 */
export const MIN_KNOWN_SECRET = 8;
const MAX_KNOWN = 4096;
const known = new Set<string>();
let knownPattern: KnownPattern | null = null;

/** `any` finds whether a line holds a known secret (fast: most lines hold none); `starts` finds them all. */
interface KnownPattern {
  any: RegExp;
  starts: RegExp;
}

/** Go's %q of a printable string, as nats-server quotes a value it rejects: `\` and `"` escaped. */
const goQuoted = (s: string): string => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"');

/**
 * Secrets the config spells out (src/config/secrets.ts), redacted literally from then on, as they are and as
 * nats-server quotes them: a password with a space or a quote is found by no pattern. Kept for the process's
 * life (an old config's secret can still be quoted), at most MAX_KNOWN.
 */
export function knowSecrets(values: Iterable<string>): void {
  let added = false;
  for (const value of values) {
    if (value.length < MIN_KNOWN_SECRET) continue;
    for (const form of [value, goQuoted(value)]) {
      added ||= !known.has(form);
      // Kept in the order last seen: the oldest go first past MAX_KNOWN.
      known.delete(form);
      known.add(form);
    }
  }
  for (const oldest of known) {
    if (known.size <= MAX_KNOWN) break;
    known.delete(oldest);
  }
  if (added) knownPattern = literalPattern();
}

/**
 * `starts` finds, at every position, the longest known secret that starts there (a lookahead: one match a
 * position, so secrets that overlap are all found; a plain alternation would consume `127.0.0.1:M` and miss the
 * secret starting at its M). It costs about five times the plain one, so it runs only on a line that has a hit.
 */
function literalPattern(): KnownPattern | null {
  if (known.size === 0) return null;
  const alternatives = [...known]
    .sort((a, b) => b.length - a.length)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  return { any: new RegExp(alternatives), starts: new RegExp(`(?=(${alternatives}))`, 'g') };
}

/** Every run of text that some known secret covers, overlapping runs merged, replaced by one CENSOR. */
function redactKnown(text: string, pattern: KnownPattern): string {
  if (!pattern.any.test(text)) return text;
  let out = '';
  let shown = 0; // where the text not yet copied begins
  let covered = -1; // where the current censored run ends
  for (const m of text.matchAll(pattern.starts)) {
    const end = m.index + m[1]!.length;
    if (m.index > covered) {
      out += text.slice(shown, m.index) + CENSOR;
    }
    covered = Math.max(covered, end);
    shown = covered;
  }
  return out + text.slice(shown);
}

export function redact(text: string): string {
  let out = knownPattern ? redactKnown(text, knownPattern) : text;
  out = out.replace(URL_TOKEN, redactUserinfo);
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/** The same for a value that may be absent. */
export const redactNullable = (text: string | null | undefined): string | null => (text == null ? null : redact(text));
