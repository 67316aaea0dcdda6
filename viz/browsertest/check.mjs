// Browser checks of the inline charts, driven by viz/browsertest/run.sh (which executes the
// notebook, trusts it and starts JupyterLab). Headless Debian Chromium through playwright-core.
//
// Also checks the library output (the course's echarts bundle, gzip + base64), that the charts
// together use every series type and component viz has (viz/assets/echarts-bundle.json), and
// each chart's option in echarts' development build of the bundle (scripts/echarts-bundle.mjs
// --dev), which warns about any part missing from the bundle; pages fail on echarts warnings.
//
// Environment: LAB_URL, LAB_TOKEN, OUT (folder for screenshots), NOTEBOOK (the executed .ipynb),
// EXPORT (its nbconvert HTML), LAB_TRUSTED and LAB_UNTRUSTED (notebook names in JupyterLab's
// root), CHROMIUM (default /usr/bin/chromium), EXPECT_LIVE and EXPECT_STATIC (numbers of live
// and picture-only charts the notebook must hold).
//
// Prints one PASS/FAIL line per check and "N passed, N failed"; exits 1 when a check failed.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) { console.error(`check.mjs: $${name} is not set (run viz/browsertest/run.sh)`); process.exit(2); }
  return v;
};
const LAB_URL = env('LAB_URL'), TOKEN = env('LAB_TOKEN'), OUT = env('OUT');
const NOTEBOOK = env('NOTEBOOK'), EXPORT = env('EXPORT');
const TRUSTED = env('LAB_TRUSTED'), UNTRUSTED = env('LAB_UNTRUSTED');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const EXPECT_LIVE = Number(env('EXPECT_LIVE')), EXPECT_STATIC = Number(env('EXPECT_STATIC'));
const CHART_TIMEOUT = 45_000;

let passed = 0, failed = 0;
function check(ok, what, detail = '') {
  if (ok) { passed++; console.log(`PASS: ${what}${detail ? ' (' + detail + ')' : ''}`); }
  else { failed++; console.log(`FAIL: ${what}${detail ? ': ' + detail : ''}`); }
  return ok;
}

// ---- 1. The saved notebook: one echarts library output, every chart with its static PNG. ----
function pngSize(buf) {
  const sig = '89504e470d0a1a0a';
  if (buf.length < 24 || buf.subarray(0, 8).toString('hex') !== sig || buf.subarray(12, 16).toString() !== 'IHDR') return null;
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}
const nbText = fs.readFileSync(NOTEBOOK, 'utf8');
const nb = JSON.parse(nbText);
const charts = []; // {id, live, width, height, option}
let libraries = 0, library = null;
for (const cell of nb.cells) {
  for (const out of cell.outputs ?? []) {
    const data = out.data ?? {};
    const html = [].concat(data['text/html'] ?? []).join('');
    if (html.includes('data-godl-echarts="loaded"')) {
      libraries++;
      library = html;
    }
    const m = html.match(/<div data-godl-chart="([^"]+)"/);
    if (!m) continue;
    const img = html.match(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" alt="[^"]*" width="(\d+)" height="(\d+)"/);
    const pngEntry = [].concat(data['image/png'] ?? []).join('').replace(/\s/g, '');
    const size = img ? pngSize(Buffer.from(img[1], 'base64')) : null;
    const opt = html.match(/var id = "[^"]+", height = \d+, option = (.*);\nvar script = /);
    const chart = { id: m[1], live: html.includes('<script>'), width: img ? +img[2] : 0, height: img ? +img[3] : 0,
      option: opt ? JSON.parse(opt[1]) : null };
    check(size && size[0] === chart.width && size[1] === chart.height && pngEntry === img[1],
      `saved notebook: chart ${chart.id} has its static PNG inline and as image/png`,
      size ? `${size[0]}x${size[1]} px` : 'no decodable PNG');
    charts.push(chart);
  }
}
const live = charts.filter(c => c.live), still = charts.filter(c => !c.live);
check(libraries === 1, 'saved notebook: the echarts library is sent exactly once', `${libraries} times`);
check(live.length === EXPECT_LIVE && still.length === EXPECT_STATIC,
  `saved notebook: ${EXPECT_LIVE} live charts and ${EXPECT_STATIC} picture-only charts`, `found ${live.length} and ${still.length}`);
