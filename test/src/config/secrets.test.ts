import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretsIn } from '../../../src/config/secrets.js';

describe('the secrets a config spells out', () => {
  it('when keys hold secrets in each form nats-server reads then each value is found, unescaped', () => {
    const text = [
      'authorization { user: a, password: "p\\"w\\\\1 x" }',
      "accounts { A: { users: [ { user: u, pass: 'single q' } ] } }",
      'authorization { token = bare-token-1 }',
      '"secret": "json-form"',
      'seed SUAB',
      '# rotate the password periodically',
      '  // and the token whenever',
    ].join('\n');
    assert.deepEqual(secretsIn(text).sort(), ['SUAB', 'bare-token-1', 'json-form', 'p"w\\1 x', 'single q'].sort());
  });

  it("when URLs hold userinfo then each password (or token) is found, to the URL's last @", () => {
    const text = [
      'routes: ["nats://ruser:ab/cd+Ef9==@h:6222", nats://r2:bare/pw@h:6223]',
      "remotes: [ { url: 'nats-leaf://leafuser:p@ss@w0rd@host' } ]",
      'gateways: [ { url: "nats://only-a-token@h" } ]',
      'listen: nats://no-userinfo:4222',
    ].join('\n');
    const pieces = ['ruser:ab', 'cd+Ef9==', 'r2:bare', 'pw'];
    assert.deepEqual(secretsIn(text).sort(), ['ab/cd+Ef9==', 'bare/pw', 'only-a-token', 'p@ss@w0rd', ...pieces].sort());
  });
});
