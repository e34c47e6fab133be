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
  svg.setAttribute('viewBox', `-10 -10 ${layout.width + 20} ${layout.height + 20}`);
  // Readable text beats seeing everything at once: draw near natural size and scroll to the active state.
  svg.style.width = `${Math.round(layout.width * 0.8)}px`;
  const defs = el('defs', {}, svg);
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }, marker);

  const nodes = new Map();
  for (const n of [...layout.nodes].sort((a, b) => a.depth - b.depth)) {
    const g = el('g', { class: `state ${n.kind}`, 'data-path': n.path || 'any' }, svg);
    el('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: 8 }, g);
    if (n.kind === 'final') el('rect', { x: n.x + 3, y: n.y + 3, width: n.width - 6, height: n.height - 6, rx: 6, class: 'inner' }, g);
    const compound = n.kind === 'compound';
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
    if (e.labelAt) el('text', { x: e.labelAt.x, y: e.labelAt.y + 9 }, g).textContent = e.label;
    edges.push({ ...e, g });
  }

  const trail = (window.iofogTrail = []);
  let current = '';
  const isActive = (path, state) => path !== 'any' && path !== '' && (state === path || state.startsWith(path + '.'));
  function highlight(state) {
    const previous = current;
    current = state;
    trail.push(state);
    for (const n of nodes.values()) {
      const on = isActive(n.path, state);
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
    const leaf = [...nodes.values()].filter((n) => n.path === state)[0];
    if (leaf) leaf.g.scrollIntoView({ block: 'center', inline: 'center', behavior: previous ? 'smooth' : 'auto' });
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
      `pid ${doc.server.pid ?? '-'} · ready ${doc.server.ready ? 'yes' : 'no'} · restarts ${doc.server.restarts} · crashes ${doc.server.crashes}`;
    document.getElementById('reload').textContent = r ? `${doc.reloads.count} · last ${r.outcome} (${r.causes.join(', ')})` : `${doc.reloads ? doc.reloads.count : 0}`;
    const err = (r && r.error) || doc.lastError;
    const box = document.getElementById('error');
    box.textContent = err || 'none';
    box.classList.toggle('bad', Boolean(err));
  }

  const events = new EventSource('/events');
  const live = document.getElementById('live');
  events.onopen = () => { live.textContent = 'live'; live.className = 'ok'; };
  events.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'bad'; };
  events.addEventListener('state', (m) => {
    const doc = JSON.parse(m.data);
    list.replaceChildren();
    doc.history.forEach(addTransition);
    facts(doc);
    highlight(doc.state);
  });
  events.addEventListener('transition', (m) => {
    const { transition, state } = JSON.parse(m.data);
    addTransition(transition);
    facts(state);
    highlight(transition.state);
  });
})();
