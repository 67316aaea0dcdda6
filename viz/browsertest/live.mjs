// Live demos (demo.Live, GoNB widgets) in a real page: runs viz/browsertest/live.ipynb cell by
// cell in JupyterLab or Notebook 7 with the "Go (Deep Learning)" kernel, moves a slider, presses
// buttons, waits for an idle timeout, interrupts the kernel; after each ending the kernel must
// run the next cell. Driven by viz/browsertest/run.sh (LAB_URL, LAB_TOKEN, OUT, LIVE_NOTEBOOK).
// Prints PASS/FAIL lines and "N passed, N failed".
import { chromium } from 'playwright-core';
import path from 'node:path';

const { LAB_URL, LAB_TOKEN, OUT, LIVE_NOTEBOOK } = process.env;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let passed = 0, failed = 0;
function check(ok, what, detail = '') {
  if (ok) { passed++; console.log(`PASS: ${what}${detail ? ' (' + detail + ')' : ''}`); }
  else { failed++; console.log(`FAIL: ${what}${detail ? ': ' + detail : ''}`); }
  return ok;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'] });

async function session(where, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = [];
  // Notebook 7's own front end reports errors about the JupyterLab settings the test turns off
  // (extension manager, news): only the demos' errors count.
  page.on('pageerror', e => { if (/godl|gonb|echarts|zrender/i.test(e.message + e.stack)) errors.push('page error: ' + e.message); });
  page.on('console', m => { if (m.type() === 'error' && /godl|gonb|echarts/i.test(m.text())) errors.push(m.text()); });
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.jp-Notebook .jp-Cell', { timeout: 90_000 });
  // The kernel is idle once its status says so.
  await page.waitForFunction(() => {
    const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
    return s && s.getAttribute('data-status') === 'idle';
  }, null, { timeout: 120_000 }).catch(() => {});
  const cell = i => page.locator('.jp-Notebook .jp-Cell').nth(i);
  const run = async i => {
    await cell(i).locator('.jp-InputArea-editor').click();
    await page.keyboard.press('Shift+Enter');
  };
  const outText = i => cell(i).locator('.jp-OutputArea').innerText().catch(() => '');
  const waitText = async (i, text, ms) => {
    try { await cell(i).locator('.jp-OutputArea', { hasText: text }).waitFor({ timeout: ms }); return true; }
    catch { return false; }
  };
  const chartTitle = i => page.evaluate(([sel]) => {
    const els = [...document.querySelectorAll(sel)];
    const el = els[els.length - 1];
    const chart = el && window.__godlEcharts && window.__godlEcharts.getInstanceByDom(el);
    return chart ? chart.getOption().title[0].text : (el ? 'static:' + (el.querySelector('img') || {}).alt : null);
  }, [`.jp-Notebook .jp-Cell:nth-child(${i + 1}) [data-godl-chart]`]);
  // want: the title, or a test of it.
  const waitTitle = async (i, want, ms = 30_000) => {
    const t0 = Date.now();
    const ok = typeof want === 'function' ? want : t => t === want;
    let t = null;
    while (Date.now() - t0 < ms) { t = await chartTitle(i); if (ok(t)) return t; await page.waitForTimeout(250); }
    return t;
  };

  await run(1); // the import
  await page.waitForTimeout(1500);
  // 1. slider, button, Stop.
  await run(2);
  const slider = cell(2).locator('input[type=range]');
  const shown = await slider.waitFor({ timeout: 90_000 }).then(() => true, () => false);
  check(shown, `${where}: the live demo shows its slider`);
  if (shown) {
    check(await waitTitle(2, 'y = 1 x') === 'y = 1 x', `${where}: the first chart is drawn`, await chartTitle(2));
    await slider.fill('4'); // 0 + 4 × 0.5
    let t = await waitTitle(2, 'y = 2 x');
    check(t === 'y = 2 x', `${where}: moving the slider redraws the chart in the kernel`, `title ${t}`);
    await cell(2).locator('button', { hasText: 'add one' }).click();
    t = await waitTitle(2, 'y = 3 x');
    check(t === 'y = 3 x', `${where}: pressing a button redraws the chart`, `title ${t}`);
    await page.screenshot({ path: path.join(OUT, `live-${where.replace(/\W/g, '')}-running.png`) });
    await cell(2).locator('button', { hasText: 'Stop' }).click();
    const ended = await waitText(2, 'slope ended (Stop pressed) at k = 2', 30_000);
    const sliders = await cell(2).locator('input[type=range]').count();
    check(ended && sliders === 0, `${where}: Stop ends the demo, removes the controls and keeps the chart`,
      `${sliders} sliders left; chart ${await chartTitle(2)}; output: ${(await outText(2)).slice(0, 120)}`);
    await run(3);
    check(await waitText(3, 'after stop', 60_000), `${where}: after Stop the kernel runs the next cell`);
  }
  // 2. idle timeout.
  await run(4);
  check(await waitText(4, 'idle ended (idle timeout)', 90_000), `${where}: the idle timeout ends the demo`, (await outText(4)).slice(0, 120));
  await run(5);
  check(await waitText(5, 'after idle', 60_000), `${where}: after the idle timeout the kernel runs the next cell`);
  // 3. interrupt.
  await run(6);
  const sel = await cell(6).locator('select').waitFor({ timeout: 90_000 }).then(() => true, () => false);
  check(sel, `${where}: the third demo shows its choice`);
  await page.waitForTimeout(1000);
  // Kernel > Interrupt: the notebook's toolbar button, or two presses of "i" in command mode.
  const btn = page.locator('[data-command="notebook:interrupt-kernel"], [data-command="kernelmenu:interrupt"]').first();
  if (await btn.count()) await btn.click(); else { await page.keyboard.press('Escape'); await page.keyboard.press('i'); await page.keyboard.press('i'); }
  check(await waitText(6, 'interrupt me ended (interrupted)', 30_000), `${where}: an interrupt ends the demo cleanly`, (await outText(6)).slice(0, 160));
  await run(7);
  check(await waitText(7, 'after interrupt', 60_000), `${where}: after the interrupt the kernel runs the next cell`);
  // 4. The playground: "train 10 steps" trains in the kernel and redraws the boundary.
  await run(8);
  const train = cell(8).locator('button', { hasText: 'train 10 steps' });
  const trainShown = await train.waitFor({ timeout: 90_000 }).then(() => true, () => false);
  check(trainShown, `${where}: the live playground shows its train buttons`);
  if (trainShown) {
    let t = await waitTitle(8, s => /^step 0 · loss /.test(s || ''));
    check(/^step 0 · loss /.test(t || ''), `${where}: the playground draws the untrained model`, t);
    await train.click();
    t = await waitTitle(8, s => /^step 10 · loss /.test(s || ''), 60_000);
    check(/^step 10 · loss /.test(t || ''), `${where}: "train 10 steps" trains in the kernel and redraws`, t);
    await train.click();
    t = await waitTitle(8, s => /^step 20 · loss /.test(s || ''), 60_000);
    check(/^step 20 · loss /.test(t || ''), `${where}: a second press trains 10 more steps`, t);
    await cell(8).locator('button', { hasText: 'Stop' }).click();
    check(await waitText(8, 'ended (Stop pressed)', 30_000), `${where}: Stop ends the playground`, (await outText(8)).slice(0, 160));
    await run(9);
    check(await waitText(9, 'after the playground', 60_000), `${where}: after the playground the kernel runs the next cell`);
  }
  await page.screenshot({ path: path.join(OUT, `live-${where.replace(/\W/g, '')}.png`), fullPage: true });
  check(errors.length === 0, `${where}: no page errors from the demos`, errors.slice(0, 3).join(' | '));
  // Shut this notebook's kernel down, so that the next session starts a fresh one.
  await page.close();
}

try {
  await session('JupyterLab', `${LAB_URL}/lab/tree/${encodeURIComponent(LIVE_NOTEBOOK)}?reset&token=${LAB_TOKEN}`);
  // A fresh kernel for the next front end (the echarts library is sent once per kernel).
  const api = (p, method = 'GET') => fetch(`${LAB_URL}${p}`, { method, headers: { Authorization: `token ${LAB_TOKEN}` } });
  for (const k of await (await api('/api/kernels')).json()) await api(`/api/kernels/${k.id}`, 'DELETE');
  await session('Notebook 7', `${LAB_URL}/notebooks/${encodeURIComponent(LIVE_NOTEBOOK)}?token=${LAB_TOKEN}`);
} catch (e) {
  check(false, 'live demo session', e.stack || String(e));
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
