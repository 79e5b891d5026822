// The playground's server side: the drift view's figures, the page's escaping, and its routes on the
// real process (headers, the setting that turns it off). test/browser/playground.test.ts drives the
// page itself in Chromium.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { CONFIDENCE_BUCKETS, META, UNKNOWN_TOKENS_BUCKETS, smoothedPsi } from '@sentiment-operator/contract';
import type { ServerProcess } from '../src/bench/spawn-server';
import { describeModel } from '../src/model/metadata';
import { baselinesFromMetadata, driftView } from '../src/server/playground/drift-view';
import { escapeHtml, renderPage } from '../src/server/playground/page';
import { CONTENT_SECURITY_POLICY } from '../src/server/playground/routes';
import { RecentTraffic } from '../src/server/recent-traffic';
import type { ServedModel } from '../src/server/served-model';
import { ask, predict } from './support/http';
import { sampleModel, startServer } from './support/server';

const close = (actual: number, expected: number, tolerance = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);

const LIMITS = {
  maxTextChars: 20_000,
  maxBatchItems: 256,
  maxBodyBytes: 1024 * 1024,
  maxQueuedTexts: 4096,
  maxInflightBodyBytes: 16 * 1024 * 1024,
};

function sample(): ServedModel {
  const { metadata, sha256 } = describeModel(readFileSync(sampleModel()));
  return { name: 'imdb', version: metadata.version, sha256, metadata };
}

describe('playground drift view', () => {
  it("reads the sample model's confidence baseline from its metadata", () => {
    const { confidence } = baselinesFromMetadata(sample().metadata.baselines);
    assert.ok(confidence);
    assert.equal(confidence.n, 3406); // the sample model's validation split: 10 % of each domain
    assert.equal(confidence.fractions.length, CONFIDENCE_BUCKETS.length);
    close(
      confidence.fractions.reduce((a, b) => a + b, 0),
      1,
    );
  });

  it('leaves out a baseline that holds nothing, so its signal shows live data only', () => {
    const edges = [...CONFIDENCE_BUCKETS];
    const empty = { edges, counts: edges.map(() => 0), ratios: edges.map(() => 0), n: 0 };
    assert.deepEqual(baselinesFromMetadata({ confidence: empty }), {});
  });

  it('computes PSI with the smoothing the operator uses: Jeffreys on n live, the baseline on its n', () => {
    const recent = new RecentTraffic();
    const values = [0.52, 0.58, 0.99, 1, 1, 1, 0.97, 0.9];
    for (const v of values) recent.observe('confidence', v);
    const fractions = CONFIDENCE_BUCKETS.map(() => 1 / CONFIDENCE_BUCKETS.length);
    const view = driftView(recent, { confidence: { fractions, n: 1200 } }, Date.now());
    assert.equal(view.window, recent.capacity);
    assert.deepEqual(
      view.signals.map((s) => s.signal),
      ['confidence'],
    );
    const [s] = view.signals;
    assert.equal(s.live.n, values.length);
    const live = s.live.counts.map((c) => c / values.length);
    assert.equal(s.psi, smoothedPsi(live, values.length, fractions, 1200));
    assert.ok(s.psi! > 0.1);
  });

  it('gives PSI near 0 for traffic distributed as the baseline, and none without traffic or baseline', () => {
    const recent = new RecentTraffic(1000);
    const fractions = UNKNOWN_TOKENS_BUCKETS.map((_, i) => (i < 5 ? 0.2 : 0));
    const baselines = { unknownTokens: { fractions, n: 1000 } };
    assert.equal(driftView(recent, baselines).signals[0].psi, null);
    for (let i = 0; i < 1000; i++) recent.observe('unknownTokens', UNKNOWN_TOKENS_BUCKETS[i % 5]);
    const [s] = driftView(recent, baselines).signals;
    assert.ok(s.psi! < 1e-3, `${s.psi}`);
    recent.observe('confidence', 0.7);
    const confidence = driftView(recent, baselines).signals.find((x) => x.signal === 'confidence')!;
    assert.equal(confidence.baseline, null);
    assert.equal(confidence.psi, null);
  });
});

describe('playground page', () => {
  it('escapes what the model file says before it goes into the HTML', () => {
    assert.equal(
      escapeHtml(`<img src=x onerror="a('b')">&`),
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    );
    const model = sample();
    const hostile: ServedModel = {
      ...model,
      version: '<script>alert(1)</script>',
      metadata: {
        ...model.metadata,
        raw: { ...model.metadata.raw, [META.training]: JSON.stringify({ '<b>key</b>': '<i>value</i>' }) },
      },
    };
    const html = renderPage(hostile, LIMITS);
    assert.doesNotMatch(html, /<script>alert|<b>key|<i>value/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  it('loads its script from its own origin only: no inline script or style, no other host', () => {
    const html = renderPage(sample(), LIMITS);
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script type="module" src="/playground/app.js">']);
    assert.doesNotMatch(html, /\sstyle=|<style|\son[a-z]+=|https?:\/\//);
  });
});

describe('playground routes (real process, sample model)', function () {
  this.timeout(60_000);
  let server: ServerProcess;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0);
  });

  it('serves the page, its script, stylesheet and icon under a strict Content-Security-Policy', async () => {
    const types: Record<string, RegExp> = {
      '/': /^text\/html; charset=utf-8$/,
      '/playground/app.js': /^text\/javascript; charset=utf-8$/,
      '/playground/style.css': /^text\/css; charset=utf-8$/,
      '/playground/icon.svg': /^image\/svg\+xml$/,
    };
    for (const [path, type] of Object.entries(types)) {
      const a = await ask(server.port, { path });
      assert.equal(a.status, 200, path);
      assert.match(a.headers['content-type'] ?? '', type);
      assert.equal(a.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
      assert.equal(a.headers['x-content-type-options'], 'nosniff');
      assert.equal(a.headers['referrer-policy'], 'no-referrer');
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe|\*|https?:/);
  });

  it('answers the drift view with the recent predictions, and refuses other methods', async () => {
    assert.equal((await predict(server.port, { texts: ['great film', 'awful film', 'fine'] })).status, 200);
    const a = await ask(server.port, { path: '/playground/drift' });
    assert.equal(a.status, 200);
    assert.equal(a.headers['cache-control'], 'no-store');
    const confidence = a.json.signals.find((s: { signal: string }) => s.signal === 'confidence');
    assert.equal(confidence.live.n, 3);
    assert.equal(confidence.baseline.n, 3406);
    assert.equal(typeof confidence.psi, 'number');
    assert.ok(a.text.length < 8192, `${a.text.length} bytes`);
    assert.equal((await ask(server.port, { path: '/', method: 'POST', body: {} })).status, 405);
  });

  it('is gone with PLAYGROUND=false: the page and its data are 404s, the JSON API stays', async () => {
    const off = await startServer({ PLAYGROUND: 'false' });
    try {
      for (const path of ['/', '/playground/app.js', '/playground/drift']) {
        const a = await ask(off.port, { path });
        assert.equal(a.status, 404, path);
        assert.match(a.json.error, /no route GET/);
      }
      assert.equal((await predict(off.port, { text: 'great film' })).status, 200);
    } finally {
      assert.equal(await off.stop(), 0);
    }
  });
});
