// The live statechart page: draws the laid-out chart as SVG, follows /events and highlights the active state.
// Plain browser JavaScript, served inline by the supervisor: no framework, no CDN.
(function () {
  const layout = JSON.parse(document.getElementById('layout').textContent);
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.getElementById('chart');
  const el = (name, attrs, parent) => {
    const node = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    parent.appendChild(node);
    return node;
  };
  // The whole chart fits the window on load; the wheel zooms around the pointer, a drag pans, Fit (or 0) goes back.
  const full = { x: -10, y: -10, w: layout.width + 20, h: layout.height + 20 };
  let view = full;
  function setView(v) {
    view = v;
    svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
    svg.classList.toggle('zoomed', full.w / v.w >= 1.8);
  }
  setView(full);
  const toChart = (clientX, clientY) => {
    const m = svg.getScreenCTM().inverse();
    return { x: m.a * clientX + m.c * clientY + m.e, y: m.b * clientX + m.d * clientY + m.f };
  };
  function zoom(factor, at) {
    const w = Math.min(full.w, Math.max(full.w / 12, view.w / factor));
    const k = w / view.w;
    setView({ x: at.x - (at.x - view.x) * k, y: at.y - (at.y - view.y) * k, w, h: view.h * k });
  }
  svg.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, toChart(e.clientX, e.clientY));
    },
    { passive: false },
  );
  let drag = null;
  svg.addEventListener('pointerdown', (e) => {
    drag = { at: toChart(e.clientX, e.clientY) };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const now = toChart(e.clientX, e.clientY);
    setView({ ...view, x: view.x - (now.x - drag.at.x), y: view.y - (now.y - drag.at.y) });
  });
  svg.addEventListener('pointerup', () => {
    drag = null;
  });
  const centre = () => ({ x: view.x + view.w / 2, y: view.y + view.h / 2 });
  document.getElementById('fit').addEventListener('click', () => setView(full));
  document.getElementById('zoom-in').addEventListener('click', () => zoom(1.5, centre()));
  document.getElementById('zoom-out').addEventListener('click', () => zoom(1 / 1.5, centre()));
  document.addEventListener('keydown', (e) => {
    if (e.key === '0') setView(full);
    else if (e.key === '+' || e.key === '=') zoom(1.5, centre());
    else if (e.key === '-') zoom(1 / 1.5, centre());
  });
  const defs = el('defs', {}, svg);
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }, marker);

  const nodes = new Map();
  for (const n of [...layout.nodes].sort((a, b) => a.depth - b.depth)) {
    const g = el('g', { class: `state ${n.kind}`, 'data-path': n.path || 'any' }, svg);
    el('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: 8 }, g);
    if (n.kind === 'final') el('rect', { x: n.x + 3, y: n.y + 3, width: n.width - 6, height: n.height - 6, rx: 6, class: 'inner' }, g);
    const compound = n.kind === 'compound' || n.kind === 'parallel';
    const text = el('text', compound ? { x: n.x + 10, y: n.y + 18 } : { x: n.x + n.width / 2, y: n.y + n.height / 2 + 4, 'text-anchor': 'middle' }, g);
    text.textContent = n.key;
    if (n.description) el('title', {}, g).textContent = n.description;
    nodes.set(n.id, { ...n, g });
  }
  const edges = [];
  for (const e of layout.edges) {
    if (e.points.length < 2) continue;
    const g = el('g', { class: 'edge' }, svg);
    el('polyline', { points: e.points.map((p) => `${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' }, g);
    el('title', {}, g).textContent = e.label;
    if (e.labelAt) el('text', { x: e.labelAt.x + 4, y: e.labelAt.y - 3, class: 'label' }, g).textContent = e.label;
    edges.push({ ...e, g });
  }

  const trail = (window.iofogTrail = []);
  let current = '';
  // The regions' active states (server, lease, readiness): lit beside the lifecycle's state.
  let regions = [];
  const isActive = (path, state) => path !== 'any' && path !== '' && (state === path || state.startsWith(path + '.'));
  const isLit = (path, state) => isActive(path, state) || regions.some((r) => isActive(path, r));
  function highlight(state) {
    const previous = current;
    current = state;
    if (state !== previous) trail.push(state);
    for (const n of nodes.values()) {
      const on = isLit(n.path, state);
      n.g.classList.toggle('active', on);
      if (on && !isActive(n.path, previous)) {
        n.g.classList.remove('pulse');
        void n.g.getBoundingClientRect();
        n.g.classList.add('pulse');
      }
    }
    const from = [...nodes.values()].filter((n) => isActive(n.path, previous)).map((n) => n.id);
    const to = [...nodes.values()].filter((n) => isActive(n.path, state)).map((n) => n.id);
    for (const e of edges) e.g.classList.toggle('taken', from.includes(e.source) && to.includes(e.target));
    document.getElementById('state').textContent = state;
    // Zoomed in, the active state is kept in view: the view moves to it, at the same zoom.
    const leaf = [...nodes.values()].filter((n) => n.path === state)[0];
    const inView = (n) => n.x >= view.x && n.y >= view.y && n.x + n.width <= view.x + view.w && n.y + n.height <= view.y + view.h;
    if (leaf && !inView(leaf)) setView({ ...view, x: leaf.x + leaf.width / 2 - view.w / 2, y: leaf.y + leaf.height / 2 - view.h / 2 });
  }

  const list = document.getElementById('transitions');
  function addTransition(t) {
    const li = document.createElement('li');
    li.textContent = `${t.at.slice(11, 23)}  ${t.state}  ← ${t.what || t.event}`;
    li.title = t.event;
    list.prepend(li);
    while (list.children.length > 50) list.lastChild.remove();
  }
  function facts(doc) {
    const r = doc.reloads && doc.reloads.last;
    document.getElementById('server').textContent =
      `pid ${doc.server.pid ?? '-'} · ready ${doc.server.ready ? 'yes' : 'no'} · caught up ${doc.server.caughtUp ? 'yes' : 'no'}` +
      `${doc.server.catchingUp ? ` (${doc.server.catchingUp})` : ''} · restarts ${doc.server.restarts} · crashes ${doc.server.crashes}` +
      `${doc.server.storeFault ? ` · store fault: ${doc.server.storeFault}` : ''}` +
      `${doc.member ? ` · lease ${doc.member.lease} · ${doc.member.readiness}` : ''}`;
    document.getElementById('server').classList.toggle('bad', Boolean(doc.server.storeFault));
    const c = doc.cluster;
    const peerWords = (p) => `${p.name} ${p.offline ? 'offline' : p.current ? 'current' : 'behind'}`;
    const cluster = document.getElementById('cluster');
    cluster.textContent = !c
      ? 'not a cluster member'
      : `${c.name || '-'} · meta leader ${c.metaLeader || 'none'} · peers ${c.peers.map(peerWords).join(', ') || '-'}` +
        `${doc.server.leaveBlocked ? ` · waiting to be spared: ${doc.server.leaveBlocked}` : ''}`;
    cluster.classList.toggle('bad', Boolean(c && (!c.metaLeader || c.peers.some((p) => p.offline) || doc.server.leaveBlocked)));
    document.getElementById('reload').textContent = r
      ? `${doc.reloads.count} · last ${r.outcome} (${r.causes.join(', ')})`
      : `${doc.reloads ? doc.reloads.count : 0}`;
    const behind = (doc.drift ? doc.drift.causes : []).filter((c) => !c.inStep);
    const drift = document.getElementById('drift');
    drift.replaceChildren(
      ...(behind.length === 0
        ? ['in step: nats-server runs what is mounted']
        : behind.map((c) => {
            const line = document.createElement('div');
            line.textContent = `${c.cause} behind since ${c.since ? c.since.slice(11, 19) : '?'}: ${c.reason}`;
            return line;
          })),
    );
    drift.classList.toggle('bad', behind.length > 0);
    drift.classList.toggle('ok', behind.length === 0);
    const err = (r && r.error) || doc.lastError;
    const box = document.getElementById('error');
    box.textContent = err || 'none';
    box.classList.toggle('bad', Boolean(err));
  }

  // Every member and leaf, as this supervisor's NATS service finds them (GET /fleet; the supervisor asks the fleet
  // at most every 5 s, whatever the pages): asked every 10 s while the page is visible.
  const fleetBox = document.getElementById('fleet');
  function fleetRow(r) {
    const s = r.status;
    const drift = s ? s.drift.causes.filter((c) => !c.inStep).map((c) => c.cause) : [];
    const spare = r.spare ? (r.spare.mayLeave ? 'may leave' : `may not leave: ${r.spare.reasons[0] || '?'}`) : 'may leave ?';
    const line = document.createElement('div');
    const ready = s && s.server.ready ? 'ready' : 'NOT READY';
    const inStep = drift.length ? `drift ${drift.join(',')}` : 'in step';
    line.textContent = s ? `${r.name} ${r.metadata.mode || '-'} · ${s.state} · ${ready} · ${inStep} · ${spare}` : `${r.name} · no status: ${r.error || '?'}`;
    line.title = line.textContent;
    line.classList.toggle('bad', !s || drift.length > 0 || !s.server.ready || Boolean(r.spare && !r.spare.mayLeave));
    return line;
  }
  function showFleet(answer) {
    if (answer.off) {
      const off = document.createElement('div');
      off.className = 'muted';
      off.textContent = answer.off;
      return fleetBox.replaceChildren(off);
    }
    const missing = answer.survey.missing.map((name) => {
      const line = document.createElement('div');
      line.className = 'bad';
      line.textContent = `${name} · MISSING: named by the meta layer, did not answer`;
      return line;
    });
    fleetBox.replaceChildren(...answer.survey.rows.map(fleetRow), ...missing);
  }
  function askFleet() {
    if (document.visibilityState !== 'visible') return;
    fetch('/fleet')
      .then((res) => res.json())
      .then(showFleet)
      .catch(() => undefined);
  }
  askFleet();
  setInterval(askFleet, 10000);
  document.addEventListener('visibilitychange', askFleet);

  const events = new EventSource('/events');
  const live = document.getElementById('live');
  events.onopen = () => {
    live.textContent = 'live';
    live.className = 'ok';
  };
  events.onerror = () => {
    live.textContent = 'reconnecting…';
    live.className = 'bad';
  };
  events.addEventListener('member', (m) => {
    const doc = JSON.parse(m.data);
    regions = doc.regions || [];
    facts(doc);
    highlight(current);
  });
  events.addEventListener('state', (m) => {
    const doc = JSON.parse(m.data);
    regions = doc.regions || [];
    list.replaceChildren();
    doc.history.forEach(addTransition);
    facts(doc);
    highlight(doc.state);
  });
  events.addEventListener('transition', (m) => {
    const { transition, state } = JSON.parse(m.data);
    regions = state.regions || [];
    addTransition(transition);
    facts(state);
    highlight(transition.state);
  });
})();
