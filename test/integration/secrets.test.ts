import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { perTestCleanup } from '../support/cleanup.js';
import { basicConfig } from '../support/layout.js';
import { CLI, inspect } from '../support/inspect.js';
import { serverLine, superviseLayout } from '../support/supervise.js';

const run = promisify(execFile);
const cleanup = perTestCleanup();
const SECRET = 'Pa55-w0rd_never-seen';

describe(`secrets in what the supervisor says, on nats-server ${serverLine()}`, () => {
  it('when a rejected config quotes a URL with its password then no surface shows the password: log, /state, /events, inspect, check', async () => {
    const { l, sup, base } = await superviseLayout(cleanup, 'secrets', { status: true, waitFor: 'running.idle' });
    const events = new AbortController();
    cleanup.push(() => events.abort());
    const streamed = fetch(`${base}/events`, { signal: events.signal }).then(async (res) => {
      let text = '';
      const reader = res.body!.getReader();
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) text += Buffer.from(r.value).toString();
      } catch {
        // aborted: what came so far is the answer
      }
      return text;
    });
    const from = sup.mark();
    // A stray space in the URL: nats-server -t rejects it and quotes the line.
    await writeFile(l.conf, basicConfig(l, `leafnodes { remotes: [ { url: "nats-leaf://bob:${SECRET}@127.0.0.1:7422 x" } ] }`));
    const outcome = await sup.waitForOutcome({ from });
    assert.equal(outcome.outcome, 'rejected');
    assert.match(String(outcome.error), /bob:\[redacted\]@127\.0\.0\.1/, 'the error still says which URL');

    const state = await (await fetch(`${base}/state`)).text();
    const inspected = (await inspect(l, '--json')).stdout + (await inspect(l)).stdout;
    const checked = await run(process.execPath, ['--import', 'tsx', CLI, 'check'], { env: { ...process.env, ...l.env } }).then(
      (r) => r.stdout + r.stderr,
      (e: { stdout: string; stderr: string }) => e.stdout + e.stderr,
    );
    events.abort();
    const surfaces = { log: sup.lines.map((x) => JSON.stringify(x)).join('\n'), state, events: await streamed, inspect: inspected, check: checked };
    for (const [surface, text] of Object.entries(surfaces)) {
      assert.ok(text.length > 0, `${surface} said something`);
      assert.ok(!text.includes(SECRET), `${surface} shows the password`);
    }
    assert.match(checked, /redacted/, 'check names the rejection without the password');
  });
});
