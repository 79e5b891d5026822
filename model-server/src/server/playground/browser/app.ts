// The playground's script (docs/model-server.md, "Playground"), served by the model server as
// /playground/app.js: predictions through POST /predict, one text or one per line, and the live drift
// view from GET /playground/drift. It talks to its own origin only (the page's Content-Security-Policy
// allows nothing else) and writes what the server or the user sent with textContent, never as HTML.

interface Prediction {
  label: string;
  confidence: number;
  probabilities: { negative: number; positive: number };
}

interface SignalView {
  signal: string;
  meaning: string;
  metric: string;
  edges: number[];
  live: { counts: number[]; n: number; oldestSeconds: number | null };
  baseline: { fractions: number[]; n?: number } | null;
  psi: number | null;
}

interface DriftView {
  window: number;
  signals: SignalView[];
}

const REFRESH_MS = 3000;
const SVG = 'http://www.w3.org/2000/svg';
/** Lower end of each signal's first bin (confidence is max(p, 1 - p)); others start at 0. */
const FLOOR: Record<string, number> = { confidence: 0.5 };
const TITLES: Record<string, string> = {
  confidence: 'Confidence max(p, 1 − p)',
  inputTokens: 'Tokens per text',
  unknownTokens: 'Share of unknown tokens',
};

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

const form = byId<HTMLFormElement>('predict-form');
const textBox = byId<HTMLTextAreaElement>('text');
const button = byId<HTMLButtonElement>('predict');
const errorBox = byId('error');
const result = byId('result');
const batch = byId('batch');
const latency = byId('latency');
const charts = byId('charts');
const driftStatus = byId('drift-status');

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;
const fixed4 = (x: number): string => x.toFixed(4);

// ---------------------------------------------------------------------------------------------
// Predictions

/** A readable sentence for a refusal: what happened, the server's own reason, what to do. */
function explain(status: number, reason: string | undefined, retryAfter: string | null): string {
  const why = reason ?? 'the server gave no reason';
  switch (status) {
    case 400:
      return `The server refused the request (400 Bad Request): ${why}.`;
    case 413:
      return `The request is too large for the server (413 Payload Too Large): ${why}. Send a shorter text or fewer lines.`;
    case 415:
      return `The server refused the request's format (415): ${why}.`;
    case 503:
      return `The server cannot predict right now (503 Service Unavailable): ${why}. Try again ${retryAfter ? `in ${retryAfter} s` : 'shortly'}.`;
    default:
      return `The server answered ${status}: ${why}.`;
  }
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function showSingle(p: Prediction): void {
  const label = byId('label');
  label.textContent = p.label;
  label.className = p.label === 'positive' ? 'positive' : 'negative';
  byId('confidence').textContent = `confidence ${fixed4(p.confidence)}`;
  for (const side of ['negative', 'positive'] as const) {
    byId<HTMLMeterElement>(`p-${side}`).value = p.probabilities[side];
    byId(`p-${side}-text`).textContent = fixed4(p.probabilities[side]);
  }
  result.hidden = false;
}

function showBatch(texts: string[], predictions: Prediction[]): void {
  const rows = predictions.map((p, i) => {
    const tr = el('tr');
    const text = texts[i];
    const cell = el('td', text.length > 200 ? `${text.slice(0, 200)}…` : text, 'text');
    if (text.length > 200) cell.title = text.slice(0, 2000);
    tr.append(
      el('td', String(i + 1), 'num'),
      cell,
      el('td', p.label, p.label === 'positive' ? 'positive' : 'negative'),
      el('td', fixed4(p.confidence), 'num'),
      el('td', fixed4(p.probabilities.negative), 'num'),
      el('td', fixed4(p.probabilities.positive), 'num'),
    );
    return tr;
  });
  byId('batch-rows').replaceChildren(...rows);
  batch.hidden = false;
}

/** One request at a time; the button stays enabled (and focused) so keyboard users keep their place. */
let busy = false;

async function predict(): Promise<void> {
  if (busy) return;
  const mode = (form.elements.namedItem('mode') as RadioNodeList).value;
  const texts = mode === 'batch' ? textBox.value.split(/\r?\n/).filter((line) => line.trim() !== '') : [];
  const body = JSON.stringify(mode === 'batch' ? { texts } : { text: textBox.value });
  errorBox.hidden = true;
  result.hidden = true;
  batch.hidden = true;
  busy = true;
  button.setAttribute('aria-disabled', 'true');
  form.setAttribute('aria-busy', 'true');
  const started = performance.now();
  try {
    let res: Response;
    try {
      res = await fetch('/predict', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    } catch (err) {
      // a server refusing a large body may close the connection before the browser has read the 413
      const limit = Number(form.dataset.maxBodyBytes);
      const size = new TextEncoder().encode(body).length;
      showError(
        size > limit
          ? `The connection closed while sending ${size.toLocaleString('en-US')} bytes: the server accepts request bodies up to ${limit.toLocaleString('en-US')} bytes (MAX_BODY_BYTES). Send a shorter text or fewer lines.`
          : `Could not reach the server: ${(err as Error).message}.`,
      );
      return;
    }
    const answer = (await res.json().catch(() => undefined)) as
      (Prediction & { predictions?: Prediction[]; error?: string }) | undefined;
    const ms = performance.now() - started;
    if (!res.ok || answer === undefined) {
      showError(explain(res.status, answer?.error, res.headers.get('retry-after')));
      return;
    }
    if (answer.predictions) showBatch(texts, answer.predictions);
    else showSingle(answer);
    const count = answer.predictions?.length ?? 1;
    latency.textContent = `Round trip ${ms.toFixed(1)} ms for ${count} text${count === 1 ? '' : 's'} (request to parsed answer, measured in this browser).`;
    latency.dataset.ms = ms.toFixed(1);
    void refreshDrift();
  } finally {
    busy = false;
    button.removeAttribute('aria-disabled');
    form.removeAttribute('aria-busy');
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void predict();
});
textBox.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    form.requestSubmit();
  }
});

