'use strict';
(function () {
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById('pw-data').textContent);
  var cases = D.cases, runs = D.runs, PAGE = 100;
  var fStatus = document.getElementById('f-status'), fText = document.getElementById('f-q');
  var body = document.getElementById('case-rows'), info = document.getElementById('case-info');
  var prev = document.getElementById('p-prev'), next = document.getElementById('p-next');
  var table = document.getElementById('case-table');
  var shown = [], page = 0, open = {}, hay = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function headline(c) {
    if (c.e) return c.e;
    for (var k = 0; k < c.a.length; k++) if (!c.a[k].passed) return c.a[k].type + ': ' + c.a[k].reason;
    return '';
  }
  function haystack(i) {
    if (hay[i] === undefined) {
      var c = cases[i], parts = [c.s, c.id, c.o || '', c.e || '', JSON.stringify(c.v)];
      for (var k = 0; k < c.a.length; k++) parts.push(c.a[k].type, c.a[k].reason);
      hay[i] = parts.join('\n').toLowerCase();
    }
    return hay[i];
  }
  function keep(c, i, f, t) {
    if (f === 'regression' || f === 'fix') { if (c.ch !== f) return false; }
    else if (f !== 'all' && c.st !== f) return false;
    return !t || haystack(i).indexOf(t) >= 0;
  }
  function fmtMs(v) { return v === null || v === undefined ? '–' : v < 1000 ? v + ' ms' : (v / 1000).toFixed(1) + ' s'; }
  function apply(keepPage) {
    var s = performance.now(), f = fStatus.value, t = fText.value.trim().toLowerCase();
    shown = [];
    for (var i = 0; i < cases.length; i++) if (keep(cases[i], i, f, t)) shown.push(i);
    if (!keepPage) page = 0;
    page = Math.min(page, Math.max(0, Math.ceil(shown.length / PAGE) - 1));
    render();
    table.dataset.filterMs = (performance.now() - s).toFixed(1);
    save();
  }
  function render() {
    var rows = document.createDocumentFragment(), start = page * PAGE, end = Math.min(shown.length, start + PAGE);
    for (var j = start; j < end; j++) row(rows, shown[j]);
    body.replaceChildren(rows);
    info.textContent = shown.length === 0 ? 'No case matches (' + cases.length + ' in all).'
      : 'Cases ' + (start + 1) + '–' + end + ' of ' + shown.length + ' matching (' + cases.length + ' in all).';
    prev.disabled = page === 0;
    next.disabled = end >= shown.length;
  }
  function row(into, i) {
    var c = cases[i], tr = el('tr', 'case');
    tr.dataset.i = i;
    tr.tabIndex = 0;
    tr.setAttribute('aria-expanded', open[i] ? 'true' : 'false');
    tr.appendChild(el('td', 'st st-' + c.st, c.dr ? c.st + ' ' + c.dr : c.st));
    tr.appendChild(el('td', null, (runs.length > 1 ? runs[c.r].prompt + ' / ' : '') + c.s));
    tr.appendChild(el('td', 'mono', c.id));
    var why = headline(c);
    tr.appendChild(el('td', 'reason', why || (c.ch ? c.ch : '')));
    var out = c.o === null ? '' : c.o;
    tr.appendChild(el('td', 'mono', out.length > 120 ? out.slice(0, 120) + '…' : out));
    tr.appendChild(el('td', 'num', fmtMs(c.ms)));
    tr.appendChild(el('td', 'num', '$' + c.c.toFixed(4)));
    into.appendChild(tr);
    if (open[i]) into.appendChild(detail(c));
  }
  function block(parent, title, text) {
    parent.appendChild(el('h3', null, title));
    parent.appendChild(el('pre', null, text));
  }
  function detail(c) {
    var tr = el('tr', 'detail'), td = el('td');
    td.colSpan = 7;
    var head = c.s + ' / ' + c.id + ' · ' + c.st + ' · score ' + c.sc.toFixed(3) + ' · ' + fmtMs(c.ms) +
      (c.k ? ' · cached' : '') + (c.tk ? ' · tokens ' + c.tk.input + ' in, ' + c.tk.output + ' out' : '') +
      (c.ch ? ' · ' + c.ch : '') + (c.dr ? ' · draws passed ' + c.dr : '');
    td.appendChild(el('p', 'muted', head));
    if (c.a.length) {
      td.appendChild(el('h3', null, 'Assertions'));
      var t = el('table'), hr = el('tr');
      ['', 'type', 'score', 'reason'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
      t.appendChild(hr);
      c.a.forEach(function (a) {
        var r = el('tr');
        r.appendChild(el('td', a.passed ? 'ok' : 'bad', a.passed ? '✓' : '✗'));
        r.appendChild(el('td', 'mono', a.type));
        r.appendChild(el('td', 'num', a.score.toFixed(3)));
        r.appendChild(el('td', null, a.reason));
        t.appendChild(r);
      });
      td.appendChild(t);
    }
    if (c.e) block(td, 'Error', c.e);
    if (c.o !== null) block(td, 'Output', c.o);
    block(td, 'Variables', JSON.stringify(c.v, null, 2));
    if (c.m) {
      td.appendChild(el('h3', null, 'Messages sent'));
      c.m.forEach(function (m) { td.appendChild(el('div', 'role', m[0])); td.appendChild(el('pre', null, m[1])); });
    }
    tr.appendChild(td);
    return tr;
  }
  function save() {
    var p = new URLSearchParams();
    if (fStatus.value !== 'all') p.set('filter', fStatus.value);
    if (fText.value) p.set('q', fText.value);
    if (page) p.set('page', String(page + 1));
    try { history.replaceState(null, '', '#' + p.toString()); } catch (e) { /* a sandboxed viewer keeps its URL */ }
  }
  function load() {
    var p = new URLSearchParams(location.hash.slice(1));
    var f = p.get('filter');
    if (f && fStatus.querySelector('option[value="' + f.replace(/[^a-z]/g, '') + '"]')) fStatus.value = f;
    fText.value = p.get('q') || '';
    page = Math.max(0, (parseInt(p.get('page') || '1', 10) || 1) - 1);
    apply(true);
    if (p.get('open') === 'first' && shown.length) { open[shown[page * PAGE]] = true; render(); }
  }
  var timer = null;
  fText.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { apply(false); }, 80); });
  fStatus.addEventListener('change', function () { apply(false); });
  prev.addEventListener('click', function () { if (page > 0) { page--; render(); save(); } });
  next.addEventListener('click', function () { if ((page + 1) * PAGE < shown.length) { page++; render(); save(); } });
  function toggle(ev) {
    var tr = ev.target.closest('tr.case');
    if (!tr || (ev.type === 'keydown' && ev.key !== 'Enter' && ev.key !== ' ')) return;
    if (ev.type === 'keydown') ev.preventDefault();
    var i = +tr.dataset.i;
    open[i] = !open[i];
    render();
    var again = body.querySelector('tr.case[data-i="' + i + '"]');
    if (again) again.focus();
  }
  body.addEventListener('click', toggle);
  body.addEventListener('keydown', toggle);
  window.addEventListener('hashchange', load);
  load();
  table.dataset.readyMs = (performance.now() - t0).toFixed(1);
})();
