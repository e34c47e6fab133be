import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { KeyPair } from '@nats-io/nkeys';

// @nats-io/nkeys derives the key pair from the seed in pure JS on every call (~9 ms each, several per
// JWT): 5000 accounts took minutes to generate. The same ed25519 keys through node:crypto take microseconds.

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The nkey text of a public key: prefix byte, the 32 key bytes, CRC-16/XMODEM little-endian, base32. */
function encodePublic(prefixByte: number, raw: Uint8Array): string {
  const body = Buffer.concat([Buffer.from([prefixByte]), raw]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE(crc16(body));
  return base32(Buffer.concat([body, crc]));
}

/** Wraps an nkeys pair: same keys and signatures, computed by node:crypto and cached. */
export function fastKeyPair(inner: KeyPair): KeyPair {
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, (inner as KeyPair & { getRawSeed(): Uint8Array }).getRawSeed()]),
    format: 'der',
    type: 'pkcs8',
  });
  const raw = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  const prefixByte = inner.getSeed()[1]!; // the seed's second character encodes the key type...
  const publicKey = encodePublic(publicPrefix(String.fromCharCode(prefixByte)), raw);
  let privateText: Uint8Array | null = null;
  return {
    getPublicKey: () => publicKey,
    getSeed: () => inner.getSeed(),
    getPrivateKey: () => (privateText ??= inner.getPrivateKey()),
    sign: (input: Uint8Array) => new Uint8Array(sign(null, input, privateKey)),
    verify: (input: Uint8Array, sig: Uint8Array) => inner.verify(input, sig),
    clear: () => inner.clear(),
    seal: (...a: Parameters<KeyPair['seal']>) => inner.seal(...a),
    open: (...a: Parameters<KeyPair['open']>) => inner.open(...a),
  };
}

/** ...and the public key's prefix byte follows from it: O → operator, A → account, U → user. */
function publicPrefix(letter: string): number {
  const byLetter: Record<string, number> = { O: 14 << 3, A: 0, U: 20 << 3 };
  const prefix = byLetter[letter];
  if (prefix === undefined) throw new Error(`fastKeyPair: unsupported key type ${letter}`);
  return prefix;
}