// ---------------------------------------------------------------------------------------------
// Live drift

const W = 360;
const H = 150;
const PAD = { left: 34, right: 4, top: 8, bottom: 30 };

function binName(s: SignalView, i: number): string {
  const low = i === 0 ? (FLOOR[s.signal] ?? 0) : s.edges[i - 1];
  return i === 0 && low === s.edges[0] ? `= ${s.edges[0]}` : `(${low}, ${s.edges[i]}]`;
}

function histogram(s: SignalView): SVGSVGElement {
  const live = s.live.counts.map((c) => (s.live.n > 0 ? c / s.live.n : 0));
  const base = s.baseline?.fractions ?? [];
  const top = Math.max(0.01, ...live, ...base);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / s.edges.length;
  const y = (f: number): number => PAD.top + plotH * (1 - f / top);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'hist', role: 'img' });
  chart.setAttribute(
    'aria-label',
    `${TITLES[s.signal] ?? s.signal}: histogram of ${s.live.n} recent observations${s.baseline ? ' against the baseline' : ''}`,
  );
  chart.append(
    svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0), class: 'axis' }),
    svg('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: y(0), class: 'axis' }),
  );
  const yLabel = (f: number): SVGTextElement => {
    const t = svg('text', { x: PAD.left - 3, y: y(f) + 3, 'text-anchor': 'end' });
    t.textContent = `${Math.round(100 * f)}%`;
    return t;
  };
  chart.append(yLabel(0), yLabel(top));
  s.edges.forEach((edge, i) => {
    const x = PAD.left + i * step;
    const g = svg('g', {});
    const title = svg('title', {});
    title.textContent = `${binName(s, i)}: live ${percent(live[i])} (${s.live.counts[i]})${s.baseline ? `, baseline ${percent(base[i])}` : ''}`;
    g.append(title);
    // the baseline is the wider bar, drawn over the live one as an outline (STYLE in page.ts)
    const bar = (value: number, inset: number, cls: string): SVGElement =>
      svg('rect', {
        x: x + step * inset,
        y: y(value),
        width: step * (1 - 2 * inset),
        height: y(0) - y(value),
        class: cls,
      });
    g.append(bar(live[i], 0.15, 'live'));
    if (s.baseline) g.append(bar(base[i], 0.05, 'base'));
    const label = svg('text', { x: x + step / 2, y: H - PAD.bottom + 12, 'text-anchor': 'middle' });
    label.textContent = String(edge);
    g.append(label);
    chart.append(g);
  });
  const axisTitle = svg('text', { x: PAD.left + plotW / 2, y: H - 4, 'text-anchor': 'middle' });
  axisTitle.textContent = 'upper edge of each bin';
  chart.append(axisTitle);
  return chart;
}

