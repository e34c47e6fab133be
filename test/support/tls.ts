import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A fresh self-signed cert for 127.0.0.1 written as `name.crt` / `name.key` in `dir`; returns the paths. */
export async function makeCert(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key };
}

/** The sha256 fingerprint of the certificate nats-server presents: read its INFO, then upgrade to TLS. */
export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('data', () => {
      const secure = tlsConnect({ socket, rejectUnauthorized: false, servername: undefined });
      secure.once('secureConnect', () => {
        resolve(secure.getPeerCertificate().fingerprint256);
        secure.destroy();
      });
      secure.once('error', reject);
    });
  });
}
