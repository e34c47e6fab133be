/** A file the JWT mirror considers: `*.jwt`, not hidden (temp files and Kubernetes' own entries are). */
export function isJwtFileName(name: string): boolean {
  return name.endsWith('.jwt') && !name.startsWith('.');
}

/** An account public key: 'A' and 55 more base32 characters (nkeys). */
export function isAccountPublicKey(name: string): boolean {
  return /^A[A-Z2-7]{55}$/.test(name);
}

export interface AccountClaims {
  sub: string;
  iss: string;
  name: string | null;
  type: string;
}

/**
 * Reads the claims of an account JWT, or says why it is not one. The signature is the server's to check;
 * this only keeps garbage and misnamed files out of the resolver dir.
 */
export function accountClaims(text: string, expectedKey: string): { claims: AccountClaims } | { reason: string } {
  const parts = text.trim().split('.');
  if (parts.length !== 3) return { reason: 'not a JWT (expected three dot-separated parts)' };
  let body: { sub?: unknown; iss?: unknown; name?: unknown; nats?: { type?: unknown } };
  try {
    body = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as typeof body;
  } catch {
    return { reason: 'the JWT payload is not base64url JSON' };
  }
  const type = typeof body.nats?.type === 'string' ? body.nats.type : 'unknown';
  if (type !== 'account') return { reason: `the JWT is of type "${type}", not "account"` };
  if (body.sub !== expectedKey) return { reason: `the JWT's subject ${String(body.sub)} does not match the file name` };
  return { claims: { sub: body.sub, iss: String(body.iss ?? ''), name: typeof body.name === 'string' ? body.name : null, type } };
}