function dataTable(s: SignalView): HTMLDetailsElement {
  const details = el('details');
  details.append(el('summary', 'Data'));
  const table = el('table');
  const head = el('tr');
  head.append(el('th', 'bin'), el('th', 'live'), el('th', 'share'), el('th', 'baseline'));
  for (const th of head.children) th.setAttribute('scope', 'col');
  table.append(el('thead'), el('tbody'));
  table.tHead!.append(head);
  s.edges.forEach((_, i) => {
    const tr = el('tr');
    const share = s.live.n > 0 ? s.live.counts[i] / s.live.n : 0;
    tr.append(
      el('td', binName(s, i)),
      el('td', String(s.live.counts[i]), 'num'),
      el('td', percent(share), 'num'),
      el('td', s.baseline ? percent(s.baseline.fractions[i]) : '—', 'num'),
    );
    table.tBodies[0].append(tr);
  });
  details.append(table);
  return details;
}

function ago(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function figure(s: SignalView, window: number): HTMLElement {
  const fig = el('figure');
  fig.dataset.signal = s.signal;
  const caption = el('figcaption', TITLES[s.signal] ?? s.signal);
  const summary = el('p', undefined, 'psi');
  if (s.live.n === 0) summary.textContent = 'No observations yet.';
  else {
    const over = `${s.live.n} observation${s.live.n === 1 ? '' : 's'}${s.live.n === window ? ' (the window is full)' : ''}, the oldest ${ago(s.live.oldestSeconds ?? 0)} ago`;
    summary.textContent =
      s.psi === null
        ? `Live traffic only (the model has no baseline for it): ${over}.`
        : `PSI ${fixed4(s.psi)} over ${over}.`;
  }
  const meaning = el('p', `A shift here means ${s.meaning}.`, 'help');
  const legend = el('p', undefined, 'legend');
  legend.append(el('span', undefined, 'key live'), 'recent traffic');
  if (s.baseline)
    legend.append(
      el('span', undefined, 'key base'),
      `baseline${s.baseline.n ? ` (${s.baseline.n} held-out texts)` : ''}`,
    );
  fig.append(caption, summary, histogram(s), legend, meaning, dataTable(s));
  return fig;
}

let refreshing = false;

async function refreshDrift(): Promise<void> {
  if (refreshing) return;
  refreshing = true;
  try {
    const res = await fetch('/playground/drift', { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const view = (await res.json()) as DriftView;
    charts.replaceChildren(...view.signals.map((s) => figure(s, view.window)));
    driftStatus.textContent =
      view.signals.length === 0
        ? 'No predictions yet, and the model carries no baseline.'
        : `Updated ${new Date().toLocaleTimeString()}; the last ${view.window} observations of each signal in this process.`;
  } catch (err) {
    driftStatus.textContent = `Could not refresh the drift view: ${(err as Error).message}. Retrying every ${REFRESH_MS / 1000} s.`;
  } finally {
    refreshing = false;
  }
}

void refreshDrift();
setInterval(() => {
  // a tab in the background need not poll
  if (!document.hidden) void refreshDrift();
}, REFRESH_MS);
