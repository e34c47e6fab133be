import { redact } from './redact.js';

/**
 * A log call's arguments with every string in them redacted, however deep: what reaches the log is never
 * left to each caller to remember. An Error keeps its name, message and stack, each redacted.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) {
    const { name, message, stack } = value;
    return { type: name, message: redact(message), stack: stack === undefined ? undefined : redact(stack) };
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth + 1)]));
}