check(live.every(c => c.option && typeof c.option === 'object'), 'saved notebook: every live chart carries its echarts option');

// The library travels gzip-compressed in base64 (viz: echartsLoader) and is the course's bundle
// (scripts/echarts-bundle.mjs), not the whole echarts.min.js.
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
{
  const packed = library && library.match(/var packed = "([A-Za-z0-9+/=]+)";/);
  let src = '';
  try { src = packed ? zlib.gunzipSync(Buffer.from(packed[1], 'base64')).toString('utf8') : ''; } catch (e) { src = ''; }
  const banner = src.match(/\/\*! godl echarts bundle \w+: echarts ([\d.]+)/);
  check(!!banner, "saved notebook: the echarts library is the course's bundle, gzip + base64",
    banner ? `echarts ${banner[1]}: ${src.length} bytes unpacked, ${library.length} bytes in the notebook; notebook ${nbText.length} bytes`
      : (packed ? 'not the course\'s bundle (the kernelspec names another file in GODL_ECHARTS_JS: run make setup)' : 'no packed library found'));
}

// Every series type and component viz's charts use (the top level of the list the bundle is
// built from) is drawn by some chart of the notebook.
const bundleList = JSON.parse(fs.readFileSync(path.join(ROOT, 'viz', 'assets', 'echarts-bundle.json'), 'utf8'));
{
  const seen = new Set();
  for (const c of live) {
    for (const o of [c.option, c.option?.baseOption, ...(c.option?.options ?? [])]) {
      for (const key of Object.keys(o ?? {})) seen.add(key);
      for (const s of [].concat(o?.series ?? [])) seen.add('series:' + s.type);
    }
  }
  const missing = [...Object.keys(bundleList.series).map(t => 'series:' + t), ...Object.keys(bundleList.components)].filter(k => !seen.has(k));
  check(missing.length === 0, 'saved notebook: the charts use every series type and component of viz (viz/assets/echarts-bundle.json)',
    missing.length ? 'not drawn: ' + missing.join(' ') : [...seen].sort().join(' '));
}

// ---- Browser ----
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'godl-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const external = []; // requests that left 127.0.0.1 and file://
// nbconvert's own template loads require.js and MathJax from a CDN (the course's exports load
// nothing, and every request counts as a failure below). Offline, answer require.js with a
// minimal AMD loader (it only has to define `define`, as the real one does, to exercise the
// charts' AMD handling) that counts define() calls, and MathJax with an empty script.
const AMD_SHIM = 'window.__amdCalls = 0; window.define = function(){ window.__amdCalls++; }; window.define.amd = {}; window.require = window.requirejs = function(){};';
await context.route(/^https?:\/\//, route => {
  const url = route.request().url();
  if (url.startsWith(LAB_URL)) return route.continue();
  external.push(url);
  if (/require(\.min)?\.js/.test(url)) return route.fulfill({ contentType: 'text/javascript', body: AMD_SHIM });
  if (/mathjax/i.test(url)) return route.fulfill({ contentType: 'text/javascript', body: '' });
  return route.abort();
});

// Console errors, and echarts' own warnings ("[ECharts] ...") and the loader's ("godl: ...").
function watch(page) {
  const errors = [];
  page.on('console', m => { if (m.type() === 'error' || /\[ECharts\]|^godl:/.test(m.text())) errors.push(m.text()); });
  page.on('pageerror', e => errors.push('page error: ' + e.message));
  return errors;
}

