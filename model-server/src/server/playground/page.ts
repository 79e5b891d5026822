// The playground's HTML and CSS (docs/model-server.md, "Playground"). The page is rendered once, when
// the server starts: the model card is server-side HTML (every value escaped), so it reads without
// JavaScript; the script (browser/app.ts, compiled by tsc into the same folder of dist) adds
// predictions and the live drift view. Nothing is loaded from another origin.
import { META, type ModelMetrics } from '../../contract';
import type { ServedModel } from '../served-model';

export interface PageLimits {
  maxTextChars: number;
  maxBatchItems: number;
  maxBodyBytes: number;
  maxQueuedTexts: number;
  maxInflightBodyBytes: number;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const row = (term: string, value: string): string => `<dt>${escapeHtml(term)}</dt><dd>${value}</dd>`;
const code = (value: unknown): string => `<code>${escapeHtml(value)}</code>`;
const num = (n: number): string => escapeHtml(n.toLocaleString('en-US'));
const bytes = (n: number): string =>
  n >= 1024 * 1024 && n % (1024 * 1024) === 0
    ? `${num(n / (1024 * 1024))} MiB`
    : n >= 1024 && n % 1024 === 0
      ? `${num(n / 1024)} KiB`
      : `${num(n)} bytes`;

const METRIC_NAMES: [keyof ModelMetrics, string][] = [
  ['accuracy', 'accuracy'],
  ['precision', 'precision'],
  ['recall', 'recall'],
  ['f1', 'F1'],
  ['auc', 'ROC AUC'],
  ['n', 'test texts'],
];

function metricsCard(metrics: ModelMetrics | undefined): string {
  if (!metrics) return `<p>The model file carries no <code>${escapeHtml(META.metrics)}</code>.</p>`;
  const rows = METRIC_NAMES.filter(([k]) => typeof metrics[k] === 'number').map(([k, name]) =>
    row(name, k === 'n' ? num(metrics[k]) : escapeHtml(metrics[k].toFixed(4))),
  );
  return `<dl class="pairs">${rows.join('')}</dl>`;
}

/** `sentimentops.training`: whatever the trainer recorded, its scalar fields as they are. */
function trainingCard(raw: Readonly<Record<string, string>>): string {
  let training: unknown;
  try {
    training = JSON.parse(raw[META.training] ?? 'null');
  } catch {
    training = null;
  }
  if (typeof training !== 'object' || training === null || Array.isArray(training)) return '';
  const rows = Object.entries(training as Record<string, unknown>).map(([k, v]) =>
    row(k, typeof v === 'number' ? num(v) : typeof v === 'string' ? escapeHtml(v) : code(JSON.stringify(v))),
  );
  return `<h3>Training</h3><dl class="pairs wrap">${rows.join('')}</dl>`;
}

export function renderPage(model: ServedModel, limits: PageLimits): string {
  const { metadata } = model;
  const rate = Number(metadata.raw[META.baselinePositiveRate]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.name)} · sentiment playground</title>
<link rel="icon" href="/playground/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/playground/style.css">
<script type="module" src="/playground/app.js"></script>
</head>
<body>
<header>
<h1>Sentiment playground</h1>
<p>Model ${code(model.name)}, version ${code(model.version)}</p>
</header>
<main>
<section id="try" aria-labelledby="try-title">
<h2 id="try-title">Try the model</h2>
<form id="predict-form" data-max-body-bytes="${limits.maxBodyBytes}">
<label for="text">Text to classify</label>
<textarea id="text" name="text" rows="6" spellcheck="false" aria-describedby="text-help"></textarea>
<p id="text-help" class="help">Ctrl+Enter predicts. In batch mode each non-empty line is one text (up to ${num(limits.maxBatchItems)}).</p>
<fieldset>
<legend>Mode</legend>
<label><input type="radio" name="mode" value="single" checked> one text</label>
<label><input type="radio" name="mode" value="batch"> batch: one text per line</label>
</fieldset>
<button type="submit" id="predict">Predict</button>
</form>
<noscript><p class="error">The playground needs JavaScript (from this server only) to send predictions; the JSON API works without it: <code>POST /predict</code>.</p></noscript>
<div id="error" class="error" role="alert" hidden></div>
<div id="result" hidden>
<p class="verdict"><span id="label"></span> <span id="confidence"></span></p>
<dl class="pairs">
<dt>P(negative)</dt><dd><meter id="p-negative" min="0" max="1"></meter> <span id="p-negative-text"></span></dd>
<dt>P(positive)</dt><dd><meter id="p-positive" min="0" max="1"></meter> <span id="p-positive-text"></span></dd>
</dl>
</div>
<div id="batch" hidden>
<div class="scroll"><table>
<caption>Batch predictions</caption>
<thead><tr><th scope="col">#</th><th scope="col">text</th><th scope="col">label</th><th scope="col">confidence</th><th scope="col">P(negative)</th><th scope="col">P(positive)</th></tr></thead>
<tbody id="batch-rows"></tbody>
</table></div>
</div>
<p id="latency" class="help" role="status"></p>
</section>
<section id="drift" aria-labelledby="drift-title">
<h2 id="drift-title">Live drift</h2>
<p class="help">The last predictions of this server process against the model's baseline (its held-out data), refreshed every few seconds. PSI is computed as the operator computes it; its default thresholds are 0.1 (Warning) and 0.25 (Drifted), on the traffic of every replica over <code>spec.drift.window</code>, so one process's recent texts are only a hint.</p>
<p id="drift-status" role="status">Loading…</p>
<div id="charts"></div>
</section>
<section id="card" aria-labelledby="card-title">
<h2 id="card-title">Model card</h2>
<dl class="pairs wrap">
${row('name', code(model.name))}
${row('version', code(model.version))}
${row('sha256', code(model.sha256))}
${row('labels', escapeHtml(metadata.labels.join(', ')))}
${Number.isFinite(rate) ? row('baseline positive rate', escapeHtml(rate.toFixed(4))) : ''}
</dl>
<h3>Held-out metrics</h3>
${metricsCard(metadata.metrics)}
${trainingCard(metadata.raw)}
<h3>Server limits</h3>
<dl class="pairs wrap">
${row('MAX_TEXT_CHARS', `${num(limits.maxTextChars)} characters per text`)}
${row('MAX_BATCH_ITEMS', `${num(limits.maxBatchItems)} texts per request`)}
${row('MAX_BODY_BYTES', bytes(limits.maxBodyBytes))}
${row('MAX_QUEUED_TEXTS', `${num(limits.maxQueuedTexts)} texts waiting`)}
${row('MAX_INFLIGHT_BODY_BYTES', bytes(limits.maxInflightBodyBytes))}
</dl>
</section>
</main>
<footer><p>JSON API: <code>POST /predict</code>, <code>/v2/models/${escapeHtml(model.name)}/infer</code>, <code>/metrics</code>. This page's data: <code>GET /playground/drift</code>.</p></footer>
</body>
</html>
`;
}

export const STYLE = `:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--pos:#1a7f37;--neg:#cf222e;--live:#0969da;--base:#8c959f;--focus:#bf8700}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--pos:#3fb950;--neg:#f85149;--live:#4493f8;--base:#9198a1}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}
h1{font-size:1.5rem;margin:1rem 0 .25rem}
h2{font-size:1.25rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
code{font:.9em ui-monospace,monospace;overflow-wrap:anywhere}
label{font-weight:600}
textarea{display:block;width:100%;font:inherit;padding:.5rem;margin:.25rem 0;color:inherit;background:inherit;border:1px solid var(--line);border-radius:4px}
fieldset{border:0;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
legend{float:left;margin-right:1rem;color:var(--muted)}
fieldset label{font-weight:400}
button{font:inherit;font-weight:600;padding:.4rem 1.2rem;border-radius:4px;border:1px solid var(--live);background:var(--live);color:#fff;cursor:pointer}
button[aria-disabled=true]{opacity:.6;cursor:progress}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.help{color:var(--muted);font-size:.9rem;margin:.25rem 0}
.error{border-left:4px solid var(--neg);padding:.5rem .75rem;margin:.75rem 0;background:color-mix(in srgb,var(--neg) 10%,transparent)}
.verdict{font-size:1.4rem;margin:.75rem 0 .25rem}
.positive{color:var(--pos);font-weight:700}
.negative{color:var(--neg);font-weight:700}
.pairs{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.25rem 0}
.pairs dt{color:var(--muted)}
.pairs dd{margin:0;min-width:0;overflow-wrap:anywhere}
@media (max-width:30rem){.pairs.wrap{grid-template-columns:1fr}.pairs.wrap dd{margin-bottom:.35rem}}
meter{width:8rem;vertical-align:middle}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;color:var(--muted)}
th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.text{max-width:24rem;overflow-wrap:anywhere}
#charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
figure{margin:0}
figcaption{font-weight:600}
svg.hist{width:100%;height:auto;display:block}
svg .live{fill:var(--live)}
svg .base{fill:none;stroke:var(--base);stroke-width:1.5;stroke-dasharray:3 2}
svg text{fill:var(--muted);font-size:10px}
svg .axis{stroke:var(--line)}
.legend{font-size:.85rem;color:var(--muted)}
.key{display:inline-block;width:.8em;height:.8em;margin:0 .25em 0 .5em;vertical-align:-.05em}
.key.live{background:var(--live)}
.key.base{border:1.5px dashed var(--base)}
details{font-size:.85rem}
footer{color:var(--muted);font-size:.85rem;margin-top:2rem;border-top:1px solid var(--line)}
`;

/** The tab's icon, so the browser's automatic request for one is answered (and stays same-origin). */
export const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0969da"/><path d="M4 10c1.5 2 6.5 2 8 0" stroke="#fff" stroke-width="1.6" fill="none"/><circle cx="5.5" cy="6" r="1.2" fill="#fff"/><circle cx="10.5" cy="6" r="1.2" fill="#fff"/></svg>`;
