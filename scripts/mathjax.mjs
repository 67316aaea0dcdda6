// Typesets the TeX of HTML fragments with MathJax 3 (the npm package mathjax-full) in node, so
// that exported notebooks show their formulas without MathJax, without a script and without a
// network: each formula becomes an inline SVG (its glyphs are paths; no font is needed).
// Used by scripts/offline_html.py for every HTML page the course writes (the notebooks of
// `make test`, the hand-ins of `make submit`).
//
//   node scripts/mathjax.mjs < request.json > reply.json
//
// request: {"fragments": ["<p>html of one markdown cell with $x$</p>", ...]}
// reply:   {"fragments": [the same fragments, typeset], "styles": "<style ...>" (MathJax's CSS,
//          for the page's <head>), "defs": "<svg ...>" (the glyph paths the formulas share, for
//          the page's <body>; empty when there is no formula), "count": number of formulas,
//          "errors": [{"tex", "message"}] for the formulas with a TeX error (shown in red)}
//
// The fragments are typeset together, as one page: \label / \ref and equation numbers work
// across cells. The delimiters and options are those nbconvert configured for MathJax 2 in its
// HTML template: $...$ and \(...\) inline, $$...$$ and \[...\] displayed, \$ for a dollar sign,
// \begin{...}...\end{...} environments, AMS equation numbers; <pre> and <code> are skipped.
//
// Exit status: 0 done, 2 bad request, 3 mathjax-full is not installed (run `make setup`).
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
let mj;
try {
  mj = {
    mathjax: require('mathjax-full/js/mathjax.js').mathjax,
    TeX: require('mathjax-full/js/input/tex.js').TeX,
    SVG: require('mathjax-full/js/output/svg.js').SVG,
    liteAdaptor: require('mathjax-full/js/adaptors/liteAdaptor.js').liteAdaptor,
    RegisterHTMLHandler: require('mathjax-full/js/handlers/html.js').RegisterHTMLHandler,
    AssistiveMmlHandler: require('mathjax-full/js/a11y/assistive-mml.js').AssistiveMmlHandler,
    AllPackages: require('mathjax-full/js/input/tex/AllPackages.js').AllPackages,
  };
} catch (e) {
  console.error('mathjax.mjs: the npm package mathjax-full is not installed (node_modules): run `make setup` ' +
    '(or `npm ci` in the course repository)\n  ' + String(e.message).split('\n')[0]);
  process.exit(3);
}

let request;
try {
  request = JSON.parse(fs.readFileSync(0, 'utf8'));
  if (!Array.isArray(request.fragments) || !request.fragments.every(f => typeof f === 'string')) throw new Error('"fragments" must be a list of strings');
} catch (e) {
  console.error('mathjax.mjs: bad request on stdin: ' + e.message);
  process.exit(2);
}

const adaptor = mj.liteAdaptor({ fontSize: 16 });
// Formulas are also given as MathML, hidden, for screen readers (as JupyterLab does).
mj.AssistiveMmlHandler(mj.RegisterHTMLHandler(adaptor));

const tex = new mj.TeX({
  packages: mj.AllPackages,
  inlineMath: [['$', '$'], ['\\(', '\\)']],
  displayMath: [['$$', '$$'], ['\\[', '\\]']],
  processEscapes: true,
  processEnvironments: true,
  tags: 'ams',
});
// fontCache 'global': each glyph's path is written once per page (in "defs") and reused.
const svg = new mj.SVG({ fontCache: 'global' });

// One element per fragment, so that each comes back on its own.
const page = '<!DOCTYPE html><html><head></head><body>'
  + request.fragments.map((f, i) => `<div data-godl-fragment="${i}">${f}</div>`).join('')
  + '</body></html>';
const html = mj.mathjax.document(page, { InputJax: tex, OutputJax: svg });
html.render();

const math = Array.from(html.math);
// A formula with a TeX error shows the message in red (noerrors), an undefined macro its own name
// in red (noundefined): both are reported, so that the page's author hears of them.
const errors = [];
for (const item of math) {
  let message = '';
  item.root?.walkTree(node => {
    if (message) return;
    if (node.isKind('merror')) message = node.attributes.get('data-mjx-error') || 'TeX error';
    else if (node.isKind('mtext') && node.attributes.get('mathcolor') === 'red' && node.childNodes[0]?.getText?.().startsWith('\\')) {
      message = 'undefined control sequence ' + node.childNodes[0].getText();
    }
  });
  if (message) errors.push({ tex: item.math, message });
}

const body = adaptor.body(html.document);
const fragments = new Array(request.fragments.length).fill(null);
let defs = '';
for (const node of adaptor.childNodes(body)) {
  if (adaptor.kind(node) === '#text' || adaptor.kind(node) === '#comment') continue;
  const i = adaptor.getAttribute(node, 'data-godl-fragment');
  if (i !== null && i !== undefined && i !== '') fragments[Number(i)] = adaptor.innerHTML(node);
  else if (adaptor.getAttribute(node, 'id') === 'MJX-SVG-global-cache') defs = adaptor.outerHTML(node);
}
const missing = fragments.findIndex(f => f === null);
if (missing >= 0) {
  console.error(`mathjax.mjs: fragment ${missing} was lost while typesetting (unbalanced HTML?)`);
  process.exit(2);
}
const styles = math.length ? adaptor.outerHTML(svg.styleSheet(html)) : '';
process.stdout.write(JSON.stringify({ fragments, styles, defs: math.length ? defs : '', count: math.length, errors }));