// drawnCanvas reports whether the chart element holds an echarts canvas (or SVG) of non-zero
// size with drawn pixels, waiting up to CHART_TIMEOUT.
async function chartRendered(page, id) {
  const sel = `[data-godl-chart="${id}"]`;
  const el = page.locator(sel).first();
  try {
    await el.scrollIntoViewIfNeeded({ timeout: CHART_TIMEOUT });
    await page.waitForFunction(s => {
      const e = document.querySelector(s);
      return e && e.getAttribute('data-godl-drawn') && (e.querySelector('canvas') || e.querySelector('svg'));
    }, sel, { timeout: CHART_TIMEOUT });
  } catch (e) {
    return { ok: false, detail: 'no echarts canvas appeared: ' + e.message.split('\n')[0] };
  }
  await page.waitForTimeout(400); // first frame
  const r = await page.evaluate(s => {
    const e = document.querySelector(s);
    const c = e.querySelector('canvas');
    if (!c) return { w: 0, h: 0, inked: -1, img: e.querySelectorAll('img').length };
    const ctx = c.getContext('2d');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) inked++;
    return { w: c.width, h: c.height, inked, img: e.querySelectorAll('img').length };
  }, sel);
  return { ok: r.w > 0 && r.h > 0 && r.inked > 1000 && r.img === 0, detail: `canvas ${r.w}x${r.h}, ${r.inked} drawn pixels, ${r.img} static images left`, el };
}

async function pictureShown(page, id) {
  const sel = `[data-godl-chart="${id}"] img`;
  try {
    await page.locator(sel).first().scrollIntoViewIfNeeded({ timeout: CHART_TIMEOUT });
    await page.waitForFunction(s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }, sel, { timeout: CHART_TIMEOUT });
    return true;
  } catch { return false; }
}

// A frames chart (viz.Frames: echarts' timeline) steps in the page with no kernel: a click on
// the timeline's "next" button shows the next frame (the canvas changes), a click on the first
// tick goes back, and play advances by itself.
async function stepFrames(page, c) {
  const sel = `[data-godl-chart="${c.id}"]`;
  const state = () => page.evaluate(s => {
    const el = document.querySelector(s);
    const chart = window.__godlEcharts && window.__godlEcharts.getInstanceByDom(el);
    if (!chart) return null;
    // Every layer: echarts draws elements of another zlevel (the matrix grids' highlights and
    // values) on canvases of their own, stacked over the first.
    let h = 0;
    for (const cv of el.querySelectorAll('canvas')) {
      const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2] + 17 * d[i + 3]) >>> 0;
    }
    return { index: chart.getOption().timeline[0].currentIndex, hash: h, w: el.clientWidth, h: el.clientHeight };
  }, sel);
  const n = c.option.baseOption.timeline.data.length;
  const s0 = await state();
  if (!s0) return { ok: false, detail: 'no echarts instance' };
  // Clicks land where the chart is on the screen: bring it into view first (a notebook may
  // have scrolled since it was drawn).
  await page.locator(sel).first().scrollIntoViewIfNeeded().catch(() => {});
  await page.waitForTimeout(300);
  const box = await page.locator(sel).first().boundingBox();
  // The timeline (left/right: 50, bottom: 8, height: 40) draws its axis about 53 px above the
  // chart's bottom: the "next" button at its right end (about 77 px from the right edge), the
  // first tick after the play and previous buttons (about 128 px from the left). A click is
  // tried on a few nearby points, as a hand would land.
  const first = s0.index;
  const ys = [53, 49, 57, 45, 61].map(d => box.height - d);
  async function clickNear(xs, done) {
    let st = null;
    for (const y of ys) {
      for (const x of xs) {
        await page.mouse.click(box.x + x, box.y + y);
        await page.waitForTimeout(350);
        st = await state();
        // A frame's redraw animates (heatmaps fade their labels): the picture is compared once
        // it has settled.
        if (done(st)) { await page.waitForTimeout(1200); return await state(); }
      }
    }
    return st;
  }
  const s1 = await clickNear([77, 72, 82, 67, 87].map(d => box.width - d), st => st.index !== first);
  const want1 = (first + 1) % n;
  const back = await clickNear([128, 122, 134, 116, 140], st => st.index === 0);
  // Play (the round button at the left, about 75 px in): the index moves by itself; then pause.
  await page.mouse.click(box.x + 75, box.y + ys[0]);
  const seen = new Set();
  const until = Date.now() + Math.max(2000, 3 * (c.option.baseOption.timeline.playInterval || 800));
  while (Date.now() < until) { seen.add((await state()).index); await page.waitForTimeout(200); }
  const played = { index: [...seen].find(i => i !== 0) ?? 0 };
  await page.evaluate(s => {
    const chart = window.__godlEcharts.getInstanceByDom(document.querySelector(s));
    chart.dispatchAction({ type: 'timelinePlayChange', playState: false });
  }, sel);
  const ok = s1.index === want1 && s1.hash !== s0.hash && back.index === 0 && played.index !== 0;
  return { ok, detail: `${n} frames: at ${first}, "next" clicked -> ${s1.index} (canvas ${s1.hash !== s0.hash ? 'changed' : 'UNCHANGED'}), first tick clicked -> ${back.index}, played -> ${played.index}` };
}

