import { statSync } from 'node:fs';
import path from 'node:path';
import { OutOfFileDescriptors, readRegular } from '../util/read-file.js';

/**
 * The nats-server configuration format, read the way nats-server reads it (conf/lex.go, conf/parse.go):
 * `key: value`, `key = value`, `key value`, maps `{}` and arrays `[]`, quoted and bare strings, comments
 * (`#`, `//`), `include` relative to the including file, and `$VAR` from config variables in scope, then
 * the environment. Numbers with size suffixes stay numbers (1KB = 1024, 1K = 1000), durations stay strings.
 */
export type ConfValue = string | number | boolean | ConfValue[] | ConfMap;
export interface ConfMap {
  [key: string]: ConfValue;
}

export class ConfError extends Error {
  override readonly name = 'ConfError';
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

/**
 * A config nats-server must not even be asked about: `nats-server -t` loops through an include cycle for
 * seconds and gigabytes before it dumps its stack, and blocks for good on a FIFO.
 */
export class ConfHazard extends Error {
  override readonly name = 'ConfHazard';
}

/** A config file's text, read without blocking: a FIFO or device is refused, never read. */
export function readConfText(file: string): string {
  const read = readRegular(file);
  if (read?.kind === 'file') return read.bytes.toString('utf8');
  const kind = (() => {
    try {
      const st = statSync(file);
      return st.isDirectory() ? 'directory' : st.isFIFO() ? 'FIFO' : 'special';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? 'unreadable';
    }
  })();
  if (kind === 'FIFO' || kind === 'special') throw new ConfHazard(`${file} is a ${kind === 'FIFO' ? 'named pipe (FIFO)' : 'special file'}, not a regular file`);
  throw new Error(kind === 'directory' ? `${file} is a directory, not a file` : `cannot read ${file} (${kind})`);
}

interface ParseState {
  text: string;
  pos: number;
  file: string;
  env: Record<string, string | undefined>;
  includes: string[];
  scopes: ConfMap[];
  /** The files being read, outermost first: an include of one of them is a cycle. */
  chain: string[];
}

const SIZES: Record<string, number> = {
  k: 1000,
  kb: 1024,
  ki: 1024,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1000 ** 4,
  tb: 1024 ** 4,
};

const lineOf = (s: ParseState): number => s.text.slice(0, s.pos).split('\n').length;
const fail = (s: ParseState, message: string): never => {
  throw new ConfError(s.file, lineOf(s), message);
};

function skipSpace(s: ParseState, newlines: boolean): void {
  for (;;) {
    const c = s.text[s.pos];
    if (c === ' ' || c === '\t' || c === '\r' || (newlines && (c === '\n' || c === ',' || c === ';'))) s.pos++;
    else if (c === '#' || (c === '/' && s.text[s.pos + 1] === '/')) while (s.pos < s.text.length && s.text[s.pos] !== '\n') s.pos++;
    else return;
  }
}

function quoted(s: ParseState): string {
  const q = s.text[s.pos++];
  let out = '';
  while (s.pos < s.text.length && s.text[s.pos] !== q) {
    const c = s.text[s.pos++]!;
    if (c === '\\' && q === '"') {
      const e = s.text[s.pos++];
      out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : (e ?? '');
    } else out += c;
  }
  if (s.text[s.pos++] !== q) fail(s, 'unterminated string');
  return out;
}

function bare(s: ParseState, stop: RegExp): string {
  const start = s.pos;
  // `//` after white space opens a comment; right after a scheme (`nats://`) it is part of the value.
  while (s.pos < s.text.length && !stop.test(s.text[s.pos]!)) {
    if (s.text.startsWith('//', s.pos) && /\s/.test(s.text[s.pos - 1] ?? ' ')) break;
    s.pos++;
  }
  return s.text.slice(start, s.pos).trim();
}

function lookup(s: ParseState, name: string): ConfValue {
  for (let i = s.scopes.length - 1; i >= 0; i--) if (name in s.scopes[i]!) return s.scopes[i]![name]!;
  const env = s.env[name];
  if (env !== undefined) return env;
  return fail(s, `variable reference for '${name}' on line ${lineOf(s)} can not be found`);
}

function scalar(s: ParseState, raw: string): ConfValue {
  if (raw.startsWith('$')) return lookup(s, raw.slice(1));
  const lower = raw.toLowerCase();
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (['false', 'no', 'off'].includes(lower)) return false;
  const m = /^(-?\d+(?:\.\d+)?)([a-z]*)$/i.exec(raw);
  if (m && (m[2] === '' || SIZES[m[2]!.toLowerCase()] !== undefined)) return Number(m[1]) * (SIZES[m[2]!.toLowerCase()] ?? 1);
  return raw;
}

function value(s: ParseState, stop: RegExp): ConfValue {
  const c = s.text[s.pos];
  if (c === '{') {
    s.pos++;
    const map = body(s, '}');
    return map;
  }
  if (c === '[') {
    s.pos++;
    const arr: ConfValue[] = [];
    for (;;) {
      skipSpace(s, true);
      if (s.text[s.pos] === ']') return (s.pos++, arr);
      if (s.pos >= s.text.length) fail(s, 'unterminated array');
      arr.push(value(s, /[\n,\]#]/));
    }
  }
  if (c === '"' || c === "'") return quoted(s);
  return scalar(s, bare(s, stop));
}

/**
 * Where nats-server opens an include: joined onto the including file's directory, an absolute-looking path
 * too (checked on 2.9, 2.10 and 2.15: `include "/etc/x.conf"` in /conf/server.conf opens /conf/etc/x.conf).
 */
export const includePath = (includingFile: string, target: string): string => path.join(path.dirname(includingFile), target);

function include(s: ParseState, target: ConfMap): void {
  skipSpace(s, false);
  const rel = s.text[s.pos] === '"' || s.text[s.pos] === "'" ? quoted(s) : bare(s, /[\s;,}#]/);
  const file = includePath(s.file, rel);
  s.includes.push(file);
  if (s.chain.includes(file)) {
    throw new ConfHazard(
      `include cycle: ${[...s.chain.slice(s.chain.indexOf(file)), file].map((f) => path.basename(f)).join(' -> ')} (${s.file}:${lineOf(s)})`,
    );
  }
  const text = (() => {
    try {
      return readConfText(file);
    } catch (err) {
      if (err instanceof ConfHazard || err instanceof OutOfFileDescriptors) throw err;
      return fail(s, `error opening include file '${rel}'`);
    }
  })();
  const inner: ParseState = { ...s, text, pos: 0, file, scopes: s.scopes, chain: [...s.chain, file] };
  Object.assign(target, body(inner, null));
}

function body(s: ParseState, close: '}' | null): ConfMap {
  const map: ConfMap = {};
  s.scopes.push(map);
  for (;;) {
    skipSpace(s, true);
    if (s.pos >= s.text.length) {
      if (close) fail(s, `unexpected end of file, expected '${close}'`);
      break;
    }
    if (close && s.text[s.pos] === close) {
      s.pos++;
      break;
    }
    const key = s.text[s.pos] === '"' || s.text[s.pos] === "'" ? quoted(s) : bare(s, /[\s:={[#]/);
    if (key === '') fail(s, `unexpected '${s.text[s.pos]}'`);
    // nats-server reads its keywords in any case: `INCLUDE` and `Include` include too.
    if (key.toLowerCase() === 'include') {
      include(s, map);
      continue;
    }
    skipSpace(s, false);
    if (s.text[s.pos] === ':' || s.text[s.pos] === '=') s.pos++;
    skipSpace(s, false);
    map[key] = value(s, close ? /[\n,;}#]/ : /[\n,;#]/);
  }
  s.scopes.pop();
  return map;
}

export interface ParsedConf {
  config: ConfMap;
  includes: string[];
}

/** Parses `file` (and what it includes). Throws ConfError with file and line for what it cannot read. */
export function parseConfFile(file: string, env: Record<string, string | undefined> = process.env): ParsedConf {
  const abs = path.resolve(file);
  const state: ParseState = { text: readConfText(abs), pos: 0, file: abs, env, includes: [], scopes: [], chain: [abs] };
  return { config: body(state, null), includes: state.includes };
}

/** Case-insensitive lookup along a path of keys: nats-server keys are case-insensitive. */
export function confGet(map: ConfValue | undefined, ...keys: string[]): ConfValue | undefined {
  let cur: ConfValue | undefined = map;
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    const found: string | undefined = Object.keys(cur).find((x) => x.toLowerCase() === k.toLowerCase());
    cur = found === undefined ? undefined : cur[found];
  }
  return cur;
}
