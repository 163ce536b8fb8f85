// qimg gallery. Every value from the library (file names, contexts, OCR text, facts) is
// attacker-controlled: the DOM is built with createElement + textContent only, never from markup.
'use strict';

const FILTERS = ['collection', 'path_prefix', 'after', 'before', 'min_width', 'min_height'];
const $ = (id) => document.getElementById(id);
const state = { info: null, key: '', offset: 0, pageSize: 48, hasMore: false, loading: false,
  count: 0, lastScores: {}, openId: null, returnFocus: null, pushedDetail: false };

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);  // strings become text nodes
  return node;
}

async function api(path, options) {
  const res = await fetch(path, options);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) throw new Error((body && body.error) || ('HTTP ' + res.status));
  return body;
}

function hexOf(id) { return String(id).replace(/^#/, ''); }
function baseName(p) { const s = String(p || ''); return s.slice(s.lastIndexOf('/') + 1); }
// Scores: three decimals, but a tiny non-zero score (BM25 of a word in most of a small
// library) keeps its magnitude instead of reading as 0.000.
function fmt(x) {
  if (typeof x !== 'number') return String(x);
  return x !== 0 && Math.abs(x) < 0.0005 ? x.toExponential(1) : x.toFixed(3);
}

// ---- search state <-> URL ----------------------------------------------------------------
function paramsFromForm() {
  const p = new URLSearchParams();
  const q = $('q').value.trim();
  if (q) p.set('q', q);
  if ($('mode').value !== 'search') p.set('mode', $('mode').value);
  for (const f of FILTERS) {
    const v = $('f-' + f).value.trim();
    if (v) p.set(f, v);
  }
  return p;
}

function formFromParams(p) {
  $('q').value = p.get('q') || '';
  $('mode').value = p.get('mode') || 'search';
  let anyFilter = false;
  for (const f of FILTERS) {
    $('f-' + f).value = p.get(f) || '';
    anyFilter = anyFilter || !!p.get(f);
  }
  if (anyFilter) $('filters').open = true;
}

function searchKey(p) {
  const k = new URLSearchParams(p);
  k.delete('id');
  k.sort();
  return k.toString();
}

function setStatus(text, isError) {
  $('status').textContent = text;
  $('status').classList.toggle('error', !!isError);
}

// ---- results grid -------------------------------------------------------------------------
function tile(r, onOpen) {
  const name = baseName(r.rel_path);
  const img = el('img', { src: r.thumb, alt: r.rel_path, loading: 'lazy', decoding: 'async',
    width: '256', height: '256' });
  const cap = el('div', { class: 'cap' }, el('span', { class: 'name', text: name, title: r.rel_path }),
    el('span', { class: 'score', text: fmt(r.scores.overall) }));
  const a = el('a', { class: 'tile', href: '/?id=' + encodeURIComponent(r.id), role: 'listitem',
    'data-id': r.id, title: r.rel_path }, img, cap);
  a.addEventListener('click', (e) => { e.preventDefault(); onOpen(r.id, a); });
  return a;
}

async function runSearch(params, reset) {
  const q = params.get('q') || '';
  if (reset) {
    $('grid').replaceChildren();
    state.offset = 0; state.count = 0; state.hasMore = false; state.lastScores = {};
    state.key = searchKey(params);
  }
  if (!q) { setStatus('Type a query to search your library.'); $('more').hidden = true; return; }
  if (state.loading) return;
  state.loading = true;
  const key = state.key;
  const p = new URLSearchParams(params);
  p.delete('id');
  p.set('n', String(state.pageSize));
  p.set('offset', String(state.offset));
  if (reset) setStatus('Searching…');
  try {
    const page = await api('/api/search?' + p.toString());
    if (key !== state.key) return;  // a newer search replaced this one
    const frag = document.createDocumentFragment();
    for (const r of page.results) { state.lastScores[r.id] = r.scores; frag.append(tile(r, openDetail)); }
    $('grid').append(frag);
    state.count += page.results.length;
    state.offset += page.results.length;
    state.hasMore = page.has_more;
    setStatus(state.count === 0 ? 'No results for “' + q + '”.'
      : state.count + (state.hasMore ? '+' : '') + ' result' + (state.count === 1 ? '' : 's') + ' for “' + q + '”');
  } catch (e) {
    setStatus(e.message, true);
    state.hasMore = false;
  } finally {
    state.loading = false;
    $('more').hidden = !state.hasMore;
  }
}

function loadMore() {
  if (state.hasMore && !state.loading) runSearch(new URLSearchParams(location.search), false);
}

// ---- detail view --------------------------------------------------------------------------
function kvTable(table, rows) {
  table.replaceChildren();
  for (const [k, v] of rows) table.append(el('tr', {}, el('th', { text: k }), el('td', { text: v })));
}

function chips(items) {
  return el('div', { class: 'chips' }, ...items.map((t) =>
    el('span', { class: 'chip' }, t.label, t.conf != null ? el('small', { text: fmt(t.conf) }) : null)));
}

function drawBoxes(d) {
  const svg = $('d-boxes');
  svg.replaceChildren();
  const w = d.metadata.width, h = d.metadata.height;
  if (!w || !h || !d.boxes.length) return;
  svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
  const NS = 'http://www.w3.org/2000/svg';
  const scale = Math.max(w, h) / 600;  // labels stay readable on large originals
  for (const b of d.boxes) {
    const [x0, y0, x1, y1] = b.bbox_xyxy;
    const g = document.createElementNS(NS, 'g');
    const rect = document.createElementNS(NS, 'rect');
    rect.setAttribute('x', x0); rect.setAttribute('y', y0);
    rect.setAttribute('width', Math.max(0, x1 - x0)); rect.setAttribute('height', Math.max(0, y1 - y0));
    const title = document.createElementNS(NS, 'title');
    title.textContent = b.label + (b.conf != null ? ' ' + fmt(b.conf) : '');
    rect.append(title);
    const label = b.label + (b.conf != null ? ' ' + Math.round(b.conf * 100) + '%' : '');
    const bg = document.createElementNS(NS, 'rect');
    bg.setAttribute('class', 'label-bg');
    bg.setAttribute('x', x0); bg.setAttribute('y', Math.max(0, y0 - 18 * scale));
    bg.setAttribute('width', (label.length * 8 + 8) * scale); bg.setAttribute('height', 18 * scale);
    const text = document.createElementNS(NS, 'text');
    text.setAttribute('x', x0 + 4 * scale); text.setAttribute('y', Math.max(0, y0 - 18 * scale) + 14 * scale);
    text.setAttribute('font-size', 14 * scale);
    text.textContent = label;
    g.append(rect, bg, text);
    svg.append(g);
    // Size the label's background to the rendered text (a per-character estimate clipped
    // wide glyphs such as '%'); the estimate stays when the text is not laid out.
    const len = text.getComputedTextLength ? text.getComputedTextLength() : 0;
    if (len > 0) bg.setAttribute('width', len + 8 * scale);
  }
}

function renderFacts(d) {
  const box = $('d-facts');
  box.replaceChildren();
  const f = d.facts;
  const add = (title, node) => box.append(el('h4', { text: title }), node);
  if (f.caption) add('Caption', el('p', { text: f.caption }));
  if (f.tags.length) add('Tags', chips(f.tags));
  if (f.objects.length) add('Objects', chips(f.objects));
  if (f.ocr) add('Text (OCR)', el('div', { class: 'ocr', text: f.ocr }));
  if (d.gps) {
    const coords = d.gps.lat.toFixed(6) + ', ' + d.gps.lon.toFixed(6);
    const link = el('a', { href: 'https://www.openstreetmap.org/?mlat=' + d.gps.lat + '&mlon=' + d.gps.lon +
      '#map=15/' + d.gps.lat + '/' + d.gps.lon, rel: 'noopener noreferrer', target: '_blank', text: 'map' });
    add('GPS', el('p', {}, coords + ' (', link, ')'));
  }
  const exifRows = Object.entries(f.exif || {}).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  if (exifRows.length) { const t = el('table', { class: 'kv' }); kvTable(t, exifRows); add('EXIF', t); }
  const derivedRows = Object.entries(f.derived || {}).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]);
  if (derivedRows.length) { const t = el('table', { class: 'kv' }); kvTable(t, derivedRows); add('Derived', t); }
  if (!box.childElementCount) box.append(el('p', { class: 'muted', text: 'No facts yet (run qimg facts extract).' }));
}