async function checkLivePage(page, where, prefix) {
  // Notebook 7 shows a long output (the cell with every demo) in a scroll box of its own, whose
  // edge can hide a chart's timeline; a reader expands it with a click on its left margin.
  await page.evaluate(() => document.querySelectorAll('.jp-mod-outputsScrolled').forEach(e => e.classList.remove('jp-mod-outputsScrolled')));
  for (const [k, c] of live.entries()) {
    const r = await chartRendered(page, c.id);
    check(r.ok, `${where}: live chart ${k + 1} (${c.id}) rendered by echarts`, r.detail);
    if (r.el) await r.el.screenshot({ path: path.join(OUT, `${prefix}-chart-${k + 1}.png`) }).catch(() => {});
    if (r.ok && c.option.baseOption && c.option.baseOption.timeline) {
      const f = await stepFrames(page, c);
      check(f.ok, `${where}: frames chart ${k + 1} (${c.id}, ${c.option.baseOption.timeline.data[0]} ...) steps in the page`, f.detail);
      await page.waitForTimeout(1500);
      if (r.el) await r.el.screenshot({ path: path.join(OUT, `${prefix}-chart-${k + 1}-stepped.png`) }).catch(() => {});
    }
  }
  for (const [k, c] of still.entries()) {
    check(await pictureShown(page, c.id), `${where}: picture-only chart ${k + 1} (${c.id}) shows its PNG`);
    await page.locator(`[data-godl-chart="${c.id}"]`).first().screenshot({ path: path.join(OUT, `${prefix}-picture-${k + 1}.png`) }).catch(() => {});
  }
}

// Each notebook opens in its own fresh JupyterLab workspace, so that no tab of the other one is
// restored next to it.
const labUrl = name => `${LAB_URL}/lab/workspaces/${encodeURIComponent(name.replace(/\W/g, '-'))}/tree/${encodeURIComponent(name)}?reset&token=${TOKEN}`;

