// Browser check of the HTML pages the course writes (scripts/offline_html.py: the notebooks of
// `make test`, the hand-ins of `make submit`), driven by viz/browsertest/run.sh. Each page is
// opened from its file in headless Debian Chromium (playwright-core) with the network cut off:
// every request that is not file: or data: is recorded and aborted. Checks:
//   - nothing is requested from the network (no script, stylesheet, font or picture);
//   - the formulas of the markdown cells are MathJax SVGs (mjx-container > svg) of non-zero
//     size, whose glyphs (<use> of the page's shared glyph paths) all resolve;
//   - no TeX source is left in the markdown cells' text ($...$, \(...\), \[...\]);
//   - with JavaScript turned off, the formulas look the same (they need no script).
//
// Environment: PAGES (paths of the exported pages, space-separated), FORMULA_PAGES (those of them
// that must hold formulas, default: all), MIN_FORMULAS (default 10), OUT (folder for
// screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints one PASS/FAIL line per check and "N passed, N failed"; exits 1 when a check failed.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const PAGES = (process.env.PAGES ?? '').split(/\s+/).filter(Boolean);
const FORMULA_PAGES = new Set((process.env.FORMULA_PAGES ?? process.env.PAGES ?? '').split(/\s+/).filter(Boolean));
const MIN_FORMULAS = Number(process.env.MIN_FORMULAS ?? 10);
const OUT = process.env.OUT ?? 'build/browser';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!PAGES.length) { console.error('export_offline.mjs: set PAGES to the exported pages (run viz/browsertest/run.sh)'); process.exit(2); }
fs.mkdirSync(OUT, { recursive: true });

let passed = 0, failed = 0;
function check(ok, what, detail = '') {
  if (ok) { passed++; console.log(`PASS: ${what}${detail ? ' (' + detail + ')' : ''}`); }
  else { failed++; console.log(`FAIL: ${what}${detail ? ': ' + detail : ''}`); }
  return ok;
}

const local = url => url.startsWith('file:') || url.startsWith('data:') || url.startsWith('about:') || url.startsWith('blob:');

// What the page shows of its formulas: counts, sizes, unresolved glyphs, TeX left in the text.
function inspect() {
  const containers = [...document.querySelectorAll('mjx-container')];
  const inMarkdown = containers.filter(c => c.closest('.jp-MarkdownCell'));
  let empty = 0, unresolved = 0;
  for (const c of containers) {
    const svg = c.querySelector(':scope > svg');
    const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    if (!svg || r.width <= 0 || r.height <= 0) empty++;
    for (const u of c.querySelectorAll('use')) {
      const ref = u.getAttribute('xlink:href') || u.getAttribute('href') || '';
      if (!ref.startsWith('#') || !document.getElementById(ref.slice(1))) unresolved++;
    }
  }
  const tex = [];
  for (const md of document.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')) {
    const copy = md.cloneNode(true);
    copy.querySelectorAll('mjx-container, code, pre').forEach(e => e.remove());
    const text = copy.textContent;
    const re = /\$|\\\(|\\\[|\\begin\{|\\frac|\\partial/g;
    let m;
    while ((m = re.exec(text)) && tex.length < 5) tex.push(text.slice(Math.max(0, m.index - 30), m.index + 30).replace(/\s+/g, ' '));
  }
  const scripts = [...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href);
  return { total: containers.length, inMarkdown: inMarkdown.length, outside: containers.length - inMarkdown.length,
    empty, unresolved, tex, scripts, cache: !!document.getElementById('MJX-SVG-global-cache') };
}

const browser = await chromium.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-domain-reliability'],
});
try {
  for (const file of PAGES) {
    const name = path.basename(file);
    const base = name.replace(/\.html$/, '').replace(/^offline-/, ''); // screenshots: offline-<base>*.png
    const url = pathToFileURL(path.resolve(file)).href;
    const withFormulas = FORMULA_PAGES.has(file);
    const shots = {};
    for (const js of [true, false]) {
      const where = `${name}${js ? '' : ' (JavaScript off)'}`;
      const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 1100, height: 900 } });
      const external = []; // every URL that would leave the machine, once
      await ctx.route('**/*', route => {
        const u = route.request().url();
        if (local(u)) return route.continue();
        if (!external.includes(u)) external.push(u);
        return route.abort();
      });
      const page = await ctx.newPage();
      page.on('request', r => { if (!local(r.url()) && !external.includes(r.url())) external.push(r.url()); });
      page.on('websocket', ws => external.push(ws.url()));
      const errors = [];
      page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', e => errors.push('page error: ' + e.message));
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForTimeout(1000); // anything the page would fetch late (scripts, lazy images)
      const r = await page.evaluate(inspect);
      check(external.length === 0, `${where}: no request leaves the machine`, external.length ? external.slice(0, 5).join(' ') : 'none made');
      check(r.scripts.every(local), `${where}: no remote <script src> or <link href>`, r.scripts.filter(u => !local(u)).slice(0, 3).join(' '));
      if (js) check(errors.length === 0, `${where}: no console errors`, errors.slice(0, 3).join(' | '));
      if (withFormulas) {
        check(r.inMarkdown >= MIN_FORMULAS && r.cache, `${where}: formulas typeset as MathJax SVG in the markdown cells`,
          `${r.inMarkdown} formulas (at least ${MIN_FORMULAS}), shared glyphs ${r.cache ? 'present' : 'MISSING'}`);
        check(r.empty === 0 && r.unresolved === 0, `${where}: every formula drawn, every glyph resolved`,
          `${r.empty} empty, ${r.unresolved} unresolved glyphs of ${r.total} formulas`);
        check(r.tex.length === 0, `${where}: no TeX source left in the markdown text`, r.tex.join(' | '));
        // The first displayed formula, as a student sees it.
        const display = page.locator('.jp-MarkdownCell mjx-container[display="true"]').first();
        if (await display.count()) {
          const shot = path.join(OUT, `offline-${base}${js ? '' : '-nojs'}-formula.png`);
          await display.screenshot({ path: shot });
          shots[js] = fs.readFileSync(shot);
        }
      }
      check(r.outside === 0, `${where}: code cells and outputs are not typeset`, `${r.outside} formulas outside markdown cells`);
      if (js) await page.screenshot({ path: path.join(OUT, `offline-${base}.png`) });
      await ctx.close();
    }
    if (withFormulas) {
      check(shots[true] && shots[false] && Buffer.compare(shots[true], shots[false]) === 0,
        `${name}: the formulas look the same without JavaScript`, shots[true] ? 'screenshots compared' : 'no displayed formula');
    }
  }
} catch (e) {
  check(false, 'browser session', e.stack || String(e));
} finally {
  await browser.close().catch(() => {});
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
