import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { containerMemoryLimit, goMemLimit } from '../../../src/nats-server/memory-limit.js';

const MIB = 1024 * 1024;
const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A file system root with /proc/self/cgroup and the named cgroup files, as a container or host shows them. */
function fsRoot(cgroup: string, files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'iofog-nats-cgroup-'));
  roots.push(root);
  for (const [file, content] of Object.entries({ 'proc/self/cgroup': cgroup, ...files })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), `${content}\n`);
  }
  return root;
}

describe("the container's memory limit", () => {
  it('when cgroup v2 in its own namespace says a number then that is the limit', () => {
    assert.equal(containerMemoryLimit(fsRoot('0::/', { 'sys/fs/cgroup/memory.max': '268435456' })), 256 * MIB);
  });

  it('when cgroup v2 says max then there is no limit', () => {
    assert.equal(containerMemoryLimit(fsRoot('0::/', { 'sys/fs/cgroup/memory.max': 'max' })), null);
  });

  it("when cgroup v2 shows the host's path then the tightest limit on the way up applies", () => {
    const root = fsRoot('0::/kubepods/pod1/c1', {
      'sys/fs/cgroup/kubepods/pod1/c1/memory.max': 'max',
      'sys/fs/cgroup/kubepods/pod1/memory.max': String(512 * MIB),
      'sys/fs/cgroup/kubepods/memory.max': String(8192 * MIB),
    });
    assert.equal(containerMemoryLimit(root), 512 * MIB);
  });

  it('when cgroup v1 says a number then that is the limit, and its "no limit" number is none', () => {
    const v1 = '4:memory:/docker/abc\n0::/';
    assert.equal(containerMemoryLimit(fsRoot(v1, { 'sys/fs/cgroup/memory/memory.limit_in_bytes': String(300 * MIB) })), 300 * MIB);
    assert.equal(containerMemoryLimit(fsRoot(v1, { 'sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })), null);
  });

  it('when nothing can be read then there is no limit', () => {
    assert.equal(containerMemoryLimit(fsRoot('garbage', {})), null);
    assert.equal(containerMemoryLimit(fsRoot('0::/', { 'sys/fs/cgroup/memory.max': 'twelve' })), null);
  });
});

describe('GOMEMLIMIT for nats-server', () => {
  const base = { env: undefined, percent: 80, containerBytes: 512 * MIB, supervisorBytes: 62 * MIB };

  it('when the container has a limit then it is the share of the limit less the supervisor, in whole MiB', () => {
    const limit = goMemLimit(base);
    assert.equal(limit.value, '360MiB');
    assert.equal(limit.source, 'container');
    assert.match(limit.detail, /80 % of the container's 512 MiB limit less the supervisor's 62 MiB/);
  });

  it('when GOMEMLIMIT is set then it wins, as given', () => {
    assert.deepEqual([goMemLimit({ ...base, env: '1GiB' }).value, goMemLimit({ ...base, env: '1GiB' }).source], ['1GiB', 'environment']);
  });

  it('when turned off or there is no limit then none is set', () => {
    assert.deepEqual([goMemLimit({ ...base, percent: null }).value, goMemLimit({ ...base, percent: null }).source], [null, 'off']);
    assert.deepEqual([goMemLimit({ ...base, containerBytes: null }).value, goMemLimit({ ...base, containerBytes: null }).source], [null, 'no limit']);
  });

  it('when the supervisor holds nearly all of a tiny limit then nats-server still gets at least 1 MiB', () => {
    assert.equal(goMemLimit({ ...base, containerBytes: 64 * MIB, supervisorBytes: 70 * MIB }).value, '1MiB');
  });
});