try {
  // ---- 1b. Every live chart's option in echarts' development build of the same list: it warns
  // about what the production bundle silently leaves undrawn ("Series heatmap is used but not
  // imported"), and about options it does not understand. ----
  {
    const dev = path.join(OUT, 'echarts.dev.js');
    execFileSync('node', [path.join(ROOT, 'scripts', 'echarts-bundle.mjs'), '--dev', '--out', dev], { stdio: 'inherit' });
    const page = await context.newPage();
    const messages = [];
    // echarts logs some of its complaints with console.log ("[ECharts] Specified `grid.containLabel`
    // but no `use(LegacyGridContainLabel)`"), others as warnings or errors.
    page.on('console', m => { if (/\[ECharts\]/.test(m.text()) || m.type() === 'error' || m.type() === 'warning') messages.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', e => messages.push('page error: ' + e.message));
    await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ content: '(function(){var exports = {}; var module = {exports: exports};\n' + fs.readFileSync(dev, 'utf8') + '\n;window.__devEcharts = module.exports;})();' });
    for (const [k, c] of live.entries()) {
      const before = messages.length;
      const r = await page.evaluate(async ({ option, width, height }) => {
        const el = document.createElement('div');
        el.style.width = width + 'px'; el.style.height = height + 'px';
        document.body.appendChild(el);
        const chart = window.__devEcharts.init(el, null, { renderer: 'canvas' });
        chart.setOption(option);
        await new Promise(r => setTimeout(r, 1200)); // animations
        const cv = el.querySelector('canvas');
        const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        let inked = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) inked++;
        const types = chart.getModel().getSeries().map(s => s.subType);
        chart.dispose(); el.remove();
        return { inked, types };
      }, c);
      const types = [].concat((c.option.baseOption ?? c.option).series ?? []).map(s => s.type);
      const msgs = messages.slice(before);
      check(msgs.length === 0 && r.inked > 1000 && r.types.length === types.length,
        `echarts development build: live chart ${k + 1} (${c.id}, ${[...new Set(types)].join('+')}) draws with no warning`,
        msgs.length ? msgs.slice(0, 3).join(' | ') : `${r.inked} drawn pixels, ${r.types.length} of ${types.length} series`);
    }
    check(messages.length === 0, 'echarts development build: no echarts message, warning or error at all', messages.slice(0, 5).join(' | '));
    await page.close();
  }

  // ---- 2. JupyterLab, trusted notebook: every live chart drawn, no console error. ----
  {
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(labUrl(TRUSTED), { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.jp-Notebook .jp-OutputArea-output', { state: 'attached', timeout: 90_000 });
    await checkLivePage(page, 'JupyterLab (trusted)', 'lab');
    check(await page.evaluate(() => typeof window.echarts === 'undefined' && typeof window.__godlEcharts === 'object'),
      'JupyterLab (trusted): echarts kept private (window.__godlEcharts, no window.echarts)');
    // The notebook as a student sees it, from the top, once JupyterLab has settled.
    await page.evaluate(() => { const sc = document.querySelector('.jp-WindowedPanel-outer') || document.querySelector('.jp-NotebookPanel-notebook'); if (sc) sc.scrollTop = 0; });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(OUT, 'lab.png') });
    check(errors.length === 0, 'JupyterLab (trusted): no console errors', errors.slice(0, 5).join(' | '));
    await page.close();
  }

  // ---- 2b. Notebook 7 (same server, its own page): every live chart drawn, no console error. ----
  {
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(`${LAB_URL}/notebooks/${encodeURIComponent(TRUSTED)}?token=${TOKEN}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.jp-Notebook .jp-OutputArea-output', { state: 'attached', timeout: 90_000 });
    await checkLivePage(page, 'Notebook 7 (trusted)', 'nb7');
    await page.evaluate(() => { const sc = document.querySelector('.jp-WindowedPanel-outer') || document.querySelector('.jp-NotebookPanel-notebook'); if (sc) sc.scrollTop = 0; });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(OUT, 'notebook7.png') });
    // Notebook 7's own front end logs errors about the JupyterLab settings this test turns off
    // (extension manager, news); only the charts' errors count here.
    const ours = errors.filter(e => /godl|echarts|zrender/i.test(e));
    check(ours.length === 0, 'Notebook 7 (trusted): no console errors from the charts', ours.slice(0, 5).join(' | '));
    await page.close();
  }

  // ---- 3. JupyterLab, untrusted notebook: scripts do not run, the static pictures show. ----
  {
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(labUrl(UNTRUSTED), { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.jp-Notebook .jp-OutputArea-output', { state: 'attached', timeout: 90_000 });
    await page.waitForTimeout(3000); // time for any script that would (wrongly) run
    // Outputs may be rendered lazily (windowing): scroll through the notebook.
    const shown = new Set();
    for (let i = 0; i < 40; i++) {
      const srcs = await page.evaluate(() => [...document.querySelectorAll('.jp-OutputArea-output img')]
        .filter(im => im.complete && im.naturalWidth > 0 && im.src.startsWith('data:image/png')).map(im => im.src.slice(-64)));
      srcs.forEach(s => shown.add(s));
      const more = await page.evaluate(() => {
        const sc = document.querySelector('.jp-WindowedPanel-outer') || document.querySelector('.jp-NotebookPanel-notebook');
        if (!sc) return false;
        const before = sc.scrollTop; sc.scrollTop += 600; return sc.scrollTop !== before;
      });
      if (!more) break;
      await page.waitForTimeout(300);
    }
    const canvases = await page.evaluate(() => document.querySelectorAll('.jp-OutputArea-output canvas').length);
    const panels = await page.evaluate(() => document.querySelectorAll('.jp-NotebookPanel').length);
    check(panels === 1, 'JupyterLab (untrusted): only the untrusted notebook is open', `${panels} notebook panels`);
    check(shown.size >= charts.length && canvases === 0, 'JupyterLab (untrusted): every chart shows its static PNG, no script ran',
      `${shown.size} pictures for ${charts.length} charts, ${canvases} canvases`);
    check(await page.evaluate(() => typeof window.__godlEcharts === 'undefined'), 'JupyterLab (untrusted): the echarts library did not run');
    await page.evaluate(() => { const sc = document.querySelector('.jp-WindowedPanel-outer') || document.querySelector('.jp-NotebookPanel-notebook'); if (sc) sc.scrollTop = 0; });
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(OUT, 'lab-untrusted.png') });
    check(errors.length === 0, 'JupyterLab (untrusted): no console errors', errors.slice(0, 5).join(' | '));
    await page.close();
  }

  // ---- 4. nbconvert HTML export (AMD `define` present, as in classic Notebook). ----
  {
    const page = await context.newPage();
    const errors = watch(page);
    // The export loads nothing (scripts/offline_html.py: no require.js): the shim stands in for
    // the AMD loader of classic Notebook and of pages that have one.
    await page.addInitScript(AMD_SHIM);
    await page.goto('file://' + path.resolve(EXPORT), { waitUntil: 'load' });
    check(await page.evaluate(() => typeof window.define === 'function' && !!window.define.amd), 'nbconvert HTML: AMD define is present');
    await checkLivePage(page, 'nbconvert HTML', 'export');
    check(await page.evaluate(() => window.__amdCalls === 0 && typeof window.echarts === 'undefined'),
      'nbconvert HTML: echarts registered no AMD module and no global', await page.evaluate(() => `define() called ${window.__amdCalls} times`));
    await page.screenshot({ path: path.join(OUT, 'export.png'), fullPage: true });
    check(errors.length === 0, 'nbconvert HTML: no console errors', errors.slice(0, 5).join(' | '));
    await page.close();
  }

  // ---- 5. The export with JavaScript off (GitHub, e-mail, PDF viewers): static pictures. ----
  {
    const browser = context.browser() ?? null;
    const noJS = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const ctx = await noJS.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    await ctx.route(/^https?:\/\//, route => { external.push(route.request().url()); return route.abort(); });
    const page = await ctx.newPage();
    await page.goto('file://' + path.resolve(EXPORT), { waitUntil: 'load' });
    let ok = 0;
    for (const c of charts) if (await pictureShown(page, c.id)) ok++;
    check(ok === charts.length, 'nbconvert HTML without JavaScript: every chart shows its static PNG', `${ok} of ${charts.length}`);
    await page.screenshot({ path: path.join(OUT, 'export-nojs.png'), fullPage: true });
    await noJS.close();
    void browser;
  }

  check(external.length === 0, 'no network request outside 127.0.0.1 (the export is self-contained)', external.slice(0, 5).join(' '));
} catch (e) {
  check(false, 'browser session', e.stack || String(e));
} finally {
  await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
