import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planPurge, type PurgeFacts } from '../../../src/operator/purge-rules.js';

const key = (c: string): string => `A${c.repeat(55)}`;
const SYS = key('S');
const KEPT = key('K');
const GONE = key('G');
const dir = (name: string) => ({ name, isDirectory: true });

/** Every rule holds: GONE has JetStream data and left the resolver. Each test breaks one rule. */
const base = (): PurgeFacts => ({
  mode: 'on',
  sysCredsSet: true,
  resolverAccounts: new Set([SYS, KEPT]),
  systemAccount: SYS,
  storeEntries: [dir(KEPT), dir(GONE), dir(SYS)],
});

describe('purge rules (contract: all must hold)', () => {
  it('when every rule holds then only the account that left the resolver is purged', () => {
    const plan = planPurge(base());
    assert.deepEqual(plan.purge, [GONE]);
    assert.equal(plan.blocked, null);
  });

  const blocking: [string, Partial<PurgeFacts>, RegExp][] = [
    ['NATS_JETSTREAM_PURGE is off', { mode: 'off' }, /is off/],
    ['no system creds are set', { sysCredsSet: false }, /NATS_SYS_USER_CRED_PATH/],
    ['the resolver dir cannot be read', { resolverAccounts: null }, /could not be read/],
    ['the resolver dir is empty', { resolverAccounts: new Set() }, /no account besides the system account/],
    ['the resolver dir holds only the system account', { resolverAccounts: new Set([SYS]) }, /no account besides the system account/],
    ['the store cannot be read', { storeEntries: null }, /store dir could not be read/],
  ];
  for (const [what, change, reason] of blocking) {
    it(`when ${what} then nothing is purged and the reason is given`, () => {
      const plan = planPurge({ ...base(), ...change });
      assert.deepEqual(plan.purge, []);
      assert.match(plan.blocked ?? '', reason);
    });
  }

  const protectedEntries: [string, { name: string; isDirectory: boolean }, RegExp][] = [
    ['a file, not a directory', { name: key('F'), isDirectory: false }, /not a directory/],
    ['$G (the global account)', dir('$G'), /not named as an account public key/],
    ['a config-file account name', dir('APP'), /not named as an account public key/],
    ['.snap-staging', dir('.snap-staging'), /not named as an account public key/],
    ['the system account', dir(SYS), /system account/],
    ['an account still in the resolver', dir(KEPT), /still in the resolver/],
  ];
  for (const [what, entry, reason] of protectedEntries) {
    it(`when the store holds ${what} then it is protected`, () => {
      const plan = planPurge({ ...base(), storeEntries: [entry, dir(GONE)] });
      assert.deepEqual(plan.purge, [GONE]);
      assert.match(plan.protected.find((p) => p.name === entry.name)?.reason ?? '', reason);
    });
  }

  it('when the system account is not known then an account dir named like it is still never purged if in the resolver', () => {
    const plan = planPurge({ ...base(), systemAccount: null, resolverAccounts: new Set([SYS, KEPT]) });
    assert.deepEqual(plan.purge, [GONE]);
  });
});
