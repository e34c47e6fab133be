/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { chartGraph } from '../../src/graph/chart-graph.js';
import { renderGraph } from '../../src/graph/render.js';
import { basicConfig, makeLayout, removeLayout } from '../support/layout.js';
import { freePort } from '../support/ports.js';
import { SupervisorProcess } from '../support/supervisor-process.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = path.join(REPO, 'test-artifacts');
let browser: Browser;
const cleanup: (() => Promise<void>)[] = [];

describe('the live statechart page in a real browser', () => {
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await browser?.close();
  });

  it('when opened on 1280x800 then every state is drawn in the window, the active one lit, and an edit moves it through reloading to idle', async () => {
    const l = await makeLayout('page');
    const port = await freePort();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    const sup = SupervisorProcess.start(l, { NATS_STATUS_ADDR: `127.0.0.1:${port}` });
    cleanup.push(
      () => removeLayout(l),
      () => sup.dispose(),
    );
    await sup.waitForState('running.idle');
    // Watching starts once nats-server is ready: an edit before that is caught up with, and may take two actions.
    await sup.waitForLog('watching', (x) => x.msg === 'watching');

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${port}/`)) offsite.push(r.url());
    });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.querySelectorAll('.state.active').length > 0, undefined, { timeout: 15_000 });

    const drawn = await page.$$eval('.state', (els) => els.map((e) => e.getAttribute('data-path')));
    const expected = chartGraph()
      .nodes.filter((n) => n.path !== '')
      .map((n) => n.path);
    assert.deepEqual(drawn.filter((p) => p !== 'any').sort(), expected.sort());
    // The lifecycle's state and, beside it, each region's (docs/statechart.md), with the states that hold them.
    const { regions } = (await (await fetch(`http://127.0.0.1:${port}/state`)).json()) as { regions: string[] };
    const withParents = (p: string): string[] => p.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'));
    const lit = [...new Set(['running.idle', ...regions].flatMap(withParents))].sort();
    assert.ok(regions.includes('server.up.catchUp.caughtUp') && regions.includes('readiness.ready'), regions.join(' '));
    assert.deepEqual((await page.$$eval('.state.active', (els) => els.map((e) => e.getAttribute('data-path')))).sort(), lit);
    assert.ok((await page.$$eval('.edge', (els) => els.length)) >= chartGraph().edges.length - 3, 'transitions drawn');
    const outside = await page.$$eval('.state > rect:first-of-type', (rects) =>
      rects.flatMap((r) => {
        const b = r.getBoundingClientRect();
        const inside = b.left >= 0 && b.top >= 0 && b.right <= window.innerWidth && b.bottom <= window.innerHeight;
        return inside
          ? []
          : [`${r.parentElement!.getAttribute('data-path')} at ${Math.round(b.left)},${Math.round(b.top)}-${Math.round(b.right)},${Math.round(b.bottom)}`];
      }),
    );
    assert.deepEqual(outside, [], 'every state lies inside the 1280x800 window after load');

    const from = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    await sup.waitForOutcome({ from });
    await page.waitForFunction(
      () => {
        const trail = (window as unknown as { iofogTrail: string[] }).iofogTrail;
        return trail.some((s) => s.startsWith('reloading.')) && trail.at(-1) === 'running.idle';
      },
      undefined,
      { timeout: 10_000 },
    );
    const trail = await page.evaluate(() => (window as unknown as { iofogTrail: string[] }).iofogTrail);
    const reloadAt = trail.findIndex((s) => s.startsWith('reloading.'));
    assert.ok(reloadAt > 0 && trail.slice(reloadAt).includes('running.idle'), trail.join(' → '));
    assert.match((await page.textContent('#reload')) ?? '', /1 · last applied \(config\)/);
    assert.match((await page.textContent('#transitions')) ?? '', /reloading\.confirming\s+← reload markers read; sending SIGHUP/);
    assert.doesNotMatch((await page.textContent('#transitions')) ?? '', /xstate\./, "the operator's words, not xstate's names");
    assert.match((await page.getAttribute('#transitions li:first-child', 'title')) ?? '', /^xstate\.done\.actor\./, 'the raw name in the tooltip');
    assert.match((await page.textContent('#drift')) ?? '', /^in step/);

    // An invalid edit: the drift summary names the cause and nats-server's message.
    const bad = sup.mark();
    await writeFile(l.conf, basicConfig(l, 'max_payloadx: 5'));
    await sup.waitForOutcome({ from: bad });
    await page.waitForFunction(() => /config behind since/.test(document.getElementById('drift')!.textContent ?? ''), undefined, { timeout: 10_000 });
    assert.match((await page.textContent('#drift')) ?? '', /config behind since \d\d:\d\d:\d\d: rejected: nats-server rejected .*max_payloadx/);

    await page.waitForFunction(() => document.getAnimations().length === 0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'statechart-page.png') });
    assert.deepEqual(errors, []);
    assert.deepEqual(offsite, [], 'the page fetches nothing from elsewhere');
  });

  it('when zoomed in then the active state is kept in view as it moves, and Fit shows everything again', async () => {
    const l = await makeLayout('page-zoom');
    const port = await freePort();
    await writeFile(l.conf, basicConfig(l, 'max_payload: 1000000'));
    const sup = SupervisorProcess.start(l, { NATS_STATUS_ADDR: `127.0.0.1:${port}`, NATS_RELOAD_DEBOUNCE_MS: '1500' });
    cleanup.push(
      () => removeLayout(l),
      () => sup.dispose(),
    );
    await sup.waitForState('running.idle');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.querySelectorAll('.state.active').length > 0, undefined, { timeout: 15_000 });
    // The lifecycle's state is the one kept in view (the regions' are lit where they are).
    const activeInView = () =>
      page.$eval('svg', (svg) => {
        const current = (window as unknown as { iofogTrail: string[] }).iofogTrail.at(-1);
        const leaf = document.querySelector(`.state.active[data-path="${current}"] rect`)!.getBoundingClientRect();
        const view = svg.getBoundingClientRect();
        return leaf.left >= view.left && leaf.top >= view.top && leaf.right <= view.right && leaf.bottom <= view.bottom;
      });
    for (let i = 0; i < 5; i++) await page.click('#zoom-in');
    const zoomed = await page.$eval('svg', (svg) => (svg as SVGSVGElement).viewBox.baseVal.width);
    await writeFile(l.conf, basicConfig(l, 'max_payload: 2000000'));
    await page.waitForFunction(() => (window as unknown as { iofogTrail: string[] }).iofogTrail.at(-1) === 'running.settling', undefined, { timeout: 10_000 });
    assert.ok(await activeInView(), 'running.settling is in view');
    assert.equal(await page.$eval('svg', (svg) => (svg as SVGSVGElement).viewBox.baseVal.width), zoomed, 'at the same zoom');
    await page.click('#fit');
    const all = await page.$$eval('.state > rect:first-of-type', (rects) =>
      rects.every((r) => {
        const b = r.getBoundingClientRect();
        return b.left >= 0 && b.top >= 0 && b.right <= window.innerWidth && b.bottom <= window.innerHeight;
      }),
    );
    assert.ok(all, 'Fit shows every state');
  });

  it('when the Mermaid output is given to the Mermaid parser then it is accepted', async () => {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: path.join(REPO, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
    const result = await page.evaluate(async (text) => {
      const m = (window as unknown as { mermaid: { parse(t: string): Promise<unknown> } }).mermaid;
      try {
        return { ok: Boolean(await m.parse(text)), error: null };
      } catch (err) {
        return { ok: false, error: String(err) };
      }
    }, renderGraph('mermaid'));
    assert.deepEqual(result, { ok: true, error: null });
  });
});
