import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configuredRemotes, matchRemotes, remoteName, solicitedConnections } from '../../../src/nats-server/leaf-remotes.js';

const conn = (ip: string, port: number, account = '$G', is_spoke?: boolean) => ({ ip, port, account, ...(is_spoke === undefined ? {} : { is_spoke }) });

describe('leaf remotes: configured against connected', () => {
  it('when each remote has a connection at one of its addresses then every remote is connected', () => {
    const remotes = configuredRemotes({ leaf: { remotes: [{ local_account: '$G', urls: ['127.0.0.1:7001'] }, { urls: ['10.0.0.2:7422', '10.0.0.3:7422'] }] } });
    const matched = matchRemotes(remotes, solicitedConnections({ leafs: [conn('10.0.0.3', 7422, '$G', true), conn('127.0.0.1', 7001, '$G', true)] }));
    assert.deepEqual(
      matched.map((r) => r.connected),
      [true, true],
    );
  });

  it('when a connection was accepted rather than dialled (is_spoke false) then it connects no remote', () => {
    const remotes = [{ account: '$G', urls: ['127.0.0.1:7001'] }];
    assert.deepEqual(
      matchRemotes(remotes, solicitedConnections({ leafs: [conn('127.0.0.1', 7001, '$G', false)] })).map((r) => r.connected),
      [false],
    );
  });

  it('when a remote is named by a host name (/leafz shows the IP) then a left-over connection of its account counts', () => {
    const remotes = [
      { account: 'A', urls: ['127.0.0.1:7001'] },
      { account: 'A', urls: ['hub.example:7422'] },
      { account: 'B', urls: ['hub.example:7423'] },
    ];
    const matched = matchRemotes(remotes, solicitedConnections({ leafs: [conn('192.0.2.7', 7422, 'A'), conn('127.0.0.1', 7001, 'A')] }));
    assert.deepEqual(
      matched.map((r) => r.connected),
      [true, true, false],
    );
  });

  it('when one connection could serve two remotes then it is counted once', () => {
    const remotes = [
      { account: '$G', urls: ['127.0.0.1:7001'] },
      { account: '$G', urls: ['127.0.0.1:7001'] },
    ];
    assert.deepEqual(
      matchRemotes(remotes, solicitedConnections({ leafs: [conn('127.0.0.1', 7001)] })).map((r) => r.connected),
      [true, false],
    );
  });

  it('when /varz has no leaf section then there are no remotes', () => {
    assert.deepEqual(configuredRemotes({}), []);
  });

  it('names a remote by its URLs, and its account when not the global one', () => {
    assert.equal(remoteName({ account: '$G', urls: ['a:1', 'b:2'] }), 'a:1,b:2');
    assert.equal(remoteName({ account: 'ACC', urls: ['a:1'] }), 'a:1 (account ACC)');
  });
});
