/**
 * Credentials a message can quote from nats-server or a config never leave the supervisor (docs/contract.md:
 * Logs): userinfo in URLs, password / token / seed values, nkey seeds, JWTs and creds blocks. Applied where
 * such text comes in (nats-server's lines, `nats-server -t`'s verdict) and again on the status surfaces.
 */
const CENSOR = '[redacted]';

const RULES: readonly [RegExp, string][] = [
  // A creds file quoted whole: its JWT and its seed.
  [/-{3,}BEGIN [A-Z ]+-{3,}[\s\S]*?-{3,}END [A-Z ]+-{3,}/g, CENSOR],
  // scheme://user:password@host keeps the user; scheme://secret@host (a token) keeps nothing.
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'[\]]*:)[^\s@/"'[\]]*@/gi, `$1${CENSOR}@`],
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s:/@"'[\]]+@/gi, `$1${CENSOR}@`],
  // Config keys whose values are secrets, in each form nats-server reads: `key: v`, `key = v`, `key v`, quoted or not.
  [/\b(password|pass|token|auth_token|seed|secret)(\s*[:=]\s*|\s+)("[^"]*"|'[^']*'|[^\s,;}\]]+)/gi, `$1$2${CENSOR}`],
  // nkey seeds (S, then the key type, then 56 base32 characters) and JWTs (three base64url parts).
  [/\bS[OPANUCXM][A-Z2-7]{56}\b/g, CENSOR],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, CENSOR],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

/** The same for a value that may be absent. */
export const redactNullable = (text: string | null | undefined): string | null => (text == null ? null : redact(text));