function renderScores(s) {
  const names = ['overall', 'rrf', 'lexical_total', 'lexical_namefolder', 'lexical_context', 'lexical_facts',
    'lexical_ocr', 'vector', 'vector_image', 'vector_ocr', 'rerank'];
  kvTable($('d-scores'), names.filter((n) => s && s[n] != null).map((n) => [n, fmt(s[n])]));
}

async function loadSimilar(id) {
  const sec = $('sec-similar');
  if (!state.info || !state.info.similar) { sec.hidden = true; return; }
  sec.hidden = false;
  $('d-similar').replaceChildren();
  $('similar-status').textContent = 'Loading…';
  try {
    const page = await api('/api/similar/' + encodeURIComponent(id) + '?n=12');
    if (state.openId !== id) return;
    const list = page.results.filter((r) => r.id !== id);
    for (const r of list) $('d-similar').append(tile(r, openDetail));
    $('similar-status').textContent = list.length ? '' : 'No similar images (run qimg embed).';
  } catch (e) {
    if (state.openId === id) $('similar-status').textContent = e.message;
  }
}

async function showDetail(id) {
  state.openId = id;
  const dlg = $('detail');
  dlg.hidden = false;
  document.body.style.overflow = 'hidden';
  $('d-title').textContent = 'Loading…';
  for (const n of ['d-path', 'd-meta', 'ctx-status']) $(n).textContent = '';
  $('d-img').removeAttribute('src');
  $('d-boxes').replaceChildren();
  $('close').focus();
  let d;
  try {
    d = await api('/api/asset/' + encodeURIComponent(id));
  } catch (e) {
    $('d-title').textContent = e.message;
    return;
  }
  if (state.openId !== id) return;
  // Keep the score the result had in the list (the detail endpoint's own is a plain lookup).
  const fromList = state.lastScores && state.lastScores[id];
  $('d-title').textContent = baseName(d.rel_path);
  $('d-path').textContent = d.path;
  const m = d.metadata;
  $('d-meta').textContent = [d.collection, m.width && m.height ? m.width + '×' + m.height : null,
    m.date, m.camera].filter(Boolean).join(' · ');
  const img = $('d-img');
  img.alt = d.rel_path;
  img.src = d.image;
  drawBoxes(d);
  renderScores(fromList || d.scores);
  const ctx = $('d-contexts');
  ctx.replaceChildren();
  for (const c of d.contexts) ctx.append(el('li', {}, el('code', { text: c.virtual_path }), ' — ', c.text));
  if (!d.contexts.length) ctx.append(el('li', { class: 'muted', text: 'No context applies to this image.' }));
  $('ctx-folder').textContent = d.folder;
  const own = d.contexts.find((c) => c.virtual_path === d.folder);
  $('ctx-text').value = own ? own.text : '';
  renderFacts(d);
  loadSimilar(id);
}

