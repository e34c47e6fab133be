// '\u00b5s' is Go's micro sign; escaped, because the bundle must stay ASCII (scripts/build.mjs).
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A nats-server duration as milliseconds: Go's `1m30s`, `500ms`, `2h`; a bare number is seconds, as
 * nats-server reads it. Null for anything else.
 */
export function durationMs(value: unknown): number | null {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') return null;
  const parts = [...value.trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value.trim()) return null;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNIT_MS[p[2] ?? ''] ?? 0), 0);
}
