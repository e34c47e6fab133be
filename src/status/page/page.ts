import { readFileSync } from 'node:fs';
import type { ChartLayout } from './chart-layout.js';

const STYLE = `
:root { color-scheme: light dark; --bg: #fbfbfa; --fg: #1d1d1f; --muted: #6b6b70; --box: #ffffff; --line: #9a9aa2;
  --on: #0b7a5a; --onbg: #d7f5ea; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --bg: #151517; --fg: #ececef; --muted: #9c9ca3; --box: #1f1f23; --line: #6b6b73;
  --on: #4fd1a5; --onbg: #123a2e; --bad: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg);
  display: grid; grid-template-columns: minmax(0, 1fr) 320px; height: 100vh; overflow: hidden; }
main { position: relative; overflow: hidden; min-height: 0; }
#tools { position: absolute; top: 8px; left: 8px; display: flex; gap: 4px; }
#tools button { font: inherit; padding: 2px 8px; background: var(--box); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; cursor: pointer; }
aside { border-left: 1px solid var(--line); padding: 12px; overflow: auto; }
h1 { font-size: 15px; margin: 0 0 8px; }
dl { margin: 0 0 12px; }
dt { color: var(--muted); font-size: 11px; text-transform: uppercase; margin-top: 8px; }
dd { margin: 0; font-family: ui-monospace, monospace; }
#state { font-weight: 600; color: var(--on); }
.bad { color: var(--bad); } .ok { color: var(--on); }
ol { list-style: none; padding: 0; margin: 0; font-family: ui-monospace, monospace; font-size: 11px; }
li { padding: 2px 0; border-bottom: 1px dotted var(--line); }
svg { width: 100%; height: 100%; display: block; cursor: grab; touch-action: none; }
.edge .label { display: none; }
svg.zoomed .edge .label, .edge.taken .label { display: inline; }
.edge.taken .label { fill: var(--on); font-weight: 600; }
#drift div { margin-bottom: 2px; }
#fleet div { font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#fleet .muted { color: var(--muted); }
.state rect { fill: var(--box); stroke: var(--line); stroke-width: 1.2; transition: fill .3s, stroke .3s; }
.state.compound > rect { fill: transparent; stroke-dasharray: 4 3; }
.state.final .inner { fill: none; }
.state text { fill: var(--fg); font-size: 12px; }
.state.active > rect { fill: var(--onbg); stroke: var(--on); stroke-width: 2.5; }
.state.compound.active > rect { fill: transparent; stroke-dasharray: none; }
.state.active > text { fill: var(--on); font-weight: 600; }
.state.pulse > rect { animation: pulse .7s ease-out; }
@keyframes pulse { from { stroke-width: 7; } to { stroke-width: 2.5; } }
.edge polyline { fill: none; stroke: var(--line); stroke-width: 1; }
.edge text { fill: var(--muted); font-size: 10px; }
.edge.taken polyline { stroke: var(--on); stroke-width: 2.5; }
.arrowhead { fill: var(--line); }
`;

// Next to this module under src/, next to the bundle under dist/ (scripts/build.mjs copies it).
let script: string | null = null;
const pageScript = (): string => (script ??= readFileSync(new URL('./page-script.js', import.meta.url), 'utf8'));

const escapeJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

/** GET /: the whole page in one response, everything inline, nothing fetched from elsewhere. */
export function renderPage(layout: ChartLayout): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>iofog-nats — supervisor statechart</title><style>${STYLE}</style></head>
<body>
<main><svg id="chart" role="img" aria-label="supervisor statechart"></svg>
<div id="tools"><button id="fit" title="fit the chart to the window (0)">Fit</button>
<button id="zoom-in" title="zoom in (+)">+</button><button id="zoom-out" title="zoom out (-)">&minus;</button></div></main>
<aside>
  <h1>iofog-nats <small id="live">connecting…</small></h1>
  <dl>
    <dt>drift</dt><dd id="drift">…</dd>
    <dt>state</dt><dd id="state">…</dd>
    <dt>nats-server</dt><dd id="server">…</dd>
    <dt>cluster</dt><dd id="cluster">…</dd>
    <dt>fleet</dt><dd id="fleet">…</dd>
    <dt>reloads</dt><dd id="reload">…</dd>
    <dt>last error</dt><dd id="error">…</dd>
  </dl>
  <dt>recent transitions</dt>
  <ol id="transitions"></ol>
</aside>
<script type="application/json" id="layout">${escapeJson(layout)}</script>
<script>${pageScript()}</script>
</body></html>
`;
}

export const PAGE_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";