function openDetail(id, fromTile) {
  state.returnFocus = fromTile || document.activeElement;
  const p = new URLSearchParams(location.search);
  p.set('id', id);
  history.pushState({ detail: true }, '', '/?' + p.toString());
  state.pushedDetail = true;
  showDetail(id);
}

function hideDetail() {
  $('detail').hidden = true;
  document.body.style.overflow = '';
  state.openId = null;
  if (state.returnFocus && document.contains(state.returnFocus)) state.returnFocus.focus();
}

function closeDetail() {
  if (state.pushedDetail && history.state && history.state.detail) { history.back(); return; }
  const p = new URLSearchParams(location.search);
  p.delete('id');
  history.replaceState(null, '', '/' + (p.toString() ? '?' + p.toString() : ''));
  hideDetail();
}

async function saveContext(e) {
  e.preventDefault();
  const status = $('ctx-status');
  status.textContent = 'Saving…';
  try {
    await api('/api/context', { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Qimg-Request': '1' },
      body: JSON.stringify({ path: $('ctx-folder').textContent, text: $('ctx-text').value }) });
    status.textContent = 'Saved.';
    if (state.openId) {
      const id = state.openId;
      const d = await api('/api/asset/' + encodeURIComponent(id));
      const ctx = $('d-contexts');
      ctx.replaceChildren();
      for (const c of d.contexts) ctx.append(el('li', {}, el('code', { text: c.virtual_path }), ' — ', c.text));
    }
  } catch (err) {
    status.textContent = err.message;
  }
}

