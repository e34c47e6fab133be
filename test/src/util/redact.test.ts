import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAccount, createUser } from '@nats-io/nkeys';
import { knowSecrets, redact } from '../../../src/util/redact.js';

const SECRET = 's3cret-Value_1';

describe('redact', () => {
  const seed = new TextDecoder().decode(createUser().getSeed());
  const accountSeed = new TextDecoder().decode(createAccount().getSeed());
  const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJBQkNERUZHSCIsImlhdCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlc2lnbmF0dXJl';
  const cases: [string, string][] = [
    ['leaf URL userinfo', `error parsing leafnode url ["nats-leaf://bob:${SECRET}@127.0.0.1:7422 x"]`],
    ['route URL userinfo', `routes: [nats-route://ruser:${SECRET}@10.0.0.2:6222]`],
    ['a token as userinfo', `url: nats://${SECRET}@host:4222`],
    ['password: value', `authorization { user: bob, password: ${SECRET} }`],
    ['password = "value"', `password = "${SECRET}"`],
    ['password value', `password ${SECRET}`],
    ['token', `authorization { token: '${SECRET}' }`],
    ['a user seed', `seed ${seed}`],
    ['an account seed in prose', `bad key ${accountSeed} here`],
    ['a JWT', `account jwt ${jwt} is invalid`],
    [
      'a creds block',
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------`,
    ],
  ];
  for (const [what, text] of cases) {
    it(`when a message holds ${what} then the secret is gone and the rest stays`, () => {
      const out = redact(text);
      for (const secret of [SECRET, seed, accountSeed, jwt]) assert.ok(!out.includes(secret), `${out} still holds ${secret.slice(0, 8)}…`);
      assert.match(out, /\[redacted\]/);
    });
  }

  it('when a message holds no secret then it is left as it is', () => {
    for (const text of [
      'Reloaded server configuration',
      "caught up: nats-server's full /healthz passed",
      'nats-leaf://127.0.0.1:7422',
      "JetStream stream '$G > FILL' is not current",
      'user: bob, nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4',
    ]) {
      assert.equal(redact(text), text);
    }
  });

  for (const [url, shown] of [
    ['nats://ruser:ab/cd+Ef9==@host:6222', 'nats://ruser:[redacted]@host:6222'],
    ['nats-leaf://leafuser:p@ss@w0rd@host', 'nats-leaf://leafuser:[redacted]@host'],
    ['nats://tok/en@with@host:4222', 'nats://[redacted]@host:4222'],
    ['nats://ruser:a\\"b@host', 'nats://ruser:[redacted]@host'],
  ]) {
    it(`when a URL's userinfo holds / + = @ or a quoted quote (${url}) then it is redacted to its last @, as Go's net/url reads it`, () => {
      assert.equal(redact(`error parsing route url ["${url}"]`), `error parsing route url ["${shown}"]`);
    });
  }

  it('when the config spelled out a secret then it is redacted wherever it appears, as it is and as nats-server quotes it', () => {
    const secret = 'a b"c\\d ~MARK1~';
    knowSecrets([secret, 'short']);
    const quoted = secret.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
    for (const text of [`url ["nats://u:${quoted}@h:1"]`, `prose ${secret} prose`]) assert.doesNotMatch(redact(text), /MARK1/);
    assert.equal(redact('short stays'), 'short stays', 'a value under MIN_KNOWN_SECRET is left to the patterns');
  });

  it('when two known secrets overlap then neither shields the other: every character either covers is redacted', () => {
    // A URL's first piece (user and the password up to a `/`) and another password starting inside it.
    knowSecrets(['127.0.0.1:OVL', 'OVL d.;AC\\MARK2~(']);
    const shown = redact('url ["nats://127.0.0.1:OVL d.;AC\\\\MARK2~(@127.0.0.1:1"] and 127.0.0.1:OVL d.;AC\\MARK2~( again');
    assert.doesNotMatch(shown, /OVL|MARK2/);
    assert.match(shown, /nats:\/\/\[redacted\]@127\.0\.0\.1:1"\] and \[redacted\] again/);
  });

  it('when a user is named in a URL then the user stays and only the password goes', () => {
    assert.equal(redact(`nats://bob:${SECRET}@h:4222`), 'nats://bob:[redacted]@h:4222');
  });
});
