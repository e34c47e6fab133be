/** Go's largest int64: a byte count past it is rejected by Go as an overflow. */
const MAX_INT64 = 2n ** 63n - 1n;
const UNITS: Record<string, bigint> = { B: 1n, KiB: 1024n, MiB: 1024n ** 2n, GiB: 1024n ** 3n, TiB: 1024n ** 4n };

/**
 * GOMEMLIMIT as the Go runtime reads it (runtime/mgcpacer.go `readGOMEMLIMIT`, runtime/string.go
 * `parseByteCount`): `off`, or a non-negative whole number of bytes with an optional B, KiB, MiB, GiB or TiB
 * (never MB or GB), within int64. Returns the bytes (Infinity for `off`), or null where Go would stop the
 * process at once with "malformed GOMEMLIMIT".
 */
export function parseGoMemLimit(text: string): number | null {
  if (text === 'off') return Infinity;
  const m = /^(-?\d+)(B|KiB|MiB|GiB|TiB)?$/.exec(text);
  if (!m) return null;
  const n = BigInt(m[1]!);
  if (n < 0n) return null;
  const bytes = n * UNITS[m[2] ?? 'B']!;
  return bytes > MAX_INT64 ? null : Number(bytes);
}