// ---- keyboard -----------------------------------------------------------------------------
function moveFocus(key) {
  const grid = document.activeElement && document.activeElement.closest('.grid');
  if (!grid) return false;
  const tiles = Array.from(grid.querySelectorAll('.tile'));
  const i = tiles.indexOf(document.activeElement);
  if (i < 0) return false;
  const top = tiles[0].offsetTop;
  let cols = tiles.findIndex((t) => t.offsetTop !== top);
  if (cols <= 0) cols = tiles.length;
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols }[key];
  const j = Math.min(tiles.length - 1, Math.max(0, i + step));
  tiles[j].focus();
  tiles[j].scrollIntoView({ block: 'nearest' });
  if (j >= tiles.length - cols && grid.id === 'grid') loadMore();
  return true;
}

document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('detail').hidden) { e.preventDefault(); closeDetail(); return; }
  if (e.key.startsWith('Arrow') && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
    if (moveFocus(e.key)) e.preventDefault();
  }
});

// ---- wiring -------------------------------------------------------------------------------
function syncFromUrl(forceSearch) {
  const p = new URLSearchParams(location.search);
  formFromParams(p);
  if (forceSearch || searchKey(p) !== state.key) runSearch(p, true);
  const id = p.get('id');
  if (id && id !== state.openId) showDetail(id);
  else if (!id && !$('detail').hidden) hideDetail();
}

async function init() {
  try {
    state.info = await api('/api/info');
    state.pageSize = state.info.page_size || 48;
    for (const opt of $('mode').options) {
      const m = state.info.modes[opt.value];
      opt.disabled = !m || !m.available;
      opt.title = opt.disabled ? (m && m.reason) || 'not available' : '';
      if (opt.disabled) opt.textContent = opt.value + ' (unavailable)';
    }
  } catch (e) {
    setStatus('Cannot reach the qimg server: ' + e.message, true);
  }
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const p = paramsFromForm();
    history.pushState(null, '', '/' + (p.toString() ? '?' + p.toString() : ''));
    state.pushedDetail = false;
    runSearch(p, true);
  });
  $('mode').addEventListener('change', () => { if ($('q').value.trim()) $('search-form').requestSubmit(); });
  $('more').addEventListener('click', loadMore);
  $('close').addEventListener('click', closeDetail);
  $('detail').addEventListener('click', (e) => { if (e.target === $('detail')) closeDetail(); });
  $('ctx-form').addEventListener('submit', saveContext);
  window.addEventListener('popstate', () => syncFromUrl(false));
  if ('IntersectionObserver' in window) {
    new IntersectionObserver((entries) => { if (entries.some((x) => x.isIntersecting)) loadMore(); },
      { rootMargin: '600px' }).observe($('sentinel'));
  }
  syncFromUrl(true);
}

document.addEventListener('DOMContentLoaded', init);
