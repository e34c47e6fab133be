import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFleet } from '../../../src/commands/inspect-all.js';
import type { FleetRow } from '../../../src/fleet/fleet-survey.js';
import type { StatusDocument } from '../../../src/status/model.js';

function row(name: string, over: { version?: string; state?: string; drift?: boolean; ready?: boolean; digest?: string; stop?: string } = {}): FleetRow {
  const status = {
    state: over.state ?? 'running.idle',
    mode: 'server',
    server: {
      ready: over.ready ?? true,
      caughtUp: true,
      restarts: 1,
      crashes: 0,
      leaveBlocked: null,
      goMemLimit: { value: '800MiB', containerBytes: 1024 ** 3 },
      configDigest: over.digest ?? '0123456789ab',
      stopPlan: over.stop ?? 'lame-duck within the 30 s grace',
    },
    restart: null,
    drift: { inStep: !over.drift, causes: over.drift ? [{ cause: 'config', inStep: false }] : [] },
    reloads: { last: { outcome: 'applied', at: '2026-12-06T10:00:05.000Z' } },
    leaf: null,
  } as unknown as StatusDocument;
  const spare =
    over.ready === false
      ? { mayLeave: false, reasons: ['stream MEM (led here) would keep 1 current replica', 'stream FILE has no leader'] }
      : { mayLeave: true, reasons: [] };
  return { name, metadata: { mode: 'server', nats_server_version: over.version ?? '2.15.1', supervisor_version: '0.1.0' }, status, spare, error: null };
}

describe('inspect --all, as a person reads it', () => {
  it('when three members answer alike then one row each and the footer says what they all run', () => {
    const text = formatFleet({ rows: [row('n0'), row('n1'), row('n2')], missing: [] });
    assert.equal(text.split('\n').filter((l) => /^n\d /.test(l)).length, 3);
    assert.match(text, /^n0 +server +running\.idle +yes +yes +in step +applied 10:00:05 +1\/0 +800MiB of 1024MiB +- +yes$/m);
    assert.match(text, /^every member runs nats-server 2\.15\.1, supervisor 0\.1\.0, config 0123456789ab$/m);
  });

  it('when one member runs another config or version and one is missing then the footer and its row say so', () => {
    const text = formatFleet({ rows: [row('n0', { drift: true }), row('n1', { version: '2.14.0', ready: false })], missing: ['n2'] });
    assert.match(text, /^n1 .* NO: stream MEM \(led here\) would keep 1 current replica \(\+1\)$/m);
    assert.match(text, /^n0 .* config /m);
    assert.match(text, /^n2 +- +MISSING: named by the meta layer, did not answer$/m);
    assert.match(text, /^differs: nats-server: 2\.15\.1 \(n0\); 2\.14\.0 \(n1\)$/m);
    assert.match(text, /^differs: config: drifted \(n0\); in step \(n1\)$/m);
    assert.doesNotMatch(text, /^every member runs/m);
  });

  it("when one member's mount holds another config and another stops otherwise then the footer says so", () => {
    const text = formatFleet({ rows: [row('n0', { digest: 'ffffffffffff', stop: 'term within the 10 s grace' }), row('n1'), row('n2')], missing: [] });
    assert.match(text, /^differs: config digest: ffffffffffff \(n0\); 0123456789ab \(n1, n2\)$/m);
    assert.match(text, /^differs: stop plan: term within the 10 s grace \(n0\); lame-duck within the 30 s grace \(n1, n2\)$/m);
  });
});
